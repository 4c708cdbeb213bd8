//! The staff side (smittskyddsenhetens handläggare): log-in, the queues, the verification screen, the actions on a
//! document, admin pages, exports, scan upload, and the JSON API. Everything here is HTTP around the model in
//! `crate::staff`, which holds the rules (region scope, who may register, the logs).
//!
//! | Route | What |
//! |---|---|
//! | `GET/POST /staff/login`, `POST /staff/login/siths`, `POST /staff/logout` | log in and out |
//! | `GET /staff/` | the queues, with counts |
//! | `GET /staff/att-granska`, `/saknade-sidor`, `/oidentifierade`, `/flaggor` | the queues |
//! | `GET/POST /staff/inlasning`, `GET /staff/inlasning/{sha}` | upload a scan, and what it became |
//! | `GET /staff/dokument/{key}` (+ `/sida/{n}.png`, `/falt/{field}.png`) | the verification screen |
//! | `POST /staff/dokument/{key}/falt`, `/registrera`, `/avvisa`, `/vidarebefordra`, `/lagg-undan` | actions |
//! | `GET /staff/registrerad/{dnr}`, `/staff/registrerad/{dnr}.pdf` | a registered notification |
//! | `GET /staff/export`, `/staff/postlista` | exports |
//! | `/staff/admin/anvandare`, `/staff/admin/logg` | admin pages |
//! | `/api/...` | the JSON API, same rules (see [`api`]) |
//!
//! Without a session the pages answer 303 to the log-in page and the API 401. Every POST carries the session's
//! CSRF token (form field `csrf` or header `X-CSRF-Token`). A document outside the caller's regions is a 404, the
//! same answer as a document that does not exist.

// Helpers answer early with a whole response (a refusal) in their `Err`: one per request, not worth a box.
#![allow(clippy::result_large_err)]

mod actions;
mod admin;
mod api;
mod csrf;
mod document;
mod export;
mod images;
mod login;
pub(crate) mod multipart;
mod print;
mod queues;
mod session;
mod upload;
pub(crate) mod upload_body;
mod verify;
mod views;

pub use images::PageImages;
pub use session::over_tls;
pub use views::StaffViews;

use super::Site;
use crate::staff::StaffError;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use session::Caller;

/// Largest scan accepted from the browser.
pub const MAX_UPLOAD: usize = 200 * 1024 * 1024;
/// Largest form or JSON body on the staff side (a document's corrections are a few kilobytes).
pub const MAX_FORM: usize = 256 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff", web::get().to(to_overview))
        .route("/staff/login", web::get().to(login::show))
        .route("/staff/login", web::post().to(login::password))
        .route("/staff/login/siths", web::post().to(login::siths))
        .route("/staff/logout", web::post().to(login::logout))
        .route("/staff/", web::get().to(queues::overview))
        .route("/staff/att-granska", web::get().to(queues::pending))
        .route("/staff/saknade-sidor", web::get().to(queues::incomplete))
        .route("/staff/oidentifierade", web::get().to(queues::unidentified))
        .route(
            "/staff/oidentifierade/{scan}/{index}.png",
            web::get().to(images::unidentified_page),
        )
        .route(
            "/staff/oidentifierade/{scan}/{index}/placera",
            web::post().to(queues::place),
        )
        .route(
            "/staff/oidentifierade/{scan}/{index}/lagg-undan",
            web::post().to(queues::set_aside),
        )
        .route("/staff/flaggor", web::get().to(queues::flagged))
        .route("/staff/inlasning", web::get().to(upload::show))
        .route("/staff/inlasning", web::post().to(upload::receive))
        .route("/staff/inlasning/{sha}", web::get().to(upload::result))
        .route("/staff/dokument/{key}", web::get().to(verify::show))
        .route(
            "/staff/dokument/{key}/sida/{page}.png",
            web::get().to(images::document_page),
        )
        .route(
            "/staff/dokument/{key}/falt/{field}.png",
            web::get().to(images::field_crop),
        )
        .route("/staff/dokument/{key}/falt", web::post().to(actions::save))
        .route(
            "/staff/dokument/{key}/registrera",
            web::post().to(actions::register),
        )
        .route(
            "/staff/dokument/{key}/avvisa",
            web::post().to(actions::reject),
        )
        .route(
            "/staff/dokument/{key}/vidarebefordra",
            web::post().to(actions::forward),
        )
        .route(
            "/staff/dokument/{key}/lagg-undan",
            web::post().to(actions::put_aside),
        )
        .route(
            "/staff/dokument/{key}/byt-sida",
            web::post().to(actions::swap_page),
        )
        .route(
            "/staff/dokument/{key}/sidorna-hor-ihop",
            web::post().to(actions::confirm_pairing),
        )
        .route(
            "/staff/registrerad/{dnr}.pdf",
            web::get().to(print::registered_pdf),
        )
        .route(
            "/staff/registrerad/{dnr}",
            web::get().to(actions::registered),
        )
        .route("/staff/export", web::get().to(export::page))
        .route("/staff/postlista", web::get().to(export::postlista))
        .route("/staff/admin/anvandare", web::get().to(admin::users))
        .route("/staff/admin/anvandare", web::post().to(admin::add_user))
        .route(
            "/staff/admin/anvandare/{user}",
            web::post().to(admin::change_user),
        )
        .route("/staff/admin/logg", web::get().to(admin::log))
        .route(
            "/staff/admin/logg.csv",
            web::get().to(admin::log_csv_export),
        );
    api::routes(cfg);
}

async fn to_overview() -> HttpResponse {
    see_other("/staff/")
}

/// Who is asking: a browser page (errors as HTML pages, no session: to the log-in page) or the API (errors as
/// JSON, no session: 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Page,
    Api,
}

impl Face {
    pub fn of(path: &str) -> Face {
        if path.starts_with("/api/") {
            Face::Api
        } else {
            Face::Page
        }
    }
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

pub fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> HttpResponse {
    match serde_json::to_vec(value) {
        Ok(body) => HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .body(body),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

/// A refusal or an error with a Swedish message: an HTML page for the pages, `{"fel": ...}` for the API.
pub fn refuse(
    site: &Site,
    caller: Option<&Caller>,
    face: Face,
    status: StatusCode,
    message: &str,
) -> HttpResponse {
    match face {
        Face::Api => json(status, &serde_json::json!({ "fel": message })),
        Face::Page => {
            let title = match status {
                StatusCode::NOT_FOUND => "Finns inte",
                StatusCode::FORBIDDEN => "Inte tillåtet",
                StatusCode::UNAUTHORIZED => "Inte inloggad",
                StatusCode::CONFLICT => "Går inte att göra nu",
                StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => {
                    "Kontrollera uppgifterna"
                }
                StatusCode::PAYLOAD_TOO_LARGE => "För stor fil",
                _ => "Något gick fel",
            };
            let mut ctx = tera::Context::new();
            ctx.insert("title", title);
            ctx.insert("message", message);
            site.staff_views
                .page(site, caller, status, "staff/fel.html", &mut ctx)
        }
    }
}

/// The Swedish answer for a refusal the framework made itself (a body over the limit, a request it could not
/// read): the staff page or `{"fel": ...}` for the staff side and the API, the public error page elsewhere.
pub fn framework_refusal(
    site: &Site,
    req: &actix_web::HttpRequest,
    status: StatusCode,
) -> HttpResponse {
    let path = req.path();
    let (title, message) = if status == StatusCode::PAYLOAD_TOO_LARGE {
        (
            "För stor förfrågan",
            "Det som skickades är större än vad sidan tar emot. Kortare text, eller en fil i taget, går bra.",
        )
    } else {
        (
            "Förfrågan kunde inte läsas",
            "Det som skickades gick inte att läsa. Ladda om sidan och försök igen.",
        )
    };
    if path.starts_with("/staff") || path.starts_with("/api/") {
        refuse(site, None, Face::of(path), status, message)
    } else {
        super::error_page(site, status, title, message)
    }
}

pub const NOT_FOUND_MESSAGE: &str =
    "Dokumentet finns inte, eller hör till en region du inte arbetar i.";

/// The answer to an error of the model. Database errors are logged without content.
pub fn staff_error(
    site: &Site,
    caller: Option<&Caller>,
    face: Face,
    e: StaffError,
) -> HttpResponse {
    let (status, message) = match e {
        StaffError::NotReady(obstacles) => {
            let message = crate::staff::readiness::refusal_message(&obstacles);
            return match face {
                // The API names every field and why, so that a client can show them.
                Face::Api => json(
                    StatusCode::CONFLICT,
                    &serde_json::json!({ "fel": message, "falt": obstacles }),
                ),
                Face::Page => refuse(site, caller, face, StatusCode::CONFLICT, &message),
            };
        }
        StaffError::NotFound => (StatusCode::NOT_FOUND, NOT_FOUND_MESSAGE.to_string()),
        StaffError::Forbidden(m) => (StatusCode::FORBIDDEN, m),
        StaffError::Invalid(m) => (StatusCode::UNPROCESSABLE_ENTITY, m),
        StaffError::Conflict(m) => (StatusCode::CONFLICT, m),
        StaffError::Login(l) => (StatusCode::FORBIDDEN, l.to_string()),
        StaffError::Store(_) | StaffError::Db(_) => return internal(site, caller, face, &e),
    };
    refuse(site, caller, face, status, &message)
}

/// A failure of the service itself. The log line names the kind of failure, never a value.
pub fn internal(
    site: &Site,
    caller: Option<&Caller>,
    face: Face,
    e: &dyn std::fmt::Display,
) -> HttpResponse {
    let text = e.to_string();
    // Store corruption messages may quote a stored record: log the kind only.
    let shown = if text.starts_with("posten i databasen") {
        "posten i databasen är skadad"
    } else {
        text.as_str()
    };
    eprintln!("blankett: personalsidan: {shown}");
    refuse(
        site,
        caller,
        face,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Ett tekniskt fel uppstod. Försök igen om en stund; kvarstår felet, kontakta driften.",
    )
}

/// Runs blocking work (Argon2, intake, image decoding) off the async workers.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    web::block(f)
        .await
        .map_err(|_| "arbetstråden avbröts".to_string())
}

/// A path segment as the client sent it, with `%23` (the `#` of a document key) decoded.
pub fn segment(req: &actix_web::HttpRequest, name: &str) -> String {
    let raw = req.match_info().get(name).unwrap_or_default();
    percent_decode(raw)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex_digit(bytes[i + 1]), hex_digit(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_digit(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// A document key as a path segment (`#` encoded).
pub fn key_path(key: &str) -> String {
    key.replace('%', "%25").replace('#', "%23")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_the_path() {
        for key in ["KL1ABCDEFGHJ", "KL1ABCDEFGHJ#2", "odd%key"] {
            assert_eq!(percent_decode(&key_path(key)), key);
        }
        assert_eq!(percent_decode("abc%2"), "abc%2");
        assert_eq!(percent_decode("%e5"), "\u{fffd}");
    }
}
