//! The session of a request: the cookie, the session it names (unexpired), and the account behind it (still
//! active). Handlers take a [`Caller`]; without one the request never reaches them: pages get a 303 to the log-in
//! page, the API a 401.

use super::{Face, Site, json, see_other};
use crate::staff::accounts::{Account, AccountStatus};
use crate::staff::sessions::Session;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use std::future::{Ready, ready};

pub const SESSION_COOKIE: &str = "blankett_session";

/// The logged-in person (or group account) making the request.
pub struct Caller {
    pub session: Session,
    pub account: Account,
    pub face: Face,
}

impl Caller {
    pub fn username(&self) -> &str {
        &self.account.username
    }
}

impl FromRequest for Caller {
    type Error = actix_web::Error;
    type Future = Ready<Result<Caller, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(resolve(req).map_err(|res| InternalError::from_response("", res).into()))
    }
}

fn resolve(req: &HttpRequest) -> Result<Caller, HttpResponse> {
    let face = Face::of(req.path());
    let Some(site) = req.app_data::<web::Data<Site>>() else {
        return Err(HttpResponse::InternalServerError().finish());
    };
    let Some(cookie) = req.cookie(SESSION_COOKIE) else {
        return Err(no_session(face));
    };
    let staff = &site.staff;
    let session = match staff
        .sessions
        .get(cookie.value(), staff.settings.session_idle)
    {
        Ok(Some(s)) => s,
        Ok(None) => return Err(no_session(face)),
        Err(e) => return Err(super::internal(site, None, face, &e)),
    };
    let account = match staff.accounts.get(&session.username) {
        Ok(Some(a)) if a.status == AccountStatus::Active => a,
        Ok(_) => {
            // Deactivated (or removed) since logging in: the session ends now.
            let _ = staff.sessions.remove(&session.id);
            return Err(no_session(face));
        }
        Err(e) => return Err(super::internal(site, None, face, &e)),
    };
    Ok(Caller {
        session,
        account,
        face,
    })
}

fn no_session(face: Face) -> HttpResponse {
    match face {
        Face::Page => see_other("/staff/login"),
        Face::Api => json(
            StatusCode::UNAUTHORIZED,
            &serde_json::json!({ "fel": "Du är inte inloggad. Logga in på /staff/login." }),
        ),
    }
}

/// True when the request came over TLS: cookies are then `Secure`.
pub fn over_tls(req: &HttpRequest) -> bool {
    req.connection_info().scheme() == "https"
}

/// A cookie for the staff side: HttpOnly, SameSite=Strict, Secure under TLS.
pub fn cookie<'c>(req: &HttpRequest, name: &'c str, value: String, path: &'c str) -> Cookie<'c> {
    Cookie::build(name, value)
        .path(path)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(over_tls(req))
        .finish()
}

/// The same cookie, expired.
pub fn removal<'c>(req: &HttpRequest, name: &'c str, path: &'c str) -> Cookie<'c> {
    let mut c = cookie(req, name, String::new(), path);
    c.make_removal();
    c
}
