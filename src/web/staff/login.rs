//! Log-in with username and password, or with the SITHS card's certificate; log-out. Every log-in, failed
//! log-in and log-out is written to the user log: never the password, and for a failed log-in only the name given.

use super::session::{Caller, SESSION_COOKIE, cookie, removal};
use super::{Face, MAX_FORM, Site, blocking, csrf, internal, see_other};
use crate::staff::accounts::{Account, LoginError};
use crate::staff::audit::LogKind;
use crate::staff::sessions::LoginMethod;
use crate::staff::siths::{self, CertIdentity};
use crate::web::Params;
use crate::web::tls::PeerCertificate;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

pub const NO_CARD: &str =
    "Inget SITHS-kort hittades. Sätt i kortet och välj certifikatet med ditt HSA-id.";

/// Longest username written to the log for a failed log-in (the field is free text).
const LOGGED_NAME_MAX: usize = 64;

pub async fn show(req: HttpRequest, site: web::Data<Site>) -> HttpResponse {
    form(&req, &site, StatusCode::OK, None, "")
}

/// The log-in page with a fresh double-submit token in its cookie and its forms.
fn form(
    req: &HttpRequest,
    site: &Site,
    status: StatusCode,
    error: Option<&str>,
    username: &str,
) -> HttpResponse {
    let token = csrf::fresh_token();
    let mut ctx = tera::Context::new();
    ctx.insert("login_csrf", &token);
    ctx.insert("error", &error);
    ctx.insert("username", username);
    ctx.insert("tls", &super::session::over_tls(req));
    let mut res = site
        .staff_views
        .page(site, None, status, "staff/login.html", &mut ctx);
    let _ = res.add_cookie(&cookie(
        req,
        csrf::LOGIN_COOKIE,
        token,
        csrf::LOGIN_COOKIE_PATH,
    ));
    res
}

pub async fn password(req: HttpRequest, site: web::Data<Site>, body: web::Bytes) -> HttpResponse {
    if body.len() > MAX_FORM {
        return csrf::login_refused(&site);
    }
    let params = Params::parse(&body);
    if !csrf::login_token_ok(&req, &params) {
        return csrf::login_refused(&site);
    }
    let username = params
        .get("username")
        .unwrap_or_default()
        .to_lowercase();
    // Untrimmed: spaces may be part of a password.
    let password = params
        .0
        .iter()
        .find(|(k, _)| k == "password")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let accounts = site.staff.accounts.clone();
    let name = username.clone();
    let outcome = match blocking(move || accounts.login_password(&name, &password)).await {
        Ok(o) => o,
        Err(e) => return internal(&site, None, Face::Page, &e),
    };
    match outcome {
        Ok(account) => start_session(&req, &site, &account, LoginMethod::Password),
        Err(e) => {
            let logged: String = username.chars().take(LOGGED_NAME_MAX).collect();
            failed(&req, &site, &logged, &e, &username)
        }
    }
}

pub async fn siths(req: HttpRequest, site: web::Data<Site>, body: web::Bytes) -> HttpResponse {
    let params = Params::parse(&body);
    if !csrf::login_token_ok(&req, &params) {
        return csrf::login_refused(&site);
    }
    let Some(PeerCertificate(der)) = req.conn_data::<PeerCertificate>() else {
        let _ = site.staff.audit.append(
            LogKind::User,
            "siths",
            "login_failed",
            None,
            None,
            "inget klientcertifikat",
        );
        return form(&req, &site, StatusCode::UNAUTHORIZED, Some(NO_CARD), "");
    };
    let identity = siths::identity_from_der(der);
    match site.staff.accounts.login_certificate(&identity) {
        Ok(account) => start_session(&req, &site, &account, LoginMethod::Siths),
        Err(e) => {
            // The HSA-id names a person's card, not the person: it may be logged. A personnummer never is.
            let actor = match &identity {
                CertIdentity::HsaId(h) => h.chars().take(LOGGED_NAME_MAX).collect(),
                CertIdentity::Personnummer => "siths (personnummer-certifikat)".to_string(),
                CertIdentity::Missing => "siths (utan HSA-id)".to_string(),
            };
            failed(&req, &site, &actor, &e, "")
        }
    }
}

fn start_session(
    req: &HttpRequest,
    site: &Site,
    account: &Account,
    method: LoginMethod,
) -> HttpResponse {
    let session = match site.staff.sessions.create(&account.username, method) {
        Ok(s) => s,
        Err(e) => return internal(site, None, Face::Page, &e),
    };
    let how = match method {
        LoginMethod::Password => "lösenord",
        LoginMethod::Siths => "SITHS-kort",
    };
    if let Err(e) =
        site.staff
            .audit
            .append(LogKind::User, &account.username, "login", None, None, how)
    {
        // A log-in that cannot be logged does not happen.
        let _ = site.staff.sessions.remove(&session.id);
        return internal(site, None, Face::Page, &e);
    }
    let mut res = see_other("/staff/");
    let _ = res.add_cookie(&cookie(req, SESSION_COOKIE, session.id, "/"));
    let _ = res.add_cookie(&removal(req, csrf::LOGIN_COOKIE, csrf::LOGIN_COOKIE_PATH));
    res
}

fn failed(
    req: &HttpRequest,
    site: &Site,
    actor: &str,
    e: &LoginError,
    username: &str,
) -> HttpResponse {
    let reason = match e {
        LoginError::WrongPassword => "fel användarnamn eller lösenord",
        LoginError::Throttled { .. } => "spärrad efter för många försök",
        LoginError::NotApproved => "kontot är inte godkänt",
        LoginError::Inactive => "kontot är inaktiverat",
        LoginError::PersonnummerCertificate => "certifikat med personnummer",
        LoginError::NoHsaId => "certifikat utan HSA-id",
        LoginError::UnknownHsaId(_) => "okänt HSA-id",
    };
    if let Err(err) = site
        .staff
        .audit
        .append(LogKind::User, actor, "login_failed", None, None, reason)
    {
        return internal(site, None, Face::Page, &err);
    }
    let status = match e {
        LoginError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        LoginError::NotApproved | LoginError::Inactive => StatusCode::FORBIDDEN,
        _ => StatusCode::UNAUTHORIZED,
    };
    form(req, site, status, Some(&e.to_string()), username)
}

pub async fn logout(req: HttpRequest, site: web::Data<Site>, caller: Caller, body: web::Bytes) -> HttpResponse {
    let params = Params::parse(&body);
    if let Err(res) = csrf::require(&site, &caller, &req, Some(&params)) {
        return res;
    }
    if let Err(e) = site.staff.sessions.remove(&caller.session.id) {
        return internal(&site, Some(&caller), Face::Page, &e);
    }
    let _ = site.staff.audit.append(
        LogKind::User,
        caller.username(),
        "logout",
        None,
        None,
        "",
    );
    let mut res = see_other("/staff/login");
    let _ = res.add_cookie(&removal(&req, SESSION_COOKIE, "/"));
    res
}
