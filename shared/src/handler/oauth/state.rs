//! The OAuth `state` parameter: a signed, expiring value, so the callback can tell a flow this
//! function started from a forged or replayed-late one without any server-side storage.
//!
//! Format: `v1.<issued_at>.<nonce>.<mac>` where `issued_at` is Unix seconds, `nonce` 16 random
//! bytes and `mac` HMAC-SHA256 keyed with the integration's client secret over the version,
//! time and nonce (both base64url, unpadded). Valid for [`STATE_TTL_SECS`] after issue.
//!
//! The nonce only makes each state unique; the MAC is what makes it unforgeable, so a
//! non-cryptographic generator is enough for it. What this cannot do without storage is refuse
//! a second use of one state within its ten minutes — Notion's authorization code is single-use,
//! which bounds that.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long a state is accepted after issue.
pub const STATE_TTL_SECS: u64 = 10 * 60;
/// Clock skew tolerated for a state that seems issued in the future (several containers).
const FUTURE_SKEW_SECS: u64 = 60;
const VERSION: &str = "v1";
const NONCE_BYTES: usize = 16;
/// Keeps this MAC from ever being valid for another use of the same key.
const CONTEXT: &[u8] = b"notion-relay oauth state";

type HmacSha256 = Hmac<Sha256>;

/// Why a state was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("the state parameter is missing")]
    Missing,
    #[error("the state parameter is malformed")]
    Malformed,
    #[error("the state parameter's signature is invalid")]
    BadSignature,
    #[error("the sign-in link expired (it is valid for 10 minutes)")]
    Expired,
    #[error("the state parameter was issued in the future")]
    FromTheFuture,
}

impl StateError {
    /// 401 for a forged state; 400 for one that is missing, garbled or too old.
    pub fn status(&self) -> u16 {
        match self {
            StateError::BadSignature => 401,
            _ => 400,
        }
    }
}

/// A new state issued at `now` (Unix seconds).
pub fn issue(key: &str, now: u64) -> String {
    let nonce: [u8; NONCE_BYTES] = std::array::from_fn(|_| fastrand::u8(..));
    sign(key, now, &nonce)
}

/// The state for a given time and nonce (`issue` draws the nonce).
pub fn sign(key: &str, issued_at: u64, nonce: &[u8]) -> String {
    let nonce = URL_SAFE_NO_PAD.encode(nonce);
    let mac = URL_SAFE_NO_PAD.encode(mac(key, issued_at, &nonce).finalize().into_bytes());
    format!("{VERSION}.{issued_at}.{nonce}.{mac}")
}

/// Checks the signature first (a forged state learns nothing about time), then the age.
pub fn verify(key: &str, state: Option<&str>, now: u64) -> Result<(), StateError> {
    let state = state
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(StateError::Missing)?;
    let mut parts = state.split('.');
    let (Some(VERSION), Some(issued), Some(nonce), Some(given), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(StateError::Malformed);
    };
    let issued_at: u64 = issued.parse().map_err(|_| StateError::Malformed)?;
    let given = URL_SAFE_NO_PAD
        .decode(given)
        .map_err(|_| StateError::Malformed)?;
    mac(key, issued_at, nonce)
        .verify_slice(&given)
        .map_err(|_| StateError::BadSignature)?;
    if issued_at > now.saturating_add(FUTURE_SKEW_SECS) {
        return Err(StateError::FromTheFuture);
    }
    if now.saturating_sub(issued_at) > STATE_TTL_SECS {
        return Err(StateError::Expired);
    }
    Ok(())
}

fn mac(key: &str, issued_at: u64, nonce: &str) -> HmacSha256 {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = match HmacSha256::new_from_slice(key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(CONTEXT);
    mac.update(b"|");
    mac.update(VERSION.as_bytes());
    mac.update(b"|");
    mac.update(issued_at.to_string().as_bytes());
    mac.update(b"|");
    mac.update(nonce.as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "client-secret";
    const T0: u64 = 1_780_000_000;

    #[test]
    fn a_fresh_state_verifies_until_ten_minutes_have_passed() {
        let state = issue(KEY, T0);
        assert_eq!(verify(KEY, Some(&state), T0), Ok(()));
        assert_eq!(verify(KEY, Some(&state), T0 + STATE_TTL_SECS), Ok(()));
        assert_eq!(
            verify(KEY, Some(&state), T0 + STATE_TTL_SECS + 1),
            Err(StateError::Expired)
        );
    }

    #[test]
    fn two_states_issued_at_the_same_second_differ() {
        assert_ne!(issue(KEY, T0), issue(KEY, T0));
    }

    #[test]
    fn a_state_signed_with_another_key_is_a_bad_signature() {
        let state = issue("another-secret", T0);
        let err = verify(KEY, Some(&state), T0).unwrap_err();
        assert_eq!(err, StateError::BadSignature);
        assert_eq!(err.status(), 401);
    }

    #[test]
    fn changing_the_time_or_nonce_breaks_the_signature() {
        let state = sign(KEY, T0, b"0123456789abcdef");
        let parts: Vec<&str> = state.split('.').collect();
        let later = format!("v1.{}.{}.{}", T0 + 3600, parts[2], parts[3]);
        assert_eq!(
            verify(KEY, Some(&later), T0 + 3600),
            Err(StateError::BadSignature)
        );
        let other_nonce = URL_SAFE_NO_PAD.encode(b"fedcba9876543210");
        let swapped = format!("v1.{T0}.{other_nonce}.{}", parts[3]);
        assert_eq!(
            verify(KEY, Some(&swapped), T0),
            Err(StateError::BadSignature)
        );
    }

    #[test]
    fn an_expired_state_with_a_valid_signature_is_expired_not_forged() {
        let state = sign(KEY, T0, b"nonce");
        assert_eq!(
            verify(KEY, Some(&state), T0 + 86_400),
            Err(StateError::Expired)
        );
    }

    #[test]
    fn a_state_from_the_future_beyond_the_skew_is_refused() {
        let state = sign(KEY, T0 + 61, b"nonce");
        assert_eq!(
            verify(KEY, Some(&state), T0),
            Err(StateError::FromTheFuture)
        );
        let within = sign(KEY, T0 + 60, b"nonce");
        assert_eq!(verify(KEY, Some(&within), T0), Ok(()));
    }

    #[test]
    fn garbage_and_missing_states_are_400s() {
        assert_eq!(verify(KEY, None, T0), Err(StateError::Missing));
        assert_eq!(verify(KEY, Some("  "), T0), Err(StateError::Missing));
        let valid = sign(KEY, T0, b"nonce");
        for bad in [
            "nope".to_owned(),
            valid.replacen("v1.", "v2.", 1),
            format!("{valid}.extra"),
            valid.replacen(&T0.to_string(), "soon", 1),
            format!("{}!!", &valid[..valid.len() - 2]),
        ] {
            let err = verify(KEY, Some(&bad), T0).unwrap_err();
            assert_eq!(err, StateError::Malformed, "{bad}");
            assert_eq!(err.status(), 400);
        }
    }

    #[test]
    fn the_state_is_url_safe() {
        let state = issue(KEY, T0);
        assert!(state
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')));
    }
}
