//! Multi-page TIFF with every compression intake takes: CCITT G3 1-D and 2-D, G4, LZW, Deflate, PackBits.
#![no_main]
#[path = "common/decode.rs"]
mod decode;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if data.starts_with(b"II*\0") || data.starts_with(b"MM\0*") {
        decode::decode_all(data);
    }
});
