//! Notion webhook signatures (`X-Notion-Signature: sha256=<hex>`): `verify_signature` never
//! panics on any header, accepts exactly what `sign` produced under a non-empty token, and
//! refuses the same signature under another body or a changed digit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use notion_relay::notion::webhook::{sign, verify_signature};

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let split = (split as usize).min(rest.len());
    let (token, body) = rest.split_at(split);
    let token = String::from_utf8_lossy(token);
    // Any header at all: never a panic, and a made-up one almost never matches.
    let forged = String::from_utf8_lossy(body);
    let _ = verify_signature(&token, body, Some(&forged));

    let signature = sign(&token, body);
    let verdict = verify_signature(&token, body, Some(&signature));
    assert_eq!(verdict.is_ok(), !token.is_empty(), "{signature} under {token:?}");
    let mut other = body.to_vec();
    other.push(b'x');
    assert!(verify_signature(&token, &other, Some(&signature)).is_err());
    let mut changed = signature.clone().into_bytes();
    let last = changed.last_mut().expect("a digest");
    *last = if *last == b'0' { b'1' } else { b'0' };
    let changed = String::from_utf8(changed).expect("hex");
    assert!(verify_signature(&token, body, Some(&changed)).is_err());
});
