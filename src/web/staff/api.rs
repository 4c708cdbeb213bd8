//! The JSON API, for the tests and for integration, with the pages' rules: the same session cookie (401 without
//! one), `X-CSRF-Token` on every POST (403 without it), 404 for a document outside the caller's regions.
//! Errors are `{"fel": "<Swedish message>"}`.
//!
//! | Route | Body | Answer |
//! |---|---|---|
//! | `GET /api/pending` | | `[{key, form_id, form, region, created_at, fields_to_check}]`, oldest first |
//! | `GET /api/dokument/{key}` | | the document: fields with value, confidence, notes; the case |
//! | `POST /api/dokument/{key}/falt` | `{field, value}` | the field after the correction, with its checks |
//! | `POST /api/dokument/{key}/kontroll` | `{values: {field: value}}` | `{fields: {field: [message]}}` |
//! | `POST /api/dokument/{key}/registrera` | | the registration, with its diarienummer |
//! | `POST /api/dokument/{key}/avvisa`, `/lagg-undan` | `{reason}` | the case |
//! | `POST /api/dokument/{key}/vidarebefordra` | `{region, reason}` | the case |
//! | `GET /api/export?region=&from=&to=&format=csv\|json` | | as `/staff/export` |

use super::actions::{apply_values, document_json, register_now};
use super::document::{self, DocView};
use super::session::Caller;
use super::verify::log_opened;
use super::{Face, MAX_FORM, Site, csrf, json, refuse, segment, staff_error};
use crate::staff::StaffError;
use crate::staff::queues::Queues;
use crate::store::documents::Value;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/pending", web::get().to(pending))
        .route("/api/dokument/{key}", web::get().to(document))
        .route("/api/dokument/{key}/falt", web::post().to(correct))
        .route("/api/dokument/{key}/kontroll", web::post().to(check))
        .route("/api/dokument/{key}/registrera", web::post().to(register))
        .route("/api/dokument/{key}/avvisa", web::post().to(reject))
        .route(
            "/api/dokument/{key}/vidarebefordra",
            web::post().to(forward),
        )
        .route("/api/dokument/{key}/lagg-undan", web::post().to(put_aside))
        .route("/api/export", web::get().to(super::export::api));
}

fn fail(site: &Site, caller: &Caller, e: StaffError) -> HttpResponse {
    staff_error(site, Some(caller), Face::Api, e)
}

/// The CSRF header, then the JSON body.
fn body<T: for<'de> Deserialize<'de>>(
    req: &HttpRequest,
    site: &Site,
    caller: &Caller,
    bytes: &[u8],
) -> Result<T, HttpResponse> {
    csrf::require(site, caller, req, None)?;
    if bytes.len() > MAX_FORM {
        return Err(refuse(
            site,
            Some(caller),
            Face::Api,
            StatusCode::PAYLOAD_TOO_LARGE,
            "För stor begäran.",
        ));
    }
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        bytes
    };
    serde_json::from_slice(bytes).map_err(|e| {
        refuse(
            site,
            Some(caller),
            Face::Api,
            StatusCode::BAD_REQUEST,
            &format!("Begäran är inte giltig JSON av rätt form: rad {}, kolumn {}.", e.line(), e.column()),
        )
    })
}

macro_rules! body_or_return {
    ($t:ty, $req:expr, $site:expr, $caller:expr, $bytes:expr) => {
        match body::<$t>(&$req, &$site, &$caller, &$bytes) {
            Ok(b) => b,
            Err(res) => return res,
        }
    };
}

async fn pending(site: web::Data<Site>, caller: Caller) -> HttpResponse {
    let queues = Queues {
        store: &site.store,
        casework: &site.staff.casework,
    };
    match queues.pending(&caller.account) {
        Ok(items) => {
            let out: Vec<serde_json::Value> = items
                .iter()
                .map(|i| {
                    serde_json::json!({
                        "key": i.key,
                        "form_id": i.form_id,
                        "form": i.form,
                        "version": i.version,
                        "region": i.region,
                        "created_at": i.created_at,
                        "fields": i.fields,
                        "fields_to_check": i.fields_to_check,
                        "missing_pages": i.missing_pages,
                        "flags": i.flags,
                    })
                })
                .collect();
            json(StatusCode::OK, &out)
        }
        Err(e) => fail(&site, &caller, e),
    }
}

fn view(site: &Site, caller: &Caller, key: &str) -> Result<DocView, StaffError> {
    let (doc, case) = site
        .staff
        .casework
        .open(&site.store, key, &caller.account)?;
    Ok(DocView::new(site.registry, doc, case))
}

async fn document(req: HttpRequest, site: web::Data<Site>, caller: Caller) -> HttpResponse {
    let key = segment(&req, "key");
    let result = view(&site, &caller, &key).and_then(|v| {
        log_opened(&site, &caller, &v)?;
        Ok(v)
    });
    match result {
        Ok(v) => json(StatusCode::OK, &document_json(&v)),
        Err(e) => fail(&site, &caller, e),
    }
}

/// A value as JSON gives it: a string for text, a list of option values for a choice.
#[derive(Deserialize)]
#[serde(untagged)]
enum JsonValue {
    Text(String),
    Ticked(Vec<String>),
}

impl JsonValue {
    fn raw(&self) -> Vec<&str> {
        match self {
            JsonValue::Text(t) => vec![t.as_str()],
            JsonValue::Ticked(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

#[derive(Deserialize)]
struct Correction {
    field: String,
    value: JsonValue,
}

/// The submitted value in the shape the field's definition wants.
fn shaped(site: &Site, caller: &Caller, key: &str, field: &str, value: &JsonValue) -> Result<Value, StaffError> {
    let (doc, _) = site
        .staff
        .casework
        .open(&site.store, key, &caller.account)?;
    let parts = document::parts(site.registry, &doc);
    document::value_for(&parts, field, &value.raw())
        .ok_or_else(|| StaffError::Invalid(format!("Fältet {field} finns inte i blanketten.")))
}

async fn correct(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    bytes: web::Bytes,
) -> HttpResponse {
    let c = body_or_return!(Correction, req, site, caller, bytes);
    let key = segment(&req, "key");
    let result = shaped(&site, &caller, &key, &c.field, &c.value)
        .and_then(|v| apply_values(&site, &caller, &key, &[(c.field.clone(), v)]))
        .and_then(|changed| Ok((changed, view(&site, &caller, &key)?)));
    match result {
        Ok((changed, v)) => {
            let field = v.field(&c.field);
            json(
                StatusCode::OK,
                &serde_json::json!({
                    "changed": changed > 0,
                    "field": field.map(|f| serde_json::json!({
                        "name": f.name,
                        "value": f.value,
                        "shown": f.shown,
                        "corrected": f.corrected,
                        "notes": f.notes,
                        "needs_look": f.needs_look,
                    })),
                    "fields_to_check": v.fields_to_check(),
                }),
            )
        }
        Err(e) => fail(&site, &caller, e),
    }
}

#[derive(Deserialize)]
struct CheckRequest {
    #[serde(default)]
    values: BTreeMap<String, JsonValue>,
}

/// The checks of intake over the values now with the typed ones on top; nothing is stored.
async fn check(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    bytes: web::Bytes,
) -> HttpResponse {
    let c = body_or_return!(CheckRequest, req, site, caller, bytes);
    let key = segment(&req, "key");
    let (doc, case) = match site
        .staff
        .casework
        .open(&site.store, &key, &caller.account)
    {
        Ok(x) => x,
        Err(e) => return fail(&site, &caller, e),
    };
    let parts = document::parts(site.registry, &doc);
    let mut overrides = BTreeMap::new();
    for (field, value) in &c.values {
        match document::value_for(&parts, field, &value.raw()) {
            Some(v) => {
                overrides.insert(field.clone(), v);
            }
            None => {
                return fail(
                    &site,
                    &caller,
                    StaffError::Invalid(format!("Fältet {field} finns inte i blanketten.")),
                );
            }
        }
    }
    let checked = document::checked(&doc, &parts, &case.corrections, &overrides);
    json(
        StatusCode::OK,
        &serde_json::json!({ "fields": document::check_messages(&checked) }),
    )
}

async fn register(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    bytes: web::Bytes,
) -> HttpResponse {
    let _: serde_json::Value = body_or_return!(serde_json::Value, req, site, caller, bytes);
    let key = segment(&req, "key");
    match register_now(&site, &caller, &key) {
        Ok(reg) => json(StatusCode::OK, &reg),
        Err(e) => fail(&site, &caller, e),
    }
}

#[derive(Deserialize)]
struct Reason {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    region: String,
}

fn reason_of(r: &Reason) -> Result<&str, StaffError> {
    let t = r.reason.trim();
    if t.is_empty() {
        Err(StaffError::Invalid("Skriv en anledning.".into()))
    } else {
        Ok(t)
    }
}

async fn reject(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    bytes: web::Bytes,
) -> HttpResponse {
    let r = body_or_return!(Reason, req, site, caller, bytes);
    let key = segment(&req, "key");
    let result = reason_of(&r).and_then(|why| {
        site.staff
            .casework
            .reject(&site.store, &key, why, &caller.account)
    });
    match result {
        Ok(case) => json(StatusCode::OK, &case),
        Err(e) => fail(&site, &caller, e),
    }
}

async fn put_aside(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    bytes: web::Bytes,
) -> HttpResponse {
    let r = body_or_return!(Reason, req, site, caller, bytes);
    let key = segment(&req, "key");
    let result = reason_of(&r).and_then(|why| {
        site.staff
            .casework
            .put_aside(&site.store, &key, why, &caller.account)
    });
    match result {
        Ok(case) => json(StatusCode::OK, &case),
        Err(e) => fail(&site, &caller, e),
    }
}

async fn forward(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    bytes: web::Bytes,
) -> HttpResponse {
    let r = body_or_return!(Reason, req, site, caller, bytes);
    let key = segment(&req, "key");
    let result = reason_of(&r).and_then(|why| {
        if r.region.trim().is_empty() {
            return Err(StaffError::Invalid(
                "Ange regionen som dokumentet ska till.".into(),
            ));
        }
        site.staff
            .casework
            .forward(&site.store, &key, r.region.trim(), why, &caller.account)
    });
    match result {
        Ok(case) => json(StatusCode::OK, &case),
        Err(e) => fail(&site, &caller, e),
    }
}
