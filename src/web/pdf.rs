//! Blank forms as PDF: one fresh form (the `GET /forms/{form}.pdf?region=` contract) or a batch for an emergency
//! binder. Every copy gets its own form ID, recorded in the store; the region's address is printed on it.

use super::choose;
use super::pages::blanketter_page;
use super::{MAX_BATCH, Params, Site, error_page};
use crate::formid::FormId;
use crate::forms::Form;
use crate::forms::definition::FormKind;
use crate::store::issued::Channel;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use std::sync::Arc;

/// Copies rendered on the request's own thread; larger batches go to the blocking pool.
const INLINE_COPIES: usize = 4;

/// What went wrong, for which parameter, in Swedish.
pub struct Problem {
    pub status: StatusCode,
    pub param: &'static str,
    pub message: String,
}

fn problem(status: StatusCode, param: &'static str, message: impl Into<String>) -> Problem {
    Problem {
        status,
        param,
        message: message.into(),
    }
}

/// A checked request for blank forms.
pub struct Order {
    pub parts: Vec<Arc<Form>>,
    pub region: String,
    /// The office of a region with several (Västra Götaland), when one is chosen: its address is printed.
    pub office: Option<String>,
    pub count: usize,
}

/// Checks the parameters of a blank-form request: form, `region`, optional `count`, `disease` and `supplement`s.
pub fn order(site: &Site, form: &str, params: &Params, max: usize) -> Result<Order, Problem> {
    let main = site.registry.get(form, None).map_err(|_| {
        problem(
            StatusCode::NOT_FOUND,
            "form",
            format!("Blanketten ”{form}” finns inte."),
        )
    })?;
    if main.kind() != FormKind::Main {
        return Err(problem(
            StatusCode::BAD_REQUEST,
            "form",
            format!(
                "”{}” är en tilläggsblankett och skrivs ut tillsammans med en anmälan.",
                main.def.title
            ),
        ));
    }
    let region = match params.get("region") {
        None => {
            return Err(problem(
                StatusCode::BAD_REQUEST,
                "region",
                "Ange region (länskod, t.ex. region=01 för Stockholm).",
            ));
        }
        Some(code) => site.regions.get(code).ok_or_else(|| {
            problem(
                StatusCode::BAD_REQUEST,
                "region",
                format!("Regionen ”{code}” finns inte. Ange länskoden, t.ex. 01 för Stockholm."),
            )
        })?,
    };
    let count = match params.get("count") {
        None => 1,
        Some(n) => n
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                problem(
                    StatusCode::BAD_REQUEST,
                    "count",
                    format!("Antal ska vara ett heltal från 1 till {max}."),
                )
            })?,
    };
    let mut parts = vec![main.clone()];
    if let Some(id) = params.get("disease") {
        let disease = site.diseases.get(id).ok_or_else(|| {
            problem(
                StatusCode::BAD_REQUEST,
                "disease",
                format!("Sjukdomen ”{id}” finns inte i listan."),
            )
        })?;
        if !main.name().starts_with("paragraf") {
            let right = choose::main_form_name(disease);
            if right != main.name()
                && (disease.clinical || crate::validation::clinical_exception(disease))
            {
                return Err(problem(
                    StatusCode::BAD_REQUEST,
                    "disease",
                    format!(
                        "{} anmäls på blanketten {right}, inte på {}.",
                        disease.name_sv,
                        main.name()
                    ),
                ));
            }
            if !disease.clinical && !crate::validation::clinical_exception(disease) {
                return Err(problem(
                    StatusCode::BAD_REQUEST,
                    "disease",
                    format!("{}: {}", disease.name_sv, disease.clinical_note),
                ));
            }
        }
        parts.extend(choose::supplements(site.registry, main, Some(disease)));
    }
    for name in params.all("supplement") {
        let name = name.trim();
        if name.is_empty() || parts[1..].iter().any(|p| p.name() == name) {
            continue;
        }
        // Supplements belong to clinical notifications; a paragraph notification is about a person, and one
        // form ID is one sheet.
        if main.name().starts_with("paragraf") {
            return Err(problem(
                StatusCode::BAD_REQUEST,
                "supplement",
                format!(
                    "Tilläggsuppgifter hör till en klinisk anmälan och kan inte skrivas ut med ”{}”.",
                    main.def.title
                ),
            ));
        }
        match site.registry.get(name, None) {
            Ok(f) if f.kind() == FormKind::Supplement => parts.push(f.clone()),
            _ => {
                return Err(problem(
                    StatusCode::BAD_REQUEST,
                    "supplement",
                    format!("”{name}” är ingen tilläggsblankett."),
                ));
            }
        }
    }
    // The office is optional here (the contract is `?region=CODE`): without it the form carries the unit's
    // name and no address, as for a region whose address is unknown.
    let office = match params.get("office").filter(|o| !o.is_empty()) {
        None => None,
        Some(o) if region.office(o).is_some() => Some(o.to_string()),
        Some(o) => {
            return Err(problem(
                StatusCode::BAD_REQUEST,
                "office",
                if region.has_offices() {
                    format!(
                        "Kontoret ”{o}” finns inte i {}; välj ett av {}.",
                        region.name,
                        region
                            .offices
                            .iter()
                            .map(|x| x.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                } else {
                    format!("{} har inga kontor att välja bland.", region.name)
                },
            ));
        }
    };
    Ok(Order {
        parts,
        region: region.code.clone(),
        office,
        count,
    })
}

/// The rate limit for the PDF endpoints: `Some(answer)` when the client must wait.
pub fn limited(site: &Site, req: &HttpRequest) -> Option<std::time::Duration> {
    let limiter = site.limiter.as_ref()?;
    let ip = req.peer_addr()?.ip();
    limiter.check(ip).err()
}

pub fn too_many(site: &Site, wait: std::time::Duration) -> HttpResponse {
    let seconds = wait.as_secs().max(1);
    let mut res = error_page(
        site,
        StatusCode::TOO_MANY_REQUESTS,
        "För många förfrågningar",
        &format!(
            "Du har hämtat många PDF-filer på kort tid från samma adress. Vänta {seconds} sekunder och försök igen. \
             Behöver du många tomma blanketter? Hämta upp till {MAX_BATCH} åt gången under ”Tomma blanketter i förväg”."
        ),
    );
    if let Ok(v) = header::HeaderValue::from_str(&seconds.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// Issues the IDs and renders the PDF.
fn produce(site: &Site, order: &Order, channel: Channel) -> Result<(Vec<u8>, Vec<FormId>), String> {
    let region = site
        .regions
        .get(&order.region)
        .ok_or_else(|| "regionen saknas".to_string())?;
    let addressed = order.office.as_deref().and_then(|o| region.for_office(o));
    let parts: Vec<&Form> = order.parts.iter().map(|f| f.as_ref()).collect();
    crate::blanks::issue_and_render(
        &site.store,
        &site.renderer,
        &parts,
        addressed.as_ref().unwrap_or(region),
        order.count,
        channel,
    )
}

async fn respond(site: web::Data<Site>, order: Order) -> HttpResponse {
    let result = if order.count <= INLINE_COPIES {
        produce(&site, &order, Channel::Web).map(|r| (r, order))
    } else {
        let site2 = site.clone();
        match web::block(move || produce(&site2, &order, Channel::Web).map(|r| (r, order))).await {
            Ok(r) => r,
            Err(e) => Err(e.to_string()),
        }
    };
    match result {
        Ok(((pdf, ids), order)) => pdf_response(pdf, &ids, &order.parts[0], false),
        Err(e) => {
            eprintln!("blankett: blanketten kunde inte skapas: {e}");
            error_page(
                &site,
                StatusCode::SERVICE_UNAVAILABLE,
                "Blanketten kunde inte skapas",
                "Ett tekniskt fel hindrade oss från att skapa blanketten. Försök igen om en stund.",
            )
        }
    }
}

/// A PDF answer: `inline` for one blank form (to print from the browser), `attachment` otherwise. The issued IDs
/// are in `X-Blankett-Id`, comma-separated.
pub fn pdf_response(pdf: Vec<u8>, ids: &[FormId], main: &Form, filled: bool) -> HttpResponse {
    let file = match ids {
        [one] => format!("{}-{one}.pdf", main.name()),
        many => format!("{}-{}-blanketter.pdf", main.name(), many.len()),
    };
    let disposition = if ids.len() == 1 && !filled {
        "inline"
    } else {
        "attachment"
    };
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/pdf"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("{disposition}; filename=\"{file}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("X-Blankett-Id", ids.join(",")))
        .body(pdf)
}

/// `GET /forms/{form}.pdf?region=CODE[&disease=ID][&count=N][&supplement=NAME]`
pub async fn blank(site: web::Data<Site>, req: HttpRequest) -> HttpResponse {
    let form = req.match_info().get("form").unwrap_or_default().to_string();
    let params = Params::query(&req);
    let order = match order(&site, &form, &params, MAX_BATCH) {
        Ok(o) => o,
        Err(p) => {
            let title = if p.status == StatusCode::NOT_FOUND {
                "Blanketten finns inte"
            } else {
                "Blanketten kunde inte skapas"
            };
            return error_page(&site, p.status, title, &p.message);
        }
    };
    if let Some(wait) = limited(&site, &req) {
        return too_many(&site, wait);
    }
    respond(site, order).await
}

/// `GET /blanketter/pdf?form=..&region=..&count=..[&supplement=..]`: the batch page's form. Every problem is shown
/// on the batch page next to its field.
pub async fn batch(site: web::Data<Site>, req: HttpRequest) -> HttpResponse {
    let params = Params::query(&req);
    let form = params.get("form").unwrap_or_default().to_string();
    let mut errors: Vec<(&str, String)> = Vec::new();
    match params.get("region") {
        None => errors.push((
            "region",
            "Välj regionen där blanketterna ska användas.".into(),
        )),
        Some(code) if site.regions.get(code).is_none() => errors.push((
            "region",
            format!("Regionen ”{code}” finns inte; välj en i listan."),
        )),
        Some(_) => {}
    }
    let count_ok = params
        .get("count")
        .and_then(|n| n.parse::<usize>().ok())
        .is_some_and(|n| (1..=MAX_BATCH).contains(&n));
    if !count_ok {
        errors.push(("count", format!("Ange ett antal från 1 till {MAX_BATCH}.")));
    }
    let checked = if errors.is_empty() {
        order(&site, &form, &params, MAX_BATCH)
    } else {
        match order(&site, &form, &params, MAX_BATCH) {
            Err(p) if matches!(p.param, "form" | "supplement") => Err(p),
            _ => Err(problem(StatusCode::UNPROCESSABLE_ENTITY, "", "")),
        }
    };
    match checked {
        Err(p) => {
            if p.param == "office" {
                errors.push(("office", p.message));
            } else if matches!(p.param, "form" | "supplement" | "disease") {
                errors.insert(0, ("form", p.message));
            } else if errors.is_empty() {
                errors.push(("form", p.message));
            }
            blanketter_page(&site, &params, &errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Ok(order) => {
            if let Some(wait) = limited(&site, &req) {
                return too_many(&site, wait);
            }
            respond(site, order).await
        }
    }
}
