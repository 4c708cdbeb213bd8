//! Every input a fuzz target found a fault with (`fuzz/regressions/TARGET/`) goes through the same code again,
//! here in the ordinary test build: an error is fine, a panic is not, even one that intake's decoder guard would
//! have turned into an error.

use blankett::intake::decode::{Limits, open};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

static PANICS: AtomicUsize = AtomicUsize::new(0);

fn inputs(target: &str) -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    files.sort();
    files
}

#[test]
fn inputs_that_once_panicked_a_decoder_give_an_answer() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        previous(info);
    }));
    let mut tried = 0;
    for target in ["decode_pdf", "decode_tiff", "decode_image"] {
        for path in inputs(target) {
            tried += 1;
            let before = PANICS.load(Ordering::SeqCst);
            if let Ok(source) = open(&path, &Limits::default()) {
                for page in source.pages().take(8) {
                    let _ = page;
                }
            }
            assert_eq!(
                PANICS.load(Ordering::SeqCst),
                before,
                "{} panicked",
                path.display()
            );
        }
    }
    assert!(tried > 0, "no regression inputs found");
}

#[test]
fn form_definitions_that_once_panicked_the_loader_give_an_answer() {
    let files = inputs("form_definition");
    assert!(!files.is_empty(), "no regression inputs found");
    for path in files {
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        let loaded =
            std::panic::catch_unwind(|| blankett::forms::load_definition("fuzz.toml", &text));
        assert!(loaded.is_ok(), "{} panicked", path.display());
    }
}
