//! Comb cells for the handwriting classifier, made and learnt from: one character written into a printed box by
//! a random writer and delivered by a random device ([`generate`]), digits written by real people ([`real`]), the
//! letter shapes of our own stroke models
//! and the extra Hershey fonts ([`shapes`]), and training, calibration and validation of the network
//! ([`train`]). Outside the service: the runtime reader (`crate::intake::read::hand`) only loads the weights.

pub mod generate;
pub mod placement;
pub mod real;
pub mod shapes;
pub mod train;
