//! Trains the handwriting classifier of the intake from generated cells and writes the weights and a record of
//! how they were made and how they score.
//!
//! `cargo run --release --bin train_hand -- --seed 1 --out data/models/hand-v1.bin`
//! (`scripts/train-hand.sh` does the same.) Writes `hand-v1.bin`, `hand-v1.json` and `hand-v1.md` side by side.

use blankett::intake::read::chars::CharReader;
use blankett::intake::read::hand::cellgen::{self, HELD_OUT, Shapes};
use blankett::intake::read::hand::net::Arch;
use blankett::intake::read::hand::train::{self, Config, FieldOutcome};
use blankett::intake::read::hand::{HandReader, N_CLASSES, prep};
use clap::Parser;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "Train the handwriting classifier for comb cells")]
struct Args {
    /// Seed of everything random in training (validation uses its own fixed seed).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The weights file to write; the record goes beside it (.json, .md).
    #[arg(long, default_value = "data/models/hand-v1.bin")]
    out: PathBuf,
    /// Generated training cells.
    #[arg(long, default_value_t = 800_000)]
    samples: usize,
    #[arg(long, default_value_t = 7)]
    epochs: usize,
    /// Worker threads (the result depends on it; 2 is the reference).
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Layer widths c1,c2,c3,fc.
    #[arg(long, default_value = "12,24,48,128")]
    arch: String,
    /// Validation fields per kind and writer group.
    #[arg(long, default_value_t = 1500)]
    val_fields: usize,
    /// Validation cells per class and writer group.
    #[arg(long, default_value_t = 60)]
    val_per_class: usize,
    #[arg(long, default_value_t = 2e-3)]
    lr: f32,
}

/// Validation does not move with the training seed, so that models can be compared.
const VAL_SEED: u64 = 9_000_001;

#[derive(Serialize)]
struct Group {
    writers: Vec<String>,
    cells: train::CellScores,
    fields: Vec<train::FieldScores>,
    calibration: Vec<train::Bin>,
}

#[derive(Serialize)]
struct Record {
    model: String,
    command: String,
    config: Config,
    parameters: usize,
    weights_bytes: usize,
    macs_per_cell: usize,
    trained_on: Vec<(String, f32)>,
    held_out: String,
    training_samples: usize,
    validation_seed: u64,
    temperature: f32,
    seconds: Seconds,
    held_out_group: Group,
    seen_group: Group,
    speed: Speed,
}

#[derive(Serialize)]
struct Seconds {
    generate: f32,
    train: f32,
    validate: f32,
    total: f32,
}

#[derive(Serialize)]
struct Speed {
    /// One thread, a page of 150 written cells read as fields of 12 (crop normalisation included).
    page_150_cells_ms: f32,
    cell_us: f32,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let widths: Vec<usize> = args
        .arch
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()?;
    anyhow::ensure!(widths.len() == 4, "--arch takes c1,c2,c3,fc");
    let cfg = Config {
        seed: args.seed,
        arch: Arch {
            c1: widths[0],
            c2: widths[1],
            c3: widths[2],
            fc: widths[3],
            classes: N_CLASSES,
        },
        samples: args.samples,
        epochs: args.epochs,
        threads: args.threads,
        val_fields: args.val_fields,
        val_per_class: args.val_per_class,
        lr: args.lr,
        ..Config::default()
    };
    let started = Instant::now();
    let mix = cellgen::training_mixture();
    anyhow::ensure!(
        mix.iter().any(|(s, _)| matches!(s, Shapes::Hand(_))),
        "no handwriting source is installed: run scripts/install-deps.sh (fonts-dkg-handwriting, fonts-comic-neue, hershey-fonts-data)"
    );
    anyhow::ensure!(
        HELD_OUT.is_available(),
        "the held-out source {} is not installed (fonts-humor-sans)",
        HELD_OUT.name()
    );
    eprintln!("training sources (held out: {}):", HELD_OUT.name());
    for (s, w) in &mix {
        eprintln!("  {:<32} {:.3}", s.name(), w);
    }
    let t = Instant::now();
    let data = train::dataset(cfg.seed, cfg.samples, cfg.threads, &mix);
    let generate = t.elapsed().as_secs_f32();
    eprintln!(
        "{} training cells generated in {generate:.0} s",
        cfg.samples
    );

    let t = Instant::now();
    let params = train::fit(&cfg, &data, &mut |line| eprintln!("{line}"));
    let train_s = t.elapsed().as_secs_f32();
    drop(data);

    let t = Instant::now();
    let held = train::held_out_shapes();
    // Calibration cells: the held-out source and the training sources, each on its own stream of the
    // validation seed; the temperature never sharpens (at least 1).
    let (mut cx, mut cy) = train::labelled_cells(
        VAL_SEED,
        train::calib_stream(),
        &held,
        cfg.val_per_class,
        cfg.threads,
    );
    let (sx, sy) = train::labelled_cells(
        VAL_SEED + 2,
        train::calib_stream(),
        &mix,
        cfg.val_per_class,
        cfg.threads,
    );
    cx.extend_from_slice(&sx);
    cy.extend_from_slice(&sy);
    let mut model = train::model(&cfg, params, 1.0);
    let temperature = train::fit_temperature(&model, &cx, &cy).max(1.0);
    model.header.temperature = temperature;
    eprintln!(
        "temperature {temperature:.2} (fitted on {} calibration cells of {} and of the training sources)",
        cy.len(),
        HELD_OUT.name()
    );

    let group = |shapes: &[(Shapes, f32)], offset: u64| {
        let (x, y) = train::labelled_cells(
            VAL_SEED + offset,
            train::val_stream(),
            shapes,
            cfg.val_per_class,
            cfg.threads,
        );
        let cells = train::cell_scores(&model, &x, &y);
        let outcomes: Vec<FieldOutcome> = train::field_outcomes(
            &model,
            VAL_SEED + offset,
            shapes,
            cfg.val_fields,
            cfg.threads,
        );
        Group {
            writers: shapes.iter().map(|(s, _)| s.name()).collect(),
            cells,
            fields: train::summarise(&outcomes),
            calibration: train::calibration(&outcomes),
        }
    };
    let held_group = group(&held, 0);
    let seen_group = group(&mix, 1);
    let validate = t.elapsed().as_secs_f32();

    // Speed: one thread, 150 cells as fields of 12.
    let mut rng = blankett::synth::rng(5);
    let cells: Vec<_> = (0..150)
        .map(|i| {
            let w = cellgen::Writer::random(Shapes::Hand(HELD_OUT), &mut rng);
            cellgen::cell(
                cellgen::Content::Char(
                    blankett::intake::read::hand::CLASSES
                        .chars()
                        .nth(i % 40)
                        .unwrap_or('0'),
                ),
                &w,
                &mut rng,
            )
            .image
        })
        .collect();
    let mut reader = HandReader::with_model(&model);
    let reps = 20;
    let t = Instant::now();
    for _ in 0..reps {
        for chunk in cells.chunks(12) {
            let _ = reader.read(chunk, blankett::forms::definition::Charset::Text, 250);
        }
    }
    let page_ms = t.elapsed().as_secs_f32() * 1000.0 / reps as f32;

    let bytes = model.to_bytes();
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&args.out, &bytes)?;
    let record = Record {
        model: args
            .out
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        command: format!(
            "cargo run --release --bin train_hand -- --seed {} --samples {} --epochs {} --threads {} --arch {} --out {}",
            args.seed,
            args.samples,
            args.epochs,
            args.threads,
            args.arch,
            args.out.display()
        ),
        parameters: model.params.len(),
        weights_bytes: bytes.len(),
        macs_per_cell: cfg.arch.macs(),
        trained_on: mix.iter().map(|(s, w)| (s.name(), *w)).collect(),
        held_out: HELD_OUT.name().to_string(),
        training_samples: cfg.samples,
        validation_seed: VAL_SEED,
        temperature,
        seconds: Seconds {
            generate,
            train: train_s,
            validate,
            total: started.elapsed().as_secs_f32(),
        },
        held_out_group: held_group,
        seen_group,
        speed: Speed {
            page_150_cells_ms: page_ms,
            cell_us: page_ms * 1000.0 / 150.0,
        },
        config: cfg,
    };
    let json = serde_json::to_string_pretty(&record)?;
    std::fs::write(args.out.with_extension("json"), &json)?;
    std::fs::write(args.out.with_extension("md"), markdown(&record))?;
    eprintln!("{json}");
    let _ = prep::SIDE;
    Ok(())
}

fn pct(x: f32) -> String {
    format!("{:.2} %", 100.0 * x)
}

fn markdown(r: &Record) -> String {
    let mut s = String::new();
    s.push_str(&format!("# Handwriting classifier `{}`\n\n", r.model));
    s.push_str(
        "Generated by `train_hand` (do not edit by hand; `hand-v1.json` has the same figures).\n\n",
    );
    s.push_str(&format!("Made with: `{}`\n\n", r.command));
    s.push_str(&format!(
        "- Network: conv 3x3 {c1} / {c2} / {c3}, dense {fc}, {k} classes (0–9, A–Z, Å Ä Ö, hyphen, no character); \
         {p} parameters, {b} bytes, {m} multiply-adds per cell.\n",
        c1 = r.config.arch.c1,
        c2 = r.config.arch.c2,
        c3 = r.config.arch.c3,
        fc = r.config.arch.fc,
        k = r.config.arch.classes,
        p = r.parameters,
        b = r.weights_bytes,
        m = r.macs_per_cell
    ));
    s.push_str(&format!(
        "- Training: {} generated cells, {} epochs, batch {}, AdamW lr {} (cosine), dropout {}, label smoothing {}, seed {}, {} threads.\n",
        r.training_samples, r.config.epochs, r.config.batch, r.config.lr, r.config.dropout, r.config.label_smoothing, r.config.seed, r.config.threads
    ));
    s.push_str(&format!(
        "- Time: {:.0} s generating, {:.0} s training, {:.0} s validating, {:.1} min in all.\n",
        r.seconds.generate,
        r.seconds.train,
        r.seconds.validate,
        r.seconds.total / 60.0
    ));
    s.push_str(&format!("- Temperature {:.2}, fitted on calibration cells of the held-out source and of the training sources (their own seed streams, at least 1).\n", r.temperature));
    s.push_str(&format!(
        "- Held out of training entirely: **{}**. Validation seed {} (not the training seed).\n\n",
        r.held_out, r.validation_seed
    ));
    s.push_str("Training sources and weights:\n\n");
    for (n, w) in &r.trained_on {
        s.push_str(&format!("- {n}: {w:.3}\n"));
    }
    for (title, g) in [
        (
            "Held-out source (never seen in training)",
            &r.held_out_group,
        ),
        ("Training sources, new seeds", &r.seen_group),
    ] {
        s.push_str(&format!(
            "\n## {title}\n\nWriters: {}\n\n",
            g.writers.join(", ")
        ));
        s.push_str(&format!(
            "Cells ({}): digits {} (digit field), A–Z {} (letter field), Å Ä Ö {}, hyphen {}, every class in a text field {}, \
             no-character cells recognised {}.\n\n",
            g.cells.cells,
            pct(g.cells.digits),
            pct(g.cells.letters),
            pct(g.cells.swedish),
            pct(g.cells.hyphen),
            pct(g.cells.text_all),
            pct(g.cells.noise_detected)
        ));
        s.push_str("| field | fields | exactly right | per character (first choices) | corrected by rule | conf >= 0.9 | of those wrong |\n|---|---|---|---|---|---|---|\n");
        for f in &g.fields {
            s.push_str(&format!(
                "| {:?} | {} | {} | {} | {} | {} | {} |\n",
                f.kind,
                f.fields,
                pct(f.exact),
                pct(f.cells_accuracy),
                f.corrected,
                f.confident,
                f.confident_wrong
            ));
        }
        s.push_str("\nCalibration over all these fields:\n\n| confidence | fields | wrong | mean confidence |\n|---|---|---|---|\n");
        for b in &g.calibration {
            s.push_str(&format!(
                "| {:.3}–{:.3} | {} | {} | {:.3} |\n",
                b.from, b.to, b.fields, b.wrong, b.mean_confidence
            ));
        }
    }
    s.push_str(DESIGN);
    s.push_str(&format!(
        "\n## Speed\n\nOne thread, 150 written cells read as fields of 12, crop normalisation included: {:.2} ms a page, {:.1} µs a cell.\n",
        r.speed.page_150_cells_ms, r.speed.cell_us
    ));
    s
}

/// The part of the record that does not change from run to run.
const DESIGN: &str = r#"
## How it works, and why

**Inference and training in plain Rust, on `matrixmultiply`.** The network is five layers (three 3x3
convolutions with max-pooling, two dense layers). Its forward pass is im2col plus one matrix product per layer, and
its backward pass the transposed products; `matrixmultiply` (pure Rust, no system library, runtime AVX/FMA
detection) does the products. Against the alternatives: tract would need the model trained elsewhere (Python and
a framework that cannot be installed from here reliably, and a second toolchain to re-run training); candle and
burn would train in Rust too, but add a hundred-odd crates and minutes of build to a crate that already builds
Tesseract bindings, for what is a few hundred lines here, and their CPU kernels and thread pools make bit-for-bit
reproducible training harder to promise. With our own loop every operation runs in a fixed order: the same seed
and thread count give the same weights on the same machine (a different CPU may pick different SIMD kernels and
round differently). The analytic gradient is checked against finite differences in a unit test.

**Input.** The intake's cell interior (inset 0.7 mm, at the page's native resolution) is turned into ink darkness
relative to the page's paper level; connected pieces that are specks far from the character, or thin long pieces
of box line hugging an edge, are dropped; the ink's bounding box is scaled (keeping its aspect) into 22 pixels of a
28 x 28 input, centred halfway between the box centre and the centre of mass, by area averaging when shrinking.

**Classes.** 0–9, A–Z, Å, Ä, Ö, hyphen, and "no character" (box-line pieces, specks, stray strokes from a
neighbouring box, smudges). The reader leaves "no character" out of the candidates but keeps it in the
normalisation, so a cell that is probably empty reads with low confidence instead of a confident character. The
field's charset masks the classes (digits; letters and hyphen; all), and probabilities are renormalised over the
allowed classes.

**Training data** is generated per sample from its own seeded generator: a character, a writing source from the
mixture above, a random writer (`synth::hand::PenStyle`: ink, pen width, pressure, slant, size, sloppiness; a
quarter write small and a fifth with a broad pen), an elastic warp, shear, scale and rotation of the ink, the
printed box, the intake's crop with a misalignment (now and then enough for a box line to show), and a device:
300 dpi clean scan, 200 dpi office scan, photocopy, fax fine (204 x 196, 1 bit, threshold or dither), fax normal
(204 x 98, rows doubled), phone photo; blur, tone, noise, salt and pepper, specks. Sources: the handwriting
sources of `synth::hand` (outline hands and the single-stroke Hershey fonts drawn with a varying pen), the other
Hershey roman, Times and script fonts drawn the same way, our own stroke models (several allographs of every
class, each control point jittered per sample) and a few warped outline fonts (DejaVu, Liberation). The reserved
evaluation fonts are never installed or read.

**Validation** uses writers and seeds that training never saw: the held-out source entirely, and the training
sources with the fixed validation seed. The temperature that divides the logits is fitted (least negative
log-likelihood, never below 1) on separate calibration streams of the held-out source and of the training sources.

**Field rules** (`intake::read::hand::field`): a personnummer or samordningsnummer must pass
`check_personnummer`, a date `parse_date` and a year no later than next year; the reader weighs every reading that changes at most two cells to their
second or third choice, takes the most probable valid one, and reports its posterior share (with an allowance for
unlisted readings). A reading changed from the cells' first choices is capped at 0.85, so a person sees it.
Countries and diseases are matched against the reference lists. A field with no rule gets the squared product of
its cells' probabilities: nothing else would catch a confident misreading.
"#;
