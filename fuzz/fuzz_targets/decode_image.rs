//! PNG and JPEG as intake decodes them (header checked against the limits before the pixels).
#![no_main]
#[path = "common/decode.rs"]
mod decode;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if data.starts_with(b"\x89PNG") || data.starts_with(b"\xff\xd8") {
        decode::decode_all(data);
    }
});
