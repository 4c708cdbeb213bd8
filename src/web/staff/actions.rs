//! What a person does to a document: correct fields, register, reject, forward, put aside. The work itself is the
//! model's (`staff::casework`, which also checks region and role); this is the form handling of the pages, and the
//! parts the API shares.

use super::document::{self, DocView};
use super::queues::short_time;
use super::session::Caller;
use super::{Face, MAX_FORM, Site, csrf, key_path, refuse, see_other, segment, staff_error};
use crate::staff::StaffError;
use crate::staff::casework::Registration;
use crate::store::documents::Value;
use crate::web::Params;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

pub const GROUP_CANNOT_REGISTER: &str = "Ett gruppkonto kan inte registrera anmälningar: registreringen ska göras av en namngiven person. Logga in med ditt personliga konto för att registrera.";

/// Records the fields whose value differs from the value now (corrected or as read). Returns how many changed.
pub fn apply_values(
    site: &Site,
    caller: &Caller,
    key: &str,
    submitted: &[(String, Value)],
) -> Result<usize, StaffError> {
    let (doc, case) = site
        .staff
        .casework
        .open(&site.store, key, &caller.account)?;
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
    let (doc, _) = site
        .staff
        .casework
        .open(&site.store, key, &caller.account)?;
    let parts = document::parts(site.registry, &doc);
    let mut out = Vec::new();
    for name in names {
        let raw = params.all(&format!("v.{name}"));
        let value = document::value_for(&parts, name, &raw)
            .ok_or_else(|| StaffError::Invalid(format!("Fältet {name} finns inte i blanketten.")))?;
        out.push((name.to_string(), value));
    }
    Ok(out)
}

/// The form of a page action, after its size and CSRF checks.
fn read_form(
    req: &HttpRequest,
    site: &Site,
    caller: &Caller,
    body: &[u8],
) -> Result<Params, HttpResponse> {
    if body.len() > MAX_FORM {
        return Err(refuse(
            site,
            Some(caller),
            Face::Page,
            StatusCode::PAYLOAD_TOO_LARGE,
            "Formuläret är för stort.",
        ));
    }
    let params = Params::parse(body);
    csrf::require(site, caller, req, Some(&params))?;
    Ok(params)
}

macro_rules! form_or_return {
    ($req:expr, $site:expr, $caller:expr, $body:expr) => {
        match read_form(&$req, &$site, &$caller, &$body) {
            Ok(p) => p,
            Err(res) => return res,
        }
    };
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
    let result = submitted_values(&site, &caller, &key, &params)
        .and_then(|values| apply_values(&site, &caller, &key, &values));
    match result {
        Ok(n) => see_other(&format!(
            "/staff/dokument/{}?sparat={n}",
            key_path(&key)
        )),
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

/// `POST /staff/dokument/{key}/registrera`: saves the corrections in the form, if any, then registers.
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
    let result = submitted_values(&site, &caller, &key, &params)
        .and_then(|values| apply_values(&site, &caller, &key, &values))
        .and_then(|_| register_now(&site, &caller, &key));
    match result {
        Ok(reg) => see_other(&format!(
            "/staff/registrerad/{}",
            key_path(&reg.diarienummer)
        )),
        Err(e) => staff_error(&site, Some(&caller), Face::Page, e),
    }
}

fn reason<'p>(params: &'p Params) -> Result<&'p str, StaffError> {
    params
        .get("reason")
        .ok_or_else(|| StaffError::Invalid("Skriv en anledning.".into()))
}

pub async fn reject(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    body: web::Bytes,
) -> HttpResponse {
    let params = form_or_return!(req, site, caller, body);
    let key = segment(&req, "key");
    let result = reason(&params).and_then(|r| {
        site.staff
            .casework
            .reject(&site.store, &key, r, &caller.account)
    });
    match result {
        Ok(_) => see_other("/staff/att-granska?klart=avvisad"),
        Err(e) => staff_error(&site, Some(&caller), Face::Page, e),
    }
}

pub async fn put_aside(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    body: web::Bytes,
) -> HttpResponse {
    let params = form_or_return!(req, site, caller, body);
    let key = segment(&req, "key");
    let result = reason(&params).and_then(|r| {
        site.staff
            .casework
            .put_aside(&site.store, &key, r, &caller.account)
    });
    match result {
        Ok(_) => see_other("/staff/att-granska?klart=undanlagd"),
        Err(e) => staff_error(&site, Some(&caller), Face::Page, e),
    }
}

pub async fn forward(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    body: web::Bytes,
) -> HttpResponse {
    let params = form_or_return!(req, site, caller, body);
    let key = segment(&req, "key");
    let result = match params.get("region") {
        None => Err(StaffError::Invalid(
            "Välj regionen som dokumentet ska till.".into(),
        )),
        Some(region) => reason(&params).and_then(|r| {
            site.staff
                .casework
                .forward(&site.store, &key, region, r, &caller.account)
        }),
    };
    match result {
        Ok(_) => see_other("/staff/att-granska?klart=vidarebefordrad"),
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
    ctx.insert("pdf", &format!("/staff/registrerad/{}.pdf", key_path(&reg.diarienummer)));
    ctx.insert("title", &title);
    ctx.insert("form_id", &reg.form_id);
    ctx.insert("registered_by", &reg.registered_by);
    ctx.insert("registered_at", &short_time(&reg.registered_at));
    ctx.insert("changes", &reg.changes.len());
    ctx.insert("document", &format!("/staff/dokument/{}", key_path(&reg.key)));
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
                "needs_look": f.needs_look,
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
        "fields": fields,
        "case": view.case,
    })
}
