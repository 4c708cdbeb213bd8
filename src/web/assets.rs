//! Static assets served by the binary itself (the network may be closed: no CDN). Their URLs carry a version
//! derived from their content, so browsers may keep them for a year.

use actix_web::{HttpRequest, HttpResponse, http::header};
use std::sync::OnceLock;

const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "stil.css",
        "text/css; charset=utf-8",
        include_bytes!("../../templates/static/stil.css"),
    ),
    (
        "blankett.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../templates/static/blankett.js"),
    ),
    (
        "staff.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../templates/static/staff.js"),
    ),
];

/// A short hash of every asset, appended to their URLs as `?v=`.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        // FNV-1a: stable across builds and platforms, unlike std's hasher.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for (_, _, bytes) in ASSETS {
            for b in bytes.iter() {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("{:012x}", h & 0xffff_ffff_ffff)
    })
}

pub async fn serve(req: HttpRequest) -> HttpResponse {
    let name = req.match_info().get("file").unwrap_or_default();
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, bytes)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, *content_type))
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(*bytes),
        None => HttpResponse::NotFound()
            .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
            .body("Filen finns inte."),
    }
}
