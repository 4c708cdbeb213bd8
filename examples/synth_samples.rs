//! Writes a few synthetic scans into a folder, to look at: one small batch for each device preset (PDF and TIFF),
//! a contact sheet of every hand source writing the classifier's characters, and a sheet of tick marks.
//!
//! `cargo run --release --example synth_samples -- OUT_DIR [SEED]`

use blankett::synth::degrade::Quality;
use blankett::synth::hand::{self, HandSource, PenStyle, TickKind};
use blankett::synth::pack::{FileFormat, PageCodec};
use blankett::synth::scenario::{self, IdMode, Spec};
use blankett::synth::{PxRect, rng};
use image::{GrayImage, Luma};
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().ok_or("usage: synth_samples OUT_DIR [SEED]")?);
    let seed: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1);
    std::fs::create_dir_all(&out)?;

    let sources = hand::sources();
    println!(
        "hand sources: {}",
        sources
            .iter()
            .map(|s| s.name())
            .collect::<Vec<_>>()
            .join(", ")
    );
    contact_sheet(&sources, seed).save(out.join("hand-sources.png"))?;
    tick_sheet(seed).save(out.join("ticks.png"))?;

    for (i, quality) in Quality::ALL.iter().enumerate() {
        let format = if quality.is_bilevel() || i % 2 == 1 {
            FileFormat::Tiff
        } else {
            FileFormat::Pdf
        };
        let spec = Spec {
            documents: 2,
            qualities: vec![*quality],
            format,
            grey_codec: if format == FileFormat::Tiff {
                PageCodec::Flate
            } else {
                PageCodec::Jpeg(75)
            },
            supplement_rate: 0.5,
            upside_down_rate: 0.1,
            ids: IdMode::Seeded,
            prefix: quality.name().to_string(),
            ..Spec::default()
        };
        let start = Instant::now();
        let batch = scenario::generate(seed + i as u64, &spec)?;
        let dir = out.join(quality.name());
        batch.write_to(&dir)?;
        let pages = batch.page_count();
        println!(
            "{:>10}: {} pages in {} file(s), {:.0} ms a page, writers {}",
            quality.name(),
            pages,
            batch.files.len(),
            start.elapsed().as_secs_f64() * 1000.0 / pages.max(1) as f64,
            batch
                .truth
                .iter()
                .map(|d| d.writer.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    // Typed on a printer or a typewriter.
    let spec = Spec {
        documents: 2,
        typed_rate: 1.0,
        qualities: vec![Quality::Office200],
        ids: IdMode::Seeded,
        prefix: "typed".into(),
        ..Spec::default()
    };
    scenario::generate(seed + 100, &spec)?.write_to(&out.join("typed"))?;
    println!("written to {}", out.display());
    Ok(())
}

/// Every source writing the classifier's characters in 6 x 8 mm boxes at 300 dpi, one row a source.
fn contact_sheet(sources: &[HandSource], seed: u64) -> GrayImage {
    let chars: Vec<char> = hand::CLASSIFIER_CHARSET.chars().collect();
    let dpi = 300.0;
    let k = dpi / 25.4;
    let (cw, ch) = (7.0 * k, 9.0 * k);
    let rows_per_source = 2;
    let mut img = GrayImage::from_pixel(
        (chars.len() as f32 * cw + 2.0 * k) as u32,
        ((sources.len() * rows_per_source) as f32 * ch + 2.0 * k) as u32,
        Luma([255]),
    );
    let mut r = rng(seed);
    for (si, source) in sources.iter().enumerate() {
        for row in 0..rows_per_source {
            let style = PenStyle::random(&mut r, k);
            for (i, c) in chars.iter().enumerate() {
                let cell = PxRect::new(
                    k + i as f32 * cw,
                    k + (si * rows_per_source + row) as f32 * ch,
                    6.0 * k,
                    8.0 * k,
                );
                outline(&mut img, cell);
                hand::draw_char(&mut img, *c, cell, *source, &style, &mut r);
            }
        }
    }
    img
}

/// Every kind of tick, ten times each with random pens, in 5 mm boxes.
fn tick_sheet(seed: u64) -> GrayImage {
    let k = 300.0 / 25.4;
    let step = 9.0 * k;
    let mut img = GrayImage::from_pixel((10.0 * step) as u32, (4.0 * step) as u32, Luma([255]));
    let mut r = rng(seed);
    for (row, kind) in TickKind::ALL.iter().enumerate() {
        for col in 0..10 {
            let style = PenStyle::random(&mut r, k);
            let cell = PxRect::new(
                2.0 * k + col as f32 * step,
                2.0 * k + row as f32 * step,
                5.0 * k,
                5.0 * k,
            );
            outline(&mut img, cell);
            hand::draw_tick(&mut img, cell, *kind, &style, &mut r);
        }
    }
    img
}

fn outline(img: &mut GrayImage, r: PxRect) {
    let (x0, y0, x1, y1) = (r.x as u32, r.y as u32, r.right() as u32, r.bottom() as u32);
    for x in x0..=x1 {
        for t in 0..2 {
            img.put_pixel(x, y0 + t, Luma([0]));
            img.put_pixel(x, y1 - t, Luma([0]));
        }
    }
    for y in y0..=y1 {
        for t in 0..2 {
            img.put_pixel(x0 + t, y, Luma([0]));
            img.put_pixel(x1 - t, y, Luma([0]));
        }
    }
}
