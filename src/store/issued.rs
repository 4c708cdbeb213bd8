//! Issued form IDs: which form, version and region a copy was printed for, when and how. Never personal data.

use super::StoreError;
use crate::formid::{FormCode, FormId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Downloaded from the public site.
    Web,
    /// Printed in a batch by an operator.
    Batch,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedForm {
    pub id: String,
    pub form: String,
    pub version: u32,
    /// Supplements printed with the main form, as (form, version).
    #[serde(default)]
    pub supplements: Vec<(String, u32)>,
    pub region: String,
    /// RFC 3339, UTC.
    pub issued_at: String,
    pub channel: Channel,
    /// True when the reporter filled the form in on screen (the values themselves are never stored).
    #[serde(default)]
    pub filled_on_screen: bool,
}

#[derive(Clone)]
pub struct Issued {
    tree: sled::Tree,
}

/// What is being issued, without the IDs.
pub struct IssueRequest<'a> {
    pub form: FormCode,
    pub form_name: &'a str,
    pub supplements: Vec<(String, u32)>,
    pub region: &'a str,
    pub channel: Channel,
    pub filled_on_screen: bool,
}

impl Issued {
    pub(super) fn new(tree: sled::Tree) -> Issued {
        Issued { tree }
    }

    /// Draws `count` fresh IDs and records them. A collision with an earlier ID (one in 10^12 per pair) is redrawn,
    /// so every issued ID is unique.
    pub fn issue(
        &self,
        request: &IssueRequest<'_>,
        count: usize,
    ) -> Result<Vec<FormId>, StoreError> {
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let mut ids = Vec::with_capacity(count);
        while ids.len() < count {
            let id = FormId::generate(request.form);
            let record = IssuedForm {
                id: id.to_string(),
                form: request.form_name.to_string(),
                version: request.form.version,
                supplements: request.supplements.clone(),
                region: request.region.to_string(),
                issued_at: now.clone(),
                channel: request.channel,
                filled_on_screen: request.filled_on_screen,
            };
            let bytes =
                serde_json::to_vec(&record).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let key = id.compact();
            if self
                .tree
                .compare_and_swap(key.as_bytes(), None as Option<&[u8]>, Some(bytes))?
                .is_ok()
            {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    pub fn get(&self, id: &FormId) -> Result<Option<IssuedForm>, StoreError> {
        match self.tree.get(id.compact().as_bytes())? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| StoreError::Corrupt(e.to_string())),
        }
    }

    pub fn len(&self) -> usize {
        self.tree.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }
}
