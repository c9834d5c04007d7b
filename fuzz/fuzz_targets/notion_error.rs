//! Decoding Notion's error answers (`parse_error_response`): whatever the status, body and
//! headers, it never panics, keeps the status, and renders a bounded message.
//!
//! Input layout: two bytes of status (big-endian, folded into 100..=999), then the `Retry-After`
//! value up to the first newline, the `x-notion-request-id` value up to the next one, then the
//! body. `fuzz/seed_corpus.py` writes the recorded Notion error answers in this layout.
#![no_main]

use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use notion_relay::notion::{parse_error_response, Error};

fuzz_target!(|data: &[u8]| {
    let [hi, lo, rest @ ..] = data else {
        return;
    };
    let status = 100 + u16::from_be_bytes([*hi, *lo]) % 900;
    let (retry_after, rest) = line(rest);
    let (request_id, body) = line(rest);
    let retry_after = String::from_utf8_lossy(retry_after);
    let request_id = String::from_utf8_lossy(request_id);
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000);
    let error = parse_error_response(
        status,
        body,
        Some(&retry_after)
            .filter(|v| !v.is_empty())
            .map(|v| v.as_ref()),
        Some(&request_id)
            .filter(|v| !v.is_empty())
            .map(|v| v.as_ref()),
        now,
    );
    assert_eq!(error.status(), Some(status));
    let Error::Api { ref message, .. } = error else {
        panic!("not an API error: {error:?}");
    };
    // A body that is not Notion's JSON is cut to a snippet; Notion's own message is kept whole.
    assert!(
        message.len() <= body.len() * 3 + 64,
        "message grew past its body"
    );
    let _ = error.to_string();
    let _ = error.is_retryable();
});

/// The bytes up to the first `\n`, and what follows it.
fn line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|b| *b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[]),
    }
}
