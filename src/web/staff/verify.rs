//! The verification screen: the page images beside the fields, uncertain and failed-check fields first (or in
//! form order), each with its crop, the value read, its confidence and notes. Works as plain forms; `staff.js`
//! adds the keyboard flow and the checks as one types. Opening a document is written to the user log.

use super::document::DocView;
use super::queues::{flag_label, short_time};
use super::session::Caller;
use super::views::region_name;
use super::{Face, Site, key_path, segment, staff_error};
use crate::staff::audit::LogKind;
use crate::staff::casework::CaseState;
use crate::web::Params;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

#[derive(Serialize)]
struct PageView {
    number: u32,
    image: String,
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

/// The state of a case in Swedish, and whether it is still open for work.
pub fn state_text(state: &CaseState) -> (String, bool) {
    match state {
        CaseState::Open => ("Väntar på granskning".into(), true),
        CaseState::PutAside { reason, by, at } => (
            format!(
                "Undanlagd av {by} {}: {reason}",
                short_time(at)
            ),
            true,
        ),
        CaseState::Rejected { reason, by, at } => (
            format!("Avvisad av {by} {}: {reason}", short_time(at)),
            false,
        ),
        CaseState::Registered {
            diarienummer,
            by,
            at,
        } => (
            format!(
                "Registrerad som {diarienummer} av {by} {}",
                short_time(at)
            ),
            false,
        ),
    }
}

pub fn value_text(v: &crate::store::documents::Value) -> String {
    match v {
        crate::store::documents::Value::Text(t) => t.clone(),
        crate::store::documents::Value::Ticked(t) => t.join(", "),
    }
}

/// Writes the `opened` entry of the user log.
pub fn log_opened(site: &Site, caller: &Caller, view: &DocView) -> Result<(), crate::staff::StaffError> {
    site.staff
        .audit
        .append(
            LogKind::User,
            caller.username(),
            "opened",
            Some(&view.doc.key),
            view.case.region.as_deref(),
            "",
        )
        .map(|_| ())
}

pub async fn show(req: HttpRequest, site: web::Data<Site>, caller: Caller) -> HttpResponse {
    let key = segment(&req, "key");
    let (doc, case) = match site.staff.casework.open(&site.store, &key, &caller.account) {
        Ok(x) => x,
        Err(e) => return staff_error(&site, Some(&caller), Face::Page, e),
    };
    let view = DocView::new(site.registry, doc, case);
    if let Err(e) = log_opened(&site, &caller, &view) {
        return staff_error(&site, Some(&caller), Face::Page, e);
    }
    let query = Params::query(&req);
    let form_order = query.get("ordning") == Some("blankett");
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
        .map(|c| ChangeView {
            field: view
                .field(&c.field)
                .map_or(c.field.clone(), |f| f.label.clone()),
            old: value_text(&c.old),
            new: value_text(&c.new),
            by: c.by.clone(),
            at: short_time(&c.at),
        })
        .collect();
    let (state, open) = state_text(&view.case.state);
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
    let mut ctx = tera::Context::new();
    ctx.insert("base", &base);
    ctx.insert(
        "api",
        &format!("/api/dokument/{}", key_path(&view.doc.key)),
    );
    ctx.insert("key", &view.doc.key);
    ctx.insert("form_id", &view.doc.form_id);
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
    site.staff_views.page(
        &site,
        Some(&caller),
        StatusCode::OK,
        "staff/dokument.html",
        &mut ctx,
    )
}
