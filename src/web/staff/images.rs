//! Page images and field crops for the verification screen, from the scans as kept under `<data>/scans/`. A page
//! is decoded once and kept in a small in-memory cache, since the screen asks for the page and every field's crop
//! in one go. The images carry personal data: they are answered `no-store` like every staff page, and only
//! after the same region check as the document.

use super::session::Caller;
use super::{Face, Site, blocking, internal, refuse, segment, staff_error};
use crate::intake::decode::{self, Limits};
use crate::staff::StaffError;
use crate::store::documents::Document;
use crate::store::documents::PixelBox;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use image::GrayImage;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Decoded pages kept: a verification screen needs one or two, a few people work at once.
const CACHED_PAGES: usize = 8;
/// Encoded page images kept.
const CACHED_PNGS: usize = 8;
/// Width of the thumbnails of unidentified pages.
const THUMB_WIDTH: u32 = 420;

type PageKey = (String, usize);
/// Scan, page index, orientation, thumbnail.
type PngKey = (String, usize, u16, bool);

#[derive(Default)]
pub struct PageImages {
    decoded: Mutex<VecDeque<(PageKey, Arc<GrayImage>)>>,
    pngs: Mutex<VecDeque<(PngKey, Arc<Vec<u8>>)>>,
}

fn cached<K: PartialEq + Clone, V: Clone>(cache: &Mutex<VecDeque<(K, V)>>, key: &K) -> Option<V> {
    let mut c = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let pos = c.iter().position(|(k, _)| k == key)?;
    let entry = c.remove(pos)?;
    let value = entry.1.clone();
    c.push_front(entry);
    Some(value)
}

fn keep<K, V>(cache: &Mutex<VecDeque<(K, V)>>, key: K, value: V, max: usize) {
    let mut c = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    c.push_front((key, value));
    c.truncate(max);
}

impl PageImages {
    /// The decoded page `index` of the kept scan `sha`, as scanned (not turned).
    pub fn page(
        &self,
        scan_path: PathBuf,
        sha: &str,
        index: usize,
        limits: &Limits,
    ) -> Result<Arc<GrayImage>, String> {
        let key = (sha.to_string(), index);
        if let Some(img) = cached(&self.decoded, &key) {
            return Ok(img);
        }
        let source = decode::open(&scan_path, limits).map_err(|e| e.to_string())?;
        let page = source.page(index).map_err(|e| e.to_string())?;
        let img = Arc::new(page.image);
        keep(&self.decoded, key, img.clone(), CACHED_PAGES);
        Ok(img)
    }

    /// The page as PNG, turned upright (`orientation`: degrees counter-clockwise the page lies in the scan), or
    /// as a thumbnail.
    pub fn png(
        &self,
        scan_path: PathBuf,
        sha: &str,
        index: usize,
        orientation: u16,
        thumbnail: bool,
        limits: &Limits,
    ) -> Result<Arc<Vec<u8>>, String> {
        let key = (sha.to_string(), index, orientation, thumbnail);
        if let Some(png) = cached(&self.pngs, &key) {
            return Ok(png);
        }
        let page = self.page(scan_path, sha, index, limits)?;
        let mut img = upright(&page, orientation);
        if thumbnail && img.width() > THUMB_WIDTH {
            let h = (u64::from(img.height()) * u64::from(THUMB_WIDTH) / u64::from(img.width()))
                .max(1) as u32;
            img = image::imageops::thumbnail(&img, THUMB_WIDTH, h);
        }
        let png = Arc::new(encode_png(&img)?);
        keep(&self.pngs, key, png.clone(), CACHED_PNGS);
        Ok(png)
    }
}

/// Turns a page (or a crop of it) upright: a page lying `orientation` degrees counter-clockwise is turned as much
/// clockwise.
pub fn upright(img: &GrayImage, orientation: u16) -> GrayImage {
    match orientation % 360 {
        90 => image::imageops::rotate90(img),
        180 => image::imageops::rotate180(img),
        270 => image::imageops::rotate270(img),
        _ => img.clone(),
    }
}

pub fn encode_png(img: &GrayImage) -> Result<Vec<u8>, String> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

/// The crop of a field, clamped to the page, turned upright, with a small margin.
pub fn crop(page: &GrayImage, b: PixelBox, orientation: u16) -> GrayImage {
    let margin = 6;
    let x =
        b.x.saturating_sub(margin)
            .min(page.width().saturating_sub(1));
    let y =
        b.y.saturating_sub(margin)
            .min(page.height().saturating_sub(1));
    let w = (b.w + 2 * margin).min(page.width() - x).max(1);
    let h = (b.h + 2 * margin).min(page.height() - y).max(1);
    let part = image::imageops::crop_imm(page, x, y, w, h).to_image();
    upright(&part, orientation)
}

/// The PNG made on a blocking thread, or why not. A scan that does not decode any more is logged by its error,
/// which names pages and formats, never content.
fn image_answer<P: AsRef<Vec<u8>>>(
    site: &Site,
    caller: &Caller,
    result: Result<Result<P, String>, String>,
) -> HttpResponse {
    match result {
        Ok(Ok(png)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "image/png"))
            .body(png.as_ref().clone()),
        Ok(Err(e)) => {
            eprintln!("blankett: bilden kunde inte göras: {e}");
            no_image(site, caller)
        }
        Err(e) => internal(site, Some(caller), Face::Page, &e),
    }
}

fn no_image(site: &Site, caller: &Caller) -> HttpResponse {
    refuse(
        site,
        Some(caller),
        Face::Page,
        StatusCode::NOT_FOUND,
        "Bilden finns inte.",
    )
}

fn open(site: &Site, caller: &Caller, key: &str) -> Result<Document, HttpResponse> {
    super::document::access(site, &caller.account, key)
        .map(|(doc, _)| doc)
        .map_err(|e| staff_error(site, Some(caller), caller.face, e))
}

/// `GET /staff/dokument/{key}/sida/{page}.png`
pub async fn document_page(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
) -> HttpResponse {
    let key = segment(&req, "key");
    let doc = match open(&site, &caller, &key) {
        Ok(d) => d,
        Err(res) => return res,
    };
    let number: u32 = segment(&req, "page").parse().unwrap_or(0);
    let Some(page) = doc.pages.get(&number).cloned() else {
        return no_image(&site, &caller);
    };
    let site2 = site.clone();
    let result = blocking(move || {
        site2.images.png(
            site2.store.scans.path(&page.source.scan),
            &page.source.scan,
            page.source.index,
            page.orientation,
            false,
            &site2.intake.limits,
        )
    })
    .await;
    image_answer(&site, &caller, result)
}

/// `GET /staff/dokument/{key}/falt/{field}.png`
pub async fn field_crop(req: HttpRequest, site: web::Data<Site>, caller: Caller) -> HttpResponse {
    let key = segment(&req, "key");
    let doc = match open(&site, &caller, &key) {
        Ok(d) => d,
        Err(res) => return res,
    };
    let name = segment(&req, "field");
    let Some(field) = doc.fields.get(&name) else {
        return no_image(&site, &caller);
    };
    let Some(page) = doc.pages.get(&field.page).cloned() else {
        return no_image(&site, &caller);
    };
    let b = field.crop;
    let site2 = site.clone();
    let result = blocking(move || {
        let img = site2.images.page(
            site2.store.scans.path(&page.source.scan),
            &page.source.scan,
            page.source.index,
            &site2.intake.limits,
        )?;
        encode_png(&crop(&img, b, page.orientation))
    })
    .await;
    image_answer(&site, &caller, result)
}

/// `GET /staff/oidentifierade/{scan}/{index}.png`: a thumbnail, for pages in the caller's queue only.
pub async fn unidentified_page(
    req: HttpRequest,
    site: web::Data<Site>,
    caller: Caller,
) -> HttpResponse {
    let scan = segment(&req, "scan");
    let index: usize = match segment(&req, "index").parse() {
        Ok(i) => i,
        Err(_) => return no_image(&site, &caller),
    };
    let mine = match site.staff.queues(&site.store).unidentified(&caller.account) {
        Ok(items) => items
            .iter()
            .any(|i| i.page.source.scan == scan && i.page.source.index == index),
        Err(e) => return staff_error(&site, Some(&caller), Face::Page, e),
    };
    if !mine {
        return staff_error(&site, Some(&caller), Face::Page, StaffError::NotFound);
    }
    let site2 = site.clone();
    let result = blocking(move || {
        site2.images.png(
            site2.store.scans.path(&scan),
            &scan,
            index,
            0,
            true,
            &site2.intake.limits,
        )
    })
    .await;
    image_answer(&site, &caller, result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crops_stay_inside_the_page_and_turn_upright() {
        let mut page = GrayImage::from_pixel(100, 50, image::Luma([255]));
        page.put_pixel(90, 5, image::Luma([0]));
        let c = crop(
            &page,
            PixelBox {
                x: 85,
                y: 0,
                w: 40,
                h: 10,
            },
            0,
        );
        assert_eq!((c.width(), c.height()), (21, 22));
        let turned = crop(
            &page,
            PixelBox {
                x: 85,
                y: 0,
                w: 40,
                h: 10,
            },
            90,
        );
        assert_eq!((turned.width(), turned.height()), (22, 21));
        let outside = crop(
            &page,
            PixelBox {
                x: 500,
                y: 500,
                w: 10,
                h: 10,
            },
            0,
        );
        assert!(outside.width() >= 1 && outside.height() >= 1);
    }
}
