//! What a person does to a document: correct fields, register, reject, forward, put aside. The work itself is the
//! model's (`staff::casework`, which also checks region and role); this is the form handling of the pages, and the
//! parts the API shares.

use super::document::{self, DocView};
use super::session::Caller;
use super::views::short_time;
use super::views::{person_name, shown_id};
use super::{Face, Site, csrf, key_path, see_other, segment, staff_error};
use crate::staff::StaffError;
use crate::staff::case::{Case, Registration};
use crate::store::documents::Value;
use crate::web::Params;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

pub const GROUP_CANNOT_REGISTER: &str = "Ett gruppkonto kan inte registrera anmälningar: registreringen ska göras av en namngiven person. Logga in med ditt personliga konto för att registrera.";

/// Records the fields whose value differs from the value now (corrected or as read). Returns how many changed.
pub fn apply_values(
    site: &Site,
    caller: &Caller,
    key: &str,
    submitted: &[(String, Value)],
) -> Result<usize, StaffError> {
    let (doc, case) = document::access(site, &caller.account, key)?;
    let mut changed = 0;
    for (field, value) in submitted {
        let now = case
            .corrections
            .get(field)
            .or_else(|| doc.fields.get(field).map(|f| &f.value));
        if now == Some(value) {
            continue;
        }
        if now.is_none() {
            return Err(StaffError::Invalid(format!(
                "Fältet {field} finns inte i dokumentet."
            )));
        }
        site.staff
            .casework
            .correct(&site.store, key, field, value.clone(), &caller.account)?;
        changed += 1;
    }
    Ok(changed)
}

/// The field values of the verification form: every field listed in `f`, its value(s) in `v.<field>`.
fn submitted_values(
    site: &Site,
    caller: &Caller,
    key: &str,
    params: &Params,
) -> Result<Vec<(String, Value)>, StaffError> {
    let names = params.all("f");
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let (doc, _) = document::access(site, &caller.account, key)?;
    let parts = document::parts(site.registry, &doc);
    let mut out = Vec::new();
    for name in names {
        let raw = params.all(&format!("v.{name}"));
        let value = document::value_for(&parts, name, &raw).ok_or_else(|| {
            StaffError::Invalid(format!("Fältet {name} finns inte i blanketten."))
        })?;
        out.push((name.to_string(), value));
    }
    Ok(out)
}

macro_rules! form_or_return {
    ($req:expr, $site:expr, $caller:expr, $body:expr) => {
        match csrf::form(&$site, &$caller, &$req, &$body) {
            Ok(p) => p,
            Err(res) => return res,
        }
    };
}

/// What a person did in the verification form besides typing values: the fields ticked "granskad", the reasons
/// given to let a failed check stand (`undantag.<field>`), and a suggestion taken (`forslag`).
fn apply_choices(
    site: &Site,
    caller: &Caller,
    key: &str,
    params: &Params,
) -> Result<(), StaffError> {
    let (casework, store, by) = (&site.staff.casework, &site.store, &caller.account);
    let reviewed: Vec<String> = params
        .all("granskad")
        .into_iter()
        .map(str::to_string)
        .collect();
    if !reviewed.is_empty() {
        casework.review(store, key, &reviewed, by)?;
    }
    for name in params.all("f") {
        if let Some(reason) = params.get(&format!("undantag.{name}")) {
            let (_, case) = document::access(site, by, key)?;
            // A reason already given for this value is not given twice.
            if case.overrides.get(name).is_none_or(|o| o.reason != reason) {
                casework.override_check(store, key, name, reason, by)?;
            }
        }
    }
    if let Some(field) = params.get("forslag") {
        casework.take_suggestion(store, key, field, by)?;
    }
    Ok(())
}

/// Everything the verification form carries: values, then the choices made beside them.
fn apply_form(
    site: &Site,
    caller: &Caller,
    key: &str,
    params: &Params,
) -> Result<usize, StaffError> {
    let values = submitted_values(site, caller, key, params)?;
    let changed = apply_values(site, caller, key, &values)?;
    apply_choices(site, caller, key, params)?;
    Ok(changed)
}

/// `POST /staff/dokument/{key}/falt`: the corrections of the verification form (without JavaScript).
pub async fn save(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    body: web::Bytes,
) -> HttpResponse {
    let params = form_or_return!(req, site, caller, body);
    let key = segment(&req, "key");
    match apply_form(&site, &caller, &key, &params) {
        Ok(n) => see_other(&format!("/staff/dokument/{}?sparat={n}", key_path(&key))),
        Err(e) => staff_error(&site, Some(&caller), Face::Page, e),
    }
}

pub fn register_now(site: &Site, caller: &Caller, key: &str) -> Result<Registration, StaffError> {
    if !caller.account.may_register() {
        return Err(StaffError::Forbidden(GROUP_CANNOT_REGISTER.into()));
    }
    site.staff
        .casework
        .register(&site.store, key, &caller.account)
}

/// `POST /staff/dokument/{key}/registrera`: saves what the form carries, then asks for the confirmation: a page
/// that lists what stops the registration or was let stand. Only its own button (`bekraftat=1`) registers, so
/// no Enter in a field, and no form sent by accident, ever registers.
pub async fn register(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    body: web::Bytes,
) -> HttpResponse {
    let params = form_or_return!(req, site, caller, body);
    let key = segment(&req, "key");
    if !caller.account.may_register() {
        return staff_error(
            &site,
            Some(&caller),
            Face::Page,
            StaffError::Forbidden(GROUP_CANNOT_REGISTER.into()),
        );
    }
    if let Err(e) = apply_form(&site, &caller, &key, &params) {
        return staff_error(&site, Some(&caller), Face::Page, e);
    }
    if params.get("bekraftat") != Some("1") {
        return confirmation(&site, &caller, &key);
    }
    match register_now(&site, &caller, &key) {
        Ok(reg) => see_other(&format!(
            "/staff/registrerad/{}",
            key_path(&reg.diarienummer)
        )),
        Err(StaffError::NotReady(_)) => confirmation(&site, &caller, &key),
        Err(e) => staff_error(&site, Some(&caller), Face::Page, e),
    }
}

#[derive(Serialize)]
struct OverriddenView {
    label: String,
    checks: String,
    reason: String,
    by: String,
}

/// The confirmation page (without JavaScript; the script shows the same in a dialog): what stops the
/// registration, by field, or what was let stand and the one button that registers. 409 while not ready.
fn confirmation(site: &Site, caller: &Caller, key: &str) -> HttpResponse {
    let view = match document::access(site, &caller.account, key) {
        Ok((doc, case)) => DocView::new(site.registry, doc, case),
        Err(e) => return staff_error(site, Some(caller), Face::Page, e),
    };
    let readiness = &view.readiness;
    let overridden: Vec<OverriddenView> = readiness
        .overridden()
        .into_iter()
        .filter_map(|f| {
            let o = f.overridden.as_ref()?;
            Some(OverriddenView {
                label: f.label.clone(),
                checks: o.checks.join(" "),
                reason: o.reason.clone(),
                by: person_name(site, &o.by),
            })
        })
        .collect();
    let obstacles = readiness.obstacles();
    let base = format!("/staff/dokument/{}", key_path(key));
    let mut ctx = tera::Context::new();
    ctx.insert("base", &base);
    ctx.insert("obstacles", &obstacles);
    ctx.insert("overridden", &overridden);
    ctx.insert("ready", &obstacles.is_empty());
    ctx.insert("who_and_what", &view.who_and_what());
    let status = if obstacles.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::CONFLICT
    };
    site.staff_views
        .page(site, Some(caller), status, "staff/bekrafta.html", &mut ctx)
}

/// The decisions that take a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Reject,
    PutAside,
    /// To the region given.
    Forward,
}

impl Decision {
    /// What the document is afterwards, for the queue's receipt.
    fn done(self) -> &'static str {
        match self {
            Decision::Reject => "avvisad",
            Decision::PutAside => "undanlagd",
            Decision::Forward => "vidarebefordrad",
        }
    }
}

/// Rejects, puts aside or forwards (to `region`), with a reason; shared by the pages and the API.
pub fn decide(
    site: &Site,
    caller: &Caller,
    key: &str,
    decision: Decision,
    reason: &str,
    region: Option<&str>,
) -> Result<Case, StaffError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StaffError::Invalid("Skriv en anledning.".into()));
    }
    let (casework, store, by) = (&site.staff.casework, &site.store, &caller.account);
    match decision {
        Decision::Reject => casework.reject(store, key, reason, by),
        Decision::PutAside => casework.put_aside(store, key, reason, by),
        Decision::Forward => match region.map(str::trim).filter(|r| !r.is_empty()) {
            Some(region) => casework.forward(store, key, region, reason, by),
            None => Err(StaffError::Invalid(
                "Välj regionen som dokumentet ska till.".into(),
            )),
        },
    }
}

async fn decision_page(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    body: web::Bytes,
    decision: Decision,
) -> HttpResponse {
    let params = form_or_return!(req, site, caller, body);
    let key = segment(&req, "key");
    let reason = params.get("reason").unwrap_or_default();
    match decide(&site, &caller, &key, decision, reason, params.get("region")) {
        Ok(_) => see_other(&format!("/staff/att-granska?klart={}", decision.done())),
        Err(e) => staff_error(&site, Some(&caller), Face::Page, e),
    }
}

pub async fn reject(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    body: web::Bytes,
) -> HttpResponse {
    decision_page(req, site, caller, body, Decision::Reject).await
}

pub async fn put_aside(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    body: web::Bytes,
) -> HttpResponse {
    decision_page(req, site, caller, body, Decision::PutAside).await
}

pub async fn forward(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    body: web::Bytes,
) -> HttpResponse {
    decision_page(req, site, caller, body, Decision::Forward).await
}

/// Exchanges page `page` between two copies on one form ID; shared by the page and the API.
pub fn swap(
    site: &Site,
    caller: &Caller,
    key: &str,
    other: &str,
    page: u32,
) -> Result<crate::staff::casework::Swapped, StaffError> {
    site.staff
        .casework
        .swap_page(&site.store, key, other.trim(), page, &caller.account)
}

/// `POST /staff/dokument/{key}/byt-sida` (`med`, `sida`): back to the document, which now holds the other page.
pub async fn swap_page(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    body: web::Bytes,
) -> HttpResponse {
    let params = form_or_return!(req, site, caller, body);
    let key = segment(&req, "key");
    let Some(page) = params
        .get("sida")
        .and_then(|p| p.trim().parse::<u32>().ok())
    else {
        return staff_error(
            &site,
            Some(&caller),
            Face::Page,
            StaffError::Invalid("Ange vilken sida som ska bytas.".into()),
        );
    };
    let other = params.get("med").unwrap_or_default();
    match swap(&site, &caller, &key, other, page) {
        Ok(_) => see_other(&format!("/staff/dokument/{}?bytt={page}", key_path(&key))),
        Err(e) => staff_error(&site, Some(&caller), Face::Page, e),
    }
}

/// `POST /staff/dokument/{key}/sidorna-hor-ihop`: the person finds the sheets' pages paired right; back to the
/// document, whose fields are trusted as read again.
pub async fn confirm_pairing(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    body: web::Bytes,
) -> HttpResponse {
    let _ = form_or_return!(req, site, caller, body);
    let key = segment(&req, "key");
    match site
        .staff
        .casework
        .confirm_pairing(&site.store, &key, &caller.account)
    {
        Ok(_) => see_other(&format!("/staff/dokument/{}?ihop=1", key_path(&key))),
        Err(e) => staff_error(&site, Some(&caller), Face::Page, e),
    }
}

/// A registration the caller may see: in one of their regions; otherwise not found.
pub fn registration_for(
    site: &Site,
    caller: &Caller,
    dnr: &str,
) -> Result<Registration, StaffError> {
    match site.staff.casework.registration(dnr)? {
        Some(r) if caller.account.sees_region(&r.region) => Ok(r),
        _ => Err(StaffError::NotFound),
    }
}

/// `GET /staff/registrerad/{dnr}`: the diarienummer, and the way to the printout and the next document.
pub async fn registered(req: HttpRequest, site: web::Data<Site>, caller: Caller) -> HttpResponse {
    let dnr = segment(&req, "dnr");
    let reg = match registration_for(&site, &caller, &dnr) {
        Ok(r) => r,
        Err(e) => return staff_error(&site, Some(&caller), Face::Page, e),
    };
    let title = site
        .registry
        .get(&reg.form, Some(reg.version))
        .map(|f| f.def.title.clone())
        .unwrap_or_else(|_| reg.form.clone());
    let mut ctx = tera::Context::new();
    ctx.insert("diarienummer", &reg.diarienummer);
    ctx.insert(
        "pdf",
        &format!("/staff/registrerad/{}.pdf", key_path(&reg.diarienummer)),
    );
    ctx.insert("title", &title);
    ctx.insert("form_id", &shown_id(&reg.form_id));
    let name = if reg.registered_by_name.trim().is_empty() {
        person_name(&site, &reg.registered_by)
    } else {
        reg.registered_by_name.clone()
    };
    ctx.insert("registered_by", &name);
    ctx.insert("registered_at", &short_time(&reg.registered_at));
    ctx.insert("changes", &reg.changes.len());
    ctx.insert(
        "document",
        &format!("/staff/dokument/{}", key_path(&reg.key)),
    );
    site.staff_views.page(
        &site,
        Some(&caller),
        StatusCode::OK,
        "staff/registrerad.html",
        &mut ctx,
    )
}

/// The document as the API shows it.
pub fn document_json(view: &DocView) -> serde_json::Value {
    let fields: Vec<serde_json::Value> = view
        .fields
        .iter()
        .map(|f| {
            serde_json::json!({
                "name": f.name,
                "label": f.label,
                "form": f.form,
                "page": f.page,
                "kind": f.kind,
                "value": f.value,
                "value_read": f.value_read,
                "corrected": f.corrected,
                "confidence": f.confidence,
                "notes": f.notes,
                "checks": f.checks,
                "needs_look": f.needs_look,
                "reviewed": f.reviewed,
                "obstacle": f.obstacle,
                "suggestion": f.suggestion,
                "overridden": f.overridden,
            })
        })
        .collect();
    serde_json::json!({
        "key": view.doc.key,
        "form_id": view.doc.form_id,
        "form": view.doc.form,
        "version": view.doc.version,
        "status": view.doc.status,
        "missing_pages": view.doc.missing_pages(),
        "flags": view.doc.flags,
        "created_at": view.doc.created_at,
        "fields_to_check": view.fields_to_check(),
        "ready": view.readiness.is_ready(),
        "fields": fields,
        "case": view.case,
    })
}
