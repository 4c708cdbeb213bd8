//! The staff side's tera templates (`templates/staff/`), compiled into the binary. Every page gets the caller
//! (name, roles, regions) and the session's CSRF token for its forms.

use super::Site;
use super::session::Caller;
use actix_web::{HttpResponse, http::StatusCode, http::header};
use anyhow::{Context as _, Result};
use serde::Serialize;

const TEMPLATES: &[(&str, &str)] = &[
    (
        "staff/bas.html",
        include_str!("../../../templates/staff/bas.html"),
    ),
    (
        "staff/fel.html",
        include_str!("../../../templates/staff/fel.html"),
    ),
    (
        "staff/login.html",
        include_str!("../../../templates/staff/login.html"),
    ),
    (
        "staff/oversikt.html",
        include_str!("../../../templates/staff/oversikt.html"),
    ),
    (
        "staff/ko.html",
        include_str!("../../../templates/staff/ko.html"),
    ),
    (
        "staff/oidentifierade.html",
        include_str!("../../../templates/staff/oidentifierade.html"),
    ),
    (
        "staff/flaggor.html",
        include_str!("../../../templates/staff/flaggor.html"),
    ),
    (
        "staff/inlasning.html",
        include_str!("../../../templates/staff/inlasning.html"),
    ),
    (
        "staff/inlast.html",
        include_str!("../../../templates/staff/inlast.html"),
    ),
    (
        "staff/dokument.html",
        include_str!("../../../templates/staff/dokument.html"),
    ),
    (
        "staff/bekrafta.html",
        include_str!("../../../templates/staff/bekrafta.html"),
    ),
    (
        "staff/registrerad.html",
        include_str!("../../../templates/staff/registrerad.html"),
    ),
    (
        "staff/export.html",
        include_str!("../../../templates/staff/export.html"),
    ),
    (
        "staff/postlista.html",
        include_str!("../../../templates/staff/postlista.html"),
    ),
    (
        "staff/anvandare.html",
        include_str!("../../../templates/staff/anvandare.html"),
    ),
    (
        "staff/logg.html",
        include_str!("../../../templates/staff/logg.html"),
    ),
];

pub struct StaffViews {
    tera: tera::Tera,
}

/// The caller as the page header shows it.
#[derive(Serialize)]
struct Me<'a> {
    username: &'a str,
    display_name: &'a str,
    is_admin: bool,
    may_register: bool,
    regions: &'a [String],
}

impl StaffViews {
    pub fn new() -> Result<StaffViews> {
        let mut tera = tera::Tera::default();
        tera.add_raw_templates(TEMPLATES.iter().copied())
            .context("templates/staff/ kunde inte läsas")?;
        tera.autoescape_on(vec![".html"]);
        Ok(StaffViews { tera })
    }

    /// Renders a staff page. A template error is a defect of the binary: a plain 500, naming the template only.
    pub fn page(
        &self,
        site: &Site,
        caller: Option<&Caller>,
        status: StatusCode,
        template: &str,
        ctx: &mut tera::Context,
    ) -> HttpResponse {
        ctx.insert("asset_version", crate::web::assets::version());
        if let Some(c) = caller {
            let a = &c.account;
            ctx.insert(
                "me",
                &Me {
                    username: &a.username,
                    display_name: &a.display_name,
                    is_admin: a.is_admin(),
                    may_register: a.may_register(),
                    regions: &a.regions,
                },
            );
            ctx.insert("csrf", &c.session.csrf);
            ctx.insert("region_names", &region_names(site, &a.regions));
        }
        match self.tera.render(template, ctx) {
            Ok(body) => HttpResponse::build(status)
                .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
                .body(body),
            Err(e) => {
                let mut cause = String::new();
                let mut source: Option<&dyn std::error::Error> = Some(&e);
                while let Some(s) = source {
                    cause = s.to_string();
                    source = s.source();
                }
                // The innermost cause names the construct (a missing variable), not a value.
                eprintln!("blankett: mallen {template} kunde inte visas: {e}: {cause}");
                HttpResponse::InternalServerError()
                    .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
                    .body("Ett fel uppstod i webbplatsen. Försök igen om en stund.")
            }
        }
    }
}

/// `code`: `name` for the caller's regions.
fn region_names(site: &Site, codes: &[String]) -> Vec<(String, String)> {
    codes
        .iter()
        .map(|c| (c.clone(), region_name(site, c)))
        .collect()
}

pub fn region_name(site: &Site, code: &str) -> String {
    site.regions
        .get(code)
        .map(|r| r.name.clone())
        .unwrap_or_else(|| format!("region {code}"))
}

/// A person as the pages and the file name them: the account's display name, or the username when the account
/// is gone or has no name (`intake`, `system`).
pub fn person_name(site: &Site, username: &str) -> String {
    match site.staff.accounts.get(username) {
        Ok(Some(a)) if !a.display_name.trim().is_empty() => a.display_name.clone(),
        _ => username.to_string(),
    }
}

/// A form ID or document key as people read it: `KA1-7GQ4-M2XD-P`, with `#2` kept for a further sheet. Text
/// that is not an ID is shown as it is.
pub fn shown_id(key: &str) -> String {
    let (id, sheet) = match key.split_once('#') {
        Some((id, sheet)) => (id, Some(sheet)),
        None => (key, None),
    };
    match crate::formid::FormId::parse(id) {
        Ok(parsed) => match sheet {
            Some(sheet) => format!("{parsed} #{sheet}"),
            None => parsed.to_string(),
        },
        Err(_) => key.to_string(),
    }
}

/// `2026-01-05T09:12:44Z` as `2026-01-05 09:12`.
pub fn short_time(rfc3339: &str) -> String {
    let s: String = rfc3339.chars().take(16).collect();
    s.replace('T', " ")
}
