//! PDF object loading and page decoding (DCT, Flate with predictors, CCITT, LZW, ... as a scanner writes them).
#![no_main]
#[path = "common/decode.rs"]
mod decode;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // Always a PDF to the sniffer, so no input is spent on the other formats.
    if data.starts_with(b"%PDF-") {
        decode::decode_all(data);
    } else {
        let mut file = b"%PDF-1.4\n".to_vec();
        file.extend_from_slice(data);
        decode::decode_all(&file);
    }
});
