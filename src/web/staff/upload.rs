//! Scans uploaded from the browser into intake: the form (multipart, without JavaScript) or the raw file with its
//! name in `X-Filename` (staff.js, which shows the upload's progress). The scan is kept and read like any other
//! (`Intake::take_in`, on a blocking thread), and the answer is the page of what it became.

use super::multipart;
use super::session::Caller;
use super::views::region_name;
use super::views::short_time;
use super::{
    Face, MAX_UPLOAD, Site, blocking, csrf, internal, key_path, refuse, see_other, segment,
};
use crate::intake::pipeline::Report;
use crate::staff::StaffError;
use crate::staff::audit::LogKind;
use crate::store::documents::PageOutcome;
use crate::store::scans::{ScanState, sha256_hex};
use crate::web::Params;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

pub async fn show(site: web::Data<Site>, caller: Caller) -> HttpResponse {
    let mut ctx = tera::Context::new();
    ctx.insert("max_mb", &(MAX_UPLOAD / (1024 * 1024)));
    site.staff_views.page(
        &site,
        Some(&caller),
        StatusCode::OK,
        "staff/inlasning.html",
        &mut ctx,
    )
}

/// The file and its name, the region, and the CSRF token, from either shape of request.
struct Upload {
    name: String,
    range: std::ops::Range<usize>,
    region: Option<String>,
    csrf: Option<String>,
}

fn read_upload(req: &HttpRequest, body: &[u8]) -> Result<Upload, String> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let header_text = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(super::percent_decode)
    };
    match multipart::boundary(content_type) {
        Some(boundary) => {
            let parts = multipart::parse(body, &boundary)?;
            let text = |name: &str| {
                parts
                    .iter()
                    .find(|p| p.name == name && p.filename.is_none())
                    .map(|p| String::from_utf8_lossy(p.data).trim().to_string())
            };
            let file = parts
                .iter()
                .find(|p| p.name == "scan" && p.filename.is_some())
                .ok_or("ingen fil valdes")?;
            let start = file.data.as_ptr() as usize - body.as_ptr() as usize;
            Ok(Upload {
                name: file.filename.clone().unwrap_or_default(),
                range: start..start + file.data.len(),
                region: text("region"),
                csrf: text(csrf::FIELD),
            })
        }
        None => Ok(Upload {
            name: header_text("x-filename").unwrap_or_else(|| "skanning".into()),
            range: 0..body.len(),
            region: header_text("x-region"),
            csrf: header_text(csrf::HEADER),
        }),
    }
}

/// `POST /staff/inlasning`
pub async fn receive(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    payload: web::Payload,
) -> HttpResponse {
    let refuse_page =
        |status, message: &str| refuse(&site, Some(&caller), Face::Page, status, message);
    let body = match payload.to_bytes_limited(MAX_UPLOAD).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => {
            return refuse_page(
                StatusCode::BAD_REQUEST,
                "Filen kom inte fram hela. Försök igen.",
            );
        }
        Err(_) => {
            return refuse_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!(
                    "Filen är större än {} MB. Dela upp skanningen i flera filer.",
                    MAX_UPLOAD / (1024 * 1024)
                ),
            );
        }
    };
    let upload = match read_upload(&req, &body) {
        Ok(u) => u,
        Err(e) => {
            return refuse_page(
                StatusCode::BAD_REQUEST,
                &format!("Uppladdningen kunde inte läsas: {e}."),
            );
        }
    };
    let token = Params(
        upload
            .csrf
            .iter()
            .map(|t| (csrf::FIELD.to_string(), t.clone()))
            .collect(),
    );
    if let Err(res) = csrf::require(&site, &caller, &req, Some(&token)) {
        return res;
    }
    if upload.range.is_empty() {
        return refuse_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Välj en fil med skanningen (PDF, TIFF, PNG eller JPEG).",
        );
    }
    let region = match upload.region.filter(|r| !r.is_empty()) {
        Some(r) => r,
        None => caller.account.regions.first().cloned().unwrap_or_default(),
    };
    if !region.is_empty() && !caller.account.sees_region(&region) {
        return refuse_page(
            StatusCode::FORBIDDEN,
            &format!("Du arbetar inte i region {region}."),
        );
    }
    let name = std::path::Path::new(&upload.name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "skanning".into());
    let intake = site.intake.clone();
    let range = upload.range.clone();
    let result = blocking(move || {
        let bytes = &body[range];
        let sha = sha256_hex(bytes);
        intake
            .take_in(&name, bytes, &|_, _| {})
            .map(|reports| (sha, reports))
    })
    .await;
    let (sha, reports) = match result {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return internal(&site, Some(&caller), Face::Page, &e),
        Err(e) => return internal(&site, Some(&caller), Face::Page, &e),
    };
    let documents: Vec<_> = reports
        .iter()
        .filter_map(|r| match r {
            Report::Document(d) => Some(d),
            _ => None,
        })
        .collect();
    let logged = (|| -> Result<(), StaffError> {
        if !region.is_empty() {
            // Unidentified pages of the upload reach the uploader's region.
            site.staff.casework.note_upload(&sha, &region)?;
        }
        site.staff.audit.append(
            LogKind::User,
            caller.username(),
            "upload",
            None,
            (!region.is_empty()).then_some(region.as_str()),
            &format!("skanning {}, {} dokument", &sha[..12], documents.len()),
        )?;
        for d in &documents {
            site.staff.audit.append(
                LogKind::Document,
                caller.username(),
                "taken_in",
                Some(&d.key),
                d.region.as_deref(),
                &format!("uppladdad i webbläsaren, skanning {}", &sha[..12]),
            )?;
        }
        Ok(())
    })();
    if let Err(e) = logged {
        return super::staff_error(&site, Some(&caller), Face::Page, e);
    }
    see_other(&format!("/staff/inlasning/{sha}"))
}

#[derive(Serialize)]
struct PageResult {
    page: usize,
    text: String,
    href: Option<String>,
}

#[derive(Serialize)]
struct DocResult {
    key: String,
    href: Option<String>,
    form_id: String,
    title: String,
    region: String,
    status: &'static str,
    fields_to_check: usize,
}

/// `GET /staff/inlasning/{sha}`: what each page of a kept scan became.
pub async fn result(req: HttpRequest, site: web::Data<Site>, caller: Caller) -> HttpResponse {
    let sha = segment(&req, "sha");
    let record = match site.store.scans.get(&sha) {
        Ok(Some(r)) => r,
        Ok(None) => {
            return refuse(
                &site,
                Some(&caller),
                Face::Page,
                StatusCode::NOT_FOUND,
                "Skanningen finns inte.",
            );
        }
        Err(e) => return internal(&site, Some(&caller), Face::Page, &e),
    };
    let (pages, error) = match &record.state {
        ScanState::Done { pages } | ScanState::Processing { pages, .. } => (*pages, None),
        ScanState::Received => (0, None),
        ScanState::Failed { error } => (0, Some(error.clone())),
    };
    let mut page_results = Vec::new();
    let mut docs: Vec<DocResult> = Vec::new();
    for index in 0..pages {
        let outcome = match site.store.documents.outcome(&sha, index) {
            Ok(o) => o,
            Err(e) => return internal(&site, Some(&caller), Face::Page, &e),
        };
        let (text, href) = match outcome {
            Some(PageOutcome::Placed { document, page }) => {
                if !docs.iter().any(|d| d.key == document) {
                    docs.push(doc_result(&site, &caller, &document));
                }
                let found = docs.iter().find(|d| d.key == document);
                let shown = found
                    .map(|d| d.form_id.clone())
                    .filter(|id| !id.is_empty())
                    .unwrap_or_else(|| super::views::shown_id(&document));
                (
                    format!("sida {page} av blankett {shown}"),
                    found.and_then(|d| d.href.clone()),
                )
            }
            Some(PageOutcome::Unidentified { reason }) => (
                format!("kunde inte identifieras: {reason}"),
                Some("/staff/oidentifierade".to_string()),
            ),
            None => ("inte läst ännu".into(), None),
        };
        page_results.push(PageResult {
            page: index + 1,
            text,
            href,
        });
    }
    let mut ctx = tera::Context::new();
    ctx.insert("name", &record.name);
    ctx.insert("bytes", &record.bytes);
    ctx.insert("received", &short_time(&record.received_at));
    ctx.insert("pages", &page_results);
    ctx.insert("documents", &docs);
    ctx.insert("error", &error);
    site.staff_views.page(
        &site,
        Some(&caller),
        StatusCode::OK,
        "staff/inlast.html",
        &mut ctx,
    )
}

fn doc_result(site: &Site, caller: &Caller, key: &str) -> DocResult {
    match super::document::access(site, &caller.account, key) {
        Ok((doc, case)) => {
            let view = super::document::DocView::new(site.registry, doc, case);
            DocResult {
                key: key.to_string(),
                href: Some(format!("/staff/dokument/{}", key_path(key))),
                form_id: super::views::shown_id(&view.doc.form_id),
                title: view
                    .parts
                    .first()
                    .map(|f| f.def.title.clone())
                    .unwrap_or_default(),
                region: view
                    .case
                    .region
                    .as_deref()
                    .map(|c| region_name(site, c))
                    .unwrap_or_else(|| "okänd region".into()),
                status: if view.doc.missing_pages().is_empty() {
                    "komplett"
                } else {
                    "sidor saknas"
                },
                fields_to_check: view.fields_to_check(),
            }
        }
        // Another region's form: the person holds the paper, so it may say where the document went (its form
        // ID and region are printed on it), not what it holds.
        Err(_) => {
            let elsewhere = site
                .store
                .documents
                .get(key)
                .ok()
                .flatten()
                .and_then(|doc| {
                    let case = site.staff.casework.case(&doc).ok()?;
                    Some((doc.form_id, case.region?))
                });
            let (form_id, region) = match elsewhere {
                Some((form_id, code)) => (
                    super::views::shown_id(&form_id),
                    format!(
                        "Skickad till {}: blanketten hör dit och ligger i deras kö",
                        region_name(site, &code)
                    ),
                ),
                None => (String::new(), "en region du inte arbetar i".into()),
            };
            DocResult {
                key: key.to_string(),
                href: None,
                form_id,
                title: String::new(),
                region,
                status: "",
                fields_to_check: 0,
            }
        }
    }
}
