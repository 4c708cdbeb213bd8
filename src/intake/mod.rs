//! Intake: scans in, pending notifications out, nothing lost.
//!
//! The stages, in order, each a type of its own:
//! 1. [`decode`]: a stored file -> [`decode::ScanPage`]s (grey, square pixels, known dpi)
//! 2. [`identify`]: which copy and page, by one chain of strategies (QR code, QR modules sampled where the
//!    corner marks put them, printed text), and the page's orientation
//! 3. [`align`]: corner marks -> a transform from form millimetres to image pixels, with its residual;
//!    [`realign`] places a page with a mark missing by its printed boxes
//! 4. read: tick boxes, comb cells, the data QR of a form filled on screen
//! 5. check: identifiers, dates, reference data, the STI/HIV rule, cross-field order
//! 6. assemble: pages grouped by form ID into documents; pending notifications in the store

pub mod align;
pub mod assemble;
pub mod background;
pub mod batch;
pub mod check;
pub mod decode;
pub mod geometry;
pub mod identify;
pub mod inbox;
pub mod pairing;
pub mod pipeline;
pub mod qr_grid;
pub mod read;
pub mod reader_pool;
pub mod realign;
