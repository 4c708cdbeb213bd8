//! Trains the handwriting classifier of the intake from real people's digits and generated cells, and writes
//! the weights and a record of how they were made and how they score: first on real digits that training never
//! saw, then on a generated writing style held out of training, then on the training sources.
//!
//! `cargo run --release --features synth --bin train_hand -- --seed 1 --out data/models/hand-v2.bin`
//! (`scripts/train-hand.sh` does the same.) Writes `.bin`, `.json` and `.md` side by side.

use blankett::forms::definition::Charset;
use blankett::intake::read::chars::CharReader;
use blankett::intake::read::hand::net::Arch;
use blankett::intake::read::hand::{N_CLASSES, SecondLooks};
use blankett::synth::cells::generate::{self as cellgen, HELD_OUT, Shapes};
use blankett::synth::cells::train::{self, Config, FieldKind, FieldOutcome};
use clap::Parser;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "Train the handwriting classifier for comb cells")]
struct Args {
    /// Seed of everything random in training (validation uses its own fixed seed).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The weights file to write; the record goes beside it (.json, .md).
    #[arg(long, default_value = "data/models/hand-v2.bin")]
    out: PathBuf,
    /// Training cells.
    #[arg(long, default_value_t = 800_000)]
    samples: usize,
    #[arg(long, default_value_t = 7)]
    epochs: usize,
    /// Worker threads (the result depends on it; 2 is the reference).
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Layer widths c1,c2,c3,fc.
    #[arg(long, default_value = "16,32,64,128")]
    arch: String,
    /// Validation fields per kind and writer group.
    #[arg(long, default_value_t = 1500)]
    val_fields: usize,
    /// Validation cells per class and writer group.
    #[arg(long, default_value_t = 60)]
    val_per_class: usize,
    #[arg(long, default_value_t = 2e-3)]
    lr: f32,
    /// Share of digit samples that are real people's digits.
    #[arg(long, default_value_t = 0.6)]
    real_share: f32,
    /// Start from these weights (same architecture) instead of fresh ones: a second stage of training.
    #[arg(long)]
    init: Option<PathBuf>,
    /// `digits`: learn the digits alone (and "no character"), for the model that reads digit fields beside the
    /// general one.
    #[arg(long, default_value = "all")]
    classes: String,
    /// Do not train: score these weights (with `--digits` beside them) and write the record next to `--out`.
    #[arg(long)]
    evaluate: Option<PathBuf>,
    /// The digits model that reads digit fields beside the general one, in the scores.
    #[arg(long)]
    digits: Option<PathBuf>,
    /// Second looks at unsure cells, BELOW:GENERAL:DIGITS_FIRST:DIGITS (the service's when not given).
    #[arg(long)]
    looks: Option<String>,
}

fn load(path: &std::path::Path) -> anyhow::Result<blankett::intake::read::hand::Model> {
    blankett::intake::read::hand::Model::parse(&std::fs::read(path)?)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Validation does not move with the training seed, so that models can be compared.
const VAL_SEED: u64 = 9_000_001;

#[derive(Serialize)]
struct Group {
    title: String,
    writers: Vec<String>,
    cells: train::CellScores,
    fields: Vec<train::FieldScores>,
    calibration: Vec<train::Bin>,
}

#[derive(Serialize)]
struct Record {
    model: String,
    /// When this record scores weights trained before (`--evaluate`, `--digits`): their files and hashes.
    evaluation: Vec<String>,
    command: String,
    config: Config,
    parameters: usize,
    weights_bytes: usize,
    weights_sha256: String,
    macs_per_cell: usize,
    /// SHA-256 of the real digits (images and labels, as committed) and of the training mixture's names.
    data_sha256: String,
    trained_on: Vec<(String, f32)>,
    held_out: String,
    training_samples: usize,
    validation_seed: u64,
    temperature: f32,
    seconds: Seconds,
    /// Real people's digits never seen in training, then the held-out style, then the training sources.
    groups: Vec<Group>,
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

fn data_hash(mix: &[(Shapes, f32)]) -> String {
    let mut h = Sha256::new();
    for f in [
        "data/handwriting/digits-images.idx3-ubyte.gz",
        "data/handwriting/digits-labels.idx1-ubyte.gz",
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(f);
        h.update(std::fs::read(path).unwrap_or_default());
    }
    for (s, w) in mix {
        h.update(format!("{} {w}\n", s.name()).as_bytes());
    }
    hex::encode(h.finalize())
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let widths: Vec<usize> = args
        .arch
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()?;
    anyhow::ensure!(widths.len() == 4, "--arch takes c1,c2,c3,fc");
    let mut cfg = Config {
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
        real_share: args.real_share,
        classes: match args.classes.as_str() {
            "all" => train::Classes::All,
            "digits" => train::Classes::Digits,
            other => anyhow::bail!("--classes takes all or digits, not {other}"),
        },
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
    eprintln!(
        "training: real digits (training part) for {:.0} % of digit samples; sources (held out: {}):",
        100.0 * cfg.real_share,
        HELD_OUT.name()
    );
    for (s, w) in &mix {
        eprintln!("  {:<32} {:.3}", s.name(), w);
    }
    let evaluated = args.evaluate.as_deref().map(load).transpose()?;
    let digits_model = args.digits.as_deref().map(load).transpose()?;
    if let Some(m) = &evaluated {
        cfg.arch = m.header.arch;
        cfg.seed = m.header.seed;
    }
    let (params, generate, train_s) = match &evaluated {
        Some(m) => (m.params.clone(), 0.0, 0.0),
        None => {
            let t = Instant::now();
            let data = train::dataset(&cfg, &mix);
            let generate = t.elapsed().as_secs_f32();
            eprintln!(
                "{} training cells generated in {generate:.0} s",
                cfg.samples
            );
            let start = match &args.init {
                Some(path) => {
                    let m = load(path)?;
                    anyhow::ensure!(
                        m.header.arch == cfg.arch,
                        "{} has another architecture",
                        path.display()
                    );
                    Some(m.params)
                }
                None => None,
            };
            let t = Instant::now();
            let params = train::fit(&cfg, &data, start.as_deref(), &mut |line| {
                eprintln!("{line}")
            });
            (params, generate, t.elapsed().as_secs_f32())
        }
    };

    let t = Instant::now();
    let real = train::real_held_out_shapes();
    let held = train::held_out_shapes();
    let digits = train::digit_classes();
    // A digits model is calibrated and scored on digits alone.
    let all = if cfg.classes == train::Classes::Digits {
        digits.clone()
    } else {
        train::all_classes()
    };
    // Calibration cells, each group on its own stream of the validation seed: real digits never trained on,
    // the held-out source and the training sources. The temperature never sharpens (at least 1).
    let mut cx = Vec::new();
    let mut cy = Vec::new();
    for (offset, shapes, classes) in [(3u64, &real, &digits), (0, &held, &all), (2, &mix, &all)] {
        let (x, y) = train::labelled_cells(
            VAL_SEED + offset,
            train::calib_stream(),
            shapes,
            classes,
            cfg.val_per_class,
            cfg.threads,
        );
        cx.extend_from_slice(&x);
        cy.extend_from_slice(&y);
    }
    let mut model = train::model(&cfg, params, 1.0);
    let temperature = match &evaluated {
        Some(m) => m.header.temperature,
        None => train::fit_temperature(&model, &cx, &cy).max(1.0),
    };
    model.header.temperature = temperature;
    let models = train::Models {
        general: &model,
        digits: digits_model.as_ref(),
        looks: match &args.looks {
            Some(spec) => SecondLooks::parse(spec).map_err(anyhow::Error::msg)?,
            None => SecondLooks::DEFAULT,
        },
    };
    eprintln!(
        "temperature {temperature:.2} (fitted on {} calibration cells)",
        cy.len()
    );

    let group = |title: &str,
                 shapes: &[(Shapes, f32)],
                 classes: &[usize],
                 kinds: &[FieldKind],
                 offset: u64| {
        let per_class = cfg.val_per_class * N_CLASSES / classes.len();
        let (x, y) = train::labelled_cells(
            VAL_SEED + offset,
            train::val_stream(),
            shapes,
            classes,
            per_class,
            cfg.threads,
        );
        let cells = train::cell_scores(models, &x, &y);
        let outcomes: Vec<FieldOutcome> = train::field_outcomes(
            models,
            VAL_SEED + offset,
            shapes,
            kinds,
            cfg.val_fields,
            cfg.threads,
        );
        eprintln!("validated: {title}");
        Group {
            title: title.to_string(),
            writers: shapes.iter().map(|(s, _)| s.name()).collect(),
            cells,
            fields: train::summarise(&outcomes),
            calibration: train::calibration(&outcomes),
        }
    };
    let groups = vec![
        group(
            "Real people's digits never seen in training (validation part of data/handwriting)",
            &real,
            &digits,
            &FieldKind::DIGITS,
            3,
        ),
        group(
            "Generated writing style held out of training",
            &held,
            &all,
            &FieldKind::ALL,
            0,
        ),
        group(
            "Training sources, new seeds (like the training data: not evidence)",
            &mix,
            &all,
            &FieldKind::ALL,
            1,
        ),
    ];
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
    let mut reader = models.reader();
    let reps = 20;
    let t = Instant::now();
    for _ in 0..reps {
        for chunk in cells.chunks(12) {
            let _ = reader.read(chunk, Charset::Text, 250);
        }
    }
    let page_ms = t.elapsed().as_secs_f32() * 1000.0 / reps as f32;

    let bytes = model.to_bytes();
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // An evaluation writes only the record: the weights it scored stay as they are.
    if evaluated.is_none() {
        std::fs::write(&args.out, &bytes)?;
    }
    let scored = |path: &Option<PathBuf>| -> anyhow::Result<Option<String>> {
        path.as_ref()
            .map(|p| {
                Ok(format!(
                    "{} (SHA-256 {})",
                    p.display(),
                    hex::encode(Sha256::digest(std::fs::read(p)?))
                ))
            })
            .transpose()
    };
    let evaluation: Vec<String> = [scored(&args.evaluate)?, scored(&args.digits)?]
        .into_iter()
        .flatten()
        .collect();
    let record = Record {
        model: args
            .out
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        evaluation,
        command: if evaluated.is_some() {
            format!(
                "cargo run --release --features synth --bin train_hand -- --evaluate {}{} --val-fields {} --out {}",
                args.evaluate
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                args.digits
                    .as_ref()
                    .map(|p| format!(" --digits {}", p.display()))
                    .unwrap_or_default(),
                args.val_fields,
                args.out.display()
            )
        } else {
            format!(
                "cargo run --release --features synth --bin train_hand -- --seed {} --samples {} --epochs {} --threads {} --arch {} --real-share {} --lr {} --classes {}{} --out {}",
                args.seed,
                args.samples,
                args.epochs,
                args.threads,
                args.arch,
                args.real_share,
                args.lr,
                args.classes,
                args.init
                    .as_ref()
                    .map(|p| format!(" --init {}", p.display()))
                    .unwrap_or_default(),
                args.out.display()
            )
        },
        parameters: model.params.len(),
        weights_bytes: bytes.len(),
        weights_sha256: hex::encode(Sha256::digest(&bytes)),
        macs_per_cell: cfg.arch.macs(),
        data_sha256: data_hash(&mix),
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
        groups,
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
    Ok(())
}

fn pct(x: f32) -> String {
    format!("{:.2} %", 100.0 * x)
}

fn markdown(r: &Record) -> String {
    let mut s = String::new();
    if r.evaluation.is_empty() {
        s.push_str(&format!("# Handwriting classifier `{}`\n\n", r.model));
    } else {
        s.push_str("# Handwriting reader, scored as the intake reads\n\n");
        s.push_str("Models read together (the digits model gives a second opinion on unsure digit cells):\n\n");
        for m in &r.evaluation {
            s.push_str(&format!("- `{m}`\n"));
        }
        s.push('\n');
    }
    s.push_str(&format!(
        "Generated by `train_hand` (do not edit by hand; `{}` has the same figures).\n\n",
        r.model.replace(".bin", ".json")
    ));
    s.push_str(&format!("Made with: `{}`\n\n", r.command));
    s.push_str(&format!(
        "- Network: conv 3x3 {c1} / {c2} / {c3}, dense {fc}, {k} classes (0–9, A–Z, Å Ä Ö, hyphen, no character); \
         {p} parameters, {b} bytes, {m} multiply-adds per cell. Weights SHA-256 `{h}`.\n",
        c1 = r.config.arch.c1,
        c2 = r.config.arch.c2,
        c3 = r.config.arch.c3,
        fc = r.config.arch.fc,
        k = r.config.arch.classes,
        p = r.parameters,
        b = r.weights_bytes,
        m = r.macs_per_cell,
        h = r.weights_sha256,
    ));
    if r.evaluation.is_empty() {
        s.push_str(&format!(
        "- Training: {} cells ({:.0} % of digit cells real people's digits from the training part of `data/handwriting`, the rest generated), {} epochs, batch {}, AdamW lr {} (cosine), dropout {}, label smoothing {}, seed {}, {} threads. Data SHA-256 `{}`.\n",
        r.training_samples, 100.0 * r.config.real_share, r.config.epochs, r.config.batch, r.config.lr, r.config.dropout, r.config.label_smoothing, r.config.seed, r.config.threads, r.data_sha256
    ));
        s.push_str(&format!(
            "- Time: {:.0} s generating, {:.0} s training, {:.0} s validating, {:.1} min in all.\n",
            r.seconds.generate,
            r.seconds.train,
            r.seconds.validate,
            r.seconds.total / 60.0
        ));
    }
    s.push_str(&format!("- Temperature {:.2}, fitted on calibration cells of the real validation digits, the held-out source and the training sources (their own seed streams, at least 1).\n", r.temperature));
    s.push_str(&format!(
        "- Held out of training entirely: the validation part of the real digits, and the writing source **{}**. Validation seed {} (not the training seed).\n\n",
        r.held_out, r.validation_seed
    ));
    s.push_str("Generated sources and weights:\n\n");
    for (n, w) in &r.trained_on {
        s.push_str(&format!("- {n}: {w:.3}\n"));
    }
    for g in &r.groups {
        s.push_str(&format!(
            "\n## {}\n\nWriters: {}\n\n",
            g.title,
            g.writers.join(", ")
        ));
        if g.cells.letters > 0.0 {
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
        } else {
            s.push_str(&format!(
                "Cells ({}): digits {} (digit field), {} in a text field.\n\n",
                g.cells.cells,
                pct(g.cells.digits),
                pct(g.cells.text_all)
            ));
        }
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
        s.push_str("\nCalibration over all these fields (reliability table):\n\n| confidence | fields | wrong | mean confidence |\n|---|---|---|---|\n");
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
