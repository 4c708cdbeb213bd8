//! Which pages of the sheets that carry one form ID belong together. A blank photocopied and filled in twice gives
//! two sheets with one ID; their pages arrive one at a time, in any order, across files, and assembly places
//! each where it fits best at that moment, so an early choice can be wrong (page 1 of one writer with page 2 of
//! the other). Whenever a page arrives for an ID with more than one sheet, every arrangement of the pages into
//! the sheets is scored by what the pages show (the writer's ink, stroke and hand, the scan, the form's checks
//! across pages) and the best one is taken. When no arrangement is clearly the best, every sheet on the ID is
//! flagged and its fields are trusted less than a person's look ([`PAIRING_CEILING`]).

use crate::forms::Form;
use crate::store::documents::{Document, DocumentPage, PageFeatures, StoredField};
use crate::validation::{self, Context, FormValues};
use std::collections::{BTreeMap, BTreeSet};

/// The sheets on this ID may be paired wrongly: a person must check which pages belong together.
pub const FLAG_UNSURE_PAIRING: &str = "osaker_parning";
/// No field of a sheet whose pairing is unsure is trusted this much or more: each is looked at.
pub const PAIRING_CEILING: f32 = 0.85;
/// The best arrangement must beat every other by this much (a log-likelihood ratio, natural log) to be taken
/// without a person: about 400 to 1.
pub const CLEAR_MARGIN: f32 = 6.0;
/// More arrangements than this are not searched (many sheets on one ID): the sheets are flagged instead.
const MAX_ARRANGEMENTS: usize = 50_000;

/// How likely a writer measurement is the same on two pages of one sheet against two sheets by different people,
/// as a log-likelihood ratio of a difference: one sheet's pages differ by about `same` (their spread), two
/// writers' by about `apart`. Bounded below so that one odd measurement cannot decide alone.
fn llr(diff: f32, same: f32, apart: f32) -> f32 {
    let d = diff.abs();
    let v = (apart / same).ln() - 0.5 * d * d * (1.0 / (same * same) - 1.0 / (apart * apart));
    v.max(-6.0)
}

/// The spread of each measurement between pages of one sheet and between writers (measured on generated
/// writing through every device model: `cargo run --release --features synth --example pairing_probe`).
struct Spreads {
    darkness: (f32, f32),
    /// Of ln(stroke width).
    stroke: (f32, f32),
    /// Of ln(character height).
    height: (f32, f32),
    slant: (f32, f32),
}

const SPREADS: Spreads = Spreads {
    darkness: (0.05, 0.25),
    stroke: (0.10, 0.35),
    height: (0.06, 0.18),
    slant: (0.04, 0.15),
};

/// How well the writers of two pages match: the sum of each measurement's log-likelihood ratio. Zero when the
/// pages show nothing to compare.
pub fn writer_score(a: &PageFeatures, b: &PageFeatures) -> f32 {
    let mut s = 0.0;
    if let (Some(x), Some(y)) = (a.darkness, b.darkness) {
        s += llr(x - y, SPREADS.darkness.0, SPREADS.darkness.1);
    }
    if let (Some(x), Some(y)) = (a.stroke_mm, b.stroke_mm)
        && x > 0.0
        && y > 0.0
    {
        // A 1-bit page or a page at fax resolution blurs strokes wider: compared only between like scans.
        if a.bilevel == b.bilevel && same_resolution(a, b) {
            s += llr((x / y).ln(), SPREADS.stroke.0, SPREADS.stroke.1);
        }
    }
    if let (Some(x), Some(y)) = (a.height_mm, b.height_mm)
        && x > 0.0
        && y > 0.0
    {
        s += llr((x / y).ln(), SPREADS.height.0, SPREADS.height.1);
    }
    if let (Some(x), Some(y)) = (a.slant, b.slant) {
        s += llr(x - y, SPREADS.slant.0, SPREADS.slant.1);
    }
    s
}

fn same_resolution(a: &PageFeatures, b: &PageFeatures) -> bool {
    a.dpi > 0.0 && b.dpi > 0.0 && (a.dpi / b.dpi).ln().abs() < 0.1
}

/// How well the scans of two pages match: the same kind of scan, and neighbours in one file. Small: pages of one
/// sheet are often scanned together, but a batch may mix them across files and devices.
fn scan_score(a: &DocumentPage, b: &DocumentPage) -> f32 {
    let mut s = 0.0;
    if let (Some(x), Some(y)) = (&a.features, &b.features) {
        s += if x.bilevel != y.bilevel {
            -0.7
        } else if same_resolution(x, y) {
            0.2
        } else {
            -0.4
        };
    }
    if a.source.scan == b.source.scan {
        let (lo, hi) = if a.page < b.page { (a, b) } else { (b, a) };
        s += if hi.source.index == lo.source.index + 1 || lo.source.index == hi.source.index + 1 {
            0.7
        } else {
            0.2
        };
    }
    s
}

/// Each check across pages that fails when two pages are put together (and on neither alone) costs this much.
const CROSS_CHECK_COST: f32 = 2.0;

/// The form's own checks across pages: the rules that fail with the values of both pages together (dates in the
/// wrong order, a supplement that does not fit the diagnosis) and on neither page alone.
fn cross_checks(a: &[(&String, &StoredField)], b: &[(&String, &StoredField)], s: &Scorer) -> usize {
    fn values(fields: &[&[(&String, &StoredField)]]) -> BTreeMap<String, FormValues> {
        let mut out: BTreeMap<String, FormValues> = BTreeMap::new();
        for (name, f) in fields.iter().flat_map(|f| f.iter()) {
            let v: validation::FieldValue = (&f.value).into();
            if !v.is_empty() {
                out.entry(f.form.clone())
                    .or_default()
                    .insert((*name).clone(), v);
            }
        }
        out
    }
    let errors = |v: &BTreeMap<String, FormValues>| -> BTreeSet<(String, String)> {
        validation::check_copy(&s.parts, v, s.ctx)
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    };
    let alone: BTreeSet<_> = errors(&values(&[a]))
        .into_iter()
        .chain(errors(&values(&[b])))
        .collect();
    errors(&values(&[a, b])).difference(&alone).count()
}

/// What the score needs besides the pages.
pub struct Scorer<'a> {
    pub parts: Vec<&'a Form>,
    pub ctx: &'a Context<'a>,
}

/// One page of one sheet, with the fields read from it.
struct Item<'a> {
    page: &'a DocumentPage,
    fields: Vec<(&'a String, &'a StoredField)>,
}

impl Scorer<'_> {
    /// How strongly two pages (of different page numbers) look like one sheet.
    fn pair(&self, a: &Item<'_>, b: &Item<'_>) -> f32 {
        let writer = match (&a.page.features, &b.page.features) {
            (Some(x), Some(y)) => writer_score(x, y),
            _ => 0.0,
        };
        writer + scan_score(a.page, b.page)
            - CROSS_CHECK_COST * cross_checks(&a.fields, &b.fields, self) as f32
    }
}

/// Where each page goes: for each sheet (by index into the documents), the pages it holds, as
/// (document index, page number) of where the page is now.
pub type Arrangement = Vec<Vec<PageAt>>;

/// A page by where it lies now: (document index, page number).
pub type PageAt = (usize, u32);

/// The result of weighing the arrangements of the pages on one ID.
#[derive(Debug, Clone)]
pub struct Weighing {
    /// The best arrangement, the one closest to the present among equally good ones.
    pub best: Arrangement,
    /// How much better it is than the best different arrangement (infinite when there is none).
    pub margin: f32,
    /// Whether `best` differs from how the pages lie now.
    pub changed: bool,
}

/// A partition of pages, independent of which document holds which part.
pub fn partition_key(a: &Arrangement) -> Arrangement {
    let mut parts: Arrangement = a
        .iter()
        .map(|p| {
            let mut p = p.clone();
            p.sort_unstable();
            p
        })
        .filter(|p| !p.is_empty())
        .collect();
    parts.sort();
    parts
}

/// Weighs every arrangement of the pages of `docs` in which the pages of the documents marked `movable` may
/// change sheet (a page keeps its number; a sheet holds at most one page of each number and at least one page)
/// and the others stay. None when there are too many arrangements to weigh.
pub fn weigh(docs: &[Document], movable: &[bool], scorer: &Scorer<'_>) -> Option<Weighing> {
    let items: Vec<Vec<Item<'_>>> = docs
        .iter()
        .map(|d| {
            d.pages
                .values()
                .map(|p| Item {
                    page: p,
                    fields: d.fields.iter().filter(|(_, f)| f.page == p.page).collect(),
                })
                .collect()
        })
        .collect();
    let at = |(d, n): (usize, u32)| -> &Item<'_> {
        items[d]
            .iter()
            .find(|i| i.page.page == n)
            .expect("a page of the arrangement")
    };
    // The pairwise scores, once each.
    let all: Vec<(usize, u32)> = docs
        .iter()
        .enumerate()
        .flat_map(|(d, doc)| doc.pages.keys().map(move |n| (d, *n)))
        .collect();
    let mut pair: BTreeMap<(PageAt, PageAt), f32> = BTreeMap::new();
    for (i, &x) in all.iter().enumerate() {
        for &y in &all[i + 1..] {
            if x.1 != y.1 {
                pair.insert((x, y), scorer.pair(at(x), at(y)));
            }
        }
    }
    let score_of = |a: &Arrangement| -> f32 {
        let mut s = 0.0;
        for sheet in a {
            for (i, x) in sheet.iter().enumerate() {
                for y in &sheet[i + 1..] {
                    s += pair
                        .get(&(*x, *y))
                        .or_else(|| pair.get(&(*y, *x)))
                        .copied()
                        .unwrap_or(0.0);
                }
            }
        }
        s
    };

    // The pages that may move, by number; the sheets they may go to.
    let slots: Vec<usize> = (0..docs.len()).filter(|d| movable[*d]).collect();
    let mut by_number: BTreeMap<u32, Vec<(usize, u32)>> = BTreeMap::new();
    for &d in &slots {
        for n in docs[d].pages.keys() {
            by_number.entry(*n).or_default().push((d, *n));
        }
    }
    let mut count: usize = 1;
    for pages in by_number.values() {
        let k = pages.len();
        let ways: usize = (slots.len() + 1 - k..=slots.len()).product();
        count = count.saturating_mul(ways.max(1));
        if count > MAX_ARRANGEMENTS {
            return None;
        }
    }
    let present: Arrangement = docs
        .iter()
        .enumerate()
        .map(|(d, doc)| doc.pages.keys().map(|n| (d, *n)).collect())
        .collect();
    let numbers: Vec<&Vec<(usize, u32)>> = by_number.values().collect();
    // For each page number, the slot of each of its pages (an injective choice), by odometer.
    // Per partition: its score, the fewest moves that reach it, and that arrangement.
    let mut best: BTreeMap<Arrangement, (f32, (usize, usize), Arrangement)> = BTreeMap::new();
    let mut choice: Vec<Vec<usize>> = numbers.iter().map(|p| (0..p.len()).collect()).collect();
    loop {
        let mut a: Arrangement = docs
            .iter()
            .enumerate()
            .map(|(d, doc)| {
                if movable[d] {
                    Vec::new()
                } else {
                    doc.pages.keys().map(|n| (d, *n)).collect()
                }
            })
            .collect();
        for (pages, slots_of) in numbers.iter().zip(&choice) {
            for (page, s) in pages.iter().zip(slots_of) {
                a[slots[*s]].push(*page);
            }
        }
        if slots.iter().all(|&d| !a[d].is_empty()) {
            // Fewest pages moved; among those, the first pages (the patient's identity) stay where they are,
            // so a document keeps its patient and the later pages come to it.
            let moved: Vec<u32> = a
                .iter()
                .enumerate()
                .flat_map(|(d, sheet)| sheet.iter().filter(move |(from, _)| *from != d))
                .map(|(_, n)| *n)
                .collect();
            let moves = (moved.len(), moved.iter().filter(|n| **n == 1).count());
            let key = partition_key(&a);
            let s = score_of(&a);
            let entry = best.entry(key).or_insert((s, (usize::MAX, 0), Vec::new()));
            if moves < entry.1 {
                *entry = (s, moves, a);
            }
        }
        if !next_choice(&mut choice, slots.len()) {
            break;
        }
    }
    let mut ranked: Vec<(f32, (usize, usize), Arrangement)> = best.into_values().collect();
    ranked.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
    let mut ranked = ranked.into_iter();
    let (top, _, arrangement) = ranked.next()?;
    let margin = ranked.next().map_or(f32::INFINITY, |(s, _, _)| top - s);
    let changed = partition_key(&arrangement) != partition_key(&present);
    Some(Weighing {
        best: arrangement,
        margin,
        changed,
    })
}

/// The next injective choice of slots for every page number (odometer over the numbers, each an injective map
/// of its pages into `slots` slots); false after the last.
fn next_choice(choice: &mut [Vec<usize>], slots: usize) -> bool {
    for c in choice.iter_mut() {
        if next_injection(c, slots) {
            return true;
        }
        // Wrapped: back to the first injection, carry on to the next number.
        for (i, v) in c.iter_mut().enumerate() {
            *v = i;
        }
    }
    false
}

/// The next injective map of `c.len()` items into `0..n` in lexicographic order; false after the last.
fn next_injection(c: &mut [usize], n: usize) -> bool {
    let k = c.len();
    // Find the rightmost position that can be raised to an unused value, then fill the rest with the smallest
    // unused values.
    for i in (0..k).rev() {
        let used: BTreeSet<usize> = c[..i].iter().copied().collect();
        if let Some(v) = (c[i] + 1..n).find(|v| !used.contains(v)) {
            c[i] = v;
            let mut used: BTreeSet<usize> = c[..=i].iter().copied().collect();
            for slot in c.iter_mut().skip(i + 1) {
                let Some(v) = (0..n).find(|v| !used.contains(v)) else {
                    return false;
                };
                *slot = v;
                used.insert(v);
            }
            return true;
        }
    }
    false
}

/// Moves pages (and the fields read from them) between `docs` as `arrangement` says. Returns the indices of the
/// documents that changed.
pub fn rearrange(docs: &mut [Document], arrangement: &Arrangement) -> Vec<usize> {
    let before: Vec<Document> = docs.to_vec();
    let mut changed = Vec::new();
    for (d, sheet) in arrangement.iter().enumerate() {
        let mut now: Vec<(usize, u32)> = sheet.clone();
        now.sort_unstable_by_key(|(_, n)| *n);
        let was: Vec<(usize, u32)> = before[d].pages.keys().map(|n| (d, *n)).collect();
        if now == was {
            continue;
        }
        let doc = &mut docs[d];
        doc.pages.clear();
        doc.fields.clear();
        for &(from, n) in &now {
            if let Some(p) = before[from].pages.get(&n) {
                doc.pages.insert(n, p.clone());
            }
            for (name, f) in before[from].fields.iter().filter(|(_, f)| f.page == n) {
                doc.fields.insert(name.clone(), f.clone());
            }
        }
        changed.push(d);
    }
    changed
}

/// Sets or clears the flag; true when it changed.
pub fn set_flag(doc: &mut Document, flag: &str, on: bool) -> bool {
    let has = doc.flags.iter().any(|f| f == flag);
    if on && !has {
        doc.flags.push(flag.to_string());
        true
    } else if !on && has {
        doc.flags.retain(|f| f != flag);
        true
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injections_are_enumerated_once_each() {
        let mut c = vec![0, 1];
        let mut seen = vec![c.clone()];
        while next_injection(&mut c, 3) {
            seen.push(c.clone());
        }
        assert_eq!(seen.len(), 6, "{seen:?}");
        let unique: BTreeSet<_> = seen.iter().cloned().collect();
        assert_eq!(unique.len(), 6);
        let mut one = vec![0];
        let mut n = 1;
        while next_injection(&mut one, 2) {
            n += 1;
        }
        assert_eq!(n, 2);
    }

    #[test]
    fn the_same_writer_scores_above_another() {
        let a = PageFeatures {
            dpi: 200.0,
            bilevel: false,
            cells: 30,
            marks: 35,
            darkness: Some(0.8),
            stroke_mm: Some(0.4),
            height_mm: Some(5.0),
            slant: Some(0.1),
        };
        let same = PageFeatures {
            darkness: Some(0.78),
            height_mm: Some(5.1),
            ..a.clone()
        };
        let other = PageFeatures {
            darkness: Some(0.45),
            stroke_mm: Some(0.7),
            height_mm: Some(4.0),
            slant: Some(-0.05),
            ..a.clone()
        };
        assert!(writer_score(&a, &same) > 3.0);
        assert!(writer_score(&a, &other) < -10.0);
    }

    fn page(n: u32, scan: &str, index: usize, f: &PageFeatures) -> DocumentPage {
        DocumentPage {
            page: n,
            template: format!("KA1.{n}"),
            source: crate::store::documents::PageRef {
                scan: scan.into(),
                index,
            },
            residual_mm: Some(0.2),
            orientation: 0,
            ink: vec![],
            features: Some(f.clone()),
        }
    }

    fn doc(key: &str, pages: Vec<DocumentPage>) -> Document {
        Document {
            key: key.into(),
            form_id: "KA1-7GQ4-M2XD-P".into(),
            form: "klinisk".into(),
            version: 1,
            pages_total: 2,
            pages: pages.into_iter().map(|p| (p.page, p)).collect(),
            fields: BTreeMap::new(),
            region: None,
            status: crate::store::documents::DocumentStatus::Pending,
            flags: vec![],
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn writer(darkness: f32, height: f32, slant: f32) -> PageFeatures {
        PageFeatures {
            dpi: 200.0,
            bilevel: false,
            cells: 30,
            marks: 30,
            darkness: Some(darkness),
            stroke_mm: Some(0.4),
            height_mm: Some(height),
            slant: Some(slant),
        }
    }

    #[test]
    fn a_wrong_pairing_is_undone_and_a_doubtful_one_is_not_sure() {
        let registry = crate::forms::Registry::embedded();
        let form = registry.get("klinisk", None).unwrap();
        let ctx = Context::now();
        let scorer = Scorer {
            parts: vec![form.as_ref()],
            ctx: &ctx,
        };
        let (a, b) = (writer(0.9, 5.0, 0.15), writer(0.5, 4.0, -0.05));
        // Page 1 of writer A with page 2 of writer B, and the other way round: pages across two files.
        let docs = vec![
            doc("K", vec![page(1, "s1", 0, &a), page(2, "s2", 0, &b)]),
            doc("K#2", vec![page(1, "s2", 1, &b), page(2, "s1", 1, &a)]),
        ];
        let w = weigh(&docs, &[true, true], &scorer).unwrap();
        assert!(w.changed && w.margin >= CLEAR_MARGIN, "{w:?}");
        let mut moved = docs.clone();
        assert_eq!(rearrange(&mut moved, &w.best).len(), 2);
        assert_eq!(moved[0].pages[&2].source.scan, "s1");
        assert_eq!(moved[1].pages[&2].source.scan, "s2");
        // With the first document fixed (being worked on), nothing may move.
        let fixed = weigh(&docs, &[false, true], &scorer).unwrap();
        assert!(!fixed.changed);
        // Two writers who look alike: no pairing is clearly the best.
        let c = writer(0.9, 5.05, 0.16);
        let alike = vec![
            doc("K", vec![page(1, "s1", 0, &a), page(2, "s2", 0, &c)]),
            doc("K#2", vec![page(1, "s2", 1, &c), page(2, "s1", 1, &a)]),
        ];
        let w = weigh(&alike, &[true, true], &scorer).unwrap();
        assert!(w.margin < CLEAR_MARGIN, "{w:?}");
    }
}
