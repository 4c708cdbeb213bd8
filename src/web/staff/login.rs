//! Log-in with username and password, or with the SITHS card's certificate; log-out. Every log-in and log-out is
//! written to the user log, failed log-ins in aggregate per address and name (`staff::failed_logins`): never the
//! password, and for a failed log-in only the name given. Password log-ins are throttled per client address and
//! per (address, name) (`staff::login_throttle`), so a guesser cannot lock the owner out.

use super::session::{Caller, SESSION_COOKIE, cookie, removal};
use super::{Face, MAX_FORM, Site, blocking, csrf, internal, see_other};
use crate::staff::accounts::{Account, LoginError};
use crate::staff::failed_logins::Failure;
use crate::staff::sessions::LoginMethod;
use crate::staff::siths::{self, CertIdentity};
use crate::web::Params;
use crate::web::tls::PeerCertificate;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

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
    let username = params.get("username").unwrap_or_default().to_lowercase();
    // The name as logged and counted: the field is free text.
    let logged: String = username.chars().take(LOGGED_NAME_MAX).collect();
    let client = client_ip(&req);
    if let Err(wait) = site.staff.throttle.check(client, &logged) {
        // Blocked: answered without checking the password, so guessing costs the guesser time, not us Argon2.
        if let Err(e) = site
            .staff
            .failed_logins
            .record(client, &logged, Failure::WhileBlocked)
        {
            return internal(&site, None, Face::Page, &e);
        }
        return too_many(&req, &site, wait, &username);
    }
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
        Ok(account) => {
            site.staff.throttle.succeeded(client, &logged);
            start_session(&req, &site, &account, LoginMethod::Password)
        }
        Err(e) => {
            // Only a wrong password counts towards the block: the others need the right one.
            let wait = match e {
                LoginError::WrongPassword => site.staff.throttle.failed(client, &logged),
                _ => None,
            };
            failed(&req, &site, client, &logged, &e, &username, wait)
        }
    }
}

/// The client's address as the connection gives it (a reverse proxy in front makes every client one address).
fn client_ip(req: &HttpRequest) -> IpAddr {
    req.peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// 429 with the log-in form, the Swedish message and `Retry-After`.
fn too_many(req: &HttpRequest, site: &Site, wait: Duration, username: &str) -> HttpResponse {
    let secs = wait.as_secs().max(1);
    let message = LoginError::Throttled {
        retry_after_secs: secs,
    }
    .to_string();
    let mut res = form(
        req,
        site,
        StatusCode::TOO_MANY_REQUESTS,
        Some(&message),
        username,
    );
    if let Ok(v) = header::HeaderValue::from_str(&secs.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

pub async fn siths(req: HttpRequest, site: web::Data<Site>, body: web::Bytes) -> HttpResponse {
    let params = Params::parse(&body);
    if !csrf::login_token_ok(&req, &params) {
        return csrf::login_refused(&site);
    }
    let client = client_ip(&req);
    let Some(PeerCertificate(der)) = req.conn_data::<PeerCertificate>() else {
        if let Err(e) = site.staff.failed_logins.record(
            client,
            "siths",
            Failure::Refused("inget klientcertifikat"),
        ) {
            return internal(&site, None, Face::Page, &e);
        }
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
            failed(&req, &site, client, &actor, &e, "", None)
        }
    }
}

fn start_session(
    req: &HttpRequest,
    site: &Site,
    account: &Account,
    method: LoginMethod,
) -> HttpResponse {
    // A log-in that cannot be logged does not happen: the session and its entry are one transaction.
    let session =
        match site
            .staff
            .sessions
            .create_logged(&account.username, method, &site.staff.audit)
        {
            Ok(s) => s,
            Err(e) => return internal(site, None, Face::Page, &e),
        };
    let mut res = see_other("/staff/");
    let _ = res.add_cookie(&cookie(req, SESSION_COOKIE, session.id, "/"));
    let _ = res.add_cookie(&removal(req, csrf::LOGIN_COOKIE, csrf::LOGIN_COOKIE_PATH));
    res
}

/// A failed log-in: logged in aggregate, answered 429 when it blocked the client (`wait`), else by its kind.
fn failed(
    req: &HttpRequest,
    site: &Site,
    client: IpAddr,
    actor: &str,
    e: &LoginError,
    username: &str,
    wait: Option<Duration>,
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
        .failed_logins
        .record(client, actor, Failure::Refused(reason))
    {
        return internal(site, None, Face::Page, &err);
    }
    if let Some(wait) = wait {
        return too_many(req, site, wait, username);
    }
    let status = match e {
        LoginError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        LoginError::NotApproved | LoginError::Inactive => StatusCode::FORBIDDEN,
        _ => StatusCode::UNAUTHORIZED,
    };
    form(req, site, status, Some(&e.to_string()), username)
}

pub async fn logout(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
    body: web::Bytes,
) -> HttpResponse {
    let params = Params::parse(&body);
    if let Err(res) = csrf::require(&site, &caller, &req, Some(&params)) {
        return res;
    }
    if let Err(e) =
        site.staff
            .sessions
            .remove_logged(&caller.session.id, caller.username(), &site.staff.audit)
    {
        // The person asked to be logged out, and is: a session left open because the log failed would be worse
        // than a log-out the log lacks. The failure is reported, as the page and on stderr.
        let _ = site.staff.sessions.remove(&caller.session.id);
        eprintln!("blankett: personalsidan: utloggningen kunde inte loggas: {e}");
        let mut res = super::refuse(
            &site,
            None,
            Face::Page,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Du är utloggad, men utloggningen kunde inte skrivas i användarloggen. Kontakta driften.",
        );
        let _ = res.add_cookie(&removal(&req, SESSION_COOKIE, "/"));
        return res;
    }
    let mut res = see_other("/staff/login");
    let _ = res.add_cookie(&removal(&req, SESSION_COOKIE, "/"));
    res
}
