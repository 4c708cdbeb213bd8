//! Headers every answer carries, and the access log.
//!
//! The Content-Security-Policy allows scripts and styles from the site itself only (no inline script or style, no
//! other origin), no framing, and forms posted only back to the site. Scripts may call the site itself (the staff
//! pages' API calls and upload progress). Every answer is `Cache-Control: no-store`
//! unless the handler chose otherwise (the static assets): pages may show typed values, and PDFs carry fresh IDs.
//!
//! The access log has the method, the path without its query string, the status and the time taken: never a
//! query string, a body, a header value or a client address.

use super::Site;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use std::time::Instant;

pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                       connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let log = req
        .app_data::<web::Data<Site>>()
        .is_some_and(|s| s.access_log);
    let line = log.then(|| format!("{} {}", req.method(), req.path()));
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
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
    Ok(res)
}
