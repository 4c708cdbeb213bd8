//! Forms filled in on the public site's screen: printed with the values and their data QR codes, then scanned by
//! a device. Intake must read them exactly, from the data QR code.

use super::degrade::{self, Quality};
use super::pack::{self, FileFormat, PageCodec};
use super::scenario::{SOURCE_DPI, SynthError};
use super::{raster, sub_rng, values};
use crate::domain::regions::Region;
use crate::formid::FormId;
use crate::forms::Form;
use crate::render::{Copy, Renderer};
use crate::validation::FormValues;

/// One copy filled in on screen and scanned.
pub struct OnScreen {
    pub id: FormId,
    /// What was typed, field by field.
    pub values: FormValues,
    /// The scanner's PDF.
    pub file: Vec<u8>,
}

/// Values for `form` drawn from `(seed, stream)`, printed with their data QR code and scanned by `quality`. Long
/// free text does not fit in the data QR code (the on-screen form asks to shorten it), so values are drawn again
/// until they fit.
pub fn scan(
    renderer: &Renderer,
    form: &Form,
    region: &Region,
    quality: Quality,
    seed: u64,
    stream: u64,
) -> Result<OnScreen, SynthError> {
    // From the seed, so that a test or a benchmark run is the same every time.
    let id = super::scenario::seeded_id(form, &mut sub_rng(seed, stream.wrapping_add(1 << 40)));
    let copy = Copy {
        id,
        parts: vec![form],
        region,
    };
    let mut last = None;
    for attempt in 0..50u64 {
        let mut rng = sub_rng(seed, stream.wrapping_mul(64).wrapping_add(attempt));
        let truth = values::generate(form, &values::Options::default(), &mut rng);
        let typed = values::to_form_values(&truth);
        let all = std::iter::once((form.name().to_string(), typed.clone())).collect();
        let pdf = match renderer.render_filled(&copy, &all) {
            Ok(pdf) => pdf,
            Err(e) => {
                last = Some(e);
                continue;
            }
        };
        let pages: Vec<_> = raster::rasterise(&pdf, SOURCE_DPI)?
            .iter()
            .map(|img| {
                let params = quality.params(&mut rng);
                let scan = degrade::degrade(img, SOURCE_DPI as f32, &params, &mut rng);
                let codec = FileFormat::Pdf.codec(scan.bilevel, PageCodec::Jpeg(75));
                pack::encode_page(&scan, codec)
            })
            .collect();
        return Ok(OnScreen {
            id,
            values: typed,
            file: pack::pdf(&pages)?,
        });
    }
    Err(last.map_or(SynthError::NoQuality, SynthError::Render))
}
