//! Poppler (Debian: poppler-utils) for what is not read here: `pdftoppm` rasterises a PDF page that is not a single
//! scanned image, `pdfinfo` counts the pages of an encrypted file. Each runs as a child process with a memory
//! ceiling and a time limit, writing into a temporary directory.

use super::{DecodeError, Limits, check_page_size, image_limits};
use image::{DynamicImage, GrayImage, ImageDecoder, ImageFormat, ImageReader};
use std::fs::File;
use std::io::BufReader;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A page that takes longer than this on the clock is given up (the child is killed).
const TIME_LIMIT: Duration = Duration::from_secs(60);
/// CPU seconds a child may use (`ulimit -t`): one page at 300 dpi takes well under a second.
const CPU_LIMIT_SECS: u64 = 20;
/// Address-space ceiling for a child, in KiB (`ulimit -v`): an A4 page at 300 dpi in grey is 9 MB, and the
/// images a page may carry are bounded before Poppler is asked (`pdf::budget`).
const MEMORY_LIMIT_KIB: u64 = 3 << 19;

/// Render page `index` (0-based) of the PDF at `path` in grey at `dpi`.
pub(super) fn render_page(
    path: &Path,
    index: usize,
    dpi: u32,
    limits: &Limits,
) -> Result<GrayImage, DecodeError> {
    let fail = |reason: String| DecodeError::Page {
        page: index + 1,
        reason,
    };
    // The fuzz targets test this crate's parsers, not Poppler's, at thousands of inputs a second.
    if cfg!(fuzzing) {
        return Err(fail("Poppler körs inte under fuzzning".into()));
    }
    let dir = TempDir::new()?;
    let prefix = dir.0.join("page");
    let page = (index + 1).to_string();
    let dpi = dpi.to_string();
    let args = ["-r", &dpi, "-gray", "-f", &page, "-l", &page, "-singlefile"];
    run("pdftoppm", &args, path, Some(&prefix), &dir).map_err(fail)?;
    let output = dir.0.join("page.pgm");
    let mut reader =
        ImageReader::with_format(BufReader::new(File::open(&output)?), ImageFormat::Pnm);
    reader.limits(image_limits(limits));
    let decoder = reader
        .into_decoder()
        .map_err(|e| fail(format!("pdftoppms bild kunde inte läsas ({e})")))?;
    let (w, h) = decoder.dimensions();
    check_page_size(index, u64::from(w), u64::from(h), limits)?;
    let img = DynamicImage::from_decoder(decoder)
        .map_err(|e| fail(format!("pdftoppms bild kunde inte läsas ({e})")))?;
    Ok(img.into_luma8())
}

/// The number of pages as Poppler's `pdfinfo` counts them (for encrypted files, whose structure is not read here).
pub(super) fn page_count(path: &Path) -> Result<usize, DecodeError> {
    if cfg!(fuzzing) {
        return Err(DecodeError::Corrupt(
            "Poppler körs inte under fuzzning".into(),
        ));
    }
    let dir = TempDir::new()?;
    run("pdfinfo", &[], path, None, &dir).map_err(DecodeError::Corrupt)?;
    let info = std::fs::read_to_string(dir.0.join("stdout")).unwrap_or_default();
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:").and_then(|n| n.trim().parse().ok()))
        .ok_or_else(|| DecodeError::Corrupt("pdfinfo kunde inte räkna sidorna".into()))
}

/// Run a Poppler tool on `pdf` (then `out`, if given) with a memory ceiling and a time limit; its standard output
/// goes to `stdout` in `dir`. `Err` says why it failed, in Swedish.
fn run(
    program: &str,
    args: &[&str],
    pdf: &Path,
    out: Option<&Path>,
    dir: &TempDir,
) -> Result<(), String> {
    let pdf = pdf.canonicalize().map_err(|e| e.to_string())?; // absolute, so it cannot be read as an option
    let stdout = File::create(dir.0.join("stdout")).map_err(|e| e.to_string())?;
    let stderr = File::create(dir.0.join("stderr")).map_err(|e| e.to_string())?;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {MEMORY_LIMIT_KIB} 2>/dev/null; ulimit -t {CPU_LIMIT_SECS} 2>/dev/null; exec \"$0\" \"$@\""
        ))
        .arg(program)
        .args(args)
        .arg(&pdf)
        .args(out)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("{program} kunde inte startas ({e})"))?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "{program} blev inte klar på {} s",
                TIME_LIMIT.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    if status.success() {
        return Ok(());
    }
    let said = std::fs::read_to_string(dir.0.join("stderr")).unwrap_or_default();
    let said = said
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string();
    // SIGXCPU: the CPU-time limit; SIGKILL past it too.
    if matches!(status.signal(), Some(24 | 9)) {
        return Err(format!(
            "{program} avbröts efter {CPU_LIMIT_SECS} s processortid"
        ));
    }
    Err(match status.code() {
        Some(127) => format!("{program} saknas (installera poppler-utils)"),
        _ if said.is_empty() => format!("{program} misslyckades ({status})"),
        _ => format!("{program} misslyckades ({status}: {said})"),
    })
}

/// A fresh directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let base = std::env::temp_dir();
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let dir = base.join(format!(
                "blankett-decode-{}-{n}-{nanos}",
                std::process::id()
            ));
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(TempDir(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
