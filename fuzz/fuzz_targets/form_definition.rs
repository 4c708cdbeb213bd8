//! The form-definition loader: TOML to a laid-out, validated form, or an error that names the problem.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = blankett::forms::load_definition("fuzz.toml", text);
    }
});
