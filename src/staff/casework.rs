//! The work on one document after intake: draft corrections, and the end states registered, rejected and put
//! aside; forwarding to another region. Values as read stay in the store's document untouched; corrections and
//! the registration record live here.

use super::accounts::{Account, AccountStatus};
use super::case::{
    Case, CaseState, CheckOverride, FieldChange, Forward, Registration, Reviewed, SetAsidePage,
};
use super::diarie::DiarieFormat;
use super::readiness::Readiness;
use super::{StaffError, abort, committed, from_json, to_json};
use crate::domain::regions::Regions;
use crate::forms::definition::{FieldDefinition, FieldKind};
use crate::forms::{Form, Registry};
use crate::store::audit::{Audit, LogKind, Pending};
use crate::store::documents::{Document, DocumentStatus, Value};
use crate::store::{Store, get_json, now_rfc3339};
use crate::validation::{self, FieldValue, FormValues};
use sled::Transactional;
use std::collections::BTreeMap;
use std::sync::Arc;

mod swap;
pub use swap::Swapped;

#[derive(Clone)]
pub struct Casework {
    /// document key -> [`Case`]
    cases: sled::Tree,
    /// diarienummer -> [`Registration`]
    registrations: sled::Tree,
    /// `region \0 registered_at \0 diarienummer` -> diarienummer: a region's registrations in time order.
    registrations_by_region: sled::Tree,
    /// `region/year` -> last number handed out (u64, big-endian).
    counters: sled::Tree,
    /// scan sha -> region code of the upload it came with.
    upload_regions: sled::Tree,
    /// unidentified page id (`scan:index`) -> [`SetAsidePage`].
    set_aside_pages: sled::Tree,
    audit: Audit,
    format: DiarieFormat,
    regions: Regions,
}

/// Longest reason kept (rejecting, putting aside, forwarding).
pub const MAX_REASON_CHARS: usize = 2000;

fn reason_of(reason: &str) -> Result<String, StaffError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StaffError::Invalid("Ange ett skäl.".into()));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(StaffError::Invalid(format!(
            "Skälet får vara högst {MAX_REASON_CHARS} tecken."
        )));
    }
    Ok(reason.to_string())
}

/// A region's documents are seen by its staff; a document of no known region by admins only.
fn sees(by: &Account, region: Option<&str>) -> bool {
    by.status == AccountStatus::Active
        && match region {
            Some(code) => by.sees_region(code),
            None => by.is_admin(),
        }
}

/// Correcting, registering, rejecting and forwarding need an open case (or one put aside).
fn workable(case: &Case) -> Result<(), StaffError> {
    match &case.state {
        CaseState::Open | CaseState::PutAside { .. } => Ok(()),
        CaseState::Registered { diarienummer, .. } => Err(StaffError::Conflict(format!(
            "Anmälan är redan registrerad med diarienummer {diarienummer}."
        ))),
        CaseState::Rejected { .. } => Err(StaffError::Conflict("Anmälan är avvisad.".into())),
    }
}

fn new_case(doc: &Document) -> Case {
    Case {
        key: doc.key.clone(),
        region: doc.region.clone(),
        state: CaseState::Open,
        corrections: BTreeMap::new(),
        changes: Vec::new(),
        forwards: Vec::new(),
        reviewed: BTreeMap::new(),
        overrides: BTreeMap::new(),
    }
}

/// The document-log entry of a change to a case; the region is the case's after the change unless named.
struct Note {
    action: &'static str,
    region: Option<String>,
    detail: String,
}

fn note(action: &'static str, detail: impl Into<String>) -> Option<Note> {
    Some(Note {
        action,
        region: None,
        detail: detail.into(),
    })
}

/// The readiness of a document with its case, over the forms it was printed from.
pub fn readiness_of(doc: &Document, case: &Case) -> Readiness {
    let forms = forms_of(Registry::embedded(), doc);
    let parts: Vec<&Form> = forms.iter().map(|f| f.as_ref()).collect();
    Readiness::of(doc, case, &parts)
}

/// The values as read with the case's corrections over them.
pub fn effective_values(doc: &Document, case: &Case) -> BTreeMap<String, Value> {
    let mut values: BTreeMap<String, Value> = doc
        .fields
        .iter()
        .map(|(name, f)| (name.clone(), f.value.clone()))
        .collect();
    values.extend(case.corrections.clone());
    values
}

/// The form versions a document was printed from: its main form, and the supplements its pages or fields name.
pub fn forms_of(registry: &Registry, doc: &Document) -> Vec<Arc<Form>> {
    fn add(forms: &mut Vec<Arc<Form>>, form: Option<&Arc<Form>>) {
        if let Some(form) = form
            && !forms.iter().any(|f| Arc::ptr_eq(f, form))
        {
            forms.push(form.clone());
        }
    }
    let mut forms: Vec<Arc<Form>> = Vec::new();
    add(&mut forms, registry.get(&doc.form, Some(doc.version)).ok());
    for page in doc.pages.values() {
        let code = page.template.split('.').next().unwrap_or_default();
        add(
            &mut forms,
            registry.all().find(|f| f.code.to_string() == code),
        );
    }
    for field in doc.fields.values() {
        if !forms.iter().any(|f| f.name() == field.form) {
            add(&mut forms, registry.get(&field.form, None).ok());
        }
    }
    forms
}

fn empty_value(def: &FieldDefinition) -> Value {
    match def.kind {
        FieldKind::Choice { .. } => Value::Ticked(Vec::new()),
        _ => Value::Text(String::new()),
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Text(t) => t.is_empty(),
        Value::Ticked(t) => t.is_empty(),
    }
}

/// Checks a corrected value against its field and gives it in the field's normal form (a personnummer without
/// its hyphen). Emptying a field is always allowed; any other value must pass the field's checks.
fn checked_value(
    form: &Form,
    def: &FieldDefinition,
    value: Value,
    siblings: &FormValues,
) -> Result<Value, StaffError> {
    let value = match (&def.kind, value) {
        (FieldKind::Choice { .. }, Value::Ticked(mut ticked)) => {
            let mut seen = Vec::new();
            ticked.retain(|t| {
                let first = !seen.contains(t);
                seen.push(t.clone());
                first
            });
            Value::Ticked(ticked)
        }
        (FieldKind::Choice { .. }, Value::Text(_)) => {
            return Err(StaffError::Invalid(format!(
                "{} är kryssrutor: ange vilka alternativ som är kryssade.",
                def.label
            )));
        }
        (_, Value::Ticked(_)) => {
            return Err(StaffError::Invalid(format!(
                "{} fylls i med text, inte med kryss.",
                def.label
            )));
        }
        (_, Value::Text(text)) => Value::Text(validation::normalize(def, &text)),
    };
    if !is_empty(&value) {
        validation::check_field(
            form,
            def,
            &FieldValue::from(&value),
            siblings,
            &validation::Context::now(),
        )
        .map_err(|message| StaffError::Invalid(format!("{}: {message}", def.label)))?;
    }
    Ok(value)
}

fn show(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn counter_value(bytes: Option<sled::IVec>) -> Result<u64, StaffError> {
    match bytes {
        None => Ok(0),
        Some(b) => <[u8; 8]>::try_from(b.as_ref())
            .map(u64::from_be_bytes)
            .map_err(|_| {
                StaffError::Store(crate::store::StoreError::Corrupt(
                    "diarienummerräknaren är skadad".into(),
                ))
            }),
    }
}

fn parse_day(text: &str) -> Result<time::Date, StaffError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text.trim(), format)
        .map_err(|_| StaffError::Invalid(format!("”{}” är inget datum (ÅÅÅÅ-MM-DD).", text.trim())))
}

impl Casework {
    pub(crate) fn new(
        db: &sled::Db,
        audit: Audit,
        format: DiarieFormat,
    ) -> Result<Casework, StaffError> {
        Ok(Casework {
            cases: db.open_tree("cases")?,
            registrations: db.open_tree("registrations")?,
            registrations_by_region: db.open_tree("registrations_by_region")?,
            counters: db.open_tree("diarie_counters")?,
            upload_regions: db.open_tree("upload_regions")?,
            set_aside_pages: db.open_tree("unidentified_set_aside")?,
            audit,
            format,
            // Region codes are fixed by law; an operator's override file changes addresses, not codes.
            regions: Regions::embedded(),
        })
    }

    /// The document and its case, without logging, if the account may see it.
    fn access(
        &self,
        store: &Store,
        key: &str,
        by: &Account,
    ) -> Result<(Document, Case), StaffError> {
        let doc = store.documents.get(key)?.ok_or(StaffError::NotFound)?;
        let case = self.case(&doc)?;
        if !sees(by, case.region.as_deref()) {
            return Err(StaffError::NotFound);
        }
        Ok((doc, case))
    }

    /// Reads, changes and writes a case in one transaction; the account must still see it when it is written.
    /// The document-log entry the change returns is appended in the same transaction, so that a kill or a failed
    /// write never leaves a change the log does not know, nor an entry for a change that did not happen.
    fn change<T>(
        &self,
        doc: &Document,
        by: &Account,
        f: impl Fn(&mut Case) -> Result<(T, Option<Note>), StaffError>,
    ) -> Result<(Case, T), StaffError> {
        let (log, heads) = self.audit.document_trees();
        let at = now_rfc3339();
        // Always the transaction turn first, then the log's lock, as every append does.
        let _one = crate::store::one_transaction();
        let _log = self.audit.lock();
        committed(
            (&self.cases, log, heads).transaction(|(cases, log, heads)| {
                let mut case = match cases.get(doc.key.as_bytes())? {
                    Some(bytes) => from_json(&bytes).or_else(abort)?,
                    None => new_case(doc),
                };
                if !sees(by, case.region.as_deref()) {
                    return abort(StaffError::NotFound);
                }
                let (out, note) = f(&mut case).or_else(abort)?;
                cases.insert(doc.key.as_bytes(), to_json(&case).or_else(abort)?)?;
                if let Some(note) = note {
                    Pending {
                        kind: LogKind::Document,
                        at: &at,
                        actor: &by.username,
                        action: note.action,
                        document: Some(&case.key),
                        region: note.region.as_deref().or(case.region.as_deref()),
                        detail: &note.detail,
                    }
                    .append_in(log, heads)?;
                }
                Ok((case, out))
            }),
        )
    }

    /// The document and its case, if the account may see it; `NotFound` otherwise. Writes `opened` to the user
    /// log: who looked at which notification is part of the record.
    pub fn open(
        &self,
        store: &Store,
        key: &str,
        by: &Account,
    ) -> Result<(Document, Case), StaffError> {
        let (doc, case) = self.access(store, key, by)?;
        self.audit.append(
            LogKind::User,
            &by.username,
            "opened",
            Some(&doc.key),
            case.region.as_deref(),
            "",
        )?;
        Ok((doc, case))
    }

    /// The case of a document, without access check (for queues and export).
    pub fn case(&self, doc: &Document) -> Result<Case, StaffError> {
        Ok(get_json(&self.cases, doc.key.as_bytes())?.unwrap_or_else(|| new_case(doc)))
    }

    /// Records a correction of one field (checked against the form definition: known field, right kind).
    /// Setting a field back to the value as read removes the draft correction but keeps the change record.
    /// The value is checked as the field's own check asks (a personnummer's check digit, a real date), except
    /// that a field may always be emptied.
    pub fn correct(
        &self,
        store: &Store,
        key: &str,
        field: &str,
        value: Value,
        by: &Account,
    ) -> Result<Case, StaffError> {
        self.correct_noting(store, key, field, value, by, "")
    }

    /// As [`Casework::correct`]; `note` is added to the log entry (how the value came: "förslaget").
    fn correct_noting(
        &self,
        store: &Store,
        key: &str,
        field: &str,
        value: Value,
        by: &Account,
        how: &str,
    ) -> Result<Case, StaffError> {
        let (doc, case) = self.access(store, key, by)?;
        workable(&case)?;
        let forms = forms_of(Registry::embedded(), &doc);
        let (form, def) = forms
            .iter()
            .find_map(|form| {
                validation::fields(form)
                    .find(|d| d.name == field)
                    .map(|d| (form, d))
            })
            .ok_or_else(|| StaffError::Invalid(format!("Blanketten har inget fält ”{field}”.")))?;
        let effective = effective_values(&doc, &case);
        let siblings: FormValues = validation::fields(form)
            .filter_map(|d| effective.get(&d.name).map(|v| (d.name.clone(), v.into())))
            .collect();
        let value = checked_value(form, def, value, &siblings)?;
        let as_read = doc
            .fields
            .get(field)
            .map(|f| f.value.clone())
            .unwrap_or_else(|| empty_value(def));
        let at = now_rfc3339();
        let (case, ()) = self.change(&doc, by, |case| {
            workable(case)?;
            let old = case
                .corrections
                .get(field)
                .cloned()
                .unwrap_or_else(|| as_read.clone());
            if old == value {
                return Ok(((), None));
            }
            if value == as_read {
                case.corrections.remove(field);
            } else {
                case.corrections.insert(field.to_string(), value.clone());
            }
            case.changes.push(FieldChange {
                field: field.to_string(),
                old: old.clone(),
                new: value.clone(),
                by: by.username.clone(),
                at: at.clone(),
            });
            // A person chose this value: the field is looked at.
            case.reviewed.insert(
                field.to_string(),
                Reviewed {
                    by: by.username.clone(),
                    at: at.clone(),
                },
            );
            let mut detail = format!("{field}: {} -> {}", show(&old), show(&value));
            if !how.is_empty() {
                detail.push_str(&format!(" ({how})"));
            }
            Ok(((), note("field_changed", detail)))
        })?;
        Ok(case)
    }

    /// What stands between the document and its registration, if the account may see it (no log entry).
    pub fn readiness(
        &self,
        store: &Store,
        key: &str,
        by: &Account,
    ) -> Result<Readiness, StaffError> {
        let (doc, case) = self.access(store, key, by)?;
        Ok(readiness_of(&doc, &case))
    }

    /// Records that a person looked at these fields against the paper and accepts them as they stand. Fields
    /// already looked at are left as they were; one log entry names the fields newly looked at.
    pub fn review(
        &self,
        store: &Store,
        key: &str,
        fields: &[String],
        by: &Account,
    ) -> Result<Case, StaffError> {
        let (doc, case) = self.access(store, key, by)?;
        workable(&case)?;
        if let Some(unknown) = fields.iter().find(|f| !doc.fields.contains_key(f.as_str())) {
            return Err(StaffError::Invalid(format!(
                "Dokumentet har inget fält ”{unknown}”."
            )));
        }
        let at = now_rfc3339();
        let (case, ()) = self.change(&doc, by, |case| {
            workable(case)?;
            let mut added = Vec::new();
            for field in fields {
                if !case.reviewed.contains_key(field) {
                    case.reviewed.insert(
                        field.clone(),
                        Reviewed {
                            by: by.username.clone(),
                            at: at.clone(),
                        },
                    );
                    added.push(field.clone());
                }
            }
            let entry = if added.is_empty() {
                None
            } else {
                note("fields_reviewed", added.join(", "))
            };
            Ok(((), entry))
        })?;
        Ok(case)
    }

    /// Lets the failed checks of one field stand, for its value now, with a reason: kept in the case and the
    /// document log (who, when, why). Refused when no check fails on the field. A changed value needs it again.
    pub fn override_check(
        &self,
        store: &Store,
        key: &str,
        field: &str,
        reason: &str,
        by: &Account,
    ) -> Result<Case, StaffError> {
        let reason = reason_of(reason)?;
        let (doc, case) = self.access(store, key, by)?;
        workable(&case)?;
        let state = readiness_of(&doc, &case)
            .field(field)
            .cloned()
            .ok_or_else(|| StaffError::Invalid(format!("Dokumentet har inget fält ”{field}”.")))?;
        if state.checks.is_empty() {
            return Err(StaffError::Invalid(format!(
                "{}: inga kontroller att godta, fältet stämmer.",
                state.label
            )));
        }
        let at = now_rfc3339();
        let (case, ()) = self.change(&doc, by, |case| {
            workable(case)?;
            let now = case
                .corrections
                .get(field)
                .or_else(|| doc.fields.get(field).map(|f| &f.value));
            if now != Some(&state.value) {
                return Err(StaffError::Conflict(format!(
                    "{} har ändrats under tiden: titta på fältet igen.",
                    state.label
                )));
            }
            case.overrides.insert(
                field.to_string(),
                CheckOverride {
                    value: state.value.clone(),
                    checks: state.checks.clone(),
                    reason: reason.clone(),
                    by: by.username.clone(),
                    at: at.clone(),
                },
            );
            case.reviewed.entry(field.to_string()).or_insert(Reviewed {
                by: by.username.clone(),
                at: at.clone(),
            });
            let detail = format!("{field}: {} Skäl: {reason}", state.checks.join(" "));
            Ok(((), note("check_overridden", detail)))
        })?;
        Ok(case)
    }

    /// Takes the value a rule suggests beside the value as written (a check digit, a date, a list name): a
    /// correction like any other (old, new, who, when), only ever at a person's choice.
    pub fn take_suggestion(
        &self,
        store: &Store,
        key: &str,
        field: &str,
        by: &Account,
    ) -> Result<Case, StaffError> {
        let (doc, _) = self.access(store, key, by)?;
        let suggestion = doc
            .fields
            .get(field)
            .and_then(|f| f.suggestion.clone())
            .ok_or_else(|| StaffError::Invalid(format!("Fältet ”{field}” har inget förslag.")))?;
        self.correct_noting(
            store,
            key,
            field,
            Value::Text(suggestion.value),
            by,
            "förslaget",
        )
    }

    /// Registers: gives the next diarienummer of the case's region and the current year (UTC), stores the
    /// registration, and sets the case `Registered`, all in one transaction. Group accounts are refused.
    pub fn register(
        &self,
        store: &Store,
        key: &str,
        by: &Account,
    ) -> Result<Registration, StaffError> {
        let (doc, case) = self.access(store, key, by)?;
        if !by.may_register() {
            return Err(StaffError::Forbidden(
                "Ett gruppkonto kan inte registrera: registreringen ska göras av en namngiven person."
                    .into(),
            ));
        }
        workable(&case)?;
        if doc.status == DocumentStatus::Incomplete {
            return Err(StaffError::Conflict(
                "Anmälan saknar sidor och kan inte registreras förrän alla sidor har kommit in."
                    .into(),
            ));
        }
        let forms = forms_of(Registry::embedded(), &doc);
        let parts: Vec<&Form> = forms.iter().map(|f| f.as_ref()).collect();
        let now = time::OffsetDateTime::now_utc();
        let at = now_rfc3339();
        let year = now.year();
        let values_read: BTreeMap<String, Value> = doc
            .fields
            .iter()
            .map(|(name, f)| (name.clone(), f.value.clone()))
            .collect();
        let (log, heads) = self.audit.document_trees();
        let trees = (
            &self.cases,
            &self.counters,
            &self.registrations,
            &self.registrations_by_region,
            log,
            heads,
        );
        // The registration and its log entry in one transaction: a kill between two writes would leave a
        // registration the log does not know.
        let _one = crate::store::one_transaction();
        let _log = self.audit.lock();
        let registration = committed(trees.transaction(|(cases, counters, regs, by_region, log, heads)| {
            let mut case = match cases.get(doc.key.as_bytes())? {
                Some(bytes) => from_json(&bytes).or_else(abort)?,
                None => new_case(&doc),
            };
            if !sees(by, case.region.as_deref()) {
                return abort(StaffError::NotFound);
            }
            workable(&case).or_else(abort)?;
            // Inside the transaction: a correction or let-stand that came in meanwhile is what is judged.
            let readiness = Readiness::of(&doc, &case, &parts);
            if !readiness.is_ready() {
                return abort(StaffError::NotReady(readiness.obstacles()));
            }
            let overrides: BTreeMap<String, CheckOverride> = readiness
                .overridden()
                .into_iter()
                .filter_map(|f| Some((f.name.clone(), f.overridden.clone()?)))
                .collect();
            let Some(region) = case.region.clone() else {
                return abort(StaffError::Conflict(
                    "Anmälan hör inte till någon region: vidarebefordra den till rätt region först."
                        .into(),
                ));
            };
            let counter_key = format!("{region}/{year}");
            let number = counter_value(counters.get(counter_key.as_bytes())?).or_else(abort)? + 1;
            let diarienummer = self.format.format(&region, year, number);
            if regs.get(diarienummer.as_bytes())?.is_some() {
                return abort(StaffError::Conflict(format!(
                    "Diarienumret {diarienummer} finns redan: diarienummermönstret behöver {{region}} \
                     och {{year}} när flera regioner eller år registreras."
                )));
            }
            let mut values_registered = values_read.clone();
            values_registered.extend(case.corrections.clone());
            let registration = Registration {
                diarienummer: diarienummer.clone(),
                region: region.clone(),
                year,
                number,
                key: doc.key.clone(),
                form_id: doc.form_id.clone(),
                form: doc.form.clone(),
                version: doc.version,
                received_at: doc.created_at.clone(),
                registered_by: by.username.clone(),
                registered_by_name: by.display_name.clone(),
                registered_at: at.clone(),
                values_read: values_read.clone(),
                values_registered,
                changes: case.changes.clone(),
                overrides,
            };
            case.state = CaseState::Registered {
                diarienummer: diarienummer.clone(),
                by: by.username.clone(),
                at: at.clone(),
            };
            counters.insert(counter_key.as_bytes(), &number.to_be_bytes())?;
            regs.insert(diarienummer.as_bytes(), to_json(&registration).or_else(abort)?)?;
            by_region.insert(
                format!("{region}\0{at}\0{diarienummer}").as_bytes(),
                diarienummer.as_bytes(),
            )?;
            cases.insert(doc.key.as_bytes(), to_json(&case).or_else(abort)?)?;
            Pending {
                kind: LogKind::Document,
                at: &at,
                actor: &by.username,
                action: "registered",
                document: Some(&doc.key),
                region: Some(&region),
                detail: &diarienummer,
            }
            .append_in(log, heads)?;
            Ok(registration)
        }))?;
        // The diarienummer is shown to a person as given: on disk first, so that a kill or a power cut right after
        // cannot hand the same number to another case (sled otherwise writes every 200 ms).
        self.cases.flush()?;
        Ok(registration)
    }

    /// Ends a case without registering it (not a notification, sent by mistake), with a reason.
    pub fn reject(
        &self,
        store: &Store,
        key: &str,
        reason: &str,
        by: &Account,
    ) -> Result<Case, StaffError> {
        let reason = reason_of(reason)?;
        let (doc, case) = self.access(store, key, by)?;
        workable(&case)?;
        let at = now_rfc3339();
        let (case, ()) = self.change(&doc, by, |case| {
            workable(case)?;
            case.state = CaseState::Rejected {
                reason: reason.clone(),
                by: by.username.clone(),
                at: at.clone(),
            };
            Ok(((), note("rejected", reason.clone())))
        })?;
        Ok(case)
    }

    /// Puts an open case aside (waiting for the reporter, for instance); [`Casework::resume`] opens it again.
    pub fn put_aside(
        &self,
        store: &Store,
        key: &str,
        reason: &str,
        by: &Account,
    ) -> Result<Case, StaffError> {
        let reason = reason_of(reason)?;
        let (doc, _) = self.access(store, key, by)?;
        let at = now_rfc3339();
        let (case, ()) = self.change(&doc, by, |case| {
            match case.state {
                CaseState::Open => {}
                CaseState::PutAside { .. } => {
                    return Err(StaffError::Conflict(
                        "Anmälan är redan lagd åt sidan.".into(),
                    ));
                }
                _ => workable(case)?,
            }
            case.state = CaseState::PutAside {
                reason: reason.clone(),
                by: by.username.clone(),
                at: at.clone(),
            };
            Ok(((), note("put_aside", reason.clone())))
        })?;
        Ok(case)
    }

    /// Opens a case that was put aside.
    pub fn resume(&self, store: &Store, key: &str, by: &Account) -> Result<Case, StaffError> {
        let (doc, _) = self.access(store, key, by)?;
        let (case, ()) = self.change(&doc, by, |case| match case.state {
            CaseState::PutAside { .. } => {
                case.state = CaseState::Open;
                Ok(((), note("resumed", "")))
            }
            CaseState::Open => Err(StaffError::Conflict("Anmälan är redan öppen.".into())),
            _ => workable(case).map(|()| ((), None)),
        })?;
        Ok(case)
    }

    /// Hands the document to another region (a known region code), with a reason. The case is open in the new
    /// region, and no longer seen by the old one.
    pub fn forward(
        &self,
        store: &Store,
        key: &str,
        to_region: &str,
        reason: &str,
        by: &Account,
    ) -> Result<Case, StaffError> {
        let reason = reason_of(reason)?;
        let (doc, case) = self.access(store, key, by)?;
        workable(&case)?;
        let to = self
            .regions
            .get(to_region)
            .ok_or_else(|| StaffError::Invalid(format!("Okänd region ”{}”.", to_region.trim())))?
            .code
            .clone();
        let at = now_rfc3339();
        let (case, ()) = self.change(&doc, by, |case| {
            workable(case)?;
            if case.region.as_deref() == Some(to.as_str()) {
                return Err(StaffError::Invalid(format!(
                    "Anmälan hör redan till region {to}."
                )));
            }
            let from = case.region.replace(to.clone());
            case.forwards.push(Forward {
                from: from.clone(),
                to: to.clone(),
                reason: reason.clone(),
                by: by.username.clone(),
                at: at.clone(),
            });
            case.state = CaseState::Open;
            // Logged under the region it left, where the person who forwarded it works.
            let entry = Note {
                action: "forwarded",
                region: Some(from.clone().unwrap_or_else(|| to.clone())),
                detail: format!("{} -> {to}: {reason}", from.as_deref().unwrap_or("-")),
            };
            Ok(((), Some(entry)))
        })?;
        Ok(case)
    }

    pub fn registration(&self, diarienummer: &str) -> Result<Option<Registration>, StaffError> {
        Ok(get_json(&self.registrations, diarienummer.as_bytes())?)
    }

    /// Registrations of one region with `registered_at` within [from, to] (dates `YYYY-MM-DD`, inclusive; the
    /// dates of `registered_at`, which is UTC).
    pub fn registrations(
        &self,
        region: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<Registration>, StaffError> {
        let (from, to) = (parse_day(from)?, parse_day(to)?);
        let prefix = format!("{region}\0");
        let start = format!("{prefix}{from}");
        let mut out = Vec::new();
        for item in self.registrations_by_region.range(start.as_bytes()..) {
            let (key, diarienummer) = item?;
            let Some(rest) = key.strip_prefix(prefix.as_bytes()) else {
                break;
            };
            let day = rest.get(..10).and_then(|d| std::str::from_utf8(d).ok());
            if day.is_none_or(|d| d > to.to_string().as_str()) {
                break;
            }
            let registration = get_json(&self.registrations, &diarienummer)?;
            out.extend(registration);
        }
        Ok(out)
    }

    /// Remembers which region an upload was for, so that its unidentified pages reach that region's staff.
    pub fn note_upload(&self, scan: &str, region: &str) -> Result<(), StaffError> {
        let code = self
            .regions
            .get(region)
            .ok_or_else(|| StaffError::Invalid(format!("Okänd region ”{}”.", region.trim())))?
            .code
            .clone();
        self.upload_regions
            .insert(scan.as_bytes(), code.as_bytes())?;
        Ok(())
    }

    /// The region an upload was for, when known.
    pub fn upload_region(&self, scan: &str) -> Result<Option<String>, StaffError> {
        Ok(self
            .upload_regions
            .get(scan.as_bytes())?
            .map(|r| String::from_utf8_lossy(&r).into_owned()))
    }

    /// Whether an unidentified page (`scan:index`) was set aside.
    pub fn is_set_aside(&self, id: &str) -> Result<bool, StaffError> {
        Ok(self.set_aside_pages.contains_key(id.as_bytes())?)
    }

    /// Whether the account may see something of this region: its staff, or admins when the region is unknown.
    pub fn sees(&self, by: &Account, region: Option<&str>) -> bool {
        sees(by, region)
    }

    /// Takes an unidentified page (`scan:index`) out of the queue, with a reason. The scan is kept.
    pub fn set_aside_unidentified(
        &self,
        store: &Store,
        id: &str,
        reason: &str,
        by: &Account,
    ) -> Result<(), StaffError> {
        let reason = reason_of(reason)?;
        let page = store
            .documents
            .unidentified()?
            .into_iter()
            .find(|p| unidentified_id(&p.source.scan, p.source.index) == id)
            .ok_or(StaffError::NotFound)?;
        let region = self.upload_region(&page.source.scan)?;
        if !sees(by, region.as_deref()) {
            return Err(StaffError::NotFound);
        }
        if self.is_set_aside(id)? {
            return Err(StaffError::Conflict("Sidan är redan lagd åt sidan.".into()));
        }
        let at = now_rfc3339();
        let record = to_json(&SetAsidePage {
            reason: reason.clone(),
            by: by.username.clone(),
            at: at.clone(),
        })?;
        let detail = format!("{id}: {reason}");
        let (log, heads) = self.audit.document_trees();
        let _one = crate::store::one_transaction();
        let _log = self.audit.lock();
        committed(
            (&self.set_aside_pages, log, heads).transaction(|(set_aside, log, heads)| {
                if set_aside.get(id.as_bytes())?.is_some() {
                    return abort(StaffError::Conflict("Sidan är redan lagd åt sidan.".into()));
                }
                set_aside.insert(id.as_bytes(), record.clone())?;
                Pending {
                    kind: LogKind::Document,
                    at: &at,
                    actor: &by.username,
                    action: "page_set_aside",
                    document: None,
                    region: region.as_deref(),
                    detail: &detail,
                }
                .append_in::<StaffError>(log, heads)?;
                Ok(())
            }),
        )
    }
}

/// The id of an unidentified page: `scan:index`.
pub fn unidentified_id(scan: &str, index: usize) -> String {
    format!("{scan}:{index}")
}
