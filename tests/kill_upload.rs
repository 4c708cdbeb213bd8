//! kill -9 of the service during an upload: after the restart nothing of the cut upload is kept (no scan record,
//! no half file left under scans/), what was taken in before is still there, and the same scan uploaded again is
//! taken in once.

mod staff_support;
mod web_support;

use staff_support::*;
use std::io::Read;
use std::time::Duration;
use web_support::*;

/// An upload body that comes slowly: a tenth of it, then nothing for a long while.
struct Slow {
    sent: usize,
}

impl Read for Slow {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.sent > 4 << 20 {
            std::thread::sleep(Duration::from_secs(5));
            return Err(std::io::Error::other("stopped"));
        }
        let n = buf.len().min(64 * 1024);
        buf[..n].fill(0x42);
        self.sent += n;
        Ok(n)
    }
}

fn part_files(data: &std::path::Path) -> usize {
    std::fs::read_dir(data.join("scans"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().starts_with(".upload-"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_service_killed_during_an_upload_keeps_nothing_half_and_everything_before() {
    let (dir, docs) = prepared();
    let scans_before = std::fs::read_dir(dir.path().join("scans")).unwrap().count();
    let server = Server::start_in(dir, &[]);
    let anna = Client::logged_in(&server, "anna");
    let url = server.url("/staff/inlasning");
    let (cookie, csrf) = (anna.cookie_header(), anna.csrf.lock().unwrap().clone());
    let sender = std::thread::spawn(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let _ = agent
            .post(&url)
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .header("x-filename", "avbruten.pdf")
            .header("content-length", &(100u64 << 20).to_string())
            .send(ureq::SendBody::from_reader(&mut Slow { sent: 0 }));
    });
    // The upload is being written under scans/ when the service dies.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while part_files(server.data_dir()) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the upload never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let dir = server.kill9();
    assert_eq!(
        part_files(dir.path()),
        1,
        "the cut upload's file is left by the kill"
    );

    let server = Server::start_in(dir, &[]);
    assert_eq!(part_files(server.data_dir()), 0, "removed at start");
    let scans_after = std::fs::read_dir(server.data_dir().join("scans"))
        .unwrap()
        .count();
    assert_eq!(
        scans_after, scans_before,
        "nothing of the cut upload was kept"
    );
    let anna = Client::logged_in(&server, "anna");
    let doc = docs.iter().find(|d| d.region == "01").unwrap();
    let page = anna.get(&format!("/staff/dokument/{}", key_path(&doc.key)));
    assert_eq!(page.status, 200, "what came before is still there");
    drop(server);
    let _ = sender.join();
}
