//! Scans uploaded from the browser into intake: the form (multipart, without JavaScript) or the raw file with its
//! name in `X-Filename` (staff.js, which shows the upload's progress). The scan is kept and read like any other
//! (`Intake::take_in`, on a blocking thread), and the answer is the page of what it became.

use super::multipart;
use super::session::Caller;
use super::upload_body::{self, BodyError};
use super::views::region_name;
use super::views::short_time;
use super::{
    Face, MAX_UPLOAD, Site, blocking, csrf, internal, key_path, refuse, see_other, segment,
};
use crate::intake::pipeline::Report;
use crate::staff::StaffError;
use crate::store::audit::LogKind;
use crate::store::documents::PageOutcome;
use crate::store::scans::ScanState;
use crate::web::Params;
use actix_web::http::StatusCode;
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

/// Bytes a multipart form may add to the file it carries (its boundaries, headers and text fields).
const FORM_OVERHEAD: u64 = 128 * 1024;

/// `POST /staff/inlasning`: the session (by the `Caller` extractor) and the CSRF token are checked before the
/// body is read past the form fields that precede the file (the raw shape carries its token in a header); the
/// file is streamed to the data folder with the size limit enforced as it comes, then kept and read like any
/// other scan (`Intake::take_in_file`, on a blocking thread).
pub async fn receive(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    mut payload: web::Payload,
) -> HttpResponse {
    let refuse_page =
        |status, message: &str| refuse(&site, Some(&caller), Face::Page, status, message);
    let too_large = || {
        refuse_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "Filen är större än {} MB. Dela upp skanningen i flera filer.",
                MAX_UPLOAD / (1024 * 1024)
            ),
        )
    };
    let header_text = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(super::percent_decode)
    };
    let limit = MAX_UPLOAD as u64 + FORM_OVERHEAD;
    // A declared length over the limit is refused before anything is read.
    if header_text("content-length")
        .and_then(|n| n.trim().parse::<u64>().ok())
        .is_some_and(|n| n > limit)
    {
        return too_large();
    }
    let boundary = multipart::boundary(&header_text("content-type").unwrap_or_default());
    if boundary.is_none()
        && let Err(res) = csrf::require(&site, &caller, &req, None)
    {
        return res;
    }
    let (part, file) = match upload_body::part_file(&site.store.scans.path("")) {
        Ok(x) => x,
        Err(e) => return internal(&site, Some(&caller), Face::Page, &e),
    };
    let received = match &boundary {
        Some(boundary) => {
            let token_ok = |fields: &[(String, String)]| {
                csrf::token_ok(&caller, &req, Some(&Params(fields.to_vec())))
            };
            upload_body::multipart(&mut payload, boundary, "scan", file, limit, token_ok)
                .await
                .map(|form| {
                    let field = |name: &str| {
                        form.fields
                            .iter()
                            .find(|(k, _)| k == name)
                            .map(|(_, v)| v.clone())
                    };
                    let token = Params(form.fields.clone());
                    (
                        form.file_name.clone(),
                        form.file_bytes,
                        field("region"),
                        Some(token),
                    )
                })
        }
        None => upload_body::raw(&mut payload, file, MAX_UPLOAD as u64)
            .await
            .map(|bytes| {
                (
                    Some(header_text("x-filename").unwrap_or_else(|| "skanning".into())),
                    bytes,
                    header_text("x-region"),
                    None,
                )
            }),
    };
    let (name, bytes, region, token) = match received {
        Ok(x) => x,
        Err(BodyError::TooLarge) => return too_large(),
        Err(BodyError::Refused) => {
            return csrf::require(&site, &caller, &req, None)
                .err()
                .unwrap_or_else(|| refuse_page(StatusCode::FORBIDDEN, csrf::REFUSED));
        }
        Err(BodyError::Broken(e)) => {
            return refuse_page(
                StatusCode::BAD_REQUEST,
                &format!("Uppladdningen kunde inte läsas: {e}. Försök igen."),
            );
        }
        Err(BodyError::Io(e)) => return internal(&site, Some(&caller), Face::Page, &e),
    };
    // A form without a file still carries the token: checked whatever came.
    if let Err(res) = csrf::require(&site, &caller, &req, token.as_ref()) {
        return res;
    }
    if bytes > MAX_UPLOAD as u64 {
        return too_large();
    }
    if name.is_none() || bytes == 0 {
        return refuse_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Välj en fil med skanningen (PDF, TIFF, PNG eller JPEG).",
        );
    }
    let region = match region.filter(|r| !r.is_empty()) {
        Some(r) => r,
        None => caller.account.regions.first().cloned().unwrap_or_default(),
    };
    if !region.is_empty() && !caller.account.sees_region(&region) {
        return refuse_page(
            StatusCode::FORBIDDEN,
            &format!("Du arbetar inte i region {region}."),
        );
    }
    let name = std::path::Path::new(&name.unwrap_or_default())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "skanning".into());
    let intake = site.intake.clone();
    let result = blocking(move || {
        let kept = intake.keep_file_as(part.path(), &name);
        drop(part);
        match kept {
            Ok(record) => {
                let sha = record.sha256.clone();
                intake
                    .take_in_kept(record, &name, &|_, _| {})
                    .map(|reports| (sha, reports))
                    .map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        }
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

/// `GET /staff/inlasning/{sha}`: what each page of a kept scan became. Region scope as for documents: the staff
/// of the region the upload was for; a scan that came in another way (the inbox, `blankett intake`) is for
/// admins. Anyone else gets the same 404 as for a scan that does not exist.
pub async fn result(req: HttpRequest, site: web::Data<Site>, caller: Caller) -> HttpResponse {
    let sha = segment(&req, "sha");
    let not_found = || {
        refuse(
            &site,
            Some(&caller),
            Face::Page,
            StatusCode::NOT_FOUND,
            "Skanningen finns inte, eller hör till en region du inte arbetar i.",
        )
    };
    let record = match site.store.scans.get(&sha) {
        Ok(Some(r)) => r,
        Ok(None) => return not_found(),
        Err(e) => return internal(&site, Some(&caller), Face::Page, &e),
    };
    match site.staff.casework.upload_region(&record.sha256) {
        Ok(region) if site.staff.casework.sees(&caller.account, region.as_deref()) => {}
        Ok(_) => return not_found(),
        Err(e) => return super::staff_error(&site, Some(&caller), Face::Page, e),
    }
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
