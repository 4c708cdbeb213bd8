//! Uploads are streamed to disk: a 120 MB upload, and eight 150 MB uploads at once, raise the service's peak
//! resident memory (VmHWM in /proc) by less than 64 MB. The bodies are generated as they are sent, so the test
//! itself holds none of them; they are no scan format, so intake refuses them at once and the figure is the
//! upload's alone. `UPLOAD_MEMORY_REPORT=1` prints the figures.

mod staff_support;
mod web_support;

use staff_support::*;
use std::io::Read;
use std::time::Duration;
use web_support::*;

/// VmHWM of a process, in kB.
fn peak_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// `len` bytes of noise, made as they are read.
struct Noise {
    left: u64,
    state: u64,
}

impl Read for Noise {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.left as usize);
        for b in &mut buf[..n] {
            // xorshift: no scan format's magic bytes, and nothing that compresses.
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            *b = self.state as u8;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn upload(server: &Server, client: &Client<'_>, len: u64, seed: u64) -> u16 {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .into();
    let csrf = client.csrf.lock().unwrap().clone();
    let mut body = Noise {
        left: len,
        state: seed | 1,
    };
    let res = agent
        .post(&server.url("/staff/inlasning"))
        .header("cookie", &client.cookie_header())
        .header("x-csrf-token", &csrf)
        .header("x-filename", &format!("stor-{seed}.bin"))
        .header("content-type", "application/octet-stream")
        .header("content-length", &len.to_string())
        .send(ureq::SendBody::from_reader(&mut body))
        .expect("upload answered");
    res.status().as_u16()
}

#[test]
fn large_uploads_raise_peak_memory_by_less_than_64_mb() {
    let dir = tempfile::tempdir().unwrap();
    with_staff(dir.path(), |_, staff| add_accounts(staff));
    let server = Server::start_in(dir, &[]);
    let anna = Client::logged_in(&server, "anna");
    // Warm: one small upload first, so that the first-use allocations of the upload path are in the baseline.
    upload(&server, &anna, 1 << 20, 1);
    let before = peak_kb(server.pid());
    let status = upload(&server, &anna, 120 << 20, 2);
    assert!(status < 500, "answered {status}");
    let one = peak_kb(server.pid()) - before;

    let before_eight = peak_kb(server.pid());
    std::thread::scope(|s| {
        for i in 0..8 {
            let (server, anna) = (&server, &anna);
            s.spawn(move || {
                let status = upload(server, anna, 150 << 20, 10 + i);
                assert!(status < 500, "answered {status}");
            });
        }
    });
    let eight = peak_kb(server.pid()) - before_eight;
    if std::env::var_os("UPLOAD_MEMORY_REPORT").is_some() {
        eprintln!(
            "upload_memory: baseline {before} kB; 120 MB upload +{one} kB; 8 x 150 MB at once +{eight} kB"
        );
    }
    assert!(
        one < 64 * 1024,
        "a 120 MB upload raised peak memory by {one} kB"
    );
    assert!(
        eight < 64 * 1024,
        "eight 150 MB uploads raised peak memory by {eight} kB"
    );
}
