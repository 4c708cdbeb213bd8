//! Speed of the handwriting reader on one core: one cell, and a page of 150 written cells read as fields of 12
//! (crop normalisation included, as the intake calls it): generated cells of every class, and real people's digits
//! (never trained on) through every device, where unsure cells get their second looks; and the same real cells
//! with one look each (normalisation and one pass of the network).
//!
//! `taskset -c 1 cargo bench --features synth --bench hand`

use blankett::forms::definition::Charset;
use blankett::intake::read::chars::CharReader;
use blankett::intake::read::hand::{CLASSES, HandReader, SecondLooks, prep};
use blankett::synth::cells::generate::{self as cellgen, Content, Shapes, Writer};
use blankett::synth::cells::real::Split;
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

/// Real people's digits of the validation part, each through a random device.
fn real_digits(n: usize) -> Vec<GrayImage> {
    let mut rng = blankett::synth::rng(12);
    (0..n)
        .map(|i| {
            let w = Writer::random(Shapes::Real(Split::Validation), &mut rng);
            let c = char::from(b'0' + (i % 10) as u8);
            cellgen::cell(Content::Char(c), &w, &mut rng).image
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let page = cells(150);
    let real = real_digits(150);
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
    g.bench_function("read_page_150_real_digits", |b| {
        b.iter(|| {
            for field in real.chunks(12) {
                black_box(reader.read(field, Charset::Digits, 250));
            }
        })
    });
    // One pass of the network over every cell, no second looks: what a look costs.
    let mut first_only = HandReader::new().with_second_looks(SecondLooks {
        below: 0.0,
        general: 0,
        digits_first: false,
        digits: 0,
    });
    g.bench_function("one_look_150_real_digits", |b| {
        b.iter(|| {
            for field in real.chunks(12) {
                black_box(first_only.read(field, Charset::Digits, 250));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
