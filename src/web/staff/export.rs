//! Exports of registered notifications (CSV or JSON) for one of the caller's regions and a period, and the
//! postlista (diarienummer, date, kind of document; no personal data). Every export is written to the user log.

use super::session::Caller;
use super::views::region_name;
use super::views::short_time;
use super::{Face, Site, staff_error};
use crate::staff::export;
use crate::staff::{StaffError, case::Registration};
use crate::store::audit::LogKind;
use crate::web::Params;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};

/// A period and region asked for, checked.
pub struct Period {
    pub region: String,
    pub from: String,
    pub to: String,
}

fn date_ok(s: &str) -> bool {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &f).is_ok()
}

fn today() -> String {
    crate::validation::swedish_today().to_string()
}

/// The region (one of the caller's), and the dates (`YYYY-MM-DD`, defaults: this year up to today).
pub fn period(caller: &Caller, params: &Params) -> Result<Period, StaffError> {
    let region = match params.get("region") {
        Some(r) => r.to_string(),
        None => match caller.account.regions.as_slice() {
            [only] => only.clone(),
            _ => return Err(StaffError::Invalid("Välj en region.".into())),
        },
    };
    if !caller.account.sees_region(&region) {
        return Err(StaffError::Forbidden(format!(
            "Du arbetar inte i region {region} och kan inte exportera dess anmälningar."
        )));
    }
    let today = today();
    let from = params
        .get("from")
        .map(str::to_string)
        .unwrap_or_else(|| format!("{}-01-01", &today[..4]));
    let to = params.get("to").map(str::to_string).unwrap_or(today);
    if !date_ok(&from) || !date_ok(&to) {
        return Err(StaffError::Invalid(
            "Skriv datumen som ÅÅÅÅ-MM-DD, t.ex. 2026-01-31.".into(),
        ));
    }
    if from > to {
        return Err(StaffError::Invalid(
            "Från-datumet ligger efter till-datumet.".into(),
        ));
    }
    Ok(Period { region, from, to })
}

fn log_export(
    site: &Site,
    caller: &Caller,
    what: &str,
    region: Option<&str>,
) -> Result<(), StaffError> {
    site.staff
        .audit
        .append(
            LogKind::User,
            caller.username(),
            "export",
            None,
            region,
            what,
        )
        .map(|_| ())
        .map_err(StaffError::from)
}

pub fn download(content_type: &str, filename: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body)
}

/// The export itself, shared by the page and the API.
fn registrations(
    site: &Site,
    caller: &Caller,
    params: &Params,
) -> Result<HttpResponse, StaffError> {
    let p = period(caller, params)?;
    let format = params.get("format").unwrap_or("csv");
    let rows: Vec<Registration> = site
        .staff
        .casework
        .registrations(&p.region, &p.from, &p.to)?;
    let (body, content_type, ext) = match format {
        "csv" => (
            export::registrations_csv(site.registry, &rows)?,
            "text/csv; charset=utf-8",
            "csv",
        ),
        "json" => (
            export::registrations_json(&rows)?,
            "application/json",
            "json",
        ),
        _ => {
            return Err(StaffError::Invalid(
                "Formatet ska vara csv eller json.".into(),
            ));
        }
    };
    log_export(
        site,
        caller,
        &format!(
            "registrerade anmälningar {}–{}, {ext}, {} st",
            p.from,
            p.to,
            rows.len()
        ),
        Some(&p.region),
    )?;
    Ok(download(
        content_type,
        &format!("registrerade-{}-{}-{}.{ext}", p.region, p.from, p.to),
        body.into_bytes(),
    ))
}

/// `GET /staff/export`: the form, or with `format=` the file.
pub async fn page(req: HttpRequest, site: web::Data<Site>, caller: Caller) -> HttpResponse {
    let params = Params::query(&req);
    if params.get("format").is_some() {
        return match registrations(&site, &caller, &params) {
            Ok(res) => res,
            Err(e) => staff_error(&site, Some(&caller), Face::Page, e),
        };
    }
    let today = today();
    let mut ctx = tera::Context::new();
    ctx.insert("from", &format!("{}-01-01", &today[..4]));
    ctx.insert("to", &today);
    site.staff_views.page(
        &site,
        Some(&caller),
        StatusCode::OK,
        "staff/export.html",
        &mut ctx,
    )
}

/// `GET /api/export`
pub async fn api(req: HttpRequest, site: web::Data<Site>, caller: Caller) -> HttpResponse {
    let params = Params::query(&req);
    match registrations(&site, &caller, &params) {
        Ok(res) => res,
        Err(e) => staff_error(&site, Some(&caller), Face::Api, e),
    }
}

/// `GET /staff/postlista?region=&from=&to=[&format=csv]`
pub async fn postlista(req: HttpRequest, site: web::Data<Site>, caller: Caller) -> HttpResponse {
    let params = Params::query(&req);
    let p = match period(&caller, &params) {
        Ok(p) => p,
        Err(StaffError::Invalid(m)) if params.get("region").is_none() => {
            // Several regions and none chosen yet: the form alone.
            let mut ctx = tera::Context::new();
            ctx.insert("rows", &Vec::<export::PostlistaRow>::new());
            ctx.insert("chosen", &false);
            ctx.insert("notice", &m);
            return site.staff_views.page(
                &site,
                Some(&caller),
                StatusCode::OK,
                "staff/postlista.html",
                &mut ctx,
            );
        }
        Err(e) => return staff_error(&site, Some(&caller), Face::Page, e),
    };
    let rows = match site.staff.casework.registrations(&p.region, &p.from, &p.to) {
        Ok(r) => export::postlista(site.registry, &r),
        Err(e) => return staff_error(&site, Some(&caller), Face::Page, e),
    };
    if let Err(e) = log_export(
        &site,
        &caller,
        &format!("postlista {}–{}, {} rader", p.from, p.to, rows.len()),
        Some(&p.region),
    ) {
        return staff_error(&site, Some(&caller), Face::Page, e);
    }
    if params.get("format") == Some("csv") {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut result = w.write_record(["diarienummer", "datum", "handling"]);
        for r in &rows {
            if result.is_ok() {
                result = w.write_record([&r.diarienummer, &r.date, &r.kind]);
            }
        }
        return match result
            .map_err(|e| e.to_string())
            .and_then(|_| w.into_inner().map_err(|e| e.to_string()))
        {
            Ok(bytes) => download(
                "text/csv; charset=utf-8",
                &format!("postlista-{}-{}-{}.csv", p.region, p.from, p.to),
                bytes,
            ),
            Err(e) => super::internal(&site, Some(&caller), Face::Page, &e),
        };
    }
    let mut ctx = tera::Context::new();
    ctx.insert("rows", &rows);
    ctx.insert("chosen", &true);
    ctx.insert("region", &p.region);
    ctx.insert("region_name", &region_name(&site, &p.region));
    ctx.insert("from", &p.from);
    ctx.insert("to", &p.to);
    ctx.insert("generated", &short_time(&crate::store::now_rfc3339()));
    site.staff_views.page(
        &site,
        Some(&caller),
        StatusCode::OK,
        "staff/postlista.html",
        &mut ctx,
    )
}
