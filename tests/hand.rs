//! The committed handwriting models (`data/models/hand-v2*.bin`) read real people's digits that training never
//! saw, and generated cells of the writing source held out of training, through the same crop normalisation as
//! the intake: a broken model, a broken normalisation or a change of class order fails here.
//!
//! Needs the held-out source installed (`fonts-humor-sans`, see `scripts/install-deps.sh`).

use blankett::forms::definition::Charset;
use blankett::intake::read::chars::CharReader;
use blankett::intake::read::hand::{CLASSES, HandReader, Model};
use blankett::synth::cells::generate::Device;
use blankett::synth::cells::generate::{self as cellgen, Content, HELD_OUT, Shapes, Writer};
use blankett::synth::cells::real::Split;
use blankett::synth::cells::train::{self, FieldKind};
use blankett::synth::degrade::Quality;
use blankett::synth::sub_rng;

/// Seed of the fixed test set (not a training or validation seed).
const SEED: u64 = 4242;

/// Real held-out digits: a floor a little under what the committed models read (data/models/hand-v2.md).
const REAL_DIGITS_FLOOR: f32 = 0.96;

fn require_source() {
    assert!(
        HELD_OUT.is_available(),
        "the held-out writing source {} is not installed: run scripts/install-deps.sh",
        HELD_OUT.name()
    );
}

/// Reads `per_char` cells of each character of `chars`, each by its own random writer of the held-out source,
/// under `charset`; returns (right, total).
fn read_cells(
    chars: &str,
    per_char: usize,
    charset: Charset,
    stream: u64,
) -> (usize, usize, Vec<String>) {
    let mut reader = HandReader::new();
    let (mut right, mut total) = (0, 0);
    let mut misses = Vec::new();
    for (k, c) in chars.chars().enumerate() {
        for i in 0..per_char {
            let mut rng = sub_rng(SEED, stream + (k * per_char + i) as u64);
            let writer = Writer::random(Shapes::Hand(HELD_OUT), &mut rng);
            let cell = cellgen::cell(Content::Char(c), &writer, &mut rng);
            let guess = reader
                .read(std::slice::from_ref(&cell.image), charset, cell.paper)
                .expect("the reader answers");
            let best = guess[0].best().map(|b| b.0);
            total += 1;
            if best == Some(c) {
                right += 1;
            } else {
                misses.push(format!("{c}->{}", best.unwrap_or('?')));
            }
        }
    }
    (right, total, misses)
}

#[test]
fn committed_model_loads() {
    let m = Model::embedded();
    assert_eq!(m.header.classes, CLASSES);
    assert!(m.header.temperature > 0.2 && m.header.temperature < 10.0);
    let bytes = m.to_bytes();
    assert!(
        bytes.len() < 4 << 20,
        "the weights stay small: {} bytes",
        bytes.len()
    );
}

#[test]
fn digits_of_the_held_out_source() {
    require_source();
    let (right, total, misses) = read_cells("0123456789", 100, Charset::Digits, 0);
    let acc = right as f32 / total as f32;
    eprintln!("digits: {right}/{total} = {acc:.4}; misses {misses:?}");
    assert!(
        acc >= 0.99,
        "per-digit accuracy {acc:.4} below 0.99: {misses:?}"
    );
}

#[test]
fn capitals_of_the_held_out_source() {
    require_source();
    let (right, total, misses) = read_cells(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖ-",
        30,
        Charset::Letters,
        1 << 20,
    );
    let acc = right as f32 / total as f32;
    eprintln!("capitals: {right}/{total} = {acc:.4}; misses {misses:?}");
    // A regression floor, not the target: hand-v2.md scores about 96 % of A–Z and 84 % of Å Ä Ö on the
    // held-out source (most misses are Humor Sans's barred J read as T and accents cut by the crop).
    assert!(
        acc >= 0.92,
        "per-letter accuracy {acc:.4} below 0.92: {misses:?}"
    );
}

#[test]
fn twelve_digit_fields_of_the_held_out_source() {
    require_source();
    let model = Model::embedded();
    let shapes = [(Shapes::Hand(HELD_OUT), 1.0)];
    let mut reader = HandReader::with_model(model);
    let (mut right, mut confident, mut confident_wrong) = (0, 0, 0);
    let n = 200;
    for i in 0..n {
        // Every fourth validation field is a personnummer: pick those indices.
        let (text, cells, paper) = train::make_field(FieldKind::Personnummer, SEED, i * 4, &shapes);
        assert_eq!(text.len(), 12);
        let o = train::read_one(&mut reader, FieldKind::Personnummer, &text, &cells, paper);
        right += usize::from(o.right);
        if o.confidence >= 0.9 {
            confident += 1;
            confident_wrong += usize::from(!o.right);
        }
    }
    let acc = right as f32 / n as f32;
    eprintln!(
        "personnummer fields: {right}/{n} = {acc:.3}, {confident} at confidence >= 0.9, {confident_wrong} of them wrong"
    );
    assert!(acc >= 0.95, "12-digit field accuracy {acc:.3} below 0.95");
    assert_eq!(
        confident_wrong, 0,
        "a field read at confidence >= 0.9 was wrong"
    );
}

/// Real people's digits from the validation part of `data/handwriting/` (never trained on), each through a random
/// pen and one of the six devices, read as the intake reads them (both models, second looks).
#[test]
fn real_digits_held_out_of_training() {
    let mut reader = HandReader::new();
    let per = 200;
    let (mut right, mut total, mut sure, mut sure_wrong) = (0, 0, 0, 0);
    for q in Quality::ALL {
        for i in 0..per {
            let mut rng = sub_rng(SEED, (q as u64) << 32 | i as u64);
            let c = char::from(b'0' + (i % 10) as u8);
            let mut w = Writer::random(Shapes::Real(Split::Validation), &mut rng);
            w.device = Device::of(q, &mut rng);
            let cell = cellgen::cell(Content::Char(c), &w, &mut rng);
            let g = reader
                .read(
                    std::slice::from_ref(&cell.image),
                    Charset::Digits,
                    cell.paper,
                )
                .expect("the reader answers");
            let (best, p) = g[0].best().unwrap_or(('?', 0.0));
            total += 1;
            right += usize::from(best == c);
            if p >= 0.99 {
                sure += 1;
                sure_wrong += usize::from(best != c);
            }
        }
    }
    let acc = right as f32 / total as f32;
    eprintln!(
        "real digits: {right}/{total} = {acc:.4}; {sure} at >= 0.99, {sure_wrong} of them wrong"
    );
    // The first model (generated writing only) read 78.7 % of such cells (examples/real_probe); the floor sits
    // under what the committed models read.
    assert!(
        acc >= REAL_DIGITS_FLOOR,
        "real digits {acc:.4} below {REAL_DIGITS_FLOOR}"
    );
    assert!(
        sure_wrong * 100 <= sure,
        "more than 1 % of the cells read at >= 0.99 were wrong: {sure_wrong}/{sure}"
    );
}

/// The reader runs the network in bytes ([`blankett::intake::read::hand::int8`]): it must answer as the trained
/// f32 network does, and its vector path must give exactly the portable path's sums.
#[test]
fn the_network_in_bytes_reads_as_the_trained_one() {
    use blankett::intake::read::hand::int8::{Int8Net, Int8Workspace};
    use blankett::intake::read::hand::{N_CLASSES, net, prep};
    let mut inputs = Vec::new();
    for q in Quality::ALL {
        for i in 0..60 {
            let mut rng = sub_rng(SEED + 1, (q as u64) << 32 | i as u64);
            let c = char::from(b'0' + (i % 10) as u8);
            let mut w = Writer::random(Shapes::Real(Split::Validation), &mut rng);
            w.device = Device::of(q, &mut rng);
            let cell = cellgen::cell(Content::Char(c), &w, &mut rng);
            let (img, paper) = (&cell.image, cell.paper);
            inputs.extend_from_slice(&prep::normalize(
                img.as_raw(),
                img.width() as usize,
                img.height() as usize,
                paper,
            ));
        }
    }
    let b = inputs.len() / (prep::SIDE * prep::SIDE);
    for model in [Model::embedded(), Model::embedded_digits().unwrap()] {
        let arch = model.header.arch;
        let mut ws = net::Workspace::default();
        net::forward(&arch, &model.params, &inputs, b, &mut ws, None);
        let exact = ws.logits[..b * N_CLASSES].to_vec();
        let bytes = model.int8().expect("the committed widths run in bytes");
        let mut ws8 = Int8Workspace::default();
        bytes.forward(&inputs, b, &mut ws8);
        let fast = ws8.logits[..b * N_CLASSES].to_vec();
        let portable = Int8Net::new(&arch, &model.params).unwrap().portable();
        portable.forward(&inputs, b, &mut ws8);
        assert_eq!(
            fast,
            ws8.logits[..b * N_CLASSES],
            "vector and portable sums differ"
        );

        let argmax = |l: &[f32]| {
            l.iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(i, _)| i)
        };
        let (mut same, mut worst) = (0, 0f32);
        for (e, f) in exact
            .chunks_exact(N_CLASSES)
            .zip(fast.chunks_exact(N_CLASSES))
        {
            same += usize::from(argmax(e) == argmax(f));
            let mut pe = e.to_vec();
            let mut pf = f.to_vec();
            net::softmax(&mut pe, N_CLASSES, model.header.temperature);
            net::softmax(&mut pf, N_CLASSES, model.header.temperature);
            let d = pe
                .iter()
                .zip(&pf)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            worst = worst.max(d);
        }
        eprintln!("bytes vs f32: same class {same}/{b}, largest probability difference {worst:.4}");
        assert!(
            same * 1000 >= b * 995,
            "the byte network changed {} of {b} answers",
            b - same
        );
        assert!(worst < 0.1, "a probability moved by {worst}");
    }
}
