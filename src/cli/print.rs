//! `blankett print`: a batch of blank forms for an emergency binder or a print shop.

use super::CliError;
use crate::domain::regions::Regions;
use crate::forms::{Registry, definition::FormKind};
use crate::render::Renderer;
use crate::store::Store;
use crate::store::issued::Channel;
use clap::Args;
use std::path::PathBuf;

pub const MAX_COUNT: usize = 1000;

#[derive(Args)]
pub struct PrintArgs {
    #[arg(long)]
    form: String,
    /// County code of the region whose smittskyddsläkare receives the forms (01, 03, ... 25).
    #[arg(long)]
    region: String,
    #[arg(long)]
    count: usize,
    #[arg(long)]
    out: PathBuf,
    /// A form version other than the newest.
    #[arg(long)]
    version: Option<u32>,
    /// A supplement printed after each form (repeatable), e.g. tillagg-tuberkulos.
    #[arg(long)]
    supplement: Vec<String>,
    /// The data folder (default: $BLANKETT_DATA or ./var).
    #[arg(long)]
    data: Option<PathBuf>,
}

pub fn run(args: PrintArgs) -> Result<(), CliError> {
    if args.count == 0 || args.count > MAX_COUNT {
        return Err(CliError::Usage(format!(
            "--count ska vara 1–{MAX_COUNT}, fick {}",
            args.count
        )));
    }
    let registry = Registry::embedded();
    let form = registry
        .get(&args.form, args.version)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    if form.kind() != FormKind::Main {
        return Err(CliError::Usage(format!(
            "{} är en tilläggsblankett; skriv ut den med --supplement",
            form.name()
        )));
    }
    let mut parts = vec![form.as_ref()];
    for name in &args.supplement {
        let supplement = registry
            .get(name, None)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        if supplement.kind() != FormKind::Supplement {
            return Err(CliError::Usage(format!("{name} är ingen tilläggsblankett")));
        }
        parts.push(supplement.as_ref());
    }
    let data_dir = super::data_dir(args.data);
    let regions = Regions::from_env_or_data_dir(Some(&data_dir))
        .map_err(|e| CliError::Failed(format!("{e:#}")))?;
    let region = regions.get(&args.region).ok_or_else(|| {
        CliError::Usage(format!(
            "okänd region '{}' (ange länskoden, t.ex. 01 för Stockholm)",
            args.region
        ))
    })?;

    let store = Store::open(&data_dir).map_err(|e| CliError::Failed(e.to_string()))?;
    let renderer = Renderer::new(registry);
    let ids = crate::blanks::issue(&store, &parts, region, args.count, Channel::Batch)
        .map_err(CliError::Failed)?;
    // Flushed before rendering: the IDs are on disk whatever happens next, and sled's flusher thread is not
    // left writing a thousand new IDs while the copies render (it cost 13 % more CPU when it was).
    store.flush().map_err(|e| CliError::Failed(e.to_string()))?;
    let pdf = crate::blanks::render(&renderer, &parts, region, &ids).map_err(CliError::Failed)?;
    write_atomically(&args.out, &pdf)
        .map_err(|e| CliError::Failed(format!("{}: {e}", args.out.display())))?;
    for id in ids {
        println!("{id}");
    }
    Ok(())
}

/// Writes next to the target and renames, so a reader never sees half a PDF.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("pdf.part");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
