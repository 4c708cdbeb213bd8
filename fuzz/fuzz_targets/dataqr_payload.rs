//! The data QR code of a form filled on screen: the symbols' texts (split at newlines) to a page's values.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let texts: Vec<&str> = text.split('\n').collect();
    let registry = blankett::forms::Registry::embedded();
    let _ = blankett::dataqr::decode(registry, &texts);
    let _ = blankett::dataqr::base45_decode(text);
});
