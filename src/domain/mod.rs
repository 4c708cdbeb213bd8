//! Domain knowledge: Swedish identifiers, the notifiable diseases, the regions that receive paper
//! notifications, and the country list used for smittland and country of birth.
//!
//! The reference data lives in `data/*.csv` and is embedded into the binary at build time; regions can be
//! overridden by an operator (see [`regions::Regions::from_env_or_data_dir`]).

pub mod countries;
pub mod diseases;
pub mod identity;
pub mod regions;

pub(crate) mod csv;
pub(crate) mod text;
