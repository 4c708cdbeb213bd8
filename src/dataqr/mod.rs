//! The data QR code of a form filled in on screen: the values of a page, carried exactly, so that intake reads
//! such a page without OCR. Encoding ([`encode`]), the payload format ([`page_payload`], [`decode`]) and finding
//! the symbols in an image ([`read_symbols`]); the renderer draws them (`render::filled`), the on-screen form's
//! checks ask whether the values fit, intake reads them.
//!
//! # The data QR code
//! Each page carries its own values, in one or two symbols in `forms::page::DATA_QR_ZONES`. One symbol per page rather
//! than one per document because intake works page by page: every page already names its copy, page and
//! definition in its ID QR code, pages of a fax or a scanner batch arrive shuffled or alone, and a page that is
//! lost or unreadable then costs only its own values. It also keeps each symbol small: a page's values fit in at
//! most two symbols of version 8 (49 modules of 0.5 mm or more), which a 200-dpi scan and a fax both resolve.
//!
//! Text of a symbol: `BKD1:` `i/n:` base45(raw deflate(payload)), where `i/n` numbers the symbol among the page's
//! symbols (`1/1`, or `1/2` and `2/2`: the compressed bytes are cut in two). Every character is in the QR
//! alphanumeric set, so the symbol is dense and any QR reader returns it unchanged as text. The payload, format 1:
//!
//! | bytes | content |
//! |---|---|
//! | 1 | format version, 1 |
//! | 12 | the copy's form ID, compact (`KA17GQ4M2XDP`) |
//! | 2 + 1 | the definition this page is printed from: form code and version |
//! | 1 | the page within that definition (1-based) |
//! | ... | for each field with a value, in layout order: varint field index on the page, then for a comb or text a varint byte length and the UTF-8 text, for a choice a varint bit mask of the ticked options (bit i = option i) |
//!
//! Field and option positions refer to the definition version named in the payload; every version stays in the
//! binary, so a payload is read with the definition it was printed from, and [`decode`] gives back field names
//! and option values. A page without values still gets a symbol: it says "filled in on screen, nothing here".

use crate::formid::{FormCode, FormId};
use crate::forms::layout::{Geometry, PageLayout};
use crate::forms::values::{FieldValue, FormValues};
use crate::forms::{Form, Registry};
use qrcode::{EcLevel, QrCode};

/// The prefix of every data QR symbol; the digit is the format version.
pub const DATA_PREFIX: &str = "BKD1:";
const FORMAT: u8 = 1;
/// QR version 8 has 49 modules: 0.5 mm each in a 24.5 mm symbol.
const MAX_QR_VERSION: i16 = 8;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DataQrError {
    #[error("uppgifterna på sidan ryms inte i datakoden ({0} byte komprimerat)")]
    TooLarge(usize),
    #[error("ingen datakod")]
    Missing,
    #[error("datakoden är inte i ett känt format")]
    Format,
    #[error("datakoden saknar del {0}")]
    MissingPart(usize),
    #[error("datakoden är skadad: {0}")]
    Corrupt(&'static str),
    #[error("datakoden nämner blanketten {0}, som programmet inte känner till")]
    UnknownForm(String),
}

/// The values of one page, as read back from its data QR code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageData {
    pub id: FormId,
    /// The definition the page was printed from, and the page within it.
    pub template: FormCode,
    pub template_page: u32,
    /// The form's name (`klinisk`).
    pub form: String,
    pub version: u32,
    /// Field name to value, only fields that were filled in.
    pub values: FormValues,
}

fn push_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn read_varint(data: &[u8], at: &mut usize) -> Result<u64, DataQrError> {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let byte = *data.get(*at).ok_or(DataQrError::Corrupt("för kort"))?;
        *at += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(DataQrError::Corrupt("för långt tal"))
}

/// The payload bytes of one page (before compression).
pub fn page_payload(id: FormId, form: &Form, page: &PageLayout, values: &FormValues) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.push(FORMAT);
    out.extend_from_slice(id.compact().as_bytes());
    out.extend_from_slice(form.code.code_str().as_bytes());
    out.push(form.code.version as u8);
    out.push(page.page as u8);
    for (index, field) in page.fields.iter().enumerate() {
        let Some(value) = values.get(&field.name) else {
            continue;
        };
        match (&field.geometry, value) {
            (Geometry::Choice { options, .. }, FieldValue::Ticked(ticked)) => {
                let mask = options
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| ticked.contains(&o.value))
                    .fold(0u64, |m, (i, _)| m | (1u64 << (i as u32).min(63)));
                if mask != 0 {
                    push_varint(&mut out, index as u64);
                    push_varint(&mut out, mask);
                }
            }
            (Geometry::Comb { .. } | Geometry::Text { .. }, FieldValue::Text(text))
                if !text.is_empty() =>
            {
                push_varint(&mut out, index as u64);
                push_varint(&mut out, text.len() as u64);
                out.extend_from_slice(text.as_bytes());
            }
            _ => {}
        }
    }
    out
}

/// The symbol for `text` at `level`, if it is version 8 or lower (modules of 0.5 mm or more).
pub fn symbol(text: &str, level: EcLevel) -> Option<QrCode> {
    symbol_within(text, level, MAX_QR_VERSION)
}

/// The symbol for `text` at `level`, if it is version `max_version` or lower.
fn symbol_within(text: &str, level: EcLevel, max_version: i16) -> Option<QrCode> {
    QrCode::with_error_correction_level(text.as_bytes(), level)
        .ok()
        .filter(|c| matches!(c.version(), qrcode::Version::Normal(v) if v <= max_version))
}

/// A page's data QR symbols: their texts with the error correction level each is encoded at.
pub struct Symbols(Vec<(String, EcLevel)>);

impl Symbols {
    /// Each symbol's text with the level it is encoded at, in order.
    pub fn iter(&self) -> impl Iterator<Item = &(String, EcLevel)> {
        self.0.iter()
    }
    pub fn texts(&self) -> Vec<&str> {
        self.0.iter().map(|(t, _)| t.as_str()).collect()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The data QR symbols of one page. The largest modules that hold the values win, since a fax at 98 lines per
/// inch resolves 0.7 mm modules far better than 0.5 mm ones: one symbol at level Q up to version 5, else one at
/// level M up to version 6, else the values split over two symbols at level M, else one at M up to version 8
/// (where the page has room for one only), else level L; at most `room` symbols (what the page's footer leaves
/// room for, `render::filled::max_symbols`). Too much text for that is an error (the on-screen form says which
/// field to shorten before it gets here).
pub fn encode(
    id: FormId,
    form: &Form,
    page: &PageLayout,
    values: &FormValues,
    room: usize,
) -> Result<Symbols, DataQrError> {
    let compressed =
        miniz_oxide::deflate::compress_to_vec(&page_payload(id, form, page, values), 10);
    let plans = [
        (EcLevel::Q, 1, 5),
        (EcLevel::M, 1, 6),
        (EcLevel::M, 2, MAX_QR_VERSION),
        (EcLevel::M, 1, MAX_QR_VERSION),
        (EcLevel::L, 2, MAX_QR_VERSION),
        (EcLevel::L, 1, MAX_QR_VERSION),
    ];
    for (level, n, max_version) in plans {
        if n > room || (n > 1 && compressed.len() < n) {
            continue;
        }
        let size = compressed.len().div_ceil(n).max(1);
        // Deflate output is never empty: there is always a first chunk.
        let texts: Vec<String> = compressed
            .chunks(size)
            .enumerate()
            .map(|(i, chunk)| format!("{DATA_PREFIX}{}/{n}:{}", i + 1, base45_encode(chunk)))
            .collect();
        if texts.len() == n
            && texts
                .iter()
                .all(|t| symbol_within(t, level, max_version).is_some())
        {
            return Ok(Symbols(texts.into_iter().map(|t| (t, level)).collect()));
        }
    }
    Err(DataQrError::TooLarge(compressed.len()))
}

/// Whether a QR symbol's text is a data QR symbol (rather than a page's ID stamp).
pub fn is_data_symbol(text: &str) -> bool {
    text.trim_start().starts_with(DATA_PREFIX)
}

/// The payload bytes of a page from the texts of its data QR symbols, in any order. Texts that are not data
/// symbols are ignored, so all the codes read on a page may be passed.
pub fn decode_payload(texts: &[&str]) -> Result<Vec<u8>, DataQrError> {
    let mut parts: Vec<(usize, usize, Vec<u8>)> = Vec::new();
    for text in texts.iter().map(|t| t.trim()).filter(|t| is_data_symbol(t)) {
        let rest = &text[DATA_PREFIX.len()..];
        let (numbering, data) = rest.split_once(':').ok_or(DataQrError::Format)?;
        let (i, n) = numbering.split_once('/').ok_or(DataQrError::Format)?;
        let i: usize = i.parse().map_err(|_| DataQrError::Format)?;
        let n: usize = n.parse().map_err(|_| DataQrError::Format)?;
        if i == 0 || i > n || n > 9 {
            return Err(DataQrError::Format);
        }
        let bytes = base45_decode(data).ok_or(DataQrError::Corrupt("inte base45"))?;
        if !parts.iter().any(|(j, _, _)| *j == i) {
            parts.push((i, n, bytes));
        }
    }
    let n = parts.first().ok_or(DataQrError::Missing)?.1;
    if parts.iter().any(|(_, m, _)| *m != n) {
        return Err(DataQrError::Format);
    }
    parts.sort_by_key(|(i, _, _)| *i);
    for want in 1..=n {
        if !parts.iter().any(|(i, _, _)| *i == want) {
            return Err(DataQrError::MissingPart(want));
        }
    }
    let compressed: Vec<u8> = parts.into_iter().flat_map(|(_, _, b)| b).collect();
    miniz_oxide::inflate::decompress_to_vec_with_limit(&compressed, 64 * 1024)
        .map_err(|_| DataQrError::Corrupt("kan inte packas upp"))
}

/// Reads a page's values from the texts of its data QR symbols (see the module documentation), with the form
/// definitions in `registry`.
pub fn decode(registry: &Registry, texts: &[&str]) -> Result<PageData, DataQrError> {
    let payload = decode_payload(texts)?;
    if payload.first() != Some(&FORMAT) {
        return Err(DataQrError::Format);
    }
    if payload.len() < 17 {
        return Err(DataQrError::Corrupt("för kort"));
    }
    let id_text = std::str::from_utf8(&payload[1..13]).map_err(|_| DataQrError::Corrupt("id"))?;
    let id = FormId::parse(id_text).map_err(|_| DataQrError::Corrupt("id"))?;
    let code = std::str::from_utf8(&payload[13..15]).map_err(|_| DataQrError::Corrupt("kod"))?;
    let template = FormCode::parse(code, u32::from(payload[15]))
        .map_err(|_| DataQrError::Corrupt("blankettkod"))?;
    let template_page = u32::from(payload[16]);
    let form = registry
        .by_code(&template)
        .ok_or_else(|| DataQrError::UnknownForm(template.to_string()))?;
    let page = form
        .layout
        .pages
        .get((template_page as usize).wrapping_sub(1))
        .ok_or(DataQrError::Corrupt("sidnummer"))?;
    let mut values = FormValues::new();
    let mut at = 17;
    while at < payload.len() {
        let index = read_varint(&payload, &mut at)? as usize;
        let field = page
            .fields
            .get(index)
            .ok_or(DataQrError::Corrupt("fältnummer"))?;
        let value = match &field.geometry {
            Geometry::Choice { options, .. } => {
                let mask = read_varint(&payload, &mut at)?;
                let ticked: Vec<String> = options
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1u64 << (*i as u32).min(63)) != 0)
                    .map(|(_, o)| o.value.clone())
                    .collect();
                FieldValue::Ticked(ticked)
            }
            Geometry::Comb { .. } | Geometry::Text { .. } => {
                let len = read_varint(&payload, &mut at)? as usize;
                let end = at.checked_add(len).ok_or(DataQrError::Corrupt("längd"))?;
                let bytes = payload.get(at..end).ok_or(DataQrError::Corrupt("längd"))?;
                at = end;
                FieldValue::Text(
                    String::from_utf8(bytes.to_vec()).map_err(|_| DataQrError::Corrupt("text"))?,
                )
            }
        };
        values.insert(field.name.clone(), value);
    }
    Ok(PageData {
        id,
        template,
        template_page,
        form: form.name().to_string(),
        version: form.version(),
        values,
    })
}

/// The texts of the data QR symbols in `img`, a grey image around a page's data QR zones (the band from
/// about x 40 to 100 mm, y 260 to 292 mm, or one zone with a few millimetres of margin), for intake.
///
/// rqrr finds finder patterns by run lengths in whole pixels with an integer average, so below about 4.5 pixels a
/// module it misses symbols depending on how the modules fall on the pixel grid: a 0.5–0.75 mm module is 4–6 pixels
/// at 200 dpi and 2–3 after the 2x2 averaging that helps with the page QR codes. The image is therefore first
/// enlarged 2x (bilinear); the image as given and its 2x2 average are tried after, and every symbol found counts.
/// Measured on rendered klinisk pages with payloads from empty to two full symbols, at 200 and 300 dpi: the enlarged
/// image read every symbol, the other two each missed some (`tests/web_dataqr.rs`).
pub fn read_symbols(img: &image::GrayImage) -> Vec<String> {
    let (w, h) = img.dimensions();
    if w < 8 || h < 8 {
        return Vec::new();
    }
    let mut found: Vec<String> = Vec::new();
    let attempts: [&dyn Fn() -> image::GrayImage; 3] = [
        &|| image::imageops::resize(img, w * 2, h * 2, image::imageops::FilterType::Triangle),
        &|| img.clone(),
        &|| crate::raster::halve(img),
    ];
    for attempt in attempts {
        let mut prepared = rqrr::PreparedImage::prepare(attempt());
        for grid in prepared.detect_grids() {
            if let Ok((_, text)) = grid.decode()
                && is_data_symbol(&text)
                && !found.contains(&text)
            {
                found.push(text);
            }
        }
        let texts: Vec<&str> = found.iter().map(String::as_str).collect();
        if decode_payload(&texts).is_ok() {
            break;
        }
    }
    found
}

/// A page's values from an image of its data QR zones (see [`read_symbols`]).
pub fn read_page(registry: &Registry, img: &image::GrayImage) -> Result<PageData, DataQrError> {
    let texts = read_symbols(img);
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    decode(registry, &texts)
}

// -------------------------------------------------------------------------------------------------------- base45

const BASE45: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Base45 (RFC 9285): two bytes to three characters of the QR alphanumeric set.
pub fn base45_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() / 2 * 3 + 2);
    for chunk in data.chunks(2) {
        let (mut n, digits) = match chunk {
            [a, b] => (u32::from(*a) * 256 + u32::from(*b), 3),
            [a] => (u32::from(*a), 2),
            _ => unreachable!("chunks(2)"),
        };
        for _ in 0..digits {
            out.push(char::from(BASE45[(n % 45) as usize]));
            n /= 45;
        }
    }
    out
}

pub fn base45_decode(text: &str) -> Option<Vec<u8>> {
    let values: Vec<u32> = text
        .bytes()
        .map(|b| BASE45.iter().position(|&c| c == b).map(|p| p as u32))
        .collect::<Option<_>>()?;
    let mut out = Vec::with_capacity(values.len() / 3 * 2 + 1);
    for chunk in values.chunks(3) {
        match chunk {
            [c, d, e] => {
                let n = c + d * 45 + e * 45 * 45;
                if n > 0xffff {
                    return None;
                }
                out.push((n >> 8) as u8);
                out.push((n & 0xff) as u8);
            }
            [c, d] => {
                let n = c + d * 45;
                if n > 0xff {
                    return None;
                }
                out.push(n as u8);
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formid::FormId;

    fn klinisk() -> &'static Form {
        Registry::embedded().get("klinisk", None).unwrap()
    }

    #[test]
    fn base45_matches_rfc_9285() {
        assert_eq!(base45_encode(b"AB"), "BB8");
        assert_eq!(base45_encode(b"Hello!!"), "%69 VD92EX0");
        assert_eq!(base45_encode(b"base-45"), "UJCLQE7W581");
        assert_eq!(base45_decode("QED8WEX0").unwrap(), b"ietf!");
        assert_eq!(base45_decode("GGW"), None);
        assert_eq!(base45_decode("a"), None);
        for n in 0..40 {
            let data: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(base45_decode(&base45_encode(&data)).unwrap(), data);
        }
    }

    #[test]
    fn payload_round_trips_exactly() {
        let form = klinisk();
        let id = FormId::generate(form.code);
        let mut values = FormValues::new();
        values.insert(
            "anmalan.typ".into(),
            FieldValue::Ticked(vec!["nytt_fall".into()]),
        );
        values.insert(
            "patient.personnummer".into(),
            FieldValue::Text("198112189876".into()),
        );
        values.insert(
            "patient.namn".into(),
            FieldValue::Text("Åström, Örjan Ève".into()),
        );
        let page = &form.layout.pages[0];
        let symbols = encode(id, form, page, &values, 2).unwrap();
        assert_eq!(symbols.len(), 1);
        let texts = symbols.texts();
        assert!(texts[0].starts_with("BKD1:1/1:"));
        let back = decode(Registry::embedded(), &texts).unwrap();
        assert_eq!(back.id, id);
        assert_eq!(back.form, "klinisk");
        assert_eq!(back.template_page, 1);
        assert_eq!(back.values, values);
    }

    #[test]
    fn long_pages_split_in_two_and_decode_in_any_order() {
        let form = klinisk();
        let id = FormId::generate(form.code);
        let page = &form.layout.pages[1];
        let mut values = FormValues::new();
        values.insert(
            "smitta.kalla".into(),
            FieldValue::Text(
                "Åt kyckling på en restaurang i Bangkok tillsammans med sex kollegor, varav tre också blev sjuka; \
                 restaurangen hette Golden Lotus och låg vid Sukhumvit soi 11, besök den 3 maj"
                    .into(),
            ),
        );
        values.insert(
            "atgarder.ovrigt".into(),
            FieldValue::Text(
                "Patienten arbetar i kök på förskola; avstängd från arbetet tills vidare, kontakt tagen med \
                 arbetsgivaren och miljöförvaltningen i kommunen. Familjen informerad om handhygien."
                    .into(),
            ),
        );
        let symbols = encode(id, form, page, &values, 2).unwrap();
        let symbols = symbols.texts();
        assert_eq!(symbols.len(), 2, "{symbols:?}");
        let texts = [symbols[1], "BK1:something else", symbols[0]];
        let back = decode(Registry::embedded(), &texts).unwrap();
        assert_eq!(back.values, values);
        assert_eq!(
            decode(Registry::embedded(), &[symbols[0]]),
            Err(DataQrError::MissingPart(2))
        );
    }

    #[test]
    fn corrupt_input_is_an_error_not_a_panic() {
        let reg = Registry::embedded();
        assert_eq!(decode(reg, &[]), Err(DataQrError::Missing));
        assert_eq!(decode(reg, &["BK1:xyz"]), Err(DataQrError::Missing));
        assert!(decode(reg, &["BKD1:1/1:"]).is_err());
        assert!(decode(reg, &["BKD1:1/1:%%%%%%"]).is_err());
        assert!(decode(reg, &["BKD1:0/1:AB"]).is_err());
        assert!(decode(reg, &["BKD1:x"]).is_err());
        // Valid base45 and deflate of garbage.
        let junk = miniz_oxide::deflate::compress_to_vec(&[1, 2, 3, 4, 5, 200, 201], 6);
        let text = format!("BKD1:1/1:{}", base45_encode(&junk));
        assert!(decode(reg, &[text.as_str()]).is_err());
    }
}
