//! Checks a form definition and its layout before anything is printed from it. Every problem is reported, each
//! naming the field or boxes concerned, so that a reviewer can fix a definition in one pass.

use super::definition::{Charset, Check, FieldKind, FormDefinition, RuleDefinition};
use super::layout::{FormLayout, Geometry};
use super::page::{self, Rect};
use crate::fonts;
use crate::formid;
use std::collections::HashSet;

/// Smallest box a capital letter can be written in by hand.
pub const MIN_CELL_W: f32 = 5.0;
pub const MIN_CELL_H: f32 = 7.0;
pub const MIN_TICK: f32 = 4.0;
/// The longest HSA-id (`SE` + a 12-digit organisation number + `-` + 16 more). Version 1 forms were printed
/// with 18 cells and stay as printed; the newest version of every form holds the longest (`tests/forms.rs`).
pub const HSA_ID_MAX: usize = 31;

/// Field names that must not exist on a form under the STI/HIV rule (SmF 4 §): identity and source.
pub const STI_FORBIDDEN: &[&str] = &[
    "patient.namn",
    "patient.fornamn",
    "patient.efternamn",
    "patient.adress",
    "patient.postnummer",
    "patient.postort",
    "patient.telefon",
    "patient.personnummer",
    "patient.identitetstyp",
    "smitta.kalla",
];

pub fn validate(def: &FormDefinition, layout: &FormLayout) -> Vec<String> {
    let mut errors = Vec::new();
    definition_errors(def, &mut errors);
    for page in &layout.pages {
        geometry_errors(def, page, &mut errors);
    }
    errors
}

fn definition_errors(def: &FormDefinition, errors: &mut Vec<String>) {
    let slug_ok = !def.form.is_empty()
        && def
            .form
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !slug_ok {
        errors.push(format!(
            "formnamnet '{}' får bara innehålla a-z, 0-9 och bindestreck",
            def.form
        ));
    }
    if let Err(e) = formid::FormCode::parse(&def.code, def.version) {
        errors.push(format!("koden '{}' version {}: {e}", def.code, def.version));
    }
    if def.pages.is_empty() {
        errors.push("blanketten har inga sidor".into());
    }
    let mut names = HashSet::new();
    let mut texts: Vec<&str> = vec![&def.title, &def.subtitle, &def.legal_basis];
    for page in &def.pages {
        for section in &page.sections {
            texts.push(&section.heading);
            texts.push(&section.note);
            for field in &section.fields {
                let name = field.name.as_str();
                texts.push(&field.label);
                texts.push(&field.hint);
                if !names.insert(name) {
                    errors.push(format!("fältnamnet {name} finns två gånger"));
                }
                let parts: Vec<&str> = name.split('.').collect();
                let well_formed = parts.len() >= 2
                    && parts.iter().all(|p| {
                        !p.is_empty()
                            && p.chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    });
                if !well_formed {
                    errors.push(format!(
                        "fältnamnet '{name}' ska vara grupp.namn med a-z, 0-9 och _"
                    ));
                }
                if def.sti_rule && STI_FORBIDDEN.contains(&name) {
                    errors.push(format!("{name}: en blankett för klamydia, gonorré, syfilis och hiv får inte fråga efter identitet eller smittkälla"));
                }
                if field.check == Some(Check::Date) && !name.ends_with("datum") {
                    errors.push(format!(
                        "{name}: ett datumfält ska ha ett namn som slutar på 'datum'"
                    ));
                }
                match &field.kind {
                    FieldKind::Comb {
                        cells,
                        charset,
                        groups,
                        rows,
                        ..
                    } => {
                        if *cells == 0 || *rows == 0 {
                            errors.push(format!(
                                "{name}: en kamruta behöver minst en ruta och en rad"
                            ));
                        }
                        let per_row = cells.div_ceil((*rows).max(1));
                        if !groups.is_empty() && groups.iter().sum::<usize>() != per_row {
                            errors.push(format!("{name}: grupperna {groups:?} summerar inte till {per_row} rutor per rad"));
                        }
                        let expected = match field.check {
                            Some(Check::Date) => Some((8, Charset::Digits)),
                            Some(Check::Personnummer) => Some((12, Charset::Digits)),
                            // Text cells take a reservnummer's letters; the type ticked decides the rule.
                            Some(Check::Identitet) if *charset == Charset::Text => {
                                Some((12, Charset::Text))
                            }
                            Some(Check::Identitet) => Some((12, Charset::Digits)),
                            Some(Check::Rikskod) => Some((8, Charset::Digits)),
                            Some(Check::Postnummer) => Some((5, Charset::Digits)),
                            Some(Check::Year) => Some((4, Charset::Digits)),
                            Some(Check::Age) => Some((3, Charset::Digits)),
                            _ => None,
                        };
                        if let Some((n, cs)) = expected
                            && (*cells != n || *charset != cs)
                        {
                            errors.push(format!(
                                "{name}: kontrollen {:?} kräver {n} rutor med {cs:?}",
                                field.check.unwrap_or(Check::Date)
                            ));
                        }
                    }
                    FieldKind::Choice {
                        options, columns, ..
                    } => {
                        if options.is_empty() {
                            errors.push(format!(
                                "{name}: ett kryssfält behöver minst ett alternativ"
                            ));
                        }
                        if *columns == Some(0) {
                            errors.push(format!("{name}: columns måste vara minst 1"));
                        }
                        let mut values = HashSet::new();
                        for o in options {
                            texts.push(&o.label);
                            if !values.insert(o.value.as_str()) {
                                errors.push(format!(
                                    "{name}: alternativet {} finns två gånger",
                                    o.value
                                ));
                            }
                            if o.value.is_empty()
                                || !o.value.chars().all(|c| {
                                    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
                                })
                            {
                                errors.push(format!(
                                    "{name}: värdet '{}' ska bestå av a-z, 0-9 och _",
                                    o.value
                                ));
                            }
                        }
                    }
                    FieldKind::Text { .. } => {}
                }
            }
        }
    }
    for rule in &def.rules {
        let referenced: Vec<&String> = match rule {
            RuleDefinition::DateOrder { fields, .. } => fields.iter().collect(),
            RuleDefinition::Requires { field, then, .. } => {
                std::iter::once(field).chain(then.iter()).collect()
            }
            RuleDefinition::RequiresAny { field, any, .. } => {
                std::iter::once(field).chain(any.iter()).collect()
            }
        };
        for f in referenced {
            if !names.contains(f.as_str()) {
                errors.push(format!(
                    "en regel nämner fältet {f}, som inte finns på blanketten"
                ));
            }
        }
    }
    for text in texts {
        let bad = fonts::unprintable(text);
        if !bad.is_empty() {
            errors.push(format!(
                "texten '{text}' har tecken som inte kan skrivas ut: {bad:?}"
            ));
        }
    }
}

fn describe(r: &Rect) -> String {
    format!("({:.1}, {:.1}, {:.1} x {:.1} mm)", r.x, r.y, r.w, r.h)
}

fn geometry_errors(
    def: &FormDefinition,
    page: &super::layout::PageLayout,
    errors: &mut Vec<String>,
) {
    let first_of_main = page.page == 1 && def.kind == super::definition::FormKind::Main;
    let reserved = page::reserved_zones(first_of_main);
    let mut boxes: Vec<(String, Rect)> = Vec::new();
    for field in &page.fields {
        match &field.geometry {
            Geometry::Comb { cells, .. } => {
                for (i, c) in cells.iter().enumerate() {
                    if c.w < MIN_CELL_W - 1e-3 || c.h < MIN_CELL_H - 1e-3 {
                        errors.push(format!("{}: rutorna är {:.1} x {:.1} mm, minst {MIN_CELL_W} x {MIN_CELL_H} mm krävs", field.name, c.w, c.h));
                        break;
                    }
                    boxes.push((format!("{} ruta {}", field.name, i + 1), *c));
                }
            }
            Geometry::Choice { options, .. } => {
                for o in options {
                    if o.rect.w < MIN_TICK - 1e-3 || o.rect.h < MIN_TICK - 1e-3 {
                        errors.push(format!(
                            "{} {}: kryssrutan är mindre än {MIN_TICK} mm",
                            field.name, o.value
                        ));
                    }
                    boxes.push((format!("{} [{}]", field.name, o.value), o.rect));
                }
            }
            Geometry::Text { rect } => boxes.push((field.name.clone(), *rect)),
        }
    }
    for (name, r) in &boxes {
        if !page::PRINTABLE.contains(r) {
            errors.push(format!(
                "sidan {}: {name} {} ligger utanför det utskrivbara området",
                page.page,
                describe(r)
            ));
        }
        for (zone, z) in &reserved {
            if r.overlaps(z) {
                errors.push(format!(
                    "sidan {}: {name} {} överlappar {zone}",
                    page.page,
                    describe(r)
                ));
            }
        }
    }
    for (i, (a_name, a)) in boxes.iter().enumerate() {
        for (b_name, b) in &boxes[i + 1..] {
            if a.overlaps(b) {
                errors.push(format!(
                    "sidan {}: {a_name} {} överlappar {b_name} {}",
                    page.page,
                    describe(a),
                    describe(b)
                ));
            }
        }
    }
}
