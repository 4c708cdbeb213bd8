//! Development probe: cells of one hand source as the intake crops them, and what the classifier says.
//! Usage: cells_probe SOURCE CHARS OUT.png (SOURCE: a hand source's name, or real-train / real-validation)
use blankett::intake::read::hand::{self, prep};
use blankett::synth::cells::generate as cellgen;
use blankett::synth::cells::real::Split;
use blankett::synth::hand::sources;
use image::GrayImage;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let shapes = match args[1].as_str() {
        "real-train" => cellgen::Shapes::Real(Split::Train),
        "real-validation" => cellgen::Shapes::Real(Split::Validation),
        name => cellgen::Shapes::Hand(
            sources()
                .into_iter()
                .find(|s| s.name() == name)
                .expect("a hand source's name, or real-train / real-validation"),
        ),
    };
    let chars: Vec<char> = args[2].chars().collect();
    let mut rng = blankett::synth::rng(5);
    let per = 8;
    let (cw, ch) = (80u32, 90u32);
    let mut sheet = GrayImage::from_pixel(
        cw * per as u32 * 2,
        ch * chars.len() as u32,
        image::Luma([255]),
    );
    let mut reader = hand::HandReader::new();
    for (row, &c) in chars.iter().enumerate() {
        let mut said = String::new();
        for k in 0..per {
            let writer = cellgen::Writer::random(shapes, &mut rng);
            let cell = cellgen::cell(cellgen::Content::Char(c), &writer, &mut rng);
            let p = reader.probabilities(
                std::slice::from_ref(&cell.image),
                cell.paper,
                blankett::forms::definition::Charset::Text,
            );
            let best = (0..p[0].len())
                .max_by(|&a, &b| p[0][a].total_cmp(&p[0][b]))
                .unwrap();
            said.push(hand::class_char(best).unwrap_or('_'));
            let img = image::imageops::resize(
                &cell.image,
                cw - 4,
                ch - 4,
                image::imageops::FilterType::Triangle,
            );
            image::imageops::overlay(
                &mut sheet,
                &img,
                i64::from(k as u32 * cw * 2),
                i64::from(row as u32 * ch),
            );
            let input = prep::normalize(
                cell.image.as_raw(),
                cell.image.width() as usize,
                cell.image.height() as usize,
                cell.paper,
            );
            let norm = GrayImage::from_fn(prep::SIDE as u32, prep::SIDE as u32, |x, y| {
                image::Luma([255 - (input[y as usize * prep::SIDE + x as usize] * 255.0) as u8])
            });
            let norm = image::imageops::resize(&norm, 78, 78, image::imageops::FilterType::Nearest);
            image::imageops::overlay(
                &mut sheet,
                &norm,
                i64::from(k as u32 * cw * 2 + cw),
                i64::from(row as u32 * ch),
            );
        }
        println!("{c}: {said}");
    }
    sheet.save(&args[3]).unwrap();
}
