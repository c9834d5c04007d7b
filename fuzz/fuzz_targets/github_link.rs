//! GitHub `Link` headers (RFC 8288): `next_link` never panics, and what it returns is a URL that
//! stood between `<` and `>` in the header.
#![no_main]

use libfuzzer_sys::fuzz_target;
use notion_relay::github::rest::link::next_link;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(url) = next_link(header) {
        assert!(header.contains(url), "{url:?} is not from {header:?}");
        assert!(!url.contains('>'), "{url:?} runs past its closing bracket");
        assert_eq!(url, url.trim());
    }
});
