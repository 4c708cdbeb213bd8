//! Fill in on screen, then print: an HTML form generated from the same form definition as the paper (same order,
//! same sections, same labels), checked on the server with the checks intake makes (`validation`), and a PDF
//! with the values printed in the boxes and a data QR code on every page.
//!
//! Nothing typed is stored or logged: the values live in the request and the answer only. A problem is shown next
//! to its field with the typed values kept in the form; the PDF is sent with `Cache-Control: no-store`.

use super::choose::{self, Plan};
use super::pages::{region_options, region_view};
use super::pdf::{limited, pdf_response};
use super::{MAX_BODY, Params, Site, error_page};
use crate::domain::diseases::Disease;
use crate::forms::Form;
use crate::forms::definition::{Charset, Check, FieldDefinition, FieldKind, FormKind};
use crate::forms::layout::Geometry;
use crate::render::{Copy, filled};
use crate::store::issued::{Channel, IssueRequest};
use crate::validation::{self, FieldError, FieldValue, FormValues};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
struct OptionView {
    id: String,
    value: String,
    label: String,
    checked: bool,
}

#[derive(Serialize)]
struct FieldView {
    /// The element id (`f-klinisk-patient-namn`) and the input name (`klinisk:patient.namn`).
    id: String,
    input: String,
    label: String,
    hint: String,
    /// `comb`, `text`, `radio` or `checkbox`.
    kind: &'static str,
    required: bool,
    value: String,
    error: Option<String>,
    /// How many characters the boxes hold: shown beside the field and counted as the person types. Not an HTML
    /// `maxlength`, which would cut a pasted name without a word; the server refuses more, with a message.
    max: usize,
    /// The separators people type (space, hyphen) are not counted: digit boxes and identity numbers drop them.
    drops_separators: bool,
    size: usize,
    numeric: bool,
    list: Option<&'static str>,
    options: Vec<OptionView>,
}

#[derive(Serialize)]
struct SectionView {
    heading: String,
    note: String,
    fields: Vec<FieldView>,
}

#[derive(Serialize)]
struct PageView {
    number: usize,
    sections: Vec<SectionView>,
}

#[derive(Serialize)]
struct PartView {
    name: String,
    title: String,
    subtitle: String,
    supplement: bool,
    pages: Vec<PageView>,
}

#[derive(Serialize)]
struct SummaryItem {
    href: String,
    label: String,
    message: String,
}

/// What the person typed, as received: the raw text per input name (to show it again) and the normalised values.
struct Typed {
    raw: BTreeMap<String, String>,
    values: BTreeMap<String, FormValues>,
}

fn input_name(form: &Form, field: &str) -> String {
    format!("{}:{field}", form.name())
}

fn element_id(form: &Form, field: &str) -> String {
    let mut id = format!("f-{}-{field}", form.name());
    id = id.replace(['.', '_'], "-");
    id
}

fn read_typed(parts: &[&Form], params: &Params) -> Typed {
    let mut raw = BTreeMap::new();
    let mut values = BTreeMap::new();
    for form in parts {
        let mut v = FormValues::new();
        for field in validation::fields(form) {
            let key = input_name(form, &field.name);
            match &field.kind {
                FieldKind::Choice { .. } => {
                    let ticked: Vec<String> = params
                        .all(&key)
                        .into_iter()
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect();
                    if !ticked.is_empty() {
                        v.insert(field.name.clone(), FieldValue::Ticked(ticked));
                    }
                }
                _ if is_signature(field) => {}
                _ => {
                    let Some(text) = params.all(&key).first().map(|s| s.to_string()) else {
                        continue;
                    };
                    let normalised = validation::normalize(field, &text);
                    raw.insert(key, text);
                    if !normalised.is_empty() {
                        v.insert(field.name.clone(), FieldValue::Text(normalised));
                    }
                }
            }
        }
        values.insert(form.name().to_string(), v);
    }
    Typed { raw, values }
}

/// The disease prefilled on the main form: ticked in its disease list, else written in its disease field.
fn prefill_disease(main: &Form, disease: &Disease, values: &mut FormValues, site: &Site) {
    for field in validation::fields(main) {
        if let FieldKind::Choice { options, .. } = &field.kind
            && options.iter().any(|o| o.value == disease.id)
            && options
                .iter()
                .all(|o| o.value == "annan" || site.diseases.get(&o.value).is_some())
        {
            values.insert(
                field.name.clone(),
                FieldValue::Ticked(vec![disease.id.clone()]),
            );
            return;
        }
    }
    for field in validation::fields(main) {
        if field.check == Some(Check::Disease)
            && let FieldKind::Comb { cells, .. } = field.kind
        {
            let text = if disease.name_sv.chars().count() <= cells {
                disease.name_sv.clone()
            } else {
                disease.id.replace('_', " ")
            };
            values.insert(field.name.clone(), FieldValue::Text(text));
            return;
        }
    }
}

/// A signature is written by hand on the printout, never typed.
fn is_signature(field: &FieldDefinition) -> bool {
    field.name.ends_with(".underskrift")
}

fn text_rect(form: &Form, field: &str) -> Option<crate::forms::page::Rect> {
    form.layout
        .pages
        .iter()
        .flat_map(|p| p.fields.iter())
        .find(|f| f.name == field)
        .and_then(|f| match f.geometry {
            Geometry::Text { rect } => Some(rect),
            _ => None,
        })
}

fn field_view(
    form: &Form,
    field: &FieldDefinition,
    typed: &Typed,
    errors: &[FieldError],
) -> FieldView {
    let id = element_id(form, &field.name);
    let input = input_name(form, &field.name);
    let value_of = typed
        .values
        .get(form.name())
        .and_then(|v| v.get(&field.name));
    let error = errors
        .iter()
        .find(|e| e.form == form.name() && e.field == field.name)
        .map(|e| e.message.clone());
    let mut view = FieldView {
        id: id.clone(),
        input: input.clone(),
        label: field.label.clone(),
        hint: field.hint.clone(),
        kind: "comb",
        required: field.required,
        value: typed
            .raw
            .get(&input)
            .cloned()
            .or_else(|| value_of.and_then(FieldValue::text).map(String::from))
            .unwrap_or_default(),
        error,
        max: 0,
        drops_separators: false,
        size: 0,
        numeric: false,
        list: None,
        options: Vec::new(),
    };
    match &field.kind {
        FieldKind::Comb { cells, charset, .. } => {
            view.numeric = *charset == Charset::Digits;
            // Digit boxes accept the separators people type; they are dropped before printing.
            view.max = *cells;
            view.drops_separators = view.numeric || field.check == Some(Check::Identitet);
            view.size = (*cells).clamp(4, 40);
            view.list = match field.check {
                Some(Check::Lan) => Some("lista-lan"),
                Some(Check::Country) => Some("lista-land"),
                Some(Check::Disease) => Some("lista-sjukdom"),
                _ => None,
            };
        }
        FieldKind::Text { .. } if is_signature(field) => {
            view.kind = "signature";
        }
        FieldKind::Text { .. } => {
            view.kind = "text";
            view.max = text_rect(form, &field.name)
                .map(|r| filled::text_capacity(&r))
                .unwrap_or(500);
        }
        FieldKind::Choice {
            multiple, options, ..
        } => {
            view.kind = if *multiple || options.len() == 1 {
                "checkbox"
            } else {
                "radio"
            };
            let ticked = value_of.map(FieldValue::ticked).unwrap_or_default();
            view.options = options
                .iter()
                .map(|o| OptionView {
                    id: format!("{id}-{}", o.value.replace('_', "-")),
                    value: o.value.clone(),
                    label: o.label.clone(),
                    checked: ticked.contains(&o.value),
                })
                .collect();
        }
    }
    view
}

fn parts_view(parts: &[&Form], typed: &Typed, errors: &[FieldError]) -> Vec<PartView> {
    parts
        .iter()
        .map(|form| PartView {
            name: form.name().to_string(),
            title: form.def.title.clone(),
            subtitle: form.def.subtitle.clone(),
            supplement: form.kind() == FormKind::Supplement,
            pages: form
                .def
                .pages
                .iter()
                .enumerate()
                .map(|(i, page)| PageView {
                    number: i + 1,
                    sections: page
                        .sections
                        .iter()
                        .map(|s| SectionView {
                            heading: s.heading.clone(),
                            note: s.note.clone(),
                            fields: s
                                .fields
                                .iter()
                                .map(|f| field_view(form, f, typed, errors))
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

struct PageState<'a> {
    plan: &'a Plan,
    region: Option<&'a str>,
    /// The office chosen in a region with several (Västra Götaland).
    office: Option<&'a str>,
    disease: Option<&'a Disease>,
    typed: &'a Typed,
    errors: &'a [FieldError],
    region_error: Option<&'a str>,
    notice: Option<String>,
}

fn render_page(site: &Site, state: PageState<'_>, status: StatusCode) -> HttpResponse {
    let parts = state.plan.parts();
    let mut summary: Vec<SummaryItem> = Vec::new();
    if let Some(e) = state.region_error {
        let office = e.starts_with(OFFICE_ERROR_START);
        summary.push(SummaryItem {
            href: if office { "#office" } else { "#region" }.into(),
            label: if office {
                "Smittskyddskontor"
            } else {
                "Region"
            }
            .into(),
            message: e.to_string(),
        });
    }
    for e in state.errors {
        let Some(form) = parts.iter().find(|f| f.name() == e.form) else {
            continue;
        };
        let field = validation::fields(form).find(|f| f.name == e.field);
        let mut href = format!("#{}", element_id(form, &e.field));
        if let Some(FieldKind::Choice { options, .. }) = field.map(|f| &f.kind)
            && let Some(first) = options.first()
        {
            href = format!("{href}-{}", first.value.replace('_', "-"));
        }
        summary.push(SummaryItem {
            href,
            label: field.map(|f| f.label.clone()).unwrap_or_default(),
            message: e.message.clone(),
        });
    }
    let mut ctx = tera::Context::new();
    ctx.insert("main", &state.plan.main.def.title);
    ctx.insert("form_name", state.plan.main.name());
    ctx.insert("parts", &parts_view(&parts, state.typed, state.errors));
    ctx.insert("regions", &region_options(site, state.region));
    ctx.insert("region_error", &state.region_error);
    ctx.insert(
        "region",
        &state
            .region
            .and_then(|c| site.regions.get(c))
            .map(|r| region_view(r, state.office)),
    );
    ctx.insert("disease", &state.disease.map(|d| d.id.clone()));
    ctx.insert("disease_name", &state.disease.map(|d| d.name_sv.clone()));
    ctx.insert(
        "phone_at_once",
        &state.disease.is_some_and(|d| d.phone_at_once),
    );
    ctx.insert("summary", &summary);
    ctx.insert("notice", &state.notice);
    ctx.insert("sti_rule", &state.plan.main.def.sti_rule);
    ctx.insert(
        "counties",
        &validation::COUNTIES
            .iter()
            .map(|(_, n)| *n)
            .collect::<Vec<_>>(),
    );
    ctx.insert(
        "countries",
        &crate::domain::countries::Countries::embedded()
            .all()
            .iter()
            .map(|c| c.name_sv.as_str())
            .collect::<Vec<_>>(),
    );
    ctx.insert(
        "diseases",
        &site
            .diseases
            .all()
            .iter()
            .filter(|d| d.clinical)
            .map(|d| d.name_sv.as_str())
            .collect::<Vec<_>>(),
    );
    site.views.html(status, "fyll.html", &ctx)
}

/// How the message begins that asks for an office (shown at the office's list, not the region's).
const OFFICE_ERROR_START: &str = "Välj smittskyddskontor";

/// The office of `region` named in `office`, if the region has offices: `Err` with the message to show when it
/// has and none of them is chosen.
fn office_of<'p>(
    region: Option<&crate::domain::regions::Region>,
    office: Option<&'p str>,
) -> Result<Option<&'p str>, String> {
    let Some(region) = region.filter(|r| r.has_offices()) else {
        return Ok(None);
    };
    match office {
        Some(o) if region.office(o).is_some() => Ok(Some(o)),
        _ => Err(format!(
            "{OFFICE_ERROR_START}: {} har {} kontor ({}); välj det som ansvarar för patientens kommun.",
            region.name,
            region.offices.len(),
            region
                .offices
                .iter()
                .map(|o| o.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The main form named in the path, and the disease of the query or form (checked against the form).
enum Start {
    Go(Plan, Option<&'static Disease>),
    Answer(HttpResponse),
}

fn start(site: &Site, form: &str, disease: Option<&str>, region: Option<&str>) -> Start {
    let Ok(main) = site.registry.get(form, None) else {
        return Start::Answer(error_page(
            site,
            StatusCode::NOT_FOUND,
            "Blanketten finns inte",
            &format!("Det finns ingen blankett som heter ”{form}”."),
        ));
    };
    if main.kind() != FormKind::Main {
        return Start::Answer(error_page(
            site,
            StatusCode::BAD_REQUEST,
            "En tilläggsblankett fylls i tillsammans med anmälan",
            &format!(
                "”{}” hör till en klinisk anmälan. Börja med att välja sjukdom under Klinisk anmälan.",
                main.def.title
            ),
        ));
    }
    let disease = match disease {
        None => None,
        Some(id) => match site.diseases.get(id) {
            Some(d) => Some(d),
            None => {
                return Start::Answer(error_page(
                    site,
                    StatusCode::BAD_REQUEST,
                    "Sjukdomen finns inte",
                    &format!(
                        "Sjukdomen ”{id}” finns inte i listan. Välj sjukdom under Klinisk anmälan."
                    ),
                ));
            }
        },
    };
    if let Some(d) = disease
        && !main.name().starts_with("paragraf")
    {
        let right = choose::main_form_name(d);
        let clinical = d.clinical || validation::clinical_exception(d);
        if !clinical || right != main.name() {
            let mut q = form_urlencoded::Serializer::new(String::new());
            q.append_pair("disease", &d.id);
            if let Some(r) = region {
                q.append_pair("region", r);
            }
            let target = if clinical {
                format!("/fyll/{right}?{}", q.finish())
            } else {
                format!("/klinisk/val?{}", q.finish())
            };
            return Start::Answer(
                HttpResponse::SeeOther()
                    .insert_header((actix_web::http::header::LOCATION, target))
                    .finish(),
            );
        }
    }
    let supplements = choose::supplements(site.registry, main, disease);
    Start::Go(
        Plan {
            main: main.clone(),
            supplements,
        },
        disease,
    )
}

/// `GET /fyll/{form}?region=..&disease=..`: the empty form, with the disease filled in.
pub async fn show(site: web::Data<Site>, req: HttpRequest) -> HttpResponse {
    let form = req.match_info().get("form").unwrap_or_default().to_string();
    let params = Params::query(&req);
    let region = params
        .get("region")
        .filter(|c| site.regions.get(c).is_some());
    let (plan, disease) = match start(&site, &form, params.get("disease"), region) {
        Start::Go(plan, disease) => (plan, disease),
        Start::Answer(res) => return res,
    };
    let office = office_of(
        region.and_then(|c| site.regions.get(c)),
        params.get("office"),
    )
    .ok()
    .flatten();
    let mut typed = Typed {
        raw: BTreeMap::new(),
        values: BTreeMap::new(),
    };
    if let Some(d) = disease {
        let mut v = FormValues::new();
        prefill_disease(&plan.main, d, &mut v, &site);
        typed.values.insert(plan.main.name().to_string(), v);
    }
    render_page(
        &site,
        PageState {
            plan: &plan,
            region,
            office,
            disease,
            typed: &typed,
            errors: &[],
            region_error: None,
            notice: None,
        },
        StatusCode::OK,
    )
}

async fn read_body(payload: web::Payload) -> Result<web::Bytes, ()> {
    match payload.to_bytes_limited(MAX_BODY).await {
        Ok(Ok(bytes)) => Ok(bytes),
        _ => Err(()),
    }
}

/// `POST /fyll/{form}`: checks the values; the PDF if they are fine, else the form again with the problems.
pub async fn submit(
    site: web::Data<Site>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let too_large = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > MAX_BODY);
    let body = if too_large {
        Err(())
    } else {
        read_body(payload).await
    };
    let Ok(body) = body else {
        return error_page(
            &site,
            StatusCode::PAYLOAD_TOO_LARGE,
            "För mycket text",
            &format!(
                "Blanketten innehöll mer än {} kB. Korta texterna och försök igen.",
                MAX_BODY / 1024
            ),
        );
    };
    let params = Params::parse(&body);
    let form = req.match_info().get("form").unwrap_or_default().to_string();
    let region = params.get("region");
    let known_region = region.filter(|c| site.regions.get(c).is_some());
    let (mut plan, mut disease) = match start(&site, &form, params.get("disease"), known_region) {
        Start::Go(plan, disease) => (plan, disease),
        Start::Answer(res) => return res,
    };
    let mut typed = read_typed(&plan.parts(), &params);

    // The disease written on the form decides the supplement, as on the choosing page.
    let ctx = validation::Context::now();
    let mut notice = None;
    if !plan.main.name().starts_with("paragraf") {
        let main_values = typed
            .values
            .get(plan.main.name())
            .cloned()
            .unwrap_or_default();
        let named = validation::diseases_named(&plan.main, &main_values, site.diseases);
        if let [(_, d)] = named.as_slice()
            && validation::disease_fits_form(&plan.main, d).is_ok()
        {
            let wanted = choose::supplements(site.registry, &plan.main, Some(d));
            let have: Vec<&str> = plan.supplements.iter().map(|f| f.name()).collect();
            let want: Vec<&str> = wanted.iter().map(|f| f.name()).collect();
            if have != want {
                notice = Some(match want.first() {
                    Some(_) => format!(
                        "Till {} hör tilläggsuppgifterna ”{}”. De finns nu längst ned i formuläret: fyll i dem och skapa PDF-filen igen.",
                        d.name_sv,
                        wanted
                            .iter()
                            .map(|f| f.def.title.as_str())
                            .collect::<Vec<_>>()
                            .join("”, ”")
                    ),
                    None => format!(
                        "Tilläggsuppgifterna hör inte till {} och har tagits bort. Kontrollera formuläret och skapa PDF-filen igen.",
                        d.name_sv
                    ),
                });
                plan.supplements = wanted;
                disease = Some(d);
                typed = read_typed(&plan.parts(), &params);
            }
        }
    }

    let office = office_of(
        known_region.and_then(|c| site.regions.get(c)),
        params.get("office"),
    );
    let region_error: Option<String> = match (region, &office) {
        (None, _) => Some("Välj regionen där du som anmälande läkare arbetar.".into()),
        (Some(_), _) if known_region.is_none() => {
            Some("Regionen finns inte; välj en i listan.".into())
        }
        (_, Err(e)) => Some(e.clone()),
        _ => None,
    };
    let office = office.ok().flatten();
    let region_error = region_error.as_deref();
    let parts = plan.parts();
    let mut errors = validation::check_copy(&parts, &typed.values, &ctx);
    if errors.is_empty() {
        errors = validation::check_capacity(&parts, &typed.values);
    }
    macro_rules! state {
        ($errors:expr, $notice:expr $(,)?) => {
            PageState {
                plan: &plan,
                region: known_region,
                office,
                disease,
                typed: &typed,
                errors: $errors,
                region_error,
                notice: $notice,
            }
        };
    }
    if notice.is_some() || !errors.is_empty() || region_error.is_some() {
        return render_page(
            &site,
            state!(&errors, notice),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let Some(region) = known_region.and_then(|c| site.regions.get(c)) else {
        return render_page(
            &site,
            state!(&errors, None),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    if let Some(wait) = limited(&site, &req) {
        let message = format!(
            "Du har skapat många PDF-filer på kort tid från samma adress. Vänta {} sekunder och tryck på Skapa PDF igen; det du skrivit finns kvar.",
            wait.as_secs().max(1)
        );
        let mut res = render_page(
            &site,
            state!(&errors, Some(message)),
            StatusCode::TOO_MANY_REQUESTS,
        );
        if let Ok(v) =
            actix_web::http::header::HeaderValue::from_str(&wait.as_secs().max(1).to_string())
        {
            res.headers_mut()
                .insert(actix_web::http::header::RETRY_AFTER, v);
        }
        return res;
    }

    let request = IssueRequest {
        form: plan.main.code,
        form_name: plan.main.name(),
        supplements: plan
            .supplements
            .iter()
            .map(|f| (f.name().to_string(), f.version()))
            .collect(),
        region: &region.code,
        channel: Channel::Web,
        filled_on_screen: true,
    };
    let ids = match site.store.issued.issue(&request, 1) {
        Ok(ids) => ids,
        Err(e) => {
            eprintln!("blankett: blankett-id kunde inte utfärdas: {e}");
            return error_page(
                &site,
                StatusCode::SERVICE_UNAVAILABLE,
                "Blanketten kunde inte skapas",
                "Ett tekniskt fel hindrade oss från att skapa blanketten. Gå tillbaka, så finns det du skrivit kvar i de flesta webbläsare, och försök igen om en stund.",
            );
        }
    };
    let addressed = office.and_then(|o| region.for_office(o));
    let copy = Copy {
        id: ids[0],
        parts: parts.clone(),
        region: addressed.as_ref().unwrap_or(region),
    };
    match site.renderer.render_filled(&copy, &typed.values) {
        Ok(pdf) => pdf_response(pdf, &ids, &plan.main, true),
        Err(e) => {
            // The error names the page, never a value.
            eprintln!("blankett: ifylld blankett kunde inte skapas: {e}");
            render_page(
                &site,
                state!(
                    &[],
                    Some("Uppgifterna ryms inte på blanketten. Korta de längsta texterna och försök igen.".into()),
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}
