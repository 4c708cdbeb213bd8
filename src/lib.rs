//! blankett: paper notifications under the Swedish Communicable Diseases Act, printed with machine-readable IDs
//! and read back into pending notifications.

pub mod blanks;
pub mod cli;
pub mod dataqr;
pub mod domain;
pub mod fonts;
pub mod formid;
pub mod forms;
#[doc(hidden)]
pub mod fuzz_entry;
pub mod intake;
pub mod raster;
pub mod render;
pub mod staff;
pub mod store;
#[cfg(feature = "synth")]
pub mod synth;
pub mod validation;
pub mod web;
