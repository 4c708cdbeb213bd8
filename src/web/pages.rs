//! The HTML pages: start, choosing the form, the batch page, error pages.

use super::choose::{self, Decision, Plan};
use super::{Params, Site, error_page};
use crate::domain::diseases::Disease;
use crate::domain::regions::Region;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok\n")
}

pub async fn not_found(site: web::Data<Site>) -> HttpResponse {
    error_page(
        &site,
        StatusCode::NOT_FOUND,
        "Sidan finns inte",
        "Adressen leder inte till någon sida här. Börja om från startsidan.",
    )
}

pub async fn start(site: web::Data<Site>) -> HttpResponse {
    let mut ctx = tera::Context::new();
    ctx.insert("max_batch", &super::MAX_BATCH);
    site.views.html(StatusCode::OK, "start.html", &ctx)
}

// ------------------------------------------------------------------------------------------------------- regions

#[derive(Serialize)]
pub struct RegionOption {
    code: String,
    name: String,
    selected: bool,
}

/// Sort key for Swedish: å, ä, ö after z.
pub fn swedish_key(s: &str) -> Vec<u32> {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'å' => 'z' as u32 + 1,
            'ä' | 'æ' => 'z' as u32 + 2,
            'ö' | 'ø' => 'z' as u32 + 3,
            'é' | 'è' => 'e' as u32,
            'ü' => 'y' as u32,
            c => c as u32,
        })
        .collect()
}

fn short_region_name(name: &str) -> &str {
    name.strip_prefix("Region ").unwrap_or(name)
}

/// The regions for a `<select>`, by name in Swedish order, `selected` marked.
pub fn region_options(site: &Site, selected: Option<&str>) -> Vec<RegionOption> {
    let selected = selected.and_then(|c| site.regions.get(c)).map(|r| &r.code);
    let mut regions: Vec<&Region> = site.regions.all().iter().collect();
    regions.sort_by_key(|r| swedish_key(short_region_name(&r.name)));
    regions
        .into_iter()
        .map(|r| RegionOption {
            code: r.code.clone(),
            name: r.name.clone(),
            selected: Some(&r.code) == selected,
        })
        .collect()
}

#[derive(Serialize)]
pub struct RegionView {
    code: String,
    name: String,
    sme_name: String,
    address_lines: Vec<String>,
    /// The smittskyddsenhet's telephone, when a source gives it.
    phone: String,
    /// The offices to choose among (Västra Götaland), `selected` marked; empty for other regions.
    offices: Vec<OfficeOption>,
    /// The chosen office's id, when the region has offices and one is chosen.
    office: Option<String>,
    /// The region has offices and none is chosen yet: no form is offered until one is.
    needs_office: bool,
}

#[derive(Serialize)]
pub struct OfficeOption {
    id: String,
    name: String,
    selected: bool,
}

/// The region as the page shows it; with offices, addressed to the chosen `office` (when it is one of them).
pub fn region_view(r: &Region, office: Option<&str>) -> RegionView {
    let chosen = office.and_then(|id| r.office(id));
    let addressed = chosen.and_then(|o| r.for_office(&o.id));
    let shown = addressed.as_ref().unwrap_or(r);
    RegionView {
        code: r.code.clone(),
        name: r.name.clone(),
        sme_name: shown.sme_name.clone(),
        address_lines: shown.address_lines.clone(),
        phone: r.phone.clone(),
        offices: r
            .offices
            .iter()
            .map(|o| OfficeOption {
                id: o.id.clone(),
                name: o.name.clone(),
                selected: chosen.is_some_and(|c| c.id == o.id),
            })
            .collect(),
        office: chosen.map(|o| o.id.clone()),
        needs_office: r.has_offices() && chosen.is_none(),
    }
}

// ------------------------------------------------------------------------------------------------------ diseases

#[derive(Serialize)]
struct DiseaseItem {
    id: String,
    name: String,
    /// Lower case without diacritics: Swedish and English names and the id, for the script's filter.
    search: String,
    lab_only: bool,
    /// Phoned in to the smittskyddsläkare at once as well (reference data, with its sources).
    phone_at_once: bool,
    checked: bool,
}

#[derive(Serialize)]
struct DiseaseGroup {
    /// The anchor (`bokstav-s`) and the heading (`S`); the frequent group has `vanliga`.
    anchor: String,
    heading: String,
    /// Distinguishes the radio ids when a disease is listed twice (frequent, and under its letter).
    prefix: String,
    items: Vec<DiseaseItem>,
}

fn fold(s: &str) -> String {
    crate::validation::fold_for_search(s)
}

fn disease_item(d: &Disease, selected: Option<&str>) -> DiseaseItem {
    DiseaseItem {
        id: d.id.clone(),
        name: d.name_sv.clone(),
        search: format!(
            "{} {} {}",
            fold(&d.name_sv),
            fold(&d.name_en),
            d.id.replace('_', " ")
        ),
        lab_only: !d.clinical,
        phone_at_once: d.phone_at_once,
        checked: selected == Some(d.id.as_str()),
    }
}

/// The frequent diseases, then all of them under their initial letters; with a query, only the matches.
fn disease_groups(site: &Site, query: Option<&str>, selected: Option<&str>) -> Vec<DiseaseGroup> {
    let mut all: Vec<&Disease> = site.diseases.all().iter().collect();
    all.sort_by_key(|d| swedish_key(&d.name_sv));
    if let Some(q) = query {
        let found: Vec<&Disease> = {
            let hits = site.diseases.find(q);
            all.into_iter()
                .filter(|d| hits.iter().any(|h| h.id == d.id))
                .collect()
        };
        return vec![DiseaseGroup {
            anchor: "sokresultat".into(),
            heading: String::new(),
            prefix: "s".into(),
            items: found.iter().map(|d| disease_item(d, selected)).collect(),
        }];
    }
    let mut groups = vec![DiseaseGroup {
        anchor: "vanliga".into(),
        heading: "Vanliga på pappersanmälningar".into(),
        prefix: "v".into(),
        items: all
            .iter()
            .filter(|d| d.frequent)
            .map(|d| disease_item(d, selected))
            .collect(),
    }];
    for d in &all {
        let letter: String = d
            .name_sv
            .chars()
            .next()
            .map(|c| c.to_uppercase().collect())
            .unwrap_or_default();
        if groups.last().is_none_or(|g| g.heading != letter) {
            groups.push(DiseaseGroup {
                anchor: format!("bokstav-{}", fold(&letter)),
                heading: letter.clone(),
                prefix: "a".into(),
                items: Vec::new(),
            });
        }
        if let Some(g) = groups.last_mut() {
            g.items.push(disease_item(d, selected));
        }
    }
    groups
}

// ------------------------------------------------------------------------------------------------------ klinisk

#[derive(Serialize, Default)]
struct Errors {
    region: Option<String>,
    disease: Option<String>,
}

fn klinisk_page(site: &Site, params: &Params, errors: Errors, status: StatusCode) -> HttpResponse {
    let query = params.get("q");
    let selected = params.get("disease");
    let groups = disease_groups(site, query, selected);
    let letters: Vec<(&str, &str)> = groups
        .iter()
        .filter(|g| g.prefix == "a")
        .map(|g| (g.anchor.as_str(), g.heading.as_str()))
        .collect();
    let hits: usize = if query.is_some() {
        groups.iter().map(|g| g.items.len()).sum()
    } else {
        site.diseases.all().len()
    };
    let mut ctx = tera::Context::new();
    ctx.insert("regions", &region_options(site, params.get("region")));
    ctx.insert("groups", &groups);
    ctx.insert("letters", &letters);
    ctx.insert("query", &query.unwrap_or_default());
    ctx.insert("searched", &query.is_some());
    ctx.insert("hits", &hits);
    let has_errors = errors.region.is_some() || errors.disease.is_some();
    ctx.insert("errors", &errors);
    ctx.insert("has_errors", &has_errors);
    site.views.html(status, "klinisk.html", &ctx)
}

pub async fn klinisk(site: web::Data<Site>, req: HttpRequest) -> HttpResponse {
    klinisk_page(
        &site,
        &Params::query(&req),
        Errors::default(),
        StatusCode::OK,
    )
}

#[derive(Serialize)]
struct FormSummary {
    name: String,
    title: String,
    subtitle: String,
    sti_rule: bool,
}

fn summary(f: &crate::forms::Form) -> FormSummary {
    FormSummary {
        name: f.name().to_string(),
        title: f.def.title.clone(),
        subtitle: f.def.subtitle.clone(),
        sti_rule: f.def.sti_rule,
    }
}

/// Links to fill in on screen and to print blank, for a plan.
fn plan_context(
    ctx: &mut tera::Context,
    plan: &Plan,
    region: &Region,
    office: Option<&str>,
    disease: Option<&Disease>,
) {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("region", &region.code);
    if let Some(o) = office.filter(|o| region.office(o).is_some()) {
        query.append_pair("office", o);
    }
    if let Some(d) = disease {
        query.append_pair("disease", &d.id);
    }
    let query = query.finish();
    ctx.insert("main", &summary(&plan.main));
    ctx.insert(
        "supplements",
        &plan
            .supplements
            .iter()
            .map(|f| summary(f))
            .collect::<Vec<_>>(),
    );
    // Inserted unescaped into href attributes: form names are [a-z0-9-] and the query is URL-encoded, so only
    // the ampersands need escaping.
    let query = query.replace('&', "&amp;");
    ctx.insert("fill_url", &format!("/fyll/{}?{query}", plan.main.name()));
    ctx.insert(
        "pdf_url",
        &format!("/forms/{}.pdf?{query}", plan.main.name()),
    );
}

pub async fn klinisk_val(site: web::Data<Site>, req: HttpRequest) -> HttpResponse {
    let params = Params::query(&req);
    let region = params.get("region").map(|c| site.regions.get(c));
    let disease = params.get("disease").map(|d| site.diseases.get(d));
    let mut errors = Errors::default();
    match region {
        None => errors.region = Some("Välj regionen där du som anmälande läkare arbetar.".into()),
        Some(None) => errors.region = Some("Regionen finns inte; välj en i listan.".into()),
        Some(Some(_)) => {}
    }
    match disease {
        None => errors.disease = Some("Välj sjukdom i listan.".into()),
        Some(None) => {
            errors.disease = Some("Sjukdomen finns inte i listan; välj en i listan.".into())
        }
        Some(Some(_)) => {}
    }
    let (Some(Some(region)), Some(Some(disease))) = (region, disease) else {
        return klinisk_page(&site, &params, errors, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let office = params.get("office");
    let mut ctx = tera::Context::new();
    ctx.insert("region", &region_view(region, office));
    ctx.insert("disease_name", &disease.name_sv);
    ctx.insert("disease_id", &disease.id);
    ctx.insert("phone_at_once", &disease.phone_at_once);
    ctx.insert("kind", "klinisk");
    match choose::for_disease(site.registry, disease) {
        Decision::Report(plan) => {
            ctx.insert("not_clinical", &false);
            plan_context(&mut ctx, &plan, region, office, Some(disease));
        }
        Decision::NotClinical { exception } => {
            ctx.insert("not_clinical", &true);
            ctx.insert("clinical_note", &disease.clinical_note);
            ctx.insert("exception", &exception.is_some());
            if let Some(plan) = exception {
                plan_context(&mut ctx, &plan, region, office, Some(disease));
            }
        }
        Decision::Unavailable(name) => {
            return error_page(
                &site,
                StatusCode::SERVICE_UNAVAILABLE,
                "Blanketten saknas",
                &format!(
                    "Blanketten {name} finns inte i den här versionen av tjänsten. Kontakta smittskyddsenheten i din region."
                ),
            );
        }
    }
    site.views.html(StatusCode::OK, "val.html", &ctx)
}

// ------------------------------------------------------------------------------------------------------ paragraf

fn paragraf_page(
    site: &Site,
    params: &Params,
    errors: Errors,
    form_error: Option<&str>,
    status: StatusCode,
) -> HttpResponse {
    let selected = params.get("form");
    let forms: Vec<serde_json::Value> = choose::paragraph_forms(site.registry)
        .iter()
        .map(|f| {
            serde_json::json!({
                "name": f.name(),
                "title": f.def.title,
                "subtitle": f.def.subtitle,
                "checked": selected == Some(f.name()),
            })
        })
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("regions", &region_options(site, params.get("region")));
    ctx.insert("forms", &forms);
    ctx.insert("form_error", &form_error);
    let has_errors = errors.region.is_some() || form_error.is_some();
    ctx.insert("errors", &errors);
    ctx.insert("has_errors", &has_errors);
    site.views.html(status, "paragraf.html", &ctx)
}

pub async fn paragraf(site: web::Data<Site>, req: HttpRequest) -> HttpResponse {
    paragraf_page(
        &site,
        &Params::query(&req),
        Errors::default(),
        None,
        StatusCode::OK,
    )
}

pub async fn paragraf_val(site: web::Data<Site>, req: HttpRequest) -> HttpResponse {
    let params = Params::query(&req);
    let forms = choose::paragraph_forms(site.registry);
    let region = params.get("region").map(|c| site.regions.get(c));
    let form = params
        .get("form")
        .map(|n| forms.iter().find(|f| f.name() == n));
    let mut errors = Errors::default();
    match region {
        None => errors.region = Some("Välj regionen där du som anmälande läkare arbetar.".into()),
        Some(None) => errors.region = Some("Regionen finns inte; välj en i listan.".into()),
        Some(Some(_)) => {}
    }
    let form_error = match form {
        None => Some("Välj vilken paragrafanmälan du ska göra."),
        Some(None) => Some("Blanketten finns inte; välj en i listan."),
        Some(Some(_)) => None,
    };
    let (Some(Some(region)), Some(Some(form))) = (region, form) else {
        return paragraf_page(
            &site,
            &params,
            errors,
            form_error,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let plan = Plan {
        main: form.clone(),
        supplements: Vec::new(),
    };
    let office = params.get("office");
    let mut ctx = tera::Context::new();
    ctx.insert("region", &region_view(region, office));
    ctx.insert("kind", "paragraf");
    ctx.insert("form_name", form.name());
    ctx.insert("not_clinical", &false);
    ctx.insert("phone_at_once", &false);
    plan_context(&mut ctx, &plan, region, office, None);
    site.views.html(StatusCode::OK, "val.html", &ctx)
}

// ---------------------------------------------------------------------------------------------------- blanketter

pub fn blanketter_page(
    site: &Site,
    params: &Params,
    errors: &[(&str, String)],
    status: StatusCode,
) -> HttpResponse {
    let selected_form = params.get("form").unwrap_or("klinisk");
    let selected_supplements = params.all("supplement");
    let forms: Vec<serde_json::Value> = choose::main_forms(site.registry)
        .iter()
        .map(|f| {
            serde_json::json!({
                "name": f.name(), "title": f.def.title, "selected": f.name() == selected_form,
            })
        })
        .collect();
    let supplements: Vec<serde_json::Value> = choose::supplement_forms(site.registry)
        .iter()
        .map(|f| {
            serde_json::json!({
                "name": f.name(), "title": f.def.title,
                "checked": selected_supplements.contains(&f.name()),
            })
        })
        .collect();
    // Regions with several offices (Västra Götaland): the office's address goes on every copy.
    let offices: Vec<serde_json::Value> = site
        .regions
        .all()
        .iter()
        .filter(|r| r.has_offices())
        .map(|r| {
            serde_json::json!({
                "region": r.name,
                "offices": r.offices.iter().map(|o| serde_json::json!({
                    "id": o.id, "name": o.name, "selected": params.get("office") == Some(o.id.as_str()),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("regions", &region_options(site, params.get("region")));
    ctx.insert("offices", &offices);
    ctx.insert("forms", &forms);
    ctx.insert("supplements", &supplements);
    ctx.insert("count", params.get("count").unwrap_or("10"));
    ctx.insert("max_batch", &super::MAX_BATCH);
    let errors: std::collections::BTreeMap<&str, &str> =
        errors.iter().map(|(k, v)| (*k, v.as_str())).collect();
    ctx.insert("has_errors", &!errors.is_empty());
    ctx.insert("errors", &errors);
    site.views.html(status, "blanketter.html", &ctx)
}

pub async fn blanketter(site: web::Data<Site>, req: HttpRequest) -> HttpResponse {
    blanketter_page(&site, &Params::query(&req), &[], StatusCode::OK)
}
