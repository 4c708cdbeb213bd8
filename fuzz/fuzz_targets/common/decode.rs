//! Shared by the decoder targets: the bytes as a scan file, opened and every page decoded as intake does, with
//! limits small enough that one input costs milliseconds, not seconds.

use blankett::intake::decode::{Limits, open};
use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

fn path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        // In memory where there is a tmpfs: libFuzzer runs thousands of inputs a second.
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = tempfile::Builder::new()
            .prefix("blankett-fuzz")
            .tempdir_in(base)
            .expect("temporary folder")
            .keep();
        dir.join("scan")
    })
}

pub fn decode_all(data: &[u8]) {
    let path = path();
    {
        let mut f = std::fs::File::create(path).expect("scratch file");
        f.write_all(data).expect("scratch file");
    }
    let limits = Limits {
        max_file_bytes: 1 << 20,
        max_pages: 8,
        max_page_pixels: 4_000_000,
        max_page_side: 8_000,
        max_decoded_bytes: 16 << 20,
    };
    let Ok(source) = open(path, &limits) else {
        return;
    };
    for page in source.pages().take(4) {
        if let Ok(page) = page {
            assert!(page.image.width() > 0 && page.image.height() > 0);
        }
    }
}
