//! The tera templates under `templates/`, compiled into the binary and parsed once at start-up.

use actix_web::{HttpResponse, http::StatusCode, http::header};
use anyhow::{Context as _, Result};

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    ("start.html", include_str!("../../templates/start.html")),
    ("klinisk.html", include_str!("../../templates/klinisk.html")),
    ("val.html", include_str!("../../templates/val.html")),
    (
        "paragraf.html",
        include_str!("../../templates/paragraf.html"),
    ),
    (
        "blanketter.html",
        include_str!("../../templates/blanketter.html"),
    ),
    ("fyll.html", include_str!("../../templates/fyll.html")),
    ("fel.html", include_str!("../../templates/fel.html")),
];

pub struct Views {
    tera: tera::Tera,
}

impl Views {
    pub fn new() -> Result<Views> {
        let mut tera = tera::Tera::default();
        tera.add_raw_templates(TEMPLATES.iter().copied())
            .context("templates/ kunde inte läsas")?;
        tera.autoescape_on(vec![".html"]);
        Ok(Views { tera })
    }

    /// Renders `template` into an HTML answer. A template error is a defect of the binary: it is answered with a
    /// plain Swedish 500 page and never shows the values of the context.
    pub fn html(&self, status: StatusCode, template: &str, ctx: &tera::Context) -> HttpResponse {
        let mut ctx = ctx.clone();
        ctx.insert("asset_version", super::assets::version());
        match self.tera.render(template, &ctx) {
            Ok(body) => HttpResponse::build(status)
                .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
                .body(body),
            Err(e) => {
                // The error names the template and the construct, not the values.
                eprintln!("blankett: mallen {template} kunde inte visas: {e}");
                HttpResponse::InternalServerError()
                    .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
                    .body("Ett fel uppstod i webbplatsen. Försök igen om en stund.")
            }
        }
    }
}
