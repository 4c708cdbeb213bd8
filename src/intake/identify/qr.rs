//! The first strategy: the page stamp from either QR code (a staple, a fold or a torn corner may take one), and
//! the symbol's own orientation tells how the page lies (0, 90, 180 or 270 degrees); the symbols' corners give
//! the alignment its first map.

use crate::formid::PageStamp;
use crate::forms::page;
use crate::intake::decode::ScanPage;
use crate::intake::geometry::PointPair;
use crate::raster::halve;
use image::GrayImage;

/// One decoded page-stamp symbol, with its corners in page-image pixels in the symbol's own order
/// (top-left, top-right, bottom-right, bottom-left as printed).
#[derive(Debug, Clone)]
pub struct QrHit {
    pub stamp: PageStamp,
    pub corners: [(f64, f64); 4],
    /// Which of `page::QR_ZONES` the symbol was printed in.
    pub zone: usize,
}

#[derive(Debug, Clone)]
pub struct Identified {
    pub stamp: PageStamp,
    pub hits: Vec<QrHit>,
    /// Rotation of the printed page in the image, degrees counter-clockwise from upright as the symbol shows it.
    pub rotation_deg: f64,
    /// `rotation_deg` rounded to a quarter turn: 0, 90, 180 or 270.
    pub orientation: u16,
}

#[derive(Debug, Clone)]
pub enum Identification {
    Identified(Identified),
    Unidentified { reason: String },
}

struct Raw {
    text: String,
    corners: [(f64, f64); 4],
}

fn detect(img: &GrayImage, scale: f64, offset: (u32, u32)) -> Vec<Raw> {
    let mut prepared = rqrr::PreparedImage::prepare(img.clone());
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|grid| {
            let corners = grid.bounds.map(|p| {
                (
                    f64::from(p.x) * scale + f64::from(offset.0),
                    f64::from(p.y) * scale + f64::from(offset.1),
                )
            });
            grid.decode().ok().map(|(_, text)| Raw { text, corners })
        })
        .collect()
}

/// Regions of the image where a page-stamp symbol can be: the four corners, since the page may lie any way up.
fn corner_windows(img: &GrayImage, dpi: f32) -> Vec<(u32, u32, u32, u32)> {
    let side = ((62.0 / 25.4) * dpi).round() as u32;
    let (w, h) = img.dimensions();
    let sw = side.min(w);
    let sh = side.min(h);
    vec![
        (w - sw, 0, sw, sh),
        (0, h - sh, sw, sh),
        (0, 0, sw, sh),
        (w - sw, h - sh, sw, sh),
    ]
}

fn read_symbols(page: &ScanPage) -> Vec<Raw> {
    let img = &page.image;
    let mut found = Vec::new();
    for (x, y, w, h) in corner_windows(img, page.dpi) {
        let crop = image::imageops::crop_imm(img, x, y, w, h).to_image();
        let mut hits = detect(&halve(&crop), 2.0, (x, y));
        if !hits.iter().any(|r| PageStamp::decode(&r.text).is_some()) {
            hits = detect(&crop, 1.0, (x, y));
        }
        found.extend(hits);
        // Both symbols of an upright or upside-down page are found in the first two windows.
        if found
            .iter()
            .filter(|r| PageStamp::decode(&r.text).is_some())
            .count()
            >= 2
        {
            return found;
        }
    }
    if found.iter().all(|r| PageStamp::decode(&r.text).is_none()) {
        // A photo or a badly placed scan: the symbols may be anywhere.
        found.extend(detect(&halve(img), 2.0, (0, 0)));
    }
    found
}

pub fn identify(page: &ScanPage) -> Identification {
    let raws = read_symbols(page);
    let (cx, cy) = (
        f64::from(page.image.width()) / 2.0,
        f64::from(page.image.height()) / 2.0,
    );
    let mut hits: Vec<QrHit> = Vec::new();
    for raw in &raws {
        let Some(stamp) = PageStamp::decode(&raw.text) else {
            continue;
        };
        let [tl, tr, _, _] = raw.corners;
        let angle = (tr.1 - tl.1).atan2(tr.0 - tl.0);
        // Symbol centre relative to the image centre, turned back upright: the upper-right one is zone 0.
        let mx = raw.corners.iter().map(|c| c.0).sum::<f64>() / 4.0 - cx;
        let my = raw.corners.iter().map(|c| c.1).sum::<f64>() / 4.0 - cy;
        let (s, c) = (-angle).sin_cos();
        let (ux, uy) = (mx * c - my * s, mx * s + my * c);
        let zone = if ux > 0.0 && uy < 0.0 { 0 } else { 1 };
        if !hits.iter().any(|h| h.zone == zone && h.stamp == stamp) {
            hits.push(QrHit {
                stamp,
                corners: raw.corners,
                zone,
            });
        }
    }
    let Some(first) = hits.first() else {
        let reason = if raws.is_empty() {
            "ingen QR-kod hittades på sidan".to_string()
        } else {
            format!(
                "QR-koden är inte en blankett-kod: {:?}",
                raws[0].text.chars().take(40).collect::<String>()
            )
        };
        return Identification::Unidentified { reason };
    };
    let stamp = first.stamp;
    if let Some(other) = hits.iter().find(|h| h.stamp != stamp) {
        return Identification::Unidentified {
            reason: format!(
                "sidans två QR-koder säger olika: {} och {}",
                stamp.encode(),
                other.stamp.encode()
            ),
        };
    }
    let [tl, tr, ..] = first.corners;
    let rotation = (tr.1 - tl.1).atan2(tr.0 - tl.0).to_degrees();
    // Image y grows downwards, so a symbol turned counter-clockwise on the glass has a negative angle here.
    let ccw = (-rotation).rem_euclid(360.0);
    let orientation = ((ccw / 90.0).round() as u16 % 4) * 90;
    Identification::Identified(Identified {
        stamp,
        hits,
        rotation_deg: ccw,
        orientation,
    })
}

impl Identified {
    /// The QR symbols' corners: where they are on the form and where they were found.
    pub fn qr_pairs(&self) -> Vec<PointPair> {
        // rqrr's corners are those of the module grid as it counts it: the symbol's own top-left corner lies on
        // the symbol's edge, its bottom-right one module outside it (measured against the corner marks, upright
        // and upside down alike: 0.04 mm and 0.9 mm at 300 dpi).
        let module = f64::from(page::QR_SIZE) / 25.0;
        let mut pairs = Vec::new();
        for hit in &self.hits {
            let mm = zone_corners_mm(hit.zone);
            let grow = [(0.0, 0.0), (module, 0.0), (module, module), (0.0, module)];
            for i in 0..4 {
                pairs.push(((mm[i].0 + grow[i].0, mm[i].1 + grow[i].1), hit.corners[i]));
            }
        }
        pairs
    }
}

/// The symbol area in form millimetres, corners in the symbol's own order, for fitting a first transform.
pub fn zone_corners_mm(zone: usize) -> [(f64, f64); 4] {
    let z = page::QR_ZONES[zone.min(1)];
    let (x0, y0, x1, y1) = (
        f64::from(z.x),
        f64::from(z.y),
        f64::from(z.right()),
        f64::from(z.bottom()),
    );
    [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
}
