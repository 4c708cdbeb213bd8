//! The staff upload's `multipart/form-data` body, streamed: the first byte picks where the network cuts it into
//! chunks, so that a delimiter split across two chunks is tried too.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&cut, body)) = data.split_first() else {
        return;
    };
    let step = usize::from(cut % 64) + 1;
    let chunks: Vec<Vec<u8>> = body.chunks(step).map(<[u8]>::to_vec).collect();
    let dir = std::env::temp_dir().join("blankett-fuzz-multipart");
    let _ = blankett::fuzz_entry::multipart_body("XyZzy", chunks, &dir);
    if let Ok(text) = std::str::from_utf8(body) {
        let _ = blankett::fuzz_entry::multipart_boundary(text);
    }
});
