//! CSRF protection. After log-in every state-changing request carries the session's token (form field `csrf` or
//! header `X-CSRF-Token`). Before log-in there is no session: the log-in forms use a double submit, a random token
//! in a SameSite=Strict cookie that the form repeats in a hidden field.

use super::session::Caller;
use super::{Face, Site, refuse};
use crate::staff::sessions::tokens_match;
use crate::web::Params;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

pub const HEADER: &str = "x-csrf-token";
pub const FIELD: &str = "csrf";
pub const LOGIN_COOKIE: &str = "blankett_inloggning";
pub const LOGIN_COOKIE_PATH: &str = "/staff/login";

pub const REFUSED: &str = "Begäran saknar giltig säkerhetskod (CSRF) och har inte utförts. Ladda om sidan och försök igen.";

/// 32 random bytes from the operating system's generator, hex.
pub fn fresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    hex::encode(bytes)
}

fn supplied<'a>(req: &'a HttpRequest, params: Option<&'a Params>) -> Option<&'a str> {
    req.headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .or_else(|| params.and_then(|p| p.get(FIELD)))
}

/// Whether the request carries the session's token (header, or the field in `params`).
pub fn token_ok(caller: &Caller, req: &HttpRequest, params: Option<&Params>) -> bool {
    supplied(req, params).is_some_and(|token| tokens_match(token, &caller.session.csrf))
}

/// Checks the session's token; a 403 with a Swedish message otherwise, before anything is changed.
pub fn require(
    site: &Site,
    caller: &Caller,
    req: &HttpRequest,
    params: Option<&Params>,
) -> Result<(), HttpResponse> {
    match supplied(req, params) {
        Some(token) if tokens_match(token, &caller.session.csrf) => Ok(()),
        _ => Err(refuse(
            site,
            Some(caller),
            caller.face,
            StatusCode::FORBIDDEN,
            REFUSED,
        )),
    }
}

/// A form posted from a staff page: its size, then the session's token; its parameters when both are right.
pub fn form(
    site: &Site,
    caller: &Caller,
    req: &HttpRequest,
    body: &[u8],
) -> Result<Params, HttpResponse> {
    if body.len() > super::MAX_FORM {
        return Err(refuse(
            site,
            Some(caller),
            Face::Page,
            StatusCode::PAYLOAD_TOO_LARGE,
            "Formuläret är för stort.",
        ));
    }
    let params = Params::parse(body);
    require(site, caller, req, Some(&params))?;
    Ok(params)
}

/// The double submit of the log-in forms: the cookie and the field agree.
pub fn login_token_ok(req: &HttpRequest, params: &Params) -> bool {
    match (req.cookie(LOGIN_COOKIE), params.get(FIELD)) {
        (Some(cookie), Some(field)) => {
            !cookie.value().is_empty() && tokens_match(cookie.value(), field)
        }
        _ => false,
    }
}

pub fn login_refused(site: &Site) -> HttpResponse {
    refuse(site, None, Face::Page, StatusCode::FORBIDDEN, REFUSED)
}
