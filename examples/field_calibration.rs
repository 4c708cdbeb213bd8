//! Development probe: how sharp field confidences must be so that a digit field read at >= 0.9 is wrong at most
//! once in 2,000. Reads fields of real people's digits from the validation part (a stream of its own, not the one
//! the trainer's record scores) and prints, for each exponent k, how many fields reach 0.9 with confidence^k and
//! how many of those are wrong. The confidences already carry `field::DIGIT_FIELD_SHARPNESS`: k multiplies it.
//! With `plain` as KIND, the digit fields no rule checks (telephone numbers) instead.
//! Usage: field_calibration MODEL.bin [DIGITS_MODEL.bin|-] [FIELDS] [SEED] [KIND] [LOOKS]
//! (LOOKS: second looks as `train_hand --looks` takes them)
use blankett::intake::read::hand::{Model, SecondLooks};
use blankett::synth::cells::train::{self, FieldKind, Models};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let load = |p: &str| Model::parse(&std::fs::read(p).expect("model file")).expect("a model");
    let general = load(&args[1]);
    let digits = args.get(2).filter(|a| a.as_str() != "-").map(|p| load(p));
    let n: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(4000);
    let seed: u64 = args
        .get(4)
        .and_then(|s| s.parse().ok())
        .unwrap_or(7_000_001);
    let models = Models {
        general: &general,
        digits: digits.as_ref(),
        looks: args.get(6).map_or(SecondLooks::DEFAULT, |s| {
            SecondLooks::parse(s).expect("LOOKS")
        }),
    };
    let plain = args.get(5).is_some_and(|k| k == "plain");
    let (kinds, what): (&[FieldKind], &str) = if plain {
        (&FieldKind::PLAIN_DIGITS, "telephone numbers")
    } else {
        (&FieldKind::DIGITS, "personnummer and dates")
    };
    let outcomes = train::field_outcomes(models, seed, &train::real_held_out_shapes(), kinds, n, 2);
    let n = outcomes.len();
    let right = outcomes.iter().filter(|o| o.right).count();
    println!(
        "{n} fields of real digits ({what}): {right} exactly right ({:.2} %)",
        100.0 * right as f64 / n as f64
    );
    for k in [1.0f32, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0] {
        let sure: Vec<_> = outcomes
            .iter()
            .filter(|o| o.confidence.powf(k) >= 0.9)
            .collect();
        let wrong = sure.iter().filter(|o| !o.right).count();
        println!(
            "k {k:>4}: {:>5} fields at >= 0.9 ({:.1} %), {wrong} of them wrong",
            sure.len(),
            100.0 * sure.len() as f64 / n as f64
        );
    }
}
