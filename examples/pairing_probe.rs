//! How often intake pairs the pages of two sheets on one form ID right: a blank photocopied and filled in by two
//! people (different hand sources, pens, sizes and slants), its pages shuffled across two files scanned by one or
//! two devices, taken in through the real pipeline. Each run is judged as paired right and not flagged, flagged
//! (unsure: every field below 0.9), or paired wrong without a flag, and the fields reported at >= 0.9 that differ
//! from their sheet are counted.
//!
//!     cargo run --release --features synth --example pairing_probe -- RUNS [FIRST_SEED] [FEATURES.csv]
//!
//! Generated writing, not people's: the figure says how well the pairing tells the generator's writers apart.
//! With a third argument every page's measurements are written there (sheet, page, device, features), from
//! which the spreads in `intake::pairing` were set.

use blankett::intake::pipeline::Intake;
use blankett::store::Store;
use blankett::synth::degrade::Quality;
use blankett::synth::scenario::{self, IdMode, Spec};
use blankett::synth::{rng, sheets};
use rand::RngExt;
use rand::seq::IndexedRandom;
use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60);
    let first: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let mut csv = args.get(3).map(|p| {
        let mut f = std::fs::File::create(p).expect("features file");
        writeln!(
            f,
            "seed,sheet,writer,page,quality,dpi,bilevel,cells,darkness,stroke_mm,height_mm,slant"
        )
        .unwrap();
        f
    });
    let devices = [
        Quality::Clean300,
        Quality::Office200,
        Quality::Copy,
        Quality::FaxFine,
        Quality::FaxNormal,
    ];
    let (mut right, mut flagged, mut wrong, mut flagged_right) = (0, 0, 0, 0);
    let (mut confident, mut confident_wrong, mut boxes_wrong) = (0, 0, 0);
    let started = std::time::Instant::now();
    for seed in first..first + runs {
        let mut r = rng(seed);
        // One device for both files, or each file its own.
        let mut qualities = vec![*devices.choose(&mut r).unwrap()];
        if r.random::<f32>() < 0.5 {
            qualities.push(*devices.choose(&mut r).unwrap());
        }
        let spec = Spec {
            documents: 2,
            copies_per_id: 2,
            forms: vec!["klinisk".into()],
            supplement_rate: 0.0,
            qualities: qualities.clone(),
            typed_rate: 0.0,
            upside_down_rate: 0.1,
            shuffle: true,
            pages_per_file: Some(2),
            ids: IdMode::Seeded,
            threads: 2,
            ..Spec::default()
        };
        let batch = scenario::generate(seed, &spec).expect("generate");
        let dir = tempfile::tempdir().unwrap();
        let intake = Intake::new(Store::open(dir.path()).unwrap());
        for (name, bytes) in &batch.files {
            intake.take_in(name, bytes, &|_, _| {}).expect("take in");
        }
        let judged = sheets::judge(&intake.store, &batch).expect("judge");
        for j in &judged {
            let outcome = if j.flagged {
                flagged += 1;
                if j.paired_right {
                    flagged_right += 1;
                }
                "flagged"
            } else if j.paired_right {
                right += 1;
                "right"
            } else {
                wrong += 1;
                "WRONG"
            };
            confident += j.confident;
            confident_wrong += j.confident_wrong.len();
            boxes_wrong += j.text_boxes_wrong.len();
            let writers: Vec<&str> = batch.truth.iter().map(|t| t.writer.as_str()).collect();
            println!(
                "seed {seed}: {outcome} (paired right: {}, {} documents, devices {:?}, writers {:?}){}",
                j.paired_right,
                j.documents,
                qualities,
                writers,
                if j.confident_wrong.is_empty() && j.text_boxes_wrong.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; confident but wrong: {:?}; free-text boxes called empty wrongly: {:?}",
                        j.confident_wrong, j.text_boxes_wrong
                    )
                }
            );
        }
        if let Some(f) = csv.as_mut() {
            let docs = intake.store.documents.all().unwrap();
            for (s, truth) in batch.truth.iter().enumerate() {
                for tp in &truth.pages {
                    let sha = {
                        use sha2::Digest;
                        let bytes = &batch.files.iter().find(|(n, _)| *n == tp.file).unwrap().1;
                        hex::encode(sha2::Sha256::digest(bytes))
                    };
                    let Some(p) = docs
                        .iter()
                        .flat_map(|d| d.pages.values())
                        .find(|p| p.source.scan == sha && p.source.index == tp.index)
                    else {
                        continue;
                    };
                    let Some(x) = &p.features else { continue };
                    let o = |v: Option<f32>| v.map_or(String::new(), |v| format!("{v:.4}"));
                    writeln!(
                        f,
                        "{seed},{s},{},{},{:?},{:.0},{},{},{},{},{},{}",
                        truth.writer,
                        tp.page,
                        tp.quality,
                        x.dpi,
                        x.bilevel,
                        x.cells,
                        o(x.darkness),
                        o(x.stroke_mm),
                        o(x.height_mm),
                        o(x.slant)
                    )
                    .unwrap();
                }
            }
        }
    }
    let n = right + flagged + wrong;
    let pct = |k: usize| 100.0 * k as f64 / n.max(1) as f64;
    println!(
        "\n{n} pairs: paired right and sure {right} ({:.1} %), flagged {flagged} ({:.1} %; {flagged_right} of them \
         paired right), paired wrong without a flag {wrong} ({:.1} %); fields at >= 0.9: {confident}, of them \
         wrong {confident_wrong} (free-text boxes called empty or written wrongly at >= 0.9, a person reads \
         them: {boxes_wrong}); {:.0} s",
        pct(right),
        pct(flagged),
        pct(wrong),
        started.elapsed().as_secs_f64()
    );
}
