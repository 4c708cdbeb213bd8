//! Speed of the handwriting reader on one core: one cell, and a page of 150 written cells read as fields of 12
//! (crop normalisation included, as the intake calls it).
//!
//! `cargo bench --bench hand`

use blankett::forms::definition::Charset;
use blankett::intake::read::chars::CharReader;
use blankett::intake::read::hand::{CLASSES, HandReader, prep};
use blankett::synth::cells::generate::{self as cellgen, Content, Shapes, Writer};
use criterion::{Criterion, criterion_group, criterion_main};
use image::GrayImage;
use std::hint::black_box;

fn cells(n: usize) -> Vec<(GrayImage, u8)> {
    let mut rng = blankett::synth::rng(11);
    let chars: Vec<char> = CLASSES.chars().collect();
    (0..n)
        .map(|i| {
            let w = Writer::random(Shapes::Model, &mut rng);
            let c = cellgen::cell(Content::Char(chars[i % chars.len()]), &w, &mut rng);
            (c.image, c.paper)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let page = cells(150);
    let images: Vec<GrayImage> = page.iter().map(|(i, _)| i.clone()).collect();
    let mut reader = HandReader::new();
    let mut g = c.benchmark_group("hand");
    g.bench_function("normalise_one_cell", |b| {
        b.iter(|| {
            let (img, paper) = &page[0];
            black_box(prep::normalize(
                img.as_raw(),
                img.width() as usize,
                img.height() as usize,
                *paper,
            ))
        })
    });
    g.bench_function("read_one_cell", |b| {
        b.iter(|| black_box(reader.read(&images[..1], Charset::Text, 250)))
    });
    g.bench_function("read_page_150_cells", |b| {
        b.iter(|| {
            for field in images.chunks(12) {
                black_box(reader.read(field, Charset::Text, 250));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
