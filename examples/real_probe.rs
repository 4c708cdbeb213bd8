//! Development probe: a handwriting model on real people's digits that training never saw, by device.
//! Usage: real_probe MODEL.bin [DIGITS_MODEL.bin|-] [PER_DEVICE] [SEED] [LOOKS]
//! (prints accuracy and the commonest confusions per device; LOOKS: second looks as `train_hand --looks` takes
//! them)
use blankett::forms::definition::Charset;
use blankett::intake::read::chars::CharReader;
use blankett::intake::read::hand::{HandReader, Model, SecondLooks};
use blankett::synth::cells::generate::{self as cellgen, Content, Device, Shapes, Writer};
use blankett::synth::cells::real::Split;
use blankett::synth::degrade::Quality;
use std::collections::BTreeMap;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bytes = std::fs::read(&args[1]).expect("model file");
    let model = Model::parse(&bytes).expect("a model");
    let digits = args
        .get(2)
        .filter(|a| a.as_str() != "-")
        .map(|p| Model::parse(&std::fs::read(p).expect("digits model file")).expect("a model"));
    let per: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let seed: u64 = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(77);
    let mut reader = match &digits {
        Some(d) => HandReader::with_models(&model, d),
        None => HandReader::with_model(&model),
    }
    .with_second_looks(args.get(5).map_or(SecondLooks::DEFAULT, |s| {
        SecondLooks::parse(s).expect("LOOKS")
    }));
    let (mut all_right, mut all) = (0, 0);
    for q in Quality::ALL {
        let (mut right, mut confident, mut confident_wrong) = (0, 0, 0);
        let mut confusions: BTreeMap<(char, char), usize> = BTreeMap::new();
        for i in 0..per {
            let mut rng = blankett::synth::sub_rng(seed, (q as u64) << 32 | i as u64);
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
                .expect("read");
            let (best, p) = g[0].best().unwrap_or(('?', 0.0));
            right += usize::from(best == c);
            if p >= 0.99 {
                confident += 1;
                confident_wrong += usize::from(best != c);
            }
            if best != c {
                *confusions.entry((c, best)).or_default() += 1;
            }
        }
        let mut top: Vec<_> = confusions.into_iter().collect();
        top.sort_by_key(|t| std::cmp::Reverse(t.1));
        println!(
            "{:<10} {:.2} % ({right}/{per}); cells >= 0.99: {confident}, of those wrong {confident_wrong}; {:?}",
            q.name(),
            100.0 * right as f64 / per as f64,
            &top[..top.len().min(6)]
        );
        all_right += right;
        all += per;
    }
    println!("all        {:.2} %", 100.0 * all_right as f64 / all as f64);
}
