//! The values of a filled-in form: what the on-screen form, the renderer, the data QR code, intake and the
//! checks pass between them.

use std::collections::BTreeMap;

/// The value of one field: the text of a comb or text box, or the ticked options of a choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    Text(String),
    Ticked(Vec<String>),
}

impl FieldValue {
    pub fn is_empty(&self) -> bool {
        match self {
            FieldValue::Text(t) => t.is_empty(),
            FieldValue::Ticked(v) => v.is_empty(),
        }
    }
    pub fn text(&self) -> Option<&str> {
        match self {
            FieldValue::Text(t) => Some(t),
            FieldValue::Ticked(_) => None,
        }
    }
    pub fn ticked(&self) -> &[String] {
        match self {
            FieldValue::Ticked(v) => v,
            FieldValue::Text(_) => &[],
        }
    }
}

/// The values of one form of a copy (a main form or a supplement), by field name. Empty fields are absent.
pub type FormValues = BTreeMap<String, FieldValue>;
