//! A registered notification as a PDF for the file: the form with the registered values printed in its boxes (the
//! renderer's filled form), a line on every page with the diarienummer, who registered it and when, and a last
//! page listing every value as registered and every change made during verification.

use super::actions::registration_for;
use super::document;
use super::session::Caller;
use super::verify::value_text;
use super::views::{person_name, shown_id};
use super::{Face, Site, internal, segment, staff_error};
use crate::forms::Form;
use crate::render::Copy;
use crate::staff::case::Registration;
use crate::store::audit::LogKind;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};

const PT_PER_MM: f32 = 72.0 / 25.4;
const FONT: &str = "BkReg";
const LINES_PER_PAGE: usize = 62;
const CHARS_PER_LINE: usize = 100;

pub async fn registered_pdf(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
) -> HttpResponse {
    let dnr = segment(&req, "dnr");
    let reg = match registration_for(&site, &caller, &dnr) {
        Ok(r) => r,
        Err(e) => return staff_error(&site, Some(&caller), Face::Page, e),
    };
    if let Err(e) = site.staff.audit.append(
        LogKind::User,
        caller.username(),
        "printed",
        Some(&reg.key),
        Some(&reg.region),
        &reg.diarienummer,
    ) {
        return staff_error(&site, Some(&caller), Face::Page, e.into());
    }
    let site2 = site.clone();
    let pdf = super::blocking(move || pdf(&site2, &reg)).await;
    match pdf {
        Ok(Ok(bytes)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "application/pdf"))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{dnr}.pdf\""),
            ))
            .body(bytes),
        Ok(Err(e)) => internal(&site, Some(&caller), Face::Page, &e),
        Err(e) => internal(&site, Some(&caller), Face::Page, &e),
    }
}

/// The parts of the registered copy: from the stored document, or the main form alone.
fn parts_of(site: &Site, reg: &Registration) -> Vec<&'static Form> {
    match site.store.documents.get(&reg.key) {
        Ok(Some(doc)) => document::parts(site.registry, &doc),
        _ => site
            .registry
            .get(&reg.form, Some(reg.version))
            .map(|f| vec![f.as_ref()])
            .unwrap_or_default(),
    }
}

pub fn pdf(site: &Site, reg: &Registration) -> Result<Vec<u8>, String> {
    let parts = parts_of(site, reg);
    let id = crate::formid::FormId::parse(&reg.form_id).map_err(|e| e.to_string())?;
    let region = site
        .regions
        .get(&reg.region)
        .ok_or_else(|| format!("regionen {} finns inte", reg.region))?;
    let copy = Copy {
        id,
        parts: parts.clone(),
        region,
    };
    let values = document::values_by_form(&parts, &reg.values_registered);
    // Values that do not fit the boxes (a long free text) are on the last page all the same.
    let form = site
        .renderer
        .render_filled(&copy, &values)
        .or_else(|_| site.renderer.render_one(&copy))
        .map_err(|e| e.to_string())?;
    // The file names the person who registered, not the log-in name.
    let registrar = if reg.registered_by_name.trim().is_empty() {
        person_name(site, &reg.registered_by)
    } else {
        reg.registered_by_name.clone()
    };
    let stamp = format!(
        "Registrerad {} – {} – av {registrar}",
        reg.diarienummer,
        super::views::short_time(&reg.registered_at),
    );
    let mut lines = vec![
        format!("Registrerad anmälan {}", reg.diarienummer),
        String::new(),
        format!(
            "Blankett: {} (id {})",
            parts
                .first()
                .map_or(reg.form.as_str(), |f| f.def.title.as_str()),
            shown_id(&reg.form_id)
        ),
        format!("Region: {}", super::views::region_name(site, &reg.region)),
        format!("Inkom: {}", super::views::short_time(&reg.received_at)),
        format!(
            "Registrerad: {} av {registrar}",
            super::views::short_time(&reg.registered_at),
        ),
        String::new(),
        "Uppgifter som registrerade:".to_string(),
    ];
    // Under the heading of their section ("3. Patient", "8. Anmälande läkare"), so that every name and phone
    // number says whose it is.
    for (i, form) in parts.iter().enumerate() {
        let mut heading: Option<&str> = None;
        for page in &form.layout.pages {
            for field in &page.fields {
                let Some(v) = reg.values_registered.get(&field.name) else {
                    continue;
                };
                let text = match v {
                    crate::store::documents::Value::Text(t) => {
                        document::display_text(document::definition(&parts, &field.name), t)
                    }
                    _ => document::shown(field, v),
                };
                if text.is_empty() {
                    continue;
                }
                if heading != Some(field.section.as_str()) {
                    heading = Some(field.section.as_str());
                    let section = if i == 0 {
                        field.section.clone()
                    } else {
                        format!("{}: {}", form.def.title, field.section)
                    };
                    lines.push(format!("  {section}"));
                }
                lines.push(format!("    {}: {}", field.label, text));
            }
        }
    }
    if !reg.overrides.is_empty() {
        lines.push(String::new());
        lines.push("Godtaget trots kontroll:".to_string());
        for (name, o) in &reg.overrides {
            let label = document::layout_of(&parts, name)
                .map_or(name.clone(), |l| format!("{} ({})", l.label, l.section));
            lines.push(format!(
                "  {label}: {} Skäl: ”{}”, {} {}",
                o.checks.join(" "),
                o.reason,
                person_name(site, &o.by),
                super::views::short_time(&o.at)
            ));
        }
    }
    if !reg.changes.is_empty() {
        lines.push(String::new());
        lines.push("Ändringar vid granskningen:".to_string());
        for c in &reg.changes {
            let (label, old, new) = match document::layout_of(&parts, &c.field) {
                Some(l) => (
                    format!("{} ({})", l.label, l.section),
                    document::shown(l, &c.old),
                    document::shown(l, &c.new),
                ),
                None => (c.field.clone(), value_text(&c.old), value_text(&c.new)),
            };
            lines.push(format!(
                "  {label}: ”{old}” till ”{new}”, {} {}",
                person_name(site, &c.by),
                super::views::short_time(&c.at)
            ));
        }
    }
    stamp_and_append(&form, &stamp, &lines).map_err(|e| format!("PDF: {e}"))
}

/// WinAnsi bytes of `text` for the standard Helvetica: Swedish letters are in Latin-1; others become `?`.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '–' => 0x96,
            '—' => 0x97,
            '’' => 0x92,
            '€' => 0x80,
            c if (' '..='~').contains(&c) || ('\u{a0}'..='\u{ff}').contains(&c) => c as u8,
            _ => b'?',
        })
        .collect()
}

fn text_ops(ops: &mut Vec<Operation>, x_mm: f32, y_from_top_mm: f32, size: f32, text: &str) {
    ops.push(Operation::new("BT", vec![]));
    ops.push(Operation::new(
        "Tf",
        vec![Object::Name(FONT.as_bytes().to_vec()), size.into()],
    ));
    ops.push(Operation::new(
        "Td",
        vec![
            (x_mm * PT_PER_MM).into(),
            ((crate::forms::page::PAGE_H - y_from_top_mm) * PT_PER_MM).into(),
        ],
    ));
    ops.push(Operation::new(
        "Tj",
        vec![Object::String(win_ansi(text), StringFormat::Literal)],
    ));
    ops.push(Operation::new("ET", vec![]));
}

fn wrap(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for word in line.split(' ') {
        if current.chars().count() + word.chars().count() + 1 > CHARS_PER_LINE
            && !current.trim().is_empty()
        {
            out.push(std::mem::take(&mut current));
            current.push_str("    ");
        }
        if !current.is_empty() && !current.ends_with("    ") {
            current.push(' ');
        }
        current.push_str(word);
    }
    out.push(current);
    out
}

/// The font dictionary of a page, made if missing (resources inline or by reference).
fn page_fonts(doc: &mut lopdf::Document, page: ObjectId) -> lopdf::Result<&mut Dictionary> {
    let resources_ref = match doc.get_dictionary(page)?.get(b"Resources") {
        Ok(Object::Reference(r)) => Some(*r),
        Ok(_) => None,
        Err(_) => {
            doc.get_dictionary_mut(page)?
                .set("Resources", Dictionary::new());
            None
        }
    };
    let resources = match resources_ref {
        Some(r) => doc.get_dictionary_mut(r)?,
        None => doc
            .get_dictionary_mut(page)?
            .get_mut(b"Resources")?
            .as_dict_mut()?,
    };
    if !matches!(resources.get(b"Font"), Ok(Object::Dictionary(_))) {
        resources.set("Font", Dictionary::new());
    }
    resources.get_mut(b"Font")?.as_dict_mut()
}

fn stamp_and_append(form: &[u8], stamp: &str, lines: &[String]) -> lopdf::Result<Vec<u8>> {
    let mut doc = lopdf::Document::load_mem(form)?;
    let mut font = Dictionary::new();
    font.set("Type", Object::Name(b"Font".to_vec()));
    font.set("Subtype", Object::Name(b"Type1".to_vec()));
    font.set("BaseFont", Object::Name(b"Helvetica".to_vec()));
    font.set("Encoding", Object::Name(b"WinAnsiEncoding".to_vec()));
    let font_id = doc.add_object(font);
    let pages: Vec<ObjectId> = doc.get_pages().values().copied().collect();
    for page in &pages {
        page_fonts(&mut doc, *page)?.set(FONT, font_id);
        let mut ops = Vec::new();
        text_ops(&mut ops, 15.0, 7.5, 9.0, stamp);
        let content = Content { operations: ops }.encode()?;
        doc.add_page_contents(*page, content)?;
    }
    // The list of values, on pages of its own after the form.
    let tree_id = doc.catalog()?.get(b"Pages")?.as_reference()?;
    let wrapped: Vec<String> = lines.iter().flat_map(|l| wrap(l)).collect();
    for chunk in wrapped.chunks(LINES_PER_PAGE) {
        let mut ops = Vec::new();
        text_ops(&mut ops, 15.0, 7.5, 9.0, stamp);
        for (i, line) in chunk.iter().enumerate() {
            text_ops(&mut ops, 18.0, 20.0 + i as f32 * 4.2, 9.5, line);
        }
        let content_id = doc.add_object(Stream::new(
            Dictionary::new(),
            Content { operations: ops }.encode()?,
        ));
        let mut fonts = Dictionary::new();
        fonts.set(FONT, font_id);
        let mut resources = Dictionary::new();
        resources.set("Font", fonts);
        let mut page = Dictionary::new();
        page.set("Type", Object::Name(b"Page".to_vec()));
        page.set("Parent", tree_id);
        page.set(
            "MediaBox",
            vec![
                0.into(),
                0.into(),
                (crate::forms::page::PAGE_W * PT_PER_MM).into(),
                (crate::forms::page::PAGE_H * PT_PER_MM).into(),
            ],
        );
        page.set("Contents", content_id);
        page.set("Resources", resources);
        let page_id = doc.add_object(page);
        let tree = doc.get_dictionary_mut(tree_id)?;
        tree.get_mut(b"Kids")?.as_array_mut()?.push(page_id.into());
        let count = tree.get(b"Count")?.as_i64()?;
        tree.set("Count", count + 1);
    }
    let mut out = Vec::new();
    doc.save_to(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_letters_survive_win_ansi() {
        assert_eq!(win_ansi("Åsa Öberg – ä"), b"\xc5sa \xd6berg \x96 \xe4");
        assert_eq!(win_ansi("日本"), b"??");
    }

    #[test]
    fn long_lines_wrap() {
        let line = "ord ".repeat(60);
        let wrapped = wrap(line.trim());
        assert!(wrapped.len() >= 2);
        assert!(
            wrapped
                .iter()
                .all(|l| l.chars().count() <= CHARS_PER_LINE + 4)
        );
    }
}
