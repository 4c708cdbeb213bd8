//! Decode budgets on hostile files, through `blankett intake` as an operator runs it: a small PNG that decodes to
//! 959 MB (16-bit RGBA under the pixel limit) is refused before it is decoded, and a PDF whose pages share one
//! content stream unpacking to 1 GiB is not handed to Poppler page after page. Each page goes to the
//! unidentified queue with its reason, the file is kept, and the batch goes on.

use blankett::synth::hostile;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// `blankett intake --data DATA FILE...`: the JSON lines, standard error, and the exit code.
fn intake(data: &Path, files: &[&Path]) -> (Vec<serde_json::Value>, String, Option<i32>) {
    let out = Command::new(env!("CARGO_BIN_EXE_blankett"))
        .arg("intake")
        .arg("--data")
        .arg(data)
        .args(files)
        .output()
        .expect("blankett intake runs");
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    (
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

/// The largest resident set of any child this process has waited for, in bytes.
fn children_peak_rss() -> u64 {
    // SAFETY: getrusage writes into the struct it is given and nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(rc, 0);
    usage.ru_maxrss as u64 * 1024
}

#[test]
fn a_png_that_decodes_to_a_gigabyte_is_refused_before_decoding() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.png");
    let bytes = hostile::png_bomb(10_950);
    assert!(bytes.len() < 1_200_000, "{} bytes", bytes.len());
    std::fs::write(&bomb, &bytes).unwrap();
    // A good file after it: the batch goes on.
    let other = dir.path().join("other.pdf");
    std::fs::write(&other, hostile::shared_stream_pdf(1, 1 << 20)).unwrap();
    let data = dir.path().join("data");
    let started = Instant::now();
    let (lines, stderr, code) = intake(&data, &[&bomb, &other]);
    let took = started.elapsed();
    let peak = children_peak_rss();
    eprintln!(
        "PNG bomb ({} bytes): {took:?}, children's peak RSS {} MB; {lines:?}",
        bytes.len(),
        peak >> 20
    );
    assert!(peak < 400 << 20, "peak {} MB", peak >> 20);
    let png = lines
        .iter()
        .find(|l| {
            l["source"]
                .as_str()
                .is_some_and(|s| s.ends_with("bomb.png"))
        })
        .expect("a line for the PNG");
    assert_eq!(png["status"], "unidentified");
    let reason = png["reason"].as_str().unwrap();
    assert!(reason.contains("för stor avkodad"), "{reason}");
    assert!(reason.contains("10950 x 10950"), "{reason}");
    // The CLI says why on standard error (the report's reason, not an empty one).
    assert!(
        stderr.contains("bomb.png: sida 1:") && stderr.contains("för stor avkodad"),
        "{stderr}"
    );
    assert_eq!(code, Some(1), "unreadable pages make the exit code 1");
    assert!(
        lines.iter().any(|l| l["source"]
            .as_str()
            .is_some_and(|s| s.ends_with("other.pdf"))),
        "the batch went on: {lines:?}"
    );
    // The file is kept as received.
    let sha = blankett::store::scans::sha256_hex(&bytes);
    assert_eq!(std::fs::read(data.join("scans").join(&sha)).unwrap(), bytes);
}

#[test]
fn pages_sharing_a_gigabyte_content_stream_are_queued_fast() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("shared.pdf");
    let bytes = hostile::shared_stream_pdf(4, 1 << 30);
    assert!(bytes.len() < 1_500_000, "{} bytes", bytes.len());
    std::fs::write(&pdf, &bytes).unwrap();
    let data = dir.path().join("data");
    let started = Instant::now();
    let (lines, stderr, _) = intake(&data, &[&pdf]);
    let took = started.elapsed();
    eprintln!("4 pages sharing a 1 GiB stream: {took:?}; {lines:?}; {stderr}");
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert_eq!(lines.len(), 4, "{lines:?}");
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["status"], "unidentified");
        assert_eq!(line["page"], i + 1);
        let reason = line["reason"].as_str().unwrap();
        assert!(reason.contains("packas upp till mer än 32 MB"), "{reason}");
    }
    let sha = blankett::store::scans::sha256_hex(&bytes);
    assert!(data.join("scans").join(&sha).exists(), "the file is kept");
}
