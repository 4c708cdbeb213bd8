//! Reviews form definitions from a folder before they are built in: every problem the loader finds, the space
//! left at the foot of each page, and a PDF of one copy of each form for a person to look at.
//!
//!     cargo run --release --example form_review -- forms /tmp/review
//!
//! Definitions are compiled into the binary, so a change under `forms/` rebuilds the library; this reads them
//! from a folder instead, which makes trying a layout a matter of seconds.

use blankett::domain::regions::Regions;
use blankett::formid::FormId;
use blankett::forms::page::BODY_BOTTOM;
use blankett::forms::{Registry, load_definition};
use blankett::render::{Copy, Renderer};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "forms".into()));
    let out = PathBuf::from(args.next().unwrap_or_else(|| "/tmp/form-review".into()));
    std::fs::create_dir_all(&out)?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut good = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path)?;
        match load_definition(&path.display().to_string(), &text) {
            Ok(form) => {
                good.push((path.display().to_string(), text.clone()));
                let room: Vec<String> = form
                    .layout
                    .pages
                    .iter()
                    .map(|p| {
                        let bottom = p
                            .fields
                            .iter()
                            .flat_map(|f| f.boxes())
                            .map(|r| r.bottom())
                            .fold(0.0f32, f32::max);
                        format!("p{} {:.1} mm free", p.page, BODY_BOTTOM - bottom)
                    })
                    .collect();
                println!(
                    "ok    {} v{}: {}",
                    form.name(),
                    form.version(),
                    room.join(", ")
                );
            }
            Err(e) => println!("FAIL  {e}"),
        }
    }
    // The definitions that load, rendered.
    let registry = Registry::from_sources(good.iter().map(|(f, t)| (f.as_str(), t.as_str())))
        .map_err(|e| e.to_string())?;
    let renderer = Renderer::new(&registry);
    let regions = Regions::embedded();
    let region = regions.get("21").ok_or("region 21")?;
    let klinisk = registry
        .get("klinisk", Some(1))
        .map_err(|e| e.to_string())?;
    for form in registry.all() {
        // A supplement is printed after a main form.
        let parts = if form.kind() == blankett::forms::definition::FormKind::Supplement {
            vec![klinisk.as_ref(), form.as_ref()]
        } else {
            vec![form.as_ref()]
        };
        let pdf = renderer.render_one(&Copy {
            id: FormId::generate(parts[0].code),
            parts,
            region,
        })?;
        let file = out.join(format!("{}.v{}.pdf", form.name(), form.version()));
        std::fs::write(&file, pdf)?;
    }
    println!("PDFs in {}", out.display());
    Ok(())
}
