//! Alignment residuals of generated pages, affine map against homography: the figures behind the choice in
//! `intake::align` (phone photos at an angle need the homography; flatbed devices keep the affine map).
//! Usage: photo_residuals [DOCUMENTS] [SEED] [QUALITY], QUALITY one of clean300, office200, copy, fax_fine,
//! fax_normal, photo (the default).
use blankett::intake::align;
use blankett::intake::decode::{self, Limits};
use blankett::intake::geometry::Affine;
use blankett::intake::identify::{self, Identification};
use blankett::synth::degrade::Quality;
use blankett::synth::pack::FileFormat;
use blankett::synth::scenario::{self, IdMode, Spec};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let documents = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(6);
    let seed = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(7);
    let quality = args
        .get(3)
        .and_then(|q| Quality::from_name(q))
        .unwrap_or(Quality::Photo);
    let spec = Spec {
        documents,
        forms: vec!["klinisk".into()],
        qualities: vec![quality],
        typed_rate: 1.0,
        upside_down_rate: 0.2,
        format: FileFormat::Jpeg,
        ids: IdMode::Seeded,
        ..Spec::default()
    };
    let batch = scenario::generate(seed, &spec).expect("generate");
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut before, mut after) = (Vec::new(), Vec::new());
    let (mut pages, mut unidentified, mut distorted, mut unaligned) = (0, 0, 0, 0);
    println!("page              marks  affine@marks  affine@all  homography@all  align (mm)");
    for (name, bytes) in &batch.files {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let source = decode::open(&path, &Limits::default()).expect("open");
        for i in 0..source.count() {
            let page = source.page(i).expect("page");
            pages += 1;
            let Identification::Identified(id) = identify::identify(&page) else {
                println!("{name}:{i}  not identified");
                unidentified += 1;
                continue;
            };
            let qr = id.qr_pairs();
            let first = Affine::fit(&qr).expect("qr fit");
            let (marks, _) = align::find_marks(&page, &first, 9.0, &qr);
            let result = align::align(&page, &id.qr_pairs());
            let shown = match &result {
                Ok(a) if a.homography.is_some() => format!("homography {:.3}", a.residual_mm),
                Ok(a) => format!("affine {:.3}", a.residual_mm),
                Err(e) => e.clone(),
            };
            match &result {
                Ok(a) if a.residual_mm.is_finite() => after.push(a.residual_mm),
                Ok(_) => {}
                Err(_) => unaligned += 1,
            }
            let Some(affine) = Affine::fit(&marks).filter(|_| marks.len() >= 3) else {
                println!(
                    "{name}:{i}  {:>5}  {:>12}  {:>10}  {:>14}  {shown}",
                    marks.len(),
                    "-",
                    "-",
                    "-"
                );
                continue;
            };
            let a_marks = affine.residual_px(&marks) / affine.scale();
            let mut all = marks.clone();
            all.extend_from_slice(&qr);
            let a_all = Affine::fit(&all).map_or(f64::NAN, |a| a.residual_px(&all) / a.scale());
            let h = align::perspective(&all).map_or("-".to_string(), |(_, r)| format!("{r:.3}"));
            println!(
                "{name}:{i}  {:>5}  {a_marks:>12.3}  {a_all:>10.3}  {h:>14}  {shown}",
                marks.len()
            );
            before.push(a_marks);
            if a_marks > align::MAX_RESIDUAL_MM {
                distorted += 1;
            }
        }
    }
    let stats = |v: &[f64]| {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        let mean = s.iter().sum::<f64>() / s.len().max(1) as f64;
        let median = s.get(s.len() / 2).copied().unwrap_or(f64::NAN);
        (mean, median, s.last().copied().unwrap_or(f64::NAN))
    };
    let (m0, med0, max0) = stats(&before);
    let (m1, med1, max1) = stats(&after);
    println!(
        "{pages} pages ({}), {unidentified} not identified",
        quality.name()
    );
    println!(
        "affine at the marks:  mean {m0:.3} mm, median {med0:.3}, max {max0:.3}; above {} mm: {distorted}",
        align::MAX_RESIDUAL_MM
    );
    println!(
        "as aligned:           mean {m1:.3} mm, median {med1:.3}, max {max1:.3}; not aligned: {unaligned}"
    );
}
