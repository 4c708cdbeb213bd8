//! The pages of sheets that carry one form ID: a photocopied blank filled in by two people, whose pages intake
//! may have paired wrongly. A person exchanges a page between two sheets, or confirms that the sheets' pages
//! belong together (which lifts intake's "unsure pairing" flag and the cap it puts on every field). Each is one
//! action, logged on every document it changes in the same transaction as the change. Kept apart from the rest of
//! the casework so that it stays one self-contained piece.

use super::{Casework, forms_of, new_case, sees, workable};
use crate::intake::pairing::FLAG_UNSURE_PAIRING;
use crate::staff::accounts::Account;
use crate::staff::case::Case;
use crate::staff::{StaffError, abort, committed, from_json, to_json};
use crate::store::audit::{LogKind, Pending};
use crate::store::documents::{Document, DocumentStatus, Documents};
use crate::store::{Store, now_rfc3339};
use sled::Transactional;

/// What a swap did, for the page and the API.
#[derive(Debug, Clone)]
pub struct Swapped {
    pub documents: [Document; 2],
    /// Corrections, review marks and let-stands on the page's fields that no longer applied and were removed.
    pub dropped: usize,
}

/// The document with page `page` taken from `from` in place of its own.
fn with_page_of(doc: &Document, from: &Document, page: u32) -> Document {
    let mut out = doc.clone();
    out.pages.remove(&page);
    out.fields.retain(|_, f| f.page != page);
    if let Some(p) = from.pages.get(&page) {
        out.pages.insert(page, p.clone());
    }
    for (name, f) in from.fields.iter().filter(|(_, f)| f.page == page) {
        out.fields.insert(name.clone(), f.clone());
    }
    out.status = if out.missing_pages().is_empty() {
        DocumentStatus::Pending
    } else {
        DocumentStatus::Incomplete
    };
    out.updated_at = now_rfc3339();
    recheck(&mut out);
    out
}

/// Checks a document again after its pages or flags changed: the confidences follow.
fn recheck(doc: &mut Document) {
    let forms = forms_of(crate::forms::Registry::embedded(), doc);
    let parts: Vec<&crate::forms::Form> = forms.iter().map(|f| f.as_ref()).collect();
    crate::intake::check::check_document(doc, &parts, &crate::validation::Context::now());
}

type Tx<T> = sled::transaction::ConflictableTransactionResult<T, StaffError>;

/// Inside the action's transaction: the document is still as it was read before it, or the action is stale (a
/// page placed or moved meanwhile).
fn unchanged(docs: &sled::transaction::TransactionalTree, doc: &Document) -> Tx<()> {
    let now: Option<Document> = match docs.get(doc.key.as_bytes())? {
        Some(bytes) => Some(from_json(&bytes).or_else(abort)?),
        None => None,
    };
    if now.as_ref() != Some(doc) {
        return abort(StaffError::Conflict(
            "Exemplaren ändrades just. Ladda om sidan och försök igen.".into(),
        ));
    }
    Ok(())
}

/// Inside the action's transaction: the sheet's case (a new one when nobody has opened it), which `by` must see
/// and may still work on.
fn workable_case(
    cases: &sled::transaction::TransactionalTree,
    doc: &Document,
    by: &Account,
) -> Tx<Case> {
    let case: Case = match cases.get(doc.key.as_bytes())? {
        Some(bytes) => from_json(&bytes).or_else(abort)?,
        None => new_case(doc),
    };
    if !sees(by, case.region.as_deref()) {
        return abort(StaffError::NotFound);
    }
    workable(&case).or_else(abort)?;
    Ok(case)
}

/// Removes what a person did to the fields of the page: it was done against the other sheet's page.
fn drop_work_on(case: &mut Case, fields: &[String]) -> usize {
    let mut n = 0;
    for name in fields {
        n += usize::from(case.corrections.remove(name).is_some());
        n += usize::from(case.reviewed.remove(name).is_some());
        n += usize::from(case.overrides.remove(name).is_some());
    }
    n
}

impl Casework {
    /// Exchanges page `page` of document `key` with page `page` of `other` (the same form ID; either may lack
    /// the page, then it just moves), with the fields read from it. Both cases must be open; corrections, review
    /// marks and let-stands on the page's fields are removed (they were about the other page). The documents,
    /// the page outcomes, both cases and one document-log entry on each are written in one transaction.
    pub fn swap_page(
        &self,
        store: &Store,
        key: &str,
        other: &str,
        page: u32,
        by: &Account,
    ) -> Result<Swapped, StaffError> {
        if key == other {
            return Err(StaffError::Invalid(
                "Välj det andra exemplaret att byta sida med.".into(),
            ));
        }
        let (a, _) = self.access(store, key, by)?;
        let (b, _) = self.access(store, other, by)?;
        if a.form_id != b.form_id {
            return Err(StaffError::Invalid(
                "Sidor kan bara bytas mellan exemplar med samma blankett-id.".into(),
            ));
        }
        if !a.pages.contains_key(&page) && !b.pages.contains_key(&page) {
            return Err(StaffError::Invalid(format!(
                "Sidan {page} finns inte i något av exemplaren."
            )));
        }
        let (new_a, new_b) = (with_page_of(&a, &b, page), with_page_of(&b, &a, page));
        if new_a.pages.is_empty() || new_b.pages.is_empty() {
            return Err(StaffError::Invalid(
                "Ett exemplar kan inte bli utan sidor.".into(),
            ));
        }
        let fields: Vec<String> = a
            .fields
            .iter()
            .chain(&b.fields)
            .filter(|(_, f)| f.page == page)
            .map(|(n, _)| n.clone())
            .collect();
        let mut outcomes = Vec::new();
        for doc in [&new_a, &new_b] {
            if let Some(p) = doc.pages.get(&page) {
                outcomes.push(Documents::outcome_entry(&doc.key, p)?);
            }
        }
        let (a_bytes, b_bytes) = (to_json(&new_a)?, to_json(&new_b)?);
        let (docs, pages) = store.documents.trees();
        let (log, heads) = self.audit.document_trees();
        let at = now_rfc3339();
        let _one = crate::store::one_transaction();
        let _log = self.audit.lock();
        let dropped = committed((&self.cases, docs, pages, log, heads).transaction(
            |(cases, docs, pages, log, heads)| {
                unchanged(docs, &a)?;
                unchanged(docs, &b)?;
                let mut dropped = 0;
                let mut written = Vec::new();
                for doc in [&a, &b] {
                    let mut case = workable_case(cases, doc, by)?;
                    dropped += drop_work_on(&mut case, &fields);
                    cases.insert(doc.key.as_bytes(), to_json(&case).or_else(abort)?)?;
                    written.push(case);
                }
                docs.insert(a.key.as_bytes(), a_bytes.clone())?;
                docs.insert(b.key.as_bytes(), b_bytes.clone())?;
                for (k, v) in &outcomes {
                    pages.insert(k.clone(), v.clone())?;
                }
                for (case, with) in written.iter().zip([&b.key, &a.key]) {
                    let detail = format!(
                        "sida {page} bytt med exemplaret {with}; {dropped} rättelser och granskningar på sidans \
                         fält togs bort"
                    );
                    Pending {
                        kind: LogKind::Document,
                        at: &at,
                        actor: &by.username,
                        action: "pages_swapped",
                        document: Some(&case.key),
                        region: case.region.as_deref(),
                        detail: &detail,
                    }
                    .append_in(log, heads)?;
                }
                Ok(dropped)
            },
        ))?;
        Ok(Swapped {
            documents: [new_a, new_b],
            dropped,
        })
    }

    /// A person has compared the sheets on the form ID of `key` and finds their pages paired right: the unsure
    /// pairing flag is lifted on every sheet of the ID that is still open, their fields are trusted as read
    /// again, and each gets a document-log entry, in one transaction. Returns the keys of the documents changed
    /// (none when no sheet was flagged).
    pub fn confirm_pairing(
        &self,
        store: &Store,
        key: &str,
        by: &Account,
    ) -> Result<Vec<String>, StaffError> {
        let (doc, case) = self.access(store, key, by)?;
        workable(&case)?;
        let compact = doc.key.split('#').next().unwrap_or(&doc.key).to_string();
        let mut read = Vec::new();
        let mut changed = Vec::new();
        for sheet in store.documents.with_id(&compact)? {
            // A sheet the person cannot see, or that is registered or rejected, keeps its flag.
            let case = match self.access(store, &sheet.key, by) {
                Ok((_, case)) => case,
                Err(StaffError::NotFound) => continue,
                Err(e) => return Err(e),
            };
            if workable(&case).is_err() || !sheet.flags.iter().any(|f| f == FLAG_UNSURE_PAIRING) {
                continue;
            }
            let mut now = sheet.clone();
            now.flags.retain(|f| f != FLAG_UNSURE_PAIRING);
            now.updated_at = now_rfc3339();
            recheck(&mut now);
            changed.push((to_json(&now)?, now));
            read.push(sheet);
        }
        if changed.is_empty() {
            return Ok(Vec::new());
        }
        let (docs, _) = store.documents.trees();
        let (log, heads) = self.audit.document_trees();
        let at = now_rfc3339();
        let detail = format!(
            "{} exemplar med blankett-id {}: sidorna hör ihop",
            read.len(),
            doc.form_id
        );
        let _one = crate::store::one_transaction();
        let _log = self.audit.lock();
        committed(
            (&self.cases, docs, log, heads).transaction(|(cases, docs, log, heads)| {
                for (sheet, (bytes, now)) in read.iter().zip(&changed) {
                    unchanged(docs, sheet)?;
                    let case = workable_case(cases, sheet, by)?;
                    // A case record marks the sheet as worked on: intake no longer moves its pages.
                    cases.insert(sheet.key.as_bytes(), to_json(&case).or_else(abort)?)?;
                    docs.insert(sheet.key.as_bytes(), bytes.clone())?;
                    Pending {
                        kind: LogKind::Document,
                        at: &at,
                        actor: &by.username,
                        action: "pairing_confirmed",
                        document: Some(&now.key),
                        region: case.region.as_deref(),
                        detail: &detail,
                    }
                    .append_in(log, heads)?;
                }
                Ok(())
            }),
        )?;
        Ok(changed.into_iter().map(|(_, d)| d.key).collect())
    }
}
