//! Headers every answer carries, and the access log.
//!
//! The Content-Security-Policy allows scripts and styles from the site itself only (no inline script or style, no
//! other origin), no framing, and forms posted only back to the site. Scripts may call the site itself (the staff
//! pages' API calls and upload progress). Every answer is `Cache-Control: no-store`
//! unless the handler chose otherwise (the static assets): pages may show typed values, and PDFs carry fresh IDs.
//!
//! Under TLS every answer says `Strict-Transport-Security`, so a browser never falls back to plain HTTP.
//!
//! The framework's own refusals (a body over the limit, a request it cannot read) come as English plain text;
//! they are replaced here by the Swedish page (or `{"fel": ...}` under `/api/`) with every header above. A request
//! whose headers are too long is refused by the HTTP layer before any middleware runs, with an empty 400 and
//! without these headers: actix-http offers no hook for that answer.
//!
//! The access log has the method, the path without its query string, the status and the time taken: never a
//! query string, a body, a header value or a client address.

use super::Site;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use std::time::Instant;

pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                       connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// HSTS for a year, subdomains included.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let site = req.app_data::<web::Data<Site>>().cloned();
    let log = site.as_ref().is_some_and(|s| s.access_log);
    let line = log.then(|| format!("{} {}", req.method(), req.path()));
    let tls = super::staff::over_tls(req.request());
    let res = next.call(req).await?;
    let mut res = match site {
        Some(site) if framework_refusal(&res) => {
            let (req, old) = res.into_parts();
            let answer = super::staff::framework_refusal(&site, &req, old.status());
            ServiceResponse::new(req, answer).map_into_right_body()
        }
        _ => res.map_into_left_body(),
    };
    let h = res.headers_mut();
    if tls {
        set_static(h, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    let set = |h: &mut header::HeaderMap, name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CSP);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(
        h,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        h,
        HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    set(
        h,
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    if let Some(line) = line {
        eprintln!(
            "{line} {} {:.1}ms",
            res.status().as_u16(),
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    Ok::<ServiceResponse<EitherBody<_>>, actix_web::Error>(res)
}

fn set_static(h: &mut header::HeaderMap, name: HeaderName, value: &'static str) {
    h.insert(name, HeaderValue::from_static(value));
}

/// A refusal the framework wrote itself (plain text, in English), before or instead of a handler.
fn framework_refusal<B>(res: &ServiceResponse<B>) -> bool {
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|t| t.starts_with("text/plain"));
    matches!(
        res.status(),
        StatusCode::PAYLOAD_TOO_LARGE | StatusCode::BAD_REQUEST
    ) && plain
}
