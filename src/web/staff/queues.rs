//! The queues: what waits for the caller in the regions they work in. Pending notifications (oldest first, with
//! how many fields need a look), documents with missing pages, unidentified pages, and the flags.

use super::session::Caller;
use super::views::{region_name, short_time};
use super::{Face, Site, csrf, key_path, refuse, see_other, segment, staff_error};
use crate::intake::assemble::{FLAG_COPIED_BLANK, FLAG_RESCANNED};
use crate::intake::pairing::FLAG_UNSURE_PAIRING;
use crate::intake::pipeline::{PlaceError, Report};
use crate::staff::casework::unidentified_id;
use crate::staff::queues::{QueueItem, Queues};
use crate::web::Params;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

#[derive(Serialize)]
pub struct ItemView {
    pub key: String,
    pub href: String,
    pub form_id: String,
    pub form_title: String,
    pub region: String,
    pub created: String,
    pub fields: usize,
    pub fields_to_check: usize,
    pub missing_pages: Vec<u32>,
    pub flags: Vec<&'static str>,
}

pub fn flag_label(flag: &str) -> &'static str {
    match flag {
        FLAG_COPIED_BLANK => "Kopierad blankett: flera ark bär samma blankett-id",
        FLAG_UNSURE_PAIRING => {
            "Samma blankett-id på två ifyllda exemplar — kontrollera att sidorna hör ihop"
        }
        FLAG_RESCANNED => "Omskannad: samma ark har lästs in mer än en gång",
        _ => "Flaggad",
    }
}

pub fn item_view(site: &Site, item: &QueueItem) -> ItemView {
    let form_title = site
        .registry
        .get(&item.form, Some(item.version))
        .map(|f| f.def.title.clone())
        .unwrap_or_else(|_| item.form.clone());
    ItemView {
        key: item.key.clone(),
        href: format!("/staff/dokument/{}", key_path(&item.key)),
        form_id: super::views::shown_id(&item.form_id),
        form_title,
        region: item
            .region
            .as_deref()
            .map(|c| region_name(site, c))
            .unwrap_or_else(|| "okänd region".into()),
        created: short_time(&item.created_at),
        fields: item.fields,
        fields_to_check: item.fields_to_check,
        missing_pages: item.missing_pages.clone(),
        flags: item.flags.iter().map(|f| flag_label(f)).collect(),
    }
}

fn queues(site: &Site) -> Queues<'_> {
    site.staff.queues(&site.store)
}

pub async fn overview(site: web::Data<Site>, caller: Caller) -> HttpResponse {
    let q = queues(&site);
    let a = &caller.account;
    let counts = (|| {
        Ok::<_, crate::staff::StaffError>((
            q.pending(a)?.len(),
            q.incomplete(a)?.len(),
            q.unidentified(a)?.len(),
            q.flagged(a)?.len(),
            q.duplicates(a, site.staff.settings.duplicate_window_days)?
                .len(),
        ))
    })();
    let (pending, incomplete, unidentified, flagged, duplicates) = match counts {
        Ok(c) => c,
        Err(e) => return staff_error(&site, Some(&caller), Face::Page, e),
    };
    let mut ctx = tera::Context::new();
    ctx.insert("pending", &pending);
    ctx.insert("incomplete", &incomplete);
    ctx.insert("unidentified", &unidentified);
    ctx.insert("flagged", &flagged);
    ctx.insert("duplicates", &duplicates);
    site.staff_views.page(
        &site,
        Some(&caller),
        StatusCode::OK,
        "staff/oversikt.html",
        &mut ctx,
    )
}

fn list(
    site: &Site,
    caller: &Caller,
    items: Result<Vec<QueueItem>, crate::staff::StaffError>,
    which: &str,
    req: &HttpRequest,
) -> HttpResponse {
    let items = match items {
        Ok(i) => i,
        Err(e) => return staff_error(site, Some(caller), Face::Page, e),
    };
    let views: Vec<ItemView> = items.iter().map(|i| item_view(site, i)).collect();
    let mut ctx = tera::Context::new();
    ctx.insert("items", &views);
    ctx.insert("which", which);
    ctx.insert("done", &Params::query(req).get("klart"));
    site.staff_views.page(
        site,
        Some(caller),
        StatusCode::OK,
        "staff/ko.html",
        &mut ctx,
    )
}

pub async fn pending(req: HttpRequest, site: web::Data<Site>, caller: Caller) -> HttpResponse {
    let items = queues(&site).pending(&caller.account);
    list(&site, &caller, items, "pending", &req)
}

pub async fn incomplete(req: HttpRequest, site: web::Data<Site>, caller: Caller) -> HttpResponse {
    let items = queues(&site).incomplete(&caller.account);
    list(&site, &caller, items, "incomplete", &req)
}

#[derive(Serialize)]
struct DuplicateView {
    href: String,
    other_href: String,
    key: String,
    other: String,
    disease: String,
    days_apart: i64,
}

pub async fn flagged(site: web::Data<Site>, caller: Caller) -> HttpResponse {
    let q = queues(&site);
    let a = &caller.account;
    let flagged = match q.flagged(a) {
        Ok(i) => i,
        Err(e) => return staff_error(&site, Some(&caller), Face::Page, e),
    };
    let duplicates = match q.duplicates(a, site.staff.settings.duplicate_window_days) {
        Ok(d) => d,
        Err(e) => return staff_error(&site, Some(&caller), Face::Page, e),
    };
    let mut ctx = tera::Context::new();
    ctx.insert(
        "items",
        &flagged
            .iter()
            .map(|i| item_view(&site, i))
            .collect::<Vec<_>>(),
    );
    ctx.insert(
        "duplicates",
        &duplicates
            .iter()
            .map(|d| DuplicateView {
                href: format!("/staff/dokument/{}", key_path(&d.key)),
                other_href: format!("/staff/dokument/{}", key_path(&d.other)),
                key: super::views::shown_id(&d.key),
                other: super::views::shown_id(&d.other),
                disease: site
                    .diseases
                    .all()
                    .iter()
                    .find(|x| x.id == d.disease)
                    .map(|x| x.name_sv.clone())
                    .unwrap_or_else(|| d.disease.clone()),
                days_apart: d.days_apart,
            })
            .collect::<Vec<_>>(),
    );
    ctx.insert("window", &site.staff.settings.duplicate_window_days);
    site.staff_views.page(
        &site,
        Some(&caller),
        StatusCode::OK,
        "staff/flaggor.html",
        &mut ctx,
    )
}

#[derive(Serialize)]
struct UnidentifiedView {
    id: String,
    image: String,
    action: String,
    scan_name: String,
    page: usize,
    reason: String,
    received: String,
    region: String,
}

pub async fn unidentified(req: HttpRequest, site: web::Data<Site>, caller: Caller) -> HttpResponse {
    let items = match queues(&site).unidentified(&caller.account) {
        Ok(i) => i,
        Err(e) => return staff_error(&site, Some(&caller), Face::Page, e),
    };
    let views: Vec<UnidentifiedView> = items
        .iter()
        .map(|i| {
            let src = &i.page.source;
            let scan_name = site
                .store
                .scans
                .get(&src.scan)
                .ok()
                .flatten()
                .map(|r| r.name)
                .unwrap_or_default();
            UnidentifiedView {
                id: i.id.clone(),
                image: format!("/staff/oidentifierade/{}/{}.png", src.scan, src.index),
                action: format!("/staff/oidentifierade/{}/{}", src.scan, src.index),
                scan_name,
                page: src.index + 1,
                reason: i.page.reason.clone(),
                received: short_time(&i.page.received_at),
                region: i
                    .region
                    .as_deref()
                    .map(|c| region_name(&site, c))
                    .unwrap_or_else(|| "okänd".into()),
            }
        })
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("items", &views);
    ctx.insert("done", &Params::query(&req).get("klart"));
    site.staff_views.page(
        &site,
        Some(&caller),
        StatusCode::OK,
        "staff/oidentifierade.html",
        &mut ctx,
    )
}

/// Reads the form of an action on an unidentified page, after the CSRF and queue checks.
async fn unidentified_action(
    req: &HttpRequest,
    site: &Site,
    caller: &Caller,
    body: &[u8],
) -> Result<(String, usize, Params), HttpResponse> {
    let params = csrf::form(site, caller, req, body)?;
    let scan = segment(req, "scan");
    let index: usize = segment(req, "index").parse().unwrap_or(usize::MAX);
    let mine = queues(site)
        .unidentified(&caller.account)
        .map_err(|e| staff_error(site, Some(caller), Face::Page, e))?
        .iter()
        .any(|i| i.page.source.scan == scan && i.page.source.index == index);
    if !mine {
        return Err(staff_error(
            site,
            Some(caller),
            Face::Page,
            crate::staff::StaffError::NotFound,
        ));
    }
    Ok((scan, index, params))
}

/// `POST /staff/oidentifierade/{scan}/{index}/placera`: form ID and page number given by a person.
pub async fn place(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    body: web::Bytes,
) -> HttpResponse {
    let (scan, index, params) = match unidentified_action(&req, &site, &caller, &body).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let form_id = params.get("form_id").unwrap_or_default().to_string();
    let page: u32 = match params.get("page").map(str::parse) {
        Some(Ok(p)) if p >= 1 => p,
        _ => {
            return refuse(
                &site,
                Some(&caller),
                Face::Page,
                StatusCode::UNPROCESSABLE_ENTITY,
                "Ange sidnumret i blanketten (1, 2, ...).",
            );
        }
    };
    if crate::formid::FormId::parse(&form_id).is_err() {
        return refuse(
            &site,
            Some(&caller),
            Face::Page,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Blankett-id:t stämmer inte. Skriv av det som det står på blanketten, t.ex. KL1-ABCD-EFGH-J.",
        );
    }
    let intake = site.intake.clone();
    let (scan2, id2) = (scan.clone(), form_id.clone());
    let by = caller.username().to_string();
    // The page's `page_placed` entry (who placed it) is written in the page's own commit.
    let result =
        super::blocking(move || intake.place_unidentified(&scan2, index, &id2, page, &by)).await;
    let doc = match result {
        Ok(Ok(Report::Document(doc))) => doc,
        Ok(Ok(Report::Unidentified { reason, .. } | Report::Unreadable { reason, .. })) => {
            return refuse(
                &site,
                Some(&caller),
                Face::Page,
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("Sidan kunde inte placeras: {reason}. Den ligger kvar i kön."),
            );
        }
        Ok(Ok(Report::FileError { error, .. })) | Ok(Err(PlaceError::Decode(error))) => {
            return refuse(
                &site,
                Some(&caller),
                Face::Page,
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("Den sparade skanningen kunde inte läsas: {error}."),
            );
        }
        Ok(Err(PlaceError::Store(e))) => {
            return super::internal(&site, Some(&caller), Face::Page, &e);
        }
        Ok(Err(e)) => {
            return refuse(
                &site,
                Some(&caller),
                Face::Page,
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("{}.", capitalised(&e.to_string())),
            );
        }
        Err(e) => return super::internal(&site, Some(&caller), Face::Page, &e),
    };
    // The page may belong to a copy of another region: then the person is not shown it.
    if super::document::access(&site, &caller.account, &doc.key).is_ok() {
        see_other(&format!("/staff/dokument/{}", key_path(&doc.key)))
    } else {
        see_other("/staff/oidentifierade?klart=placerad")
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `POST /staff/oidentifierade/{scan}/{index}/lagg-undan`: out of the queue, with a reason (the scan is kept).
pub async fn set_aside(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    body: web::Bytes,
) -> HttpResponse {
    let (scan, index, params) = match unidentified_action(&req, &site, &caller, &body).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let result = site.staff.casework.set_aside_unidentified(
        &site.store,
        &unidentified_id(&scan, index),
        params.get("reason").unwrap_or_default(),
        &caller.account,
    );
    match result {
        Ok(()) => see_other("/staff/oidentifierade?klart=undanlagd"),
        Err(e) => staff_error(&site, Some(&caller), Face::Page, e),
    }
}
