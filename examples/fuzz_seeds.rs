//! Seeds for the fuzz targets in `fuzz/` that are not scan files, made with the project's own encoders: data QR
//! texts of a form filled on screen, page stamps and form IDs, multipart upload bodies. The scan files come from
//! the decode tests (`BLANKETT_FUZZ_SEEDS=DIR cargo test --release --features synth --test decode`), the form
//! definitions and CSV tables from `forms/` and `data/` (`scripts/fuzz.sh --seeds` runs all three).
//!
//! cargo run --release --example fuzz_seeds -- fuzz/corpus

use blankett::dataqr;
use blankett::formid::{FormId, PageStamp};
use blankett::forms::Registry;
use blankett::validation::{FieldValue, FormValues};
use std::path::Path;

fn put(dir: &Path, target: &str, name: &str, bytes: &[u8]) {
    let d = dir.join(target);
    std::fs::create_dir_all(&d).expect("seed folder");
    std::fs::write(d.join(name), bytes).expect("seed file");
}

fn main() {
    let out = std::env::args()
        .nth(1)
        .expect("usage: fuzz_seeds OUT_DIR (e.g. fuzz/corpus)");
    let out = Path::new(&out);
    let registry = Registry::embedded();
    for (n, name) in ["klinisk", "paragraf-ovrig"].iter().enumerate() {
        let form = registry.get(name, None).expect("embedded form");
        let id = FormId::generate(form.code);
        let mut values = FormValues::new();
        values.insert(
            "patient.personnummer".into(),
            FieldValue::Text("198112189876".into()),
        );
        values.insert("patient.namn".into(), FieldValue::Text("BERG ANNA".into()));
        values.insert(
            "anmalan.typ".into(),
            FieldValue::Ticked(vec!["nytt_fall".into()]),
        );
        for (p, page) in form.layout.pages.iter().enumerate() {
            for room in [1, 2] {
                if let Ok(symbols) = dataqr::encode(id, form, page, &values, room) {
                    let text = symbols.texts().join("\n");
                    put(
                        out,
                        "dataqr_payload",
                        &format!("{n}-{p}-{room}.txt"),
                        text.as_bytes(),
                    );
                }
            }
            let stamp = PageStamp {
                id,
                page: p as u32 + 1,
                pages: form.layout.pages.len() as u32,
                template: form.code,
                template_page: p as u32 + 1,
            };
            put(
                out,
                "page_stamp",
                &format!("{n}-{p}.txt"),
                stamp.encode().as_bytes(),
            );
        }
        put(
            out,
            "page_stamp",
            &format!("{n}-id.txt"),
            id.to_string().as_bytes(),
        );
        put(
            out,
            "page_stamp",
            &format!("{n}-compact.txt"),
            id.compact().as_bytes(),
        );
    }
    // The upload form as a browser sends it: the CSRF field, the region, then the file. The first byte is the
    // chunk size the target cuts the body into.
    let body = |csrf_first: bool, file: &[u8]| {
        let mut b = Vec::new();
        let field = |b: &mut Vec<u8>, name: &str, value: &str| {
            b.extend_from_slice(
                format!(
                    "--XyZzy\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            )
        };
        if csrf_first {
            field(&mut b, "csrf", "0123456789abcdef");
        }
        field(&mut b, "region", "01");
        b.extend_from_slice(
            b"--XyZzy\r\nContent-Disposition: form-data; name=\"fil\"; filename=\"skanning.pdf\"\r\n\
              Content-Type: application/pdf\r\n\r\n",
        );
        b.extend_from_slice(file);
        b.extend_from_slice(b"\r\n--XyZzy--\r\n");
        b
    };
    for (i, (cut, csrf, file)) in [
        (7u8, true, &b"%PDF-1.4 tiny"[..]),
        (63, true, &b"\r\n--XyZ not the end\r\n"[..]),
        (0, false, &b"II*\0"[..]),
    ]
    .into_iter()
    .enumerate()
    {
        let mut seed = vec![cut];
        seed.extend(body(csrf, file));
        put(out, "multipart", &format!("body-{i}"), &seed);
    }
}
