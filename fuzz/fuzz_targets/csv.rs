//! The CSV reader of the reference tables (quoted fields, doubled quotes, line breaks inside quotes).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = blankett::fuzz_entry::csv_table(text);
    }
});
