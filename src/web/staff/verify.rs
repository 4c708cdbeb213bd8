//! The verification screen: the page images beside the fields, uncertain and failed-check fields first (or in
//! form order), each with its crop, the value read, its confidence and notes. Works as plain forms; `staff.js`
//! adds the keyboard flow and the checks as one types. Opening a document is written to the user log.

use super::document::DocView;
use super::queues::flag_label;
use super::session::Caller;
use super::views::short_time;
use super::views::{person_name, region_name, shown_id};
use super::{Face, Site, key_path, segment, staff_error};
use crate::staff::case::CaseState;
use crate::web::Params;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

#[derive(Serialize)]
struct PageView {
    number: u32,
    image: String,
}

/// Another filled-in copy of the same photocopied blank (same form ID), with its pages to compare and swap.
#[derive(Serialize)]
struct SiblingView {
    key: String,
    /// For element ids: the key without `#`.
    slug: String,
    href: String,
    state: String,
    open: bool,
    pages: Vec<PageView>,
    /// Page numbers either copy holds: each can be exchanged.
    swappable: Vec<u32>,
}

#[derive(Serialize)]
struct ChangeView {
    field: String,
    old: String,
    new: String,
    by: String,
    at: String,
}

#[derive(Serialize)]
struct RegionChoice {
    code: String,
    name: String,
}

/// The state of a case in Swedish, people by their names, and whether it is still open for work.
pub fn state_text(site: &Site, state: &CaseState) -> (String, bool) {
    match state {
        CaseState::Open => ("Väntar på granskning".into(), true),
        CaseState::PutAside { reason, by, at } => (
            format!(
                "Undanlagd av {} {}: {reason}",
                person_name(site, by),
                short_time(at)
            ),
            true,
        ),
        CaseState::Rejected { reason, by, at } => (
            format!(
                "Avvisad av {} {}: {reason}",
                person_name(site, by),
                short_time(at)
            ),
            false,
        ),
        CaseState::Registered {
            diarienummer,
            by,
            at,
        } => (
            format!(
                "Registrerad som {diarienummer} av {} {}",
                person_name(site, by),
                short_time(at)
            ),
            false,
        ),
    }
}

/// A registered document's record as its read-only page states it.
#[derive(Serialize)]
struct RegisteredView {
    diarienummer: String,
    by: String,
    at: String,
    pdf: String,
    receipt: String,
}

fn registered_view(site: &Site, state: &CaseState) -> Option<RegisteredView> {
    let CaseState::Registered {
        diarienummer,
        by,
        at,
    } = state
    else {
        return None;
    };
    // The name kept with the registration; an older registration has only the username, named now.
    let name = site
        .staff
        .casework
        .registration(diarienummer)
        .ok()
        .flatten()
        .map(|r| r.registered_by_name)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| person_name(site, by));
    Some(RegisteredView {
        diarienummer: diarienummer.clone(),
        by: name,
        at: short_time(at),
        pdf: format!("/staff/registrerad/{}.pdf", key_path(diarienummer)),
        receipt: format!("/staff/registrerad/{}", key_path(diarienummer)),
    })
}

pub fn value_text(v: &crate::store::documents::Value) -> String {
    match v {
        crate::store::documents::Value::Text(t) => t.clone(),
        crate::store::documents::Value::Ticked(t) => t.join(", "),
    }
}

pub async fn show(req: HttpRequest, site: web::Data<Site>, caller: Caller) -> HttpResponse {
    let key = segment(&req, "key");
    let (doc, case) = match site.staff.casework.open(&site.store, &key, &caller.account) {
        Ok(x) => x,
        Err(e) => return staff_error(&site, Some(&caller), Face::Page, e),
    };
    // `open` has written the `opened` entry of the user log.
    let mut view = DocView::new(site.registry, doc, case);
    view.name_people(|u| person_name(&site, u));
    let query = Params::query(&req);
    // A document no longer open is read as the paper is: in form order.
    let (state, open) = state_text(&site, &view.case.state);
    let form_order = query.get("ordning") == Some("blankett") || !open;
    let fields = if form_order {
        view.fields.iter().collect()
    } else {
        view.look_first()
    };
    let base = format!("/staff/dokument/{}", key_path(&view.doc.key));
    let pages: Vec<PageView> = view
        .doc
        .pages
        .keys()
        .map(|n| PageView {
            number: *n,
            image: format!("{base}/sida/{n}.png"),
        })
        .collect();
    let changes: Vec<ChangeView> = view
        .case
        .changes
        .iter()
        .map(|c| {
            let layout = super::document::layout_of(&view.parts, &c.field);
            let text = |v| layout.map_or_else(|| value_text(v), |l| super::document::shown(l, v));
            ChangeView {
                field: layout.map_or(c.field.clone(), |l| l.label.clone()),
                old: text(&c.old),
                new: text(&c.new),
                by: person_name(&site, &c.by),
                at: short_time(&c.at),
            }
        })
        .collect();
    let registered = registered_view(&site, &view.case.state);
    let regions: Vec<RegionChoice> = site
        .regions
        .all()
        .iter()
        .filter(|r| Some(&r.code) != view.case.region.as_ref())
        .map(|r| RegionChoice {
            code: r.code.clone(),
            name: r.name.clone(),
        })
        .collect();
    let titles: Vec<String> = view.parts.iter().map(|f| f.def.title.clone()).collect();
    let siblings = siblings_of(&site, &caller, &view.doc);
    let mut ctx = tera::Context::new();
    ctx.insert("base", &base);
    ctx.insert("api", &format!("/api/dokument/{}", key_path(&view.doc.key)));
    ctx.insert("key", &view.doc.key);
    ctx.insert("form_id", &shown_id(&view.doc.form_id));
    ctx.insert("registered", &registered);
    ctx.insert("titles", &titles);
    ctx.insert(
        "region",
        &view
            .case
            .region
            .as_deref()
            .map(|c| region_name(&site, c))
            .unwrap_or_else(|| "okänd region".into()),
    );
    ctx.insert("created", &short_time(&view.doc.created_at));
    ctx.insert("missing_pages", &view.doc.missing_pages());
    ctx.insert(
        "flags",
        &view
            .doc
            .flags
            .iter()
            .map(|f| flag_label(f))
            .collect::<Vec<_>>(),
    );
    ctx.insert("pages", &pages);
    ctx.insert("fields", &fields);
    ctx.insert("to_check", &view.fields_to_check());
    ctx.insert("form_order", &form_order);
    ctx.insert("changes", &changes);
    ctx.insert("forwards", &view.case.forwards.len());
    ctx.insert("state", &state);
    ctx.insert("open", &open);
    ctx.insert("regions", &regions);
    ctx.insert("saved", &query.get("sparat"));
    ctx.insert("siblings", &siblings);
    ctx.insert("swapped", &query.get("bytt"));
    ctx.insert("confirmed", &query.get("ihop").is_some());
    ctx.insert(
        "unsure_pairing",
        &view
            .doc
            .flags
            .iter()
            .any(|f| f == crate::intake::pairing::FLAG_UNSURE_PAIRING),
    );
    site.staff_views.page(
        &site,
        Some(&caller),
        StatusCode::OK,
        "staff/dokument.html",
        &mut ctx,
    )
}

/// The other copies on this document's form ID that the caller may see (a photocopied blank filled in more than
/// once), for comparing pages and swapping one.
fn siblings_of(
    site: &Site,
    caller: &Caller,
    doc: &crate::store::documents::Document,
) -> Vec<SiblingView> {
    let compact = doc.key.split('#').next().unwrap_or(&doc.key);
    let Ok(all) = site.store.documents.with_id(compact) else {
        return Vec::new();
    };
    all.into_iter()
        .filter(|d| d.key != doc.key)
        .filter_map(|d| {
            let (d, case) = super::document::access(site, &caller.account, &d.key).ok()?;
            let (state, open) = state_text(site, &case.state);
            let href = format!("/staff/dokument/{}", key_path(&d.key));
            let mut swappable: Vec<u32> = d.pages.keys().chain(doc.pages.keys()).copied().collect();
            swappable.sort_unstable();
            swappable.dedup();
            Some(SiblingView {
                slug: d.key.replace('#', "-"),
                pages: d
                    .pages
                    .keys()
                    .map(|n| PageView {
                        number: *n,
                        image: format!("{href}/sida/{n}.png"),
                    })
                    .collect(),
                key: d.key,
                href,
                state,
                open,
                swappable,
            })
        })
        .collect()
}
