//! Notion-style identifiers: dashed version-4 UUIDs from the emulator's seeded generator (so a
//! run is reproducible), the undashed form clients may send, and short schema property ids.

use fastrand::Rng;

/// A new dashed UUID (`8-4-4-4-12`, version 4, RFC 4122 variant).
pub fn new_uuid(rng: &mut Rng) -> String {
    let mut bytes = [0u8; 16];
    for b in bytes.iter_mut() {
        *b = rng.u8(..);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    dashed(&hex)
}

fn dashed(hex: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Accepts either form Notion accepts (with or without dashes) and returns the dashed,
/// lower-case one; `None` when it is not a UUID at all.
pub fn normalize(id: &str) -> Option<String> {
    let hex: String = id
        .chars()
        .filter(|c| *c != '-')
        .collect::<String>()
        .to_ascii_lowercase();
    if hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Some(dashed(&hex))
    } else {
        None
    }
}

pub fn undashed(id: &str) -> String {
    id.replace('-', "")
}

/// A short property id like Notion's (`"BimR"`); the title property is always `"title"`.
pub fn property_id(rng: &mut Rng) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..4)
        .map(|_| CHARS[rng.usize(..CHARS.len())] as char)
        .collect()
}

/// An opaque token-like string (`ntn_` + 40 alphanumerics).
pub fn token(rng: &mut Rng, prefix: &str) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let body: String = (0..40)
        .map(|_| CHARS[rng.usize(..CHARS.len())] as char)
        .collect();
    format!("{prefix}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_uuids_are_dashed_version_4_and_reproducible_from_a_seed() {
        let a = new_uuid(&mut Rng::with_seed(7));
        let b = new_uuid(&mut Rng::with_seed(7));
        assert_eq!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
    }

    #[test]
    fn normalize_accepts_undashed_ids_and_rejects_other_strings() {
        assert_eq!(
            normalize("95ba011667764c199e4554e77415f03b").as_deref(),
            Some("95ba0116-6776-4c19-9e45-54e77415f03b")
        );
        assert_eq!(normalize("not-an-id"), None);
    }
}
