//! A real `blankett serve` on a random port over real HTTP, with a fresh data folder (real sled) in a temporary
//! directory and its standard error captured, for the web tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub base: String,
    log: Arc<Mutex<String>>,
    dir: tempfile::TempDir,
    agent: ureq::Agent,
}

pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or_default()
    }
}

impl Server {
    /// Starts the binary with the rate limit off, unless `env` says otherwise.
    pub fn start(env: &[(&str, &str)]) -> Server {
        Server::start_in(tempfile::tempdir().expect("tempdir"), env)
    }

    /// As [`Server::start`], on a data folder prepared beforehand (accounts, documents taken in).
    pub fn start_in(dir: tempfile::TempDir, env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_blankett"));
        cmd.args(["serve", "--bind", "127.0.0.1:0", "--workers", "2", "--data"])
            .arg(dir.path())
            .env("BLANKETT_PUBLIC_RATE_LIMIT", "0")
            .env_remove("BLANKETT_REGIONS")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("blankett serve starts");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().expect("stderr");
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("blankett: lyssnar på ")
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(addr.to_string());
                }
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        let stdout = child.stdout.take().expect("stdout");
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = BufReader::new(stdout).read_to_string(&mut s);
            sink.lock().unwrap().push_str(&s);
        });
        let base = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("the server did not start: {}", log.lock().unwrap()));
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Server {
            child,
            base,
            log,
            dir,
            agent,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Everything the server wrote to standard error and standard output so far.
    pub fn log(&self) -> String {
        // The log thread reads line by line; give it a moment to catch up.
        std::thread::sleep(Duration::from_millis(200));
        self.log.lock().unwrap().clone()
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The server's process id (for its memory figures in /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the server with SIGKILL, as a power cut or the OOM killer would, and hands back its data folder.
    pub fn kill9(mut self) -> tempfile::TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::mem::replace(&mut self.dir, tempfile::tempdir().expect("tempdir"))
    }

    /// An answer read whole: status, headers, body.
    pub fn answer(res: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
        let mut res = res.expect("an HTTP answer");
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect();
        let body = res
            .body_mut()
            .with_config()
            .limit(50 * 1024 * 1024)
            .read_to_vec()
            .expect("body");
        Answer {
            status,
            headers,
            body,
        }
    }

    pub fn get(&self, path: &str) -> Answer {
        Self::answer(self.agent.get(&self.url(path)).call())
    }

    pub fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        Self::answer(
            self.agent
                .post(&self.url(path))
                .send_form(fields.iter().copied()),
        )
    }

    pub fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Answer {
        Self::answer(
            self.agent
                .post(&self.url(path))
                .header("content-type", content_type)
                .send(body),
        )
    }

    /// Stops the server and waits for it, so that its database may be opened.
    pub fn stop(mut self) -> (tempfile::TempDir, String) {
        // SIGTERM: the server shuts down gracefully and flushes its database.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(Duration::from_millis(100));
        let log = self.log.lock().unwrap().clone();
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("tempdir"));
        (dir, log)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where tests leave files for a person to look at: `target/test-output/<name>/`.
pub fn output_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("test-output")
        .join(name);
    std::fs::create_dir_all(&dir).expect("output dir");
    dir
}

/// Rasterises `pdf` with Poppler at `dpi` in grey, as a scanner would see it.
pub fn rasterise(pdf: &Path, dpi: u32) -> Vec<image::GrayImage> {
    let dir = tempfile::tempdir().expect("tempdir");
    let prefix = dir.path().join("p");
    let status = Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-gray", "-png"])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .expect("pdftoppm runs (poppler-utils, scripts/install-deps.sh)");
    assert!(status.success(), "pdftoppm failed on {}", pdf.display());
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| image::open(f).expect("png").to_luma8())
        .collect()
}

/// Averages 2x2 blocks (rqrr samples one pixel per module; see shared/TECH-NOTES.md).
pub fn halve(img: &image::GrayImage) -> image::GrayImage {
    let (w, h) = (img.width() / 2, img.height() / 2);
    image::GrayImage::from_fn(w, h, |x, y| {
        let sum: u32 = [(0, 0), (1, 0), (0, 1), (1, 1)]
            .iter()
            .map(|(dx, dy)| u32::from(img.get_pixel(2 * x + dx, 2 * y + dy)[0]))
            .sum();
        image::Luma([(sum / 4) as u8])
    })
}

/// The values in the data QR code(s) of a page image at `dpi`, read as intake reads them: the page found by its
/// ID code, mapped by its corner marks, each symbol sampled module by module through the map.
pub fn data_qr_page(
    img: &image::GrayImage,
    dpi: u32,
) -> Result<blankett::dataqr::PageData, String> {
    use blankett::intake::{align, decode::ScanPage, identify, read};
    let page = ScanPage {
        index: 0,
        image: img.clone(),
        dpi: dpi as f32,
        bilevel: false,
    };
    let identify::Identification::Identified(id) = identify::identify(&page) else {
        return Err("the page's ID code was not found".into());
    };
    let al = align::align(&page, &id.qr_pairs())?;
    read::read_data_qr(&page, &al, blankett::forms::Registry::embedded())
        .ok_or_else(|| "no data QR code read".into())
}

/// Page count of a PDF, by Poppler's pdfinfo.
pub fn pdf_pages(pdf: &Path) -> usize {
    let out = Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .expect("pdfinfo runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse().unwrap()))
        .expect("Pages: line")
}

pub fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Waits until `path` exists and its size stops changing (a browser download finishing).
pub fn wait_for_file(dir: &Path, suffix: &str, timeout: Duration) -> Option<PathBuf> {
    let start = Instant::now();
    let mut last: Option<(PathBuf, u64)> = None;
    while start.elapsed() < timeout {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let p = e.path();
                if p.to_string_lossy().ends_with(suffix) {
                    let size = e.metadata().map(|m| m.len()).unwrap_or(0);
                    if let Some((lp, ls)) = &last
                        && *lp == p
                        && *ls == size
                        && size > 0
                    {
                        return Some(p);
                    }
                    last = Some((p, size));
                }
            }
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    None
}
