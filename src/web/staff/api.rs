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
//! | `POST /api/dokument/{key}/granskat` | `{fields: [field]}` | as `/redo` |
//! | `POST /api/dokument/{key}/undantag` | `{field, reason}` | the field, its check let stand for its value |
//! | `POST /api/dokument/{key}/forslag` | `{field}` | the field, with the suggested value taken |
//! | `GET /api/dokument/{key}/redo` | | `{ready, fields_to_check, obstacles: [{field, label, kind, message}], overridden}` |
//! | `POST /api/dokument/{key}/registrera` | | the registration, with its diarienummer; 409 `{fel, falt: [...]}` while a field stops it |
//! | `POST /api/dokument/{key}/avvisa`, `/lagg-undan` | `{reason}` | the case |
//! | `POST /api/dokument/{key}/vidarebefordra` | `{region, reason}` | the case |
//! | `GET /api/export?region=&from=&to=&format=csv\|json` | | as `/staff/export` |
//!
//! Any other path under `/api/` answers a JSON 404.

use super::actions::{Decision, apply_values, decide, document_json, register_now};
use super::document::{self, DocView};
use super::session::Caller;
use super::views::person_name;
use super::{Face, MAX_FORM, Site, csrf, json, refuse, segment, staff_error};
use crate::staff::StaffError;
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
        .route("/api/dokument/{key}/granskat", web::post().to(review))
        .route("/api/dokument/{key}/byt-sida", web::post().to(swap_page))
        .route(
            "/api/dokument/{key}/sidorna-hor-ihop",
            web::post().to(confirm_pairing),
        )
        .route("/api/dokument/{key}/undantag", web::post().to(let_stand))
        .route(
            "/api/dokument/{key}/forslag",
            web::post().to(take_suggestion),
        )
        .route("/api/dokument/{key}/redo", web::get().to(readiness))
        .route("/api/export", web::get().to(super::export::api))
        // Last: any other path under /api/ is a JSON 404, not the public site's HTML page.
        .route("/api/{tail:.*}", web::to(unknown));
}

async fn unknown(site: web::Data<Site>) -> HttpResponse {
    refuse(
        &site,
        None,
        Face::Api,
        StatusCode::NOT_FOUND,
        "Det finns ingen sådan adress i API:t.",
    )
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
            &format!(
                "Begäran är inte giltig JSON av rätt form: rad {}, kolumn {}.",
                e.line(),
                e.column()
            ),
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
    match site.staff.queues(&site.store).pending(&caller.account) {
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
    let (doc, case) = document::access(site, &caller.account, key)?;
    Ok(DocView::new(site.registry, doc, case))
}

/// `GET /api/dokument/{key}`: opening a document is written to the user log (by the model's `open`).
async fn document(req: HttpRequest, site: web::Data<Site>, caller: Caller) -> HttpResponse {
    let key = segment(&req, "key");
    let result = site
        .staff
        .casework
        .open(&site.store, &key, &caller.account)
        .map(|(doc, case)| DocView::new(site.registry, doc, case));
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
fn shaped(
    site: &Site,
    caller: &Caller,
    key: &str,
    field: &str,
    value: &JsonValue,
) -> Result<Value, StaffError> {
    let (doc, _) = document::access(site, &caller.account, key)?;
    let parts = document::parts(site.registry, &doc);
    document::value_for(&parts, field, &value.raw())
        .ok_or_else(|| StaffError::Invalid(format!("Fältet {field} finns inte i blanketten.")))
}

/// The answer to a change of one field: the field after it, and what still stops the registration.
fn field_answer(
    site: &Site,
    caller: &Caller,
    key: &str,
    name: &str,
    changed: bool,
) -> HttpResponse {
    let v = match view(site, caller, key) {
        Ok(v) => v,
        Err(e) => return fail(site, caller, e),
    };
    let field = v.field(name);
    json(
        StatusCode::OK,
        &serde_json::json!({
            "changed": changed,
            "field": field.map(|f| serde_json::json!({
                "name": f.name,
                "value": f.value,
                "text": f.text,
                "shown": f.shown,
                "corrected": f.corrected,
                "reviewed": f.reviewed,
                "notes": f.notes,
                "checks": f.checks,
                "needs_look": f.needs_look,
                "obstacle": f.obstacle,
                "overridden": f.overridden,
            })),
            "fields_to_check": v.fields_to_check(),
        }),
    )
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
        .and_then(|v| apply_values(&site, &caller, &key, &[(c.field.clone(), v)]));
    match result {
        Ok(changed) => field_answer(&site, &caller, &key, &c.field, changed > 0),
        Err(e) => fail(&site, &caller, e),
    }
}

#[derive(Deserialize)]
struct Review {
    fields: Vec<String>,
}

/// `POST /api/dokument/{key}/granskat`: the fields a person looked at and accepts as they stand.
async fn review(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    bytes: web::Bytes,
) -> HttpResponse {
    let r = body_or_return!(Review, req, site, caller, bytes);
    let key = segment(&req, "key");
    match site
        .staff
        .casework
        .review(&site.store, &key, &r.fields, &caller.account)
    {
        Ok(_) => readiness_answer(&site, &caller, &key),
        Err(e) => fail(&site, &caller, e),
    }
}

#[derive(Deserialize)]
struct LetStand {
    field: String,
    #[serde(default)]
    reason: String,
}

/// `POST /api/dokument/{key}/undantag`: lets the failed checks of a field stand, with a reason.
async fn let_stand(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    bytes: web::Bytes,
) -> HttpResponse {
    let r = body_or_return!(LetStand, req, site, caller, bytes);
    let key = segment(&req, "key");
    match site.staff.casework.override_check(
        &site.store,
        &key,
        &r.field,
        &r.reason,
        &caller.account,
    ) {
        Ok(_) => field_answer(&site, &caller, &key, &r.field, false),
        Err(e) => fail(&site, &caller, e),
    }
}

#[derive(Deserialize)]
struct FieldName {
    field: String,
}

/// `POST /api/dokument/{key}/forslag`: takes the value suggested beside the value as written.
async fn take_suggestion(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    bytes: web::Bytes,
) -> HttpResponse {
    let r = body_or_return!(FieldName, req, site, caller, bytes);
    let key = segment(&req, "key");
    match site
        .staff
        .casework
        .take_suggestion(&site.store, &key, &r.field, &caller.account)
    {
        Ok(_) => field_answer(&site, &caller, &key, &r.field, true),
        Err(e) => fail(&site, &caller, e),
    }
}

/// `GET /api/dokument/{key}/redo`: whether the document may be registered, and if not, why, by field.
async fn readiness(req: HttpRequest, site: web::Data<Site>, caller: Caller) -> HttpResponse {
    let key = segment(&req, "key");
    readiness_answer(&site, &caller, &key)
}

fn readiness_answer(site: &Site, caller: &Caller, key: &str) -> HttpResponse {
    match view(site, caller, key) {
        Ok(v) => {
            let r = &v.readiness;
            let overridden: Vec<serde_json::Value> = r
                .overridden()
                .into_iter()
                .filter_map(|f| {
                    let o = f.overridden.as_ref()?;
                    Some(serde_json::json!({
                        "field": f.name,
                        "label": f.label,
                        "section": f.section,
                        "checks": o.checks,
                        "reason": o.reason,
                        "by": o.by,
                        "by_name": person_name(site, &o.by),
                        "at": o.at,
                    }))
                })
                .collect();
            let reviewed: Vec<&str> = r
                .fields
                .iter()
                .filter(|f| f.reviewed || f.corrected)
                .map(|f| f.name.as_str())
                .collect();
            json(
                StatusCode::OK,
                &serde_json::json!({
                    "ready": r.is_ready(),
                    "fields_to_check": r.to_check(),
                    "obstacles": r.obstacles(),
                    "overridden": overridden,
                    "reviewed": reviewed,
                    "who_and_what": v.who_and_what(),
                    "may_register": caller.account.may_register(),
                }),
            )
        }
        Err(e) => fail(site, caller, e),
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
    let (doc, case) = match document::access(&site, &caller.account, &key) {
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

async fn decision(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    bytes: web::Bytes,
    decision: Decision,
) -> HttpResponse {
    let r = body_or_return!(Reason, req, site, caller, bytes);
    let key = segment(&req, "key");
    match decide(&site, &caller, &key, decision, &r.reason, Some(&r.region)) {
        Ok(case) => json(StatusCode::OK, &case),
        Err(e) => fail(&site, &caller, e),
    }
}

async fn reject(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    bytes: web::Bytes,
) -> HttpResponse {
    decision(req, site, caller, bytes, Decision::Reject).await
}

async fn put_aside(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    bytes: web::Bytes,
) -> HttpResponse {
    decision(req, site, caller, bytes, Decision::PutAside).await
}

async fn forward(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    bytes: web::Bytes,
) -> HttpResponse {
    decision(req, site, caller, bytes, Decision::Forward).await
}

#[derive(Deserialize)]
struct Swap {
    /// The other copy's key.
    med: String,
    sida: u32,
}

#[derive(Deserialize)]
struct Nothing {}

/// `POST /api/dokument/{key}/sidorna-hor-ihop` (no body): a person finds the pages of the sheets on this form ID
/// paired right; the keys of the documents whose "unsure pairing" flag was lifted.
async fn confirm_pairing(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    bytes: web::Bytes,
) -> HttpResponse {
    let Nothing {} = body_or_return!(Nothing, req, site, caller, bytes);
    let key = segment(&req, "key");
    match site
        .staff
        .casework
        .confirm_pairing(&site.store, &key, &caller.account)
    {
        Ok(keys) => json(StatusCode::OK, &serde_json::json!({ "bekraftade": keys })),
        Err(e) => fail(&site, &caller, e),
    }
}

/// `POST /api/dokument/{key}/byt-sida` `{"med": KEY, "sida": N}`: page N exchanged between two copies that carry
/// one form ID; both documents as they are afterwards.
async fn swap_page(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    bytes: web::Bytes,
) -> HttpResponse {
    let s = body_or_return!(Swap, req, site, caller, bytes);
    let key = segment(&req, "key");
    match super::actions::swap(&site, &caller, &key, &s.med, s.sida) {
        Ok(done) => json(
            StatusCode::OK,
            &serde_json::json!({
                "dokument": done.documents.iter().map(|d| serde_json::json!({
                    "key": d.key,
                    "pages": d.pages.keys().collect::<Vec<_>>(),
                    "flags": d.flags,
                })).collect::<Vec<_>>(),
                "borttagna": done.dropped,
            }),
        ),
        Err(e) => fail(&site, &caller, e),
    }
}
