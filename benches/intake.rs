//! Intake accuracy and speed over generated scans: `cargo bench --bench intake` (feature `synth`).
//!
//! Fills in copies of the forms, scans them with every kind of device the synth module models, takes them in
//! through the real pipeline (real sled, real Tesseract, real decoders) and scores what was read against the
//! truth, in three sections, evidence first:
//! 1. **Real people's digits never seen in training**: the digits in the combs are from the validation part of
//!    `data/handwriting`, through every device including phone photos (letters are the held-out style's and
//!    are not scored here). `BENCH_REAL_DOCS` copies per device (default 30; 0 skips).
//! 2. **A generated writing style held out of training** (humor-sans), all handwritten. `BENCH_HELD_DOCS`
//!    (default 20; 0 skips).
//! 3. **Every source, half typed** (like the training data: speed, ticks, identification, typed digits, forms
//!    filled on screen). `BENCH_DOCS` (default 35), `BENCH_TYPED` (share typed, default 0.5), `BENCH_SOURCES`
//!    (hand sources), `BENCH_DATAQR_DOCS` (forms filled on screen per device, default 8).
//!
//! Also `BENCH_SEED` (default 7), `BENCH_QUALITIES` (e.g. `fax_normal,copy`; photos run in section 1, and in
//! the others when named), `BENCH_VERBOSE=1` (every wrong field), `BENCH_DUMP=DIR` (overlays of bad pages, and
//! the generated scans). Figures are reported, not asserted (timing belongs to benchmarks; the tests assert
//! accuracy on smaller batches).

use blankett::forms::Registry;
use blankett::forms::definition::Charset;
use blankett::forms::layout::Geometry;
use blankett::intake::pipeline::Intake;
use blankett::store::Store;
use blankett::store::documents::{PageOutcome, Value};
use blankett::store::scans::sha256_hex;
use blankett::synth::degrade::Quality;
use blankett::synth::scenario::{self, GeneratedBatch, IdMode, Spec};
use blankett::synth::values::Value as TruthValue;
use std::collections::HashMap;
use std::time::Instant;

#[derive(Default, Debug)]
struct Score {
    pages: usize,
    identified: usize,
    misassigned: usize,
    ticks: usize,
    ticks_right: usize,
    typed_digit_fields: usize,
    typed_digit_right: usize,
    hand_digit_fields: usize,
    hand_digit_right: usize,
    hand_digit_chars: usize,
    hand_digit_chars_right: usize,
    hand_letter_fields: usize,
    hand_letter_right: usize,
    /// Handwritten text combs (names, places, clinics, laboratories, identifiers: letters and digits admitted).
    hand_text_fields: usize,
    hand_text_right: usize,
    /// Handwritten digit fields at >= 0.9, and how many of them wrong.
    hand_digit_confident: usize,
    hand_digit_confident_wrong: usize,
    fields: usize,
    confident_wrong: usize,
    confident: usize,
    /// (scan sha, page index, form, version, template page) -> fields wrong on it, for BENCH_DUMP.
    wrong_on_page: HashMap<(String, usize, String, u32, usize), usize>,
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn truth_text(v: Option<&TruthValue>) -> String {
    match v {
        // As the contract reads a comb: an empty cell between written ones is one space, none at the ends.
        Some(TruthValue::Text(t)) => t.split_whitespace().collect::<Vec<_>>().join(" "),
        _ => String::new(),
    }
}

fn truth_ticks(v: Option<&TruthValue>) -> Vec<String> {
    match v {
        Some(TruthValue::Choices(c)) => c.clone(),
        _ => Vec::new(),
    }
}

fn score(batch: &GeneratedBatch, store: &Store, registry: &Registry, s: &mut Score) {
    let shas: HashMap<&str, String> = batch
        .files
        .iter()
        .map(|(n, b)| (n.as_str(), sha256_hex(b)))
        .collect();
    for doc in &batch.truth {
        let mut placed_in = None;
        let mut all_placed = true;
        for page in &doc.pages {
            s.pages += 1;
            match store
                .documents
                .outcome(&shas[page.file.as_str()], page.index)
                .expect("store")
            {
                Some(PageOutcome::Placed { document, page: n }) => {
                    let stored = store
                        .documents
                        .get(&document)
                        .expect("store")
                        .expect("document");
                    if stored.form_id != doc.form_id || n != page.page {
                        s.misassigned += 1;
                        all_placed = false;
                    } else {
                        s.identified += 1;
                        placed_in = Some(stored);
                    }
                }
                other => {
                    all_placed = false;
                    if std::env::var_os("BENCH_VERBOSE").is_some() {
                        println!(
                            "  page  {} {} p{} of {}: {other:?}",
                            page.quality.name(),
                            page.file,
                            page.index + 1,
                            doc.form_id
                        );
                    }
                }
            }
        }
        let (Some(stored), true) = (placed_in, all_placed) else {
            continue;
        };
        let typed = doc.writer.starts_with("typed");
        for part in &doc.parts {
            let form = registry.get(&part.form, Some(part.version)).expect("form");
            for field in form.layout.pages.iter().flat_map(|p| &p.fields) {
                let Some(read) = stored.fields.get(&field.name) else {
                    continue;
                };
                let truth = part.values.get(&field.name);
                let right = match (&field.geometry, &read.value) {
                    (Geometry::Choice { options, .. }, Value::Ticked(got)) => {
                        let want = truth_ticks(truth);
                        for o in options {
                            s.ticks += 1;
                            if want.contains(&o.value) == got.contains(&o.value) {
                                s.ticks_right += 1;
                            } else if std::env::var_os("BENCH_VERBOSE").is_some() {
                                let kind = doc
                                    .marks
                                    .iter()
                                    .find(|m| m.field == field.name && m.value == o.value)
                                    .map(|m| format!("{:?}", m.kind));
                                println!(
                                    "  tick  {:<28} {:<14} want {} got {} conf {:.2} mark {kind:?} {} {:?}",
                                    field.name,
                                    o.value,
                                    want.contains(&o.value),
                                    got.contains(&o.value),
                                    read.confidence,
                                    doc.pages[0].quality.name(),
                                    read.notes
                                );
                            }
                        }
                        let mut a = want.clone();
                        let mut b = got.clone();
                        a.sort();
                        b.sort();
                        a == b
                    }
                    (Geometry::Comb { charset, .. }, Value::Text(got)) => {
                        let want = truth_text(truth);
                        let ok = *got == want;
                        if !ok && std::env::var_os("BENCH_VERBOSE").is_some() {
                            println!(
                                "  wrong {:<28} want {want:<14} got {got:<14} conf {:.2} {} {} {:?}",
                                field.name,
                                read.confidence,
                                doc.writer,
                                doc.pages[0].quality.name(),
                                read.notes
                            );
                        }
                        if !want.is_empty() {
                            match (charset, typed) {
                                (Charset::Digits, true) => {
                                    s.typed_digit_fields += 1;
                                    s.typed_digit_right += usize::from(ok);
                                }
                                (Charset::Digits, false) => {
                                    s.hand_digit_fields += 1;
                                    s.hand_digit_right += usize::from(ok);
                                    if read.confidence >= 0.9 {
                                        s.hand_digit_confident += 1;
                                        s.hand_digit_confident_wrong += usize::from(!ok);
                                    }
                                    s.hand_digit_chars += want.chars().count();
                                    s.hand_digit_chars_right += want
                                        .chars()
                                        .zip(got.chars())
                                        .filter(|(a, b)| a == b)
                                        .count();
                                }
                                (Charset::Letters, false) => {
                                    s.hand_letter_fields += 1;
                                    s.hand_letter_right += usize::from(ok);
                                }
                                (Charset::Text, false) => {
                                    s.hand_text_fields += 1;
                                    s.hand_text_right += usize::from(ok);
                                }
                                _ => {}
                            }
                        }
                        ok
                    }
                    // Free text is left to people: not scored.
                    _ => continue,
                };
                s.fields += 1;
                if !right && let Some(p) = doc.pages.iter().find(|p| p.page == read.page) {
                    {
                        *s.wrong_on_page
                            .entry((
                                shas[p.file.as_str()].clone(),
                                p.index,
                                p.form.clone(),
                                part.version,
                                p.template_page,
                            ))
                            .or_default() += 1;
                    }
                }
                if read.confidence >= 0.9 {
                    s.confident += 1;
                    if !right {
                        s.confident_wrong += 1;
                    }
                }
            }
        }
    }
}

/// Draws every box of the pages with three or more wrong fields where the alignment puts it (before the local
/// re-fit), for looking at: `BENCH_DUMP=/tmp/dump`.
fn dump(store: &Store, registry: &Registry, dir: &std::path::Path, s: &Score) {
    use blankett::intake::{align, decode, identify};
    std::fs::create_dir_all(dir).expect("dump dir");
    for ((sha, index, form, version, template_page), wrong) in &s.wrong_on_page {
        if *wrong < env("BENCH_DUMP_MIN", 3) {
            continue;
        }
        let Ok(source) = decode::open(&store.scans.path(sha), &decode::Limits::default()) else {
            continue;
        };
        let Ok(page) = source.page(*index) else {
            continue;
        };
        let identify::Identification::Identified(id) = identify::identify(&page) else {
            println!("  dump {sha:.8}:{index}: not identified by QR");
            continue;
        };
        let al = match align::align(&page, &id.qr_pairs()) {
            Ok(a) => a,
            Err(e) => {
                println!("  dump {sha:.8}:{index}: {e}");
                continue;
            }
        };
        let mut img = image::DynamicImage::ImageLuma8(page.image.clone()).to_rgb8();
        let f = registry.get(form, Some(*version)).expect("form");
        for field in &f.layout.pages[template_page - 1].fields {
            for r in field.boxes() {
                for k in 0..=40 {
                    let t = k as f64 / 40.0;
                    for (x, y) in [
                        (r.x as f64 + t * r.w as f64, r.y as f64),
                        (r.x as f64 + t * r.w as f64, (r.y + r.h) as f64),
                        (r.x as f64, r.y as f64 + t * r.h as f64),
                        ((r.x + r.w) as f64, r.y as f64 + t * r.h as f64),
                    ] {
                        let (px, py) = al.transform.apply(x, y);
                        if px >= 0.0
                            && py >= 0.0
                            && (px as u32) < img.width()
                            && (py as u32) < img.height()
                        {
                            img.put_pixel(px as u32, py as u32, image::Rgb([255, 0, 0]));
                        }
                    }
                }
            }
        }
        let name = dir.join(format!("{}-{index}-{form}-p{template_page}.png", &sha[..8]));
        img.save(&name).expect("save dump");
        println!(
            "  dump {} wrong {wrong} residual {:.2} mm marks {} orient {} dpi {} qr zones {:?} corners {:?}",
            name.display(),
            al.residual_mm,
            al.marks_found,
            id.orientation,
            page.dpi,
            id.hits.iter().map(|h| h.zone).collect::<Vec<_>>(),
            id.hits.iter().map(|h| h.corners).collect::<Vec<_>>(),
        );
    }
}

/// Forms filled in on screen, printed with their data QR code, scanned by `quality` and taken in: every field must
/// come back exactly as typed. Returns (documents exactly right, documents, fields right, fields).
fn data_qr_row(
    quality: Quality,
    docs: usize,
    seed: u64,
    registry: &'static Registry,
) -> (usize, usize, usize, usize) {
    use blankett::domain::regions::Regions;
    use blankett::render::Renderer;
    use blankett::synth::onscreen;
    let renderer = Renderer::new(registry);
    let regions = Regions::embedded();
    let region = regions.get("01").expect("region 01");
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("store");
    let intake = Intake::new(store.clone());
    let forms = ["klinisk", "klinisk-sti", "paragraf-ovrig"];
    let mut expected = Vec::new();
    for i in 0..docs {
        let form = registry.get(forms[i % forms.len()], None).expect("form");
        let copy = onscreen::scan(&renderer, form, region, quality, seed, 5_000_000 + i as u64)
            .expect("a form filled on screen");
        intake
            .take_in(&format!("dataqr-{i}.pdf"), &copy.file, &|_, _| {})
            .expect("intake");
        expected.push((copy.id, copy.values));
    }
    let (mut docs_right, mut fields_right, mut fields) = (0, 0, 0);
    for (id, typed) in &expected {
        let found = store.documents.with_id(&id.compact()).expect("store");
        let Some(doc) = found.first() else {
            fields += typed.len();
            continue;
        };
        let mut all_right = doc.missing_pages().is_empty();
        for (name, want) in typed {
            fields += 1;
            let got = doc.fields.get(name);
            let ok = got.is_some_and(|f| {
                blankett::validation::FieldValue::from(&f.value) == *want
                    && f.source == blankett::store::documents::Source::DataQr
            });
            fields_right += usize::from(ok);
            all_right &= ok;
            if !ok && std::env::var_os("BENCH_VERBOSE").is_some() {
                println!(
                    "  dataqr {} {name}: want {want:?} got {:?}",
                    id,
                    got.map(|f| (&f.value, f.source))
                );
            }
        }
        docs_right += usize::from(all_right);
    }
    (docs_right, expected.len(), fields_right, fields)
}

fn pct(a: usize, b: usize) -> String {
    if b == 0 {
        "-".into()
    } else {
        format!("{:.2} % ({a}/{b})", 100.0 * a as f64 / b as f64)
    }
}

/// One part of the benchmark: who writes, on which devices, how many copies.
struct Section {
    title: &'static str,
    docs: usize,
    qualities: Vec<Quality>,
    typed_rate: f32,
    sources: Vec<blankett::synth::hand::HandSource>,
    real_digits: bool,
    seed: u64,
}

/// Runs a section: generates, takes in and scores every device's batch; prints a row per device.
fn run(section: &Section, registry: &'static Registry) -> (Score, f64) {
    let all = Quality::ALL;
    let mut total = Score::default();
    let mut seconds = 0.0;
    println!("\n## {}", section.title);
    for q in &section.qualities {
        let i = all.iter().position(|a| a == q).unwrap_or(0);
        let spec = Spec {
            documents: section.docs,
            forms: vec![
                "klinisk".into(),
                "klinisk-sti".into(),
                "paragraf-ovrig".into(),
            ],
            qualities: vec![*q],
            typed_rate: section.typed_rate,
            sources: section.sources.clone(),
            real_digits: section.real_digits,
            shuffle: true,
            pages_per_file: Some(12),
            prefix: q.name().to_string(),
            ids: IdMode::Seeded,
            ..Spec::default()
        };
        let t = Instant::now();
        let batch = scenario::generate(section.seed + i as u64, &spec).expect("generate");
        let generation = t.elapsed().as_secs_f64();
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("store");
        let intake = Intake::new(store.clone());
        let t = Instant::now();
        for (name, bytes) in &batch.files {
            intake.take_in(name, bytes, &|_, _| {}).expect("intake");
        }
        let elapsed = t.elapsed().as_secs_f64();
        let mut s = Score::default();
        score(&batch, &store, registry, &mut s);
        if let Ok(dir) = std::env::var("BENCH_DUMP") {
            dump(&store, registry, std::path::Path::new(&dir), &s);
            // The scans as generated, to look at a page again (examples/intake_probe).
            for (name, bytes) in &batch.files {
                std::fs::write(std::path::Path::new(&dir).join(name), bytes).expect("write scan");
            }
        }
        seconds += elapsed;
        println!(
            "{:<10} pages {:>4}  identified {:<22} misassigned {:>2}  ticks {:<24} typed digits {:<20} hand digits {:<20} (chars {:<20}) hand letters {:<20} {:>6.0} pages/min (generation {:.0} s)",
            q.name(),
            s.pages,
            pct(s.identified, s.pages),
            s.misassigned,
            pct(s.ticks_right, s.ticks),
            pct(s.typed_digit_right, s.typed_digit_fields),
            pct(s.hand_digit_right, s.hand_digit_fields),
            pct(s.hand_digit_chars_right, s.hand_digit_chars),
            pct(s.hand_letter_right, s.hand_letter_fields),
            s.pages as f64 / elapsed * 60.0,
            generation,
        );
        total.add(&s);
    }
    (total, seconds)
}

impl Score {
    fn add(&mut self, s: &Score) {
        self.pages += s.pages;
        self.identified += s.identified;
        self.misassigned += s.misassigned;
        self.ticks += s.ticks;
        self.ticks_right += s.ticks_right;
        self.typed_digit_fields += s.typed_digit_fields;
        self.typed_digit_right += s.typed_digit_right;
        self.hand_digit_fields += s.hand_digit_fields;
        self.hand_digit_right += s.hand_digit_right;
        self.hand_digit_chars += s.hand_digit_chars;
        self.hand_digit_chars_right += s.hand_digit_chars_right;
        self.hand_letter_fields += s.hand_letter_fields;
        self.hand_letter_right += s.hand_letter_right;
        self.hand_text_fields += s.hand_text_fields;
        self.hand_text_right += s.hand_text_right;
        self.hand_digit_confident += s.hand_digit_confident;
        self.hand_digit_confident_wrong += s.hand_digit_confident_wrong;
        self.fields += s.fields;
        self.confident += s.confident;
        self.confident_wrong += s.confident_wrong;
    }
}

fn main() {
    // Criterion passes --bench; nothing else is taken from the command line.
    let docs = env("BENCH_DOCS", 35);
    let seed = env("BENCH_SEED", 7) as u64;
    let registry = Registry::embedded();
    let default = [
        Quality::Clean300,
        Quality::Office200,
        Quality::Copy,
        Quality::FaxFine,
        Quality::FaxNormal,
    ];
    // BENCH_QUALITIES=fax_normal,copy limits the run to some devices; phone photos (`photo`) run in the
    // sections after the first only when named.
    let chosen = std::env::var("BENCH_QUALITIES").unwrap_or_default();
    let pick = |with_photo: bool| -> Vec<Quality> {
        Quality::ALL
            .into_iter()
            .filter(|q| {
                if chosen.is_empty() {
                    default.contains(q) || (with_photo && *q == Quality::Photo)
                } else {
                    chosen.split(',').any(|c| c == q.name())
                }
            })
            .collect()
    };
    let held_out = blankett::synth::cells::generate::HELD_OUT;
    println!(
        "intake benchmark: seed {seed}, {} worker threads",
        Intake::new(Store::open(tempfile::tempdir().expect("tmp").path()).expect("store")).workers
    );

    // 1. Real people's digits that training never saw.
    let real_docs = env("BENCH_REAL_DOCS", 30);
    if real_docs > 0 {
        let (s, _) = run(
            &Section {
                title: "1. Real people's handwritten digits, never seen in training (validation part of data/handwriting)",
                docs: real_docs,
                qualities: pick(true),
                typed_rate: 0.0,
                sources: vec![held_out],
                real_digits: true,
                seed: seed + 1000,
            },
            registry,
        );
        println!(
            "REAL WRITING HELD OUT: digit fields right {}, digit characters right {}, digit fields confident (>= 0.9) but wrong {} ({} of confident ones)",
            pct(s.hand_digit_right, s.hand_digit_fields),
            pct(s.hand_digit_chars_right, s.hand_digit_chars),
            pct(s.hand_digit_confident_wrong, s.hand_digit_fields),
            pct(s.hand_digit_confident_wrong, s.hand_digit_confident),
        );
    }

    // 2. A generated style held out of training.
    let held_docs = env("BENCH_HELD_DOCS", 20);
    if held_docs > 0 {
        let (s, _) = run(
            &Section {
                title: "2. A generated writing style held out of training (humor-sans), all handwritten",
                docs: held_docs,
                qualities: pick(false),
                typed_rate: 0.0,
                sources: vec![held_out],
                real_digits: false,
                seed: seed + 2000,
            },
            registry,
        );
        println!(
            "HELD-OUT STYLE: digit fields right {}, digit characters right {}, capital-letter fields right {}, text fields (names, places, identifiers) right {}, confident (>= 0.9) but wrong {} of scored fields",
            pct(s.hand_digit_right, s.hand_digit_fields),
            pct(s.hand_digit_chars_right, s.hand_digit_chars),
            pct(s.hand_letter_right, s.hand_letter_fields),
            pct(s.hand_text_right, s.hand_text_fields),
            pct(s.confident_wrong, s.fields),
        );
    }

    // 3. Every source, half typed: like the training data; speed, ticks, identification, data QR.
    let qualities = pick(false);
    let (total, seconds) = run(
        &Section {
            title: "3. Every source, half typed (like the training data: not evidence of reading people)",
            docs,
            qualities: qualities.clone(),
            typed_rate: std::env::var("BENCH_TYPED")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.5),
            // BENCH_SOURCES=humor-sans writes with some sources only.
            sources: std::env::var("BENCH_SOURCES")
                .unwrap_or_default()
                .split(',')
                .filter_map(blankett::synth::hand::HandSource::from_name)
                .collect(),
            real_digits: false,
            seed,
        },
        registry,
    );
    let dataqr_docs = env("BENCH_DATAQR_DOCS", 8);
    let mut dataqr = (0, 0, 0, 0);
    for q in &qualities {
        let i = default.iter().position(|a| a == q).unwrap_or(0);
        let r = data_qr_row(*q, dataqr_docs, seed + 100 + i as u64, registry);
        println!(
            "{:<10} data-QR forms exactly right {:<20} fields {}",
            q.name(),
            pct(r.0, r.1),
            pct(r.2, r.3)
        );
        dataqr = (
            dataqr.0 + r.0,
            dataqr.1 + r.1,
            dataqr.2 + r.2,
            dataqr.3 + r.3,
        );
    }
    println!(
        "all        pages {}  identified {}  misassigned {}",
        total.pages,
        pct(total.identified, total.pages),
        total.misassigned
    );
    println!(
        "data-QR forms right         {} (fields {})",
        pct(dataqr.0, dataqr.1),
        pct(dataqr.2, dataqr.3)
    );
    println!(
        "tick boxes right            {}",
        pct(total.ticks_right, total.ticks)
    );
    println!(
        "typed digit fields right    {}",
        pct(total.typed_digit_right, total.typed_digit_fields)
    );
    println!(
        "hand digit fields right     {} (training-like sources)",
        pct(total.hand_digit_right, total.hand_digit_fields)
    );
    println!(
        "hand digit characters right {}",
        pct(total.hand_digit_chars_right, total.hand_digit_chars)
    );
    println!(
        "hand letter fields right    {}",
        pct(total.hand_letter_right, total.hand_letter_fields)
    );
    println!(
        "hand text fields right      {} (names, places, identifiers)",
        pct(total.hand_text_right, total.hand_text_fields)
    );
    println!(
        "confident (>= 0.9) but wrong {} of all scored fields; {} of confident fields",
        pct(total.confident_wrong, total.fields),
        pct(total.confident_wrong, total.confident)
    );
    println!(
        "speed: {:.0} pages/min over {} pages ({:.1} s), decoding included",
        total.pages as f64 / seconds * 60.0,
        total.pages,
        seconds
    );
}
