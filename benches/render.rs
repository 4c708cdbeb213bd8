//! Rendering cost: one copy of a form, a form with its supplement, and a batch of a thousand copies in one PDF
//! (what `blankett print --count 1000` does after issuing the IDs). Run: `cargo bench --bench render`.
//! The newest klinisk and its version 1 run side by side (`*_v1`), so that a new version's cost is measured
//! against the form it replaces in the same run.

use blankett::domain::regions::Regions;
use blankett::formid::FormId;
use blankett::forms::Registry;
use blankett::render::{Copy, Renderer};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn render(c: &mut Criterion) {
    let registry = Registry::embedded();
    let renderer = Renderer::new(registry);
    let regions = Regions::embedded();
    let region = regions.get("01").expect("Stockholm");
    let klinisk = registry.get("klinisk", None).expect("klinisk");
    let klinisk_v1 = registry.get("klinisk", Some(1)).expect("klinisk v1");

    let mut group = c.benchmark_group("render");
    group.throughput(Throughput::Elements(1));
    for (name, form) in [
        ("klinisk_one_copy", klinisk),
        ("klinisk_one_copy_v1", klinisk_v1),
    ] {
        group.bench_function(name, |b| {
            b.iter_batched(
                || FormId::generate(form.code),
                |id| {
                    black_box(
                        renderer
                            .render_one(&Copy {
                                id,
                                parts: vec![form.as_ref()],
                                region,
                            })
                            .expect("renders"),
                    )
                },
                BatchSize::SmallInput,
            )
        });
    }
    if let Ok(tb) = registry.get("tillagg-tuberkulos", None) {
        group.bench_function("klinisk_with_supplement", |b| {
            b.iter_batched(
                || FormId::generate(klinisk.code),
                |id| {
                    black_box(
                        renderer
                            .render_one(&Copy {
                                id,
                                parts: vec![klinisk.as_ref(), tb.as_ref()],
                                region,
                            })
                            .expect("renders"),
                    )
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();

    let mut batch = c.benchmark_group("print");
    batch.sample_size(10);
    batch.throughput(Throughput::Elements(1000));
    for (name, form) in [
        ("klinisk_1000_copies", klinisk),
        ("klinisk_1000_copies_v1", klinisk_v1),
    ] {
        batch.bench_function(name, |b| {
            b.iter_batched(
                || {
                    (0..1000)
                        .map(|_| FormId::generate(form.code))
                        .collect::<Vec<_>>()
                },
                |ids| {
                    let copies: Vec<Copy<'_>> = ids
                        .iter()
                        .map(|&id| Copy {
                            id,
                            parts: vec![form.as_ref()],
                            region,
                        })
                        .collect();
                    black_box(renderer.render(&copies).expect("renders"))
                },
                BatchSize::LargeInput,
            )
        });
    }
    batch.finish();

    c.bench_function("renderer_start_up", |b| {
        b.iter(|| black_box(Renderer::new(registry)))
    });
}

criterion_group!(benches, render);
criterion_main!(benches);
