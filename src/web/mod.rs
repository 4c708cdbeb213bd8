//! The public site.
