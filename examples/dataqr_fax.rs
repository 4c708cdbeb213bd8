//! Development probe: forms filled on screen, scanned at a quality, read back by the data QR route; prints the
//! length of each page's symbols, whether they were read and the device parameters. Usage: dataqr_fax QUALITY N SEED
use blankett::domain::regions::Regions;
use blankett::forms::Registry;
use blankett::intake::{align, decode, identify, read};
use blankett::render::Renderer;
use blankett::synth::degrade::Quality;
use blankett::synth::onscreen;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quality = Quality::from_name(&args[1]).unwrap();
    let n: usize = args[2].parse().unwrap();
    let seed: u64 = args[3].parse().unwrap();
    let registry = Registry::embedded();
    let renderer = Renderer::new(registry);
    let regions = Regions::embedded();
    let region = regions.get("01").unwrap();
    let forms = ["klinisk", "klinisk-sti", "paragraf-ovrig"];
    let dir = tempfile::tempdir().unwrap();
    let (mut ok, mut all) = (0, 0);
    for i in 0..n {
        let form = registry.get(forms[i % forms.len()], None).unwrap();
        let copy =
            onscreen::scan(&renderer, form, region, quality, seed, 5_000_000 + i as u64).unwrap();
        // The same copy again, through a device whose parameters are printed.
        let values = std::iter::once((form.name().to_string(), copy.values.clone())).collect();
        let rcopy = blankett::render::Copy {
            id: copy.id,
            parts: vec![form.as_ref()],
            region,
        };
        let pdf = renderer.render_filled(&rcopy, &values).unwrap();
        let mut rng = blankett::synth::rng(seed * 1000 + i as u64);
        let mut params = Vec::new();
        let pages: Vec<_> = blankett::synth::raster::rasterise(&pdf, 300)
            .unwrap()
            .iter()
            .map(|img| {
                let p = quality.params(&mut rng);
                params.push(format!(
                    "thr {:?} blur {:.2} rot {:.2} lines {:.4}",
                    p.binarize.as_ref().map(|b| (b.threshold, b.dither)),
                    p.blur,
                    p.rotation_deg,
                    p.line_errors
                ));
                let scan = blankett::synth::degrade::degrade(img, 300.0, &p, &mut rng);
                blankett::synth::pack::encode_page(
                    &scan,
                    blankett::synth::pack::FileFormat::Pdf
                        .codec(scan.bilevel, blankett::synth::pack::PageCodec::Jpeg(75)),
                )
            })
            .collect();
        let file = blankett::synth::pack::pdf(&pages).unwrap();
        let path = dir.path().join("f.pdf");
        std::fs::write(&path, &file).unwrap();
        let src = decode::open(&path, &decode::Limits::default()).unwrap();
        for (p, page) in src.pages().enumerate() {
            let page = page.unwrap();
            let layout = &form.layout.pages[p];
            let syms =
                blankett::render::filled::encode_page(copy.id, form, layout, &copy.values).unwrap();
            // Symbol lengths in characters (the level and version are the encoder's choice).
            let versions: Vec<usize> = syms.texts().iter().map(|t| t.len()).collect();
            let identify::Identification::Identified(id) = identify::identify(&page) else {
                println!("{i} p{p}: unidentified");
                continue;
            };
            let al = align::align(&page, &id.qr_pairs()).unwrap();
            let got = read::read_data_qr(&page, &al, registry).is_some();
            all += 1;
            ok += usize::from(got);
            if !got {
                let (x, y) = al.transform.apply(40.0, 260.0);
                let c =
                    image::imageops::crop_imm(&page.image, x as u32, y as u32, 260, 260).to_image();
                image::imageops::resize(&c, 780, 780, image::imageops::FilterType::Nearest)
                    .save(format!("/tmp/dq-{i}-{p}.png"))
                    .unwrap();
            }
            println!(
                "{i} p{p}: {} {versions:?} marks {} res {:.2} {}",
                if got { "ok  " } else { "FAIL" },
                al.marks_found,
                al.residual_mm,
                params[p]
            );
        }
    }
    println!("{ok}/{all}");
}
