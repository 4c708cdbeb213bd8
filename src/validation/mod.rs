//! Value checks shared by the on-screen form and intake: one place decides whether a value written on a
//! form is acceptable, and says why not in Swedish, next to the field.
//!
//! The checks follow the form definition: each field's `check` (personnummer and samordningsnummer with the chosen
//! identity type, rikskod, date, HSA-id, postnummer, telephone, county, country, disease), the comb's character
//! set and number of cells, `required`, the form's rules (`date_order`, `requires`), and the STI/HIV rule across a
//! copy (a klinisk form is never used for klamydia, gonorré, syfilis or hiv, and the STI form never for another
//! disease).
//!
//! Values are normalised before they are checked and printed: surrounding white space is dropped, and in digit
//! boxes the separators people type (space, hyphen, plus, slash, full stop) are dropped too, because the boxes have
//! no place for them (`19811218-9876` is printed and carried as `198112189876`). Everything else is kept exactly as
//! typed, letter case included.

mod dates;
pub(crate) mod places;

pub use dates::{parse_date, swedish_today};
pub use places::{COUNTIES, country, county};

use crate::domain::diseases::{Disease, Diseases};
use crate::domain::identity::{self, IdentityKind};
use crate::fonts;
use crate::forms::Form;
use crate::forms::definition::{
    Charset, Check, FieldDefinition, FieldKind, FormKind, RuleDefinition,
};
use std::collections::BTreeMap;

pub use crate::forms::values::{FieldValue, FormValues};

/// A problem with one field, to be shown next to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The form (`klinisk`, `tillagg-tarm`) the field belongs to.
    pub form: String,
    pub field: String,
    pub message: String,
}

/// What the checks need besides the values: today's date (Swedish time) and the reference data.
pub struct Context<'a> {
    pub today: time::Date,
    pub diseases: &'a Diseases,
}

impl Context<'static> {
    /// Today's date in Sweden and the embedded reference data.
    pub fn now() -> Context<'static> {
        Context {
            today: swedish_today(),
            diseases: Diseases::embedded(),
        }
    }
}

/// Lower case without diacritics, as the disease and country look-ups compare names ("Mässling" -> "massling").
pub fn fold_for_search(s: &str) -> String {
    places::fold(s)
}

/// Every field definition of a form, in the order of the paper.
pub fn fields(form: &Form) -> impl Iterator<Item = &FieldDefinition> {
    form.def
        .pages
        .iter()
        .flat_map(|p| p.sections.iter())
        .flat_map(|s| s.fields.iter())
}

/// The value a person typed, normalised for the field's boxes (see the module documentation).
pub fn normalize(field: &FieldDefinition, raw: &str) -> String {
    let trimmed = raw.trim();
    match &field.kind {
        FieldKind::Comb {
            charset: Charset::Digits,
            ..
        } => trimmed
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '+' | '/' | '.' | '\u{a0}' | '–'))
            .collect(),
        // An identity number in text cells (a reservnummer may have letters): the separators people type have
        // no cell, and the cells are written in capitals.
        FieldKind::Comb { .. } if field.check == Some(Check::Identitet) => trimmed
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '+' | '/' | '.' | '\u{a0}' | '–'))
            .flat_map(char::to_uppercase)
            .collect(),
        // Line breaks in a comb make no sense; a text box keeps them (the printer wraps anyway).
        FieldKind::Comb { .. } => trimmed.replace(['\r', '\n', '\t'], " "),
        FieldKind::Text { .. } => trimmed.replace("\r\n", "\n"),
        FieldKind::Choice { .. } => trimmed.to_string(),
    }
}

/// Checks the values of a whole copy: each form's fields and rules, then the rules across the copy (the STI/HIV
/// rule, the disease). `parts` are the forms of the copy, main form first; `values` holds each form's values by
/// form name. Returns every problem found, in the order of the paper.
pub fn check_copy(
    parts: &[&Form],
    values: &BTreeMap<String, FormValues>,
    ctx: &Context<'_>,
) -> Vec<FieldError> {
    let empty = FormValues::new();
    let mut errors = Vec::new();
    for form in parts {
        let v = values.get(form.name()).unwrap_or(&empty);
        errors.extend(check_form(form, v, ctx));
    }
    if let Some(main) = parts.first() {
        let v = values.get(main.name()).unwrap_or(&empty);
        errors.extend(check_disease_rule(main, v, ctx));
    }
    sort_by_paper_order(parts, &mut errors);
    errors
}

/// Checks one form's fields and rules (not the rules across a copy).
pub fn check_form(form: &Form, values: &FormValues, ctx: &Context<'_>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let err = |field: &str, message: String| FieldError {
        form: form.name().to_string(),
        field: field.to_string(),
        message,
    };
    for field in fields(form) {
        match values.get(&field.name) {
            None => {
                if field.required {
                    errors.push(err(&field.name, required_message(field)));
                }
            }
            Some(value) => {
                if let Err(message) = check_field(form, field, value, values, ctx) {
                    errors.push(err(&field.name, message));
                }
            }
        }
    }
    // Cross-field rules only where the fields themselves are fine, so that one mistake gives one message.
    let failed: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
    for rule in &form.def.rules {
        match rule {
            RuleDefinition::DateOrder { fields, message } => {
                let mut latest: Option<(time::Date, &str)> = None;
                for name in fields {
                    if failed.contains(name) {
                        continue;
                    }
                    let Some(date) = values
                        .get(name)
                        .and_then(FieldValue::text)
                        .and_then(|t| parse_date(t).ok())
                    else {
                        continue;
                    };
                    if let Some((before, _)) = latest
                        && date < before
                    {
                        errors.push(err(name, format!("{message}.")));
                    }
                    if latest.is_none_or(|(d, _)| date > d) {
                        latest = Some((date, name));
                    }
                }
            }
            RuleDefinition::RequiresAny {
                field,
                value,
                any,
                message,
            } => {
                let given = any
                    .iter()
                    .any(|name| values.get(name).is_some_and(|v| !v.is_empty()));
                // A field that is there but failed its own check has its message already.
                let failed_one = any.iter().any(|name| failed.contains(name));
                if rule_triggered(values, field, value) && !given && !failed_one {
                    for name in any {
                        errors.push(err(name, format!("{message}.")));
                    }
                }
            }
            RuleDefinition::Requires {
                field,
                value,
                then,
                message,
            } => {
                if rule_triggered(values, field, value) {
                    for name in then {
                        if values.get(name).is_none_or(FieldValue::is_empty)
                            && !failed.contains(name)
                        {
                            errors.push(err(name, format!("{message}.")));
                        }
                    }
                }
            }
        }
    }
    errors
}

/// Whether `field` has `value` ticked (or written).
fn rule_triggered(values: &FormValues, field: &str, value: &str) -> bool {
    match values.get(field) {
        Some(FieldValue::Ticked(v)) => v.iter().any(|x| x == value),
        Some(FieldValue::Text(t)) => t == value,
        None => false,
    }
}

fn required_message(field: &FieldDefinition) -> String {
    match field.kind {
        FieldKind::Choice { multiple: true, .. } => "Kryssa minst ett alternativ.".into(),
        FieldKind::Choice { .. } => "Kryssa ett alternativ.".into(),
        _ => "Fyll i det här fältet.".into(),
    }
}

/// Checks one value against its field: shape (cells, characters, options), then the field's `check`.
pub fn check_field(
    form: &Form,
    field: &FieldDefinition,
    value: &FieldValue,
    siblings: &FormValues,
    ctx: &Context<'_>,
) -> Result<(), String> {
    match (&field.kind, value) {
        (
            FieldKind::Choice {
                multiple, options, ..
            },
            FieldValue::Ticked(ticked),
        ) => {
            if let Some(bad) = ticked
                .iter()
                .find(|t| !options.iter().any(|o| &o.value == *t))
            {
                return Err(format!("Alternativet ”{bad}” finns inte på blanketten."));
            }
            if !multiple && ticked.len() > 1 {
                return Err("Kryssa bara ett alternativ.".into());
            }
            Ok(())
        }
        (FieldKind::Choice { .. }, FieldValue::Text(_)) => Err("Kryssa ett alternativ.".into()),
        (_, FieldValue::Ticked(_)) => Err("Fältet ska fyllas i med text.".into()),
        (FieldKind::Comb { cells, charset, .. }, FieldValue::Text(text)) => {
            check_charset(text, *charset)?;
            let n = text.chars().count();
            if n > *cells {
                return Err(too_long_for_comb(field, *cells, n));
            }
            check_semantics(form, field, text, siblings, ctx)
        }
        (FieldKind::Text { .. }, FieldValue::Text(text)) => {
            let bad = fonts::unprintable(text);
            let bad: Vec<char> = bad.into_iter().filter(|c| *c != '\n').collect();
            if !bad.is_empty() {
                return Err(unprintable_message(&bad));
            }
            check_semantics(form, field, text, siblings, ctx)
        }
    }
}

fn unprintable_message(bad: &[char]) -> String {
    let list: String = bad
        .iter()
        .take(5)
        .map(|c| format!("”{c}”"))
        .collect::<Vec<_>>()
        .join(" ");
    format!("Tecknen {list} kan inte skrivas ut på blanketten; skriv utan dem.")
}

fn too_long_for_comb(field: &FieldDefinition, cells: usize, n: usize) -> String {
    let mut message = format!(
        "Högst {cells} tecken får plats (en per ruta); du har skrivit {n}. Förkorta texten."
    );
    if field.check == Some(Check::Lan) {
        message.push_str(" Länets namn kan förkortas, t.ex. ”Västra Göta”.");
    }
    message
}

fn check_charset(text: &str, charset: Charset) -> Result<(), String> {
    match charset {
        Charset::Digits => match text.chars().find(|c| !c.is_ascii_digit()) {
            Some(c) => Err(format!(
                "Bara siffror får plats i rutorna; ”{c}” är inte tillåtet."
            )),
            None => Ok(()),
        },
        Charset::Letters => match text
            .chars()
            .find(|c| !(c.is_alphabetic() || matches!(c, ' ' | '-' | '.')))
        {
            Some(c) => Err(format!(
                "Bara bokstäver får plats i rutorna; ”{c}” är inte tillåtet."
            )),
            None => {
                let bad = fonts::unprintable(text);
                if bad.is_empty() {
                    Ok(())
                } else {
                    Err(unprintable_message(&bad))
                }
            }
        },
        Charset::Text => {
            let bad = fonts::unprintable(text);
            if bad.is_empty() {
                Ok(())
            } else {
                Err(unprintable_message(&bad))
            }
        }
    }
}

/// The identity type chosen for `field` (a `check = "identitet"` or `"rikskod"` field): the ticked value of the
/// choice named `<group>.identitetstyp` (or `<group>.kodtyp`) beside it.
fn identity_type<'v>(field: &FieldDefinition, siblings: &'v FormValues) -> Option<&'v str> {
    let group = field.name.rsplit_once('.').map(|(g, _)| g)?;
    ["identitetstyp", "kodtyp"].iter().find_map(|name| {
        siblings
            .get(&format!("{group}.{name}"))
            .and_then(|v| v.ticked().first())
            .map(String::as_str)
    })
}

fn is_digit_comb(field: &FieldDefinition) -> bool {
    matches!(
        field.kind,
        FieldKind::Comb {
            charset: Charset::Digits,
            ..
        }
    )
}

fn check_semantics(
    form: &Form,
    field: &FieldDefinition,
    text: &str,
    siblings: &FormValues,
    ctx: &Context<'_>,
) -> Result<(), String> {
    let Some(check) = field.check else {
        return Ok(());
    };
    let sentence = |e: identity::IdentityError| format!("{e}.");
    match check {
        Check::Personnummer => identity::check_personnummer(text)
            .map(|_| ())
            .map_err(sentence),
        Check::Identitet => match identity_type(field, siblings) {
            // Version 1 printed digit cells and took any reservnummer as written; text cells (version 2) are for
            // a reservnummer's letters, so its shape is checked.
            Some("reservnummer") if !is_digit_comb(field) => identity::check_reservnummer(text)
                .map(|_| ())
                .map_err(sentence),
            Some("reservnummer") => Ok(()),
            Some(t) if t.starts_with("annat") => Ok(()),
            chosen => {
                if !is_digit_comb(field) && text.chars().any(char::is_alphabetic) {
                    return Err(
                        "Ett personnummer eller samordningsnummer har bara siffror. Har patienten ett reservnummer? Kryssa Reservnummer."
                            .into(),
                    );
                }
                let kind = identity::check_personnummer(text).map_err(sentence)?;
                match (chosen, kind) {
                    (Some("personnummer"), IdentityKind::Samordningsnummer) => Err(
                        "Detta är ett samordningsnummer (dagen är 61–91): kryssa Samordningsnummer."
                            .into(),
                    ),
                    (Some("samordningsnummer"), IdentityKind::Personnummer) => Err(
                        "Ett samordningsnummer har dagen plus 60 (61–91); detta är ett personnummer. Kryssa Personnummer."
                            .into(),
                    ),
                    _ => Ok(()),
                }
            }
        },
        Check::Rikskod => match identity_type(field, siblings) {
            Some(t) if t.starts_with("annat") => Ok(()),
            _ => identity::check_rikskod(text).map_err(sentence),
        },
        Check::Year => {
            let year: i32 = text
                .parse()
                .map_err(|_| "Skriv födelseåret med fyra siffror, t.ex. 1981.".to_string())?;
            let now = ctx.today.year();
            if text.len() != 4 || year > now || year < now - 130 {
                Err(format!(
                    "Födelseåret ska ha fyra siffror, mellan {} och {now}.",
                    now - 130
                ))
            } else {
                Ok(())
            }
        }
        Check::Age => match text.parse::<u32>() {
            Ok(age) if age <= 130 => Ok(()),
            _ => Err("Skriv åldern i hela år, 0–130.".into()),
        },
        Check::Date => parse_date(text).and_then(|d| {
            if d > ctx.today {
                Err(format!(
                    "Datumet {} har inte varit än; ange ett datum till och med i dag.",
                    dates::display(d)
                ))
            } else {
                Ok(())
            }
        }),
        Check::HsaId => identity::check_hsa_id(text).map_err(sentence),
        Check::Postnummer => identity::check_postnummer(text).map_err(sentence),
        Check::Phone => {
            let digits = text.chars().filter(char::is_ascii_digit).count();
            if digits < 6 {
                Err("Skriv telefonnumret med riktnummer, t.ex. 0701234567.".into())
            } else {
                Ok(())
            }
        }
        Check::Lan => places::county(text).map(|_| ()),
        Check::Country => places::country(text).map(|_| ()),
        Check::Disease => {
            let disease = resolve_disease(text, ctx.diseases)?;
            disease_fits_form(form, disease)
        }
    }
}

/// The disease a person wrote: its id, its Swedish or English name, or a part of a name that only one disease
/// has ("salmonella", "Mässling", "EHEC").
pub fn resolve_disease<'d>(text: &str, diseases: &'d Diseases) -> Result<&'d Disease, String> {
    let t = text.trim();
    if let Some(d) = diseases.get(t) {
        return Ok(d);
    }
    let folded = places::fold(t);
    if let Some(d) = diseases
        .all()
        .iter()
        .find(|d| places::fold(&d.name_sv) == folded || places::fold(&d.name_en) == folded)
    {
        return Ok(d);
    }
    let found = diseases.find(t);
    match found.len() {
        1 => Ok(found[0]),
        0 => Err(format!(
            "Sjukdomen ”{t}” finns inte i listan över anmälningspliktiga sjukdomar; kontrollera stavningen."
        )),
        _ => Err(format!(
            "”{t}” passar flera sjukdomar ({}); skriv hela namnet.",
            found
                .iter()
                .take(4)
                .map(|d| d.name_sv.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// A laboratory-only disease whose note names an exception (covid-19: a patient-near antigen test that no
/// laboratory reports) may still be reported clinically.
pub fn clinical_exception(disease: &Disease) -> bool {
    !disease.clinical && disease.clinical_note.contains("Undantag")
}

/// Whether `disease` may be reported on `form`: the STI/HIV rule, and no clinical notification for the
/// laboratory-only diseases.
pub fn disease_fits_form(form: &Form, disease: &Disease) -> Result<(), String> {
    if form.kind() == FormKind::Main && !form.def.form.starts_with("paragraf") {
        if !disease.clinical && !clinical_exception(disease) {
            return Err(format!("{}: {}", disease.name_sv, disease.clinical_note));
        }
        if disease.sti_group && !form.def.sti_rule {
            return Err(format!(
                "{} anmäls utan namn och personnummer, på blanketten för klamydia, gonorré, syfilis och hiv (klinisk-sti).",
                disease.name_sv
            ));
        }
        if !disease.sti_group && form.def.sti_rule {
            return Err(format!(
                "{} anmäls på den vanliga kliniska blanketten, inte på blanketten för sexuellt överförda infektioner.",
                disease.name_sv
            ));
        }
    }
    if !form.def.diseases.is_empty() && !form.def.diseases.iter().any(|d| d == &disease.id) {
        return Err(format!(
            "{} hör inte till den här blanketten ({}).",
            disease.name_sv, form.def.title
        ));
    }
    Ok(())
}

/// Whether a choice field lists diseases: every option but "annan" is a disease id.
fn is_disease_choice(field: &FieldDefinition, diseases: &Diseases) -> bool {
    match &field.kind {
        FieldKind::Choice { options, .. } => {
            let mut n = 0;
            for o in options {
                if o.value == "annan" {
                    continue;
                }
                if diseases.get(&o.value).is_none() {
                    return false;
                }
                n += 1;
            }
            n > 0
        }
        _ => false,
    }
}

/// The diseases named on a form: ticked in a disease choice or written in a `check = "disease"` field, with the
/// field each was found in. Unknown names are left out (the field check reports them).
pub fn diseases_named<'d>(
    form: &Form,
    values: &FormValues,
    diseases: &'d Diseases,
) -> Vec<(String, &'d Disease)> {
    let mut out = Vec::new();
    for field in fields(form) {
        let Some(value) = values.get(&field.name) else {
            continue;
        };
        if is_disease_choice(field, diseases) {
            for v in value.ticked() {
                if let Some(d) = diseases.get(v) {
                    out.push((field.name.clone(), d));
                }
            }
        } else if field.check == Some(Check::Disease)
            && let Some(text) = value.text()
            && let Ok(d) = resolve_disease(text, diseases)
        {
            out.push((field.name.clone(), d));
        }
    }
    out
}

/// The rules about the disease across a copy: a main form names exactly one disease, and it fits the form.
fn check_disease_rule(main: &Form, values: &FormValues, ctx: &Context<'_>) -> Vec<FieldError> {
    let err = |field: &str, message: String| FieldError {
        form: main.name().to_string(),
        field: field.to_string(),
        message,
    };
    let disease_fields: Vec<&FieldDefinition> = fields(main)
        .filter(|f| is_disease_choice(f, ctx.diseases) || f.check == Some(Check::Disease))
        .collect();
    let Some(first) = disease_fields.first() else {
        return Vec::new();
    };
    let named = diseases_named(main, values, ctx.diseases);
    let mut errors = Vec::new();
    // Ticked diseases are checked here; written ones were checked with their field.
    for (field, disease) in &named {
        let written = disease_fields
            .iter()
            .any(|f| &f.name == field && f.check == Some(Check::Disease));
        if !written && let Err(message) = disease_fits_form(main, disease) {
            errors.push(err(field, message));
        }
    }
    let mut distinct: Vec<&str> = named.iter().map(|(_, d)| d.id.as_str()).collect();
    distinct.dedup();
    let any_written = disease_fields
        .iter()
        .any(|f| values.get(&f.name).is_some_and(|v| !v.is_empty()));
    if !any_written && main.kind() == FormKind::Main && !main.def.form.starts_with("paragraf") {
        errors.push(err(
            &first.name,
            "Ange vilken sjukdom anmälan gäller: kryssa den eller skriv namnet.".into(),
        ));
    } else if distinct.len() > 1 {
        let last = &named[named.len() - 1].0;
        errors.push(err(
            last,
            "Ange bara en sjukdom per anmälan: gör en anmälan för varje sjukdom.".into(),
        ));
    }
    errors
}

/// Whether the values fit the paper: each text in its box at the smallest print size, and each page's values in
/// its data QR code (`render::filled`). Problems are reported on the longest text of the page concerned.
pub fn check_capacity(parts: &[&Form], values: &BTreeMap<String, FormValues>) -> Vec<FieldError> {
    use crate::forms::layout::Geometry;
    use crate::render::filled;
    let empty = FormValues::new();
    let mut errors = Vec::new();
    for form in parts {
        let v = values.get(form.name()).unwrap_or(&empty);
        // The ID's length is fixed, so any ID measures the payload.
        let id = crate::formid::FormId::generate(form.code);
        for page in &form.layout.pages {
            let mut page_ok = true;
            for field in &page.fields {
                if let (Geometry::Text { rect }, Some(FieldValue::Text(text))) =
                    (&field.geometry, v.get(&field.name))
                    && filled::text_lines(rect, text).is_none()
                {
                    page_ok = false;
                    errors.push(FieldError {
                        form: form.name().to_string(),
                        field: field.name.clone(),
                        message: format!(
                            "Texten ryms inte i rutan på blanketten; korta den till högst cirka {} tecken.",
                            filled::text_capacity(rect)
                        ),
                    });
                }
            }
            if page_ok && filled::encode_page(id, form, page, v).is_err() {
                let longest = page
                    .fields
                    .iter()
                    .filter_map(|f| {
                        v.get(&f.name)
                            .and_then(FieldValue::text)
                            .map(|t| (f, t.len()))
                    })
                    .max_by_key(|(_, n)| *n);
                if let Some((field, _)) = longest {
                    errors.push(FieldError {
                        form: form.name().to_string(),
                        field: field.name.clone(),
                        message: format!(
                            "Uppgifterna på sidan {} av blanketten ryms inte i dess datakod (QR-koden längst ned). Korta den här texten eller andra texter på samma sida.",
                            page.page
                        ),
                    });
                }
            }
        }
    }
    errors
}

fn sort_by_paper_order(parts: &[&Form], errors: &mut [FieldError]) {
    let position = |e: &FieldError| -> (usize, usize) {
        let part = parts
            .iter()
            .position(|f| f.name() == e.form)
            .unwrap_or(usize::MAX);
        let field = parts
            .get(part)
            .and_then(|f| fields(f).position(|d| d.name == e.field))
            .unwrap_or(usize::MAX);
        (part, field)
    };
    errors.sort_by_key(position);
}

#[cfg(test)]
mod tests;
