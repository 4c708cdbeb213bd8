//! The page stamp in a page's QR code and the form ID typed or read from paper: what decodes must encode back.
#![no_main]
use blankett::formid::{FormId, PageStamp};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(stamp) = PageStamp::decode(text) {
        assert_eq!(PageStamp::decode(&stamp.encode()), Some(stamp));
    }
    if let Ok(id) = FormId::parse(text) {
        assert_eq!(FormId::parse(&id.to_string()), Ok(id));
        assert_eq!(FormId::parse(&id.compact()), Ok(id));
    }
});
