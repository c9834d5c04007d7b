//! Checks on a raw webhook delivery, in the order the handler applies them: size and base64
//! ([`decode_body`]), signature over the raw bytes ([`verify_signature`]), then the JSON
//! document inside the body ([`payload_json`]) which [`crate::github::Event::parse`] reads.
//!
//! Nothing here parses JSON before the signature is checked: an unsigned body gets a 401 and
//! costs no more work than one HMAC per configured secret.

use crate::http::HttpRequest;
use std::borrow::Cow;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// GitHub caps webhook payloads at 25 MB and drops bigger ones; we refuse them the same way.
pub const MAX_BODY_BYTES: usize = 25 * 1024 * 1024;

/// Header carrying `sha256=<hex>`; under HTTP API header names arrive lowercased.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";
/// Header carrying the event name (`issues`, `pull_request`, ...).
pub const EVENT_HEADER: &str = "x-github-event";
/// Header carrying the delivery id, reused by GitHub on redelivery.
pub const DELIVERY_HEADER: &str = "x-github-delivery";

/// Why a delivery was refused. [`WebhookError::status`] is the HTTP answer.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("missing X-Hub-Signature-256 header: configure the webhook with a secret (sha1 X-Hub-Signature alone is not accepted)")]
    MissingSignature,
    #[error("X-Hub-Signature-256 does not match the body under any configured webhook secret")]
    InvalidSignature,
    #[error("body of {len} bytes is over the 25 MB webhook limit")]
    TooLarge { len: usize },
    #[error("invalid webhook payload: {reason}")]
    InvalidPayload {
        reason: String,
        #[source]
        source: Option<serde_json::Error>,
    },
    #[error("missing X-GitHub-Event header")]
    MissingEvent,
}

impl WebhookError {
    /// The HTTP status to answer GitHub with.
    pub fn status(&self) -> u16 {
        match self {
            Self::MissingSignature | Self::InvalidSignature => 401,
            Self::TooLarge { .. } => 413,
            Self::InvalidPayload { .. } | Self::MissingEvent => 400,
        }
    }

    pub(crate) fn invalid(reason: impl Into<String>) -> Self {
        Self::InvalidPayload {
            reason: reason.into(),
            source: None,
        }
    }
}

/// Verifies `X-Hub-Signature-256` (`sha256=<hex>`) against the raw body bytes.
///
/// Any configured secret may match, so a secret can be rotated without dropping deliveries.
/// Blank secrets are skipped and an empty list matches nothing: we fail closed.
/// MACs are compared with `verify_slice`, in constant time.
pub fn verify_signature(
    secrets: &[String],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), WebhookError> {
    let header = header
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or(WebhookError::MissingSignature)?;
    let Some(hex_mac) = header.strip_prefix("sha256=") else {
        // A sha1 value (X-Hub-Signature) passed here means the sha256 one is missing.
        return Err(if header.starts_with("sha1=") {
            WebhookError::MissingSignature
        } else {
            WebhookError::InvalidSignature
        });
    };
    let expected = hex::decode(hex_mac).map_err(|_| WebhookError::InvalidSignature)?;
    let matches = secrets
        .iter()
        .filter(|secret| !secret.is_empty())
        .any(|secret| {
            // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
            Hmac::<Sha256>::new_from_slice(secret.as_bytes())
                .map(|mac| mac.chain_update(body).verify_slice(&expected).is_ok())
                .unwrap_or(false)
        });
    if matches {
        Ok(())
    } else {
        Err(WebhookError::InvalidSignature)
    }
}

/// The `sha256=<hex>` header value GitHub would send for `body` signed with `secret`
/// (for tests, local tooling and the test kit's fake GitHub).
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map(|mac| mac.chain_update(body).finalize().into_bytes())
        .unwrap_or_default();
    format!("sha256={}", hex::encode(mac))
}

/// The body of a Function URL request as its sender signed it ([`decode_body`]).
pub fn request_body(request: &HttpRequest) -> Result<Vec<u8>, WebhookError> {
    let body = request.body.as_deref().unwrap_or_default();
    decode_body(body.as_bytes(), request.is_base64_encoded)
}

/// The body bytes as GitHub sent them: HTTP API may hand us the body base64-encoded, and the
/// signature is over the decoded bytes. Refuses bodies over [`MAX_BODY_BYTES`] before decoding.
pub fn decode_body(body: &[u8], is_base64: bool) -> Result<Vec<u8>, WebhookError> {
    if !is_base64 {
        check_size(body.len())?;
        return Ok(body.to_vec());
    }
    // Every 4 base64 characters carry at most 3 bytes: reject early without allocating.
    check_size(body.len() / 4 * 3)?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|e| WebhookError::invalid(format!("body is not valid base64: {e}")))?;
    check_size(decoded.len())?;
    Ok(decoded)
}

fn check_size(len: usize) -> Result<(), WebhookError> {
    if len > MAX_BODY_BYTES {
        Err(WebhookError::TooLarge { len })
    } else {
        Ok(())
    }
}

/// The JSON document inside a (verified) body: the body itself for `application/json`, the
/// url-decoded `payload` field for `application/x-www-form-urlencoded` (GitHub's other
/// content type). Without a content type, a body starting with `payload=` is read as a form.
pub fn payload_json<'a>(
    body: &'a [u8],
    content_type: Option<&str>,
) -> Result<Cow<'a, [u8]>, WebhookError> {
    let media_type = content_type
        .and_then(|ct| ct.split(';').next())
        .map(|ct| ct.trim().to_ascii_lowercase());
    let is_form = match media_type.as_deref() {
        Some("application/x-www-form-urlencoded") => true,
        Some("") | None => body.starts_with(b"payload="),
        Some(_) => false,
    };
    if !is_form {
        return Ok(Cow::Borrowed(body));
    }
    url::form_urlencoded::parse(body)
        .find(|(key, _)| key == "payload")
        .map(|(_, value)| Cow::Owned(value.into_owned().into_bytes()))
        .ok_or_else(|| WebhookError::invalid("form-encoded body has no payload field"))
}

/// The `X-GitHub-Event` header value, required on every delivery.
pub fn event_name(header: Option<&str>) -> Result<&str, WebhookError> {
    header
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or(WebhookError::MissingEvent)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"action":"opened","issue":{"number":1}}"#;

    fn secrets(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_valid_signature_passes() {
        let header = sign("s3cret", BODY);
        assert!(verify_signature(&secrets(&["s3cret"]), BODY, Some(&header)).is_ok());
    }

    #[test]
    fn the_known_github_example_signature_verifies() {
        // From GitHub's "Validating webhook deliveries" documentation.
        let header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        let secret = secrets(&["It's a Secret to Everybody"]);
        assert!(verify_signature(&secret, b"Hello, World!", Some(header)).is_ok());
    }

    #[test]
    fn a_signature_made_with_another_secret_is_invalid() {
        let header = sign("other", BODY);
        let err = verify_signature(&secrets(&["s3cret"]), BODY, Some(&header)).unwrap_err();
        assert!(matches!(err, WebhookError::InvalidSignature));
        assert_eq!(err.status(), 401);
    }

    #[test]
    fn the_second_secret_of_a_rotation_matches() {
        let header = sign("new", BODY);
        assert!(verify_signature(&secrets(&["old", "new"]), BODY, Some(&header)).is_ok());
    }

    #[test]
    fn a_missing_header_is_missing_signature() {
        let err = verify_signature(&secrets(&["s3cret"]), BODY, None).unwrap_err();
        assert!(matches!(err, WebhookError::MissingSignature));
        assert_eq!(err.status(), 401);
    }

    #[test]
    fn a_sha1_only_signature_is_missing_signature() {
        let header = "sha1=7d38cdd689735b008b3c702edd92eea23791c5f6";
        let err = verify_signature(&secrets(&["s3cret"]), BODY, Some(header)).unwrap_err();
        assert!(matches!(err, WebhookError::MissingSignature));
    }

    #[test]
    fn bad_hex_or_a_short_mac_is_invalid_signature() {
        for header in ["sha256=zz", "sha256=abc", "sha256=", "md5=00", "garbage"] {
            let err = verify_signature(&secrets(&["s3cret"]), BODY, Some(header)).unwrap_err();
            assert!(matches!(err, WebhookError::InvalidSignature), "{header}");
        }
    }

    #[test]
    fn a_tampered_body_is_invalid_signature() {
        let header = sign("s3cret", BODY);
        let tampered = br#"{"action":"opened","issue":{"number":2}}"#;
        let err = verify_signature(&secrets(&["s3cret"]), tampered, Some(&header)).unwrap_err();
        assert!(matches!(err, WebhookError::InvalidSignature));
    }

    #[test]
    fn no_configured_secret_matches_nothing() {
        let header = sign("", BODY);
        for configured in [secrets(&[]), secrets(&[""])] {
            let err = verify_signature(&configured, BODY, Some(&header)).unwrap_err();
            assert!(matches!(err, WebhookError::InvalidSignature));
        }
    }

    #[test]
    fn a_base64_body_decodes_to_the_signed_bytes() {
        let encoded = base64::engine::general_purpose::STANDARD.encode(BODY);
        let decoded = decode_body(encoded.as_bytes(), true).unwrap();
        assert_eq!(decoded, BODY);
        let header = sign("s3cret", BODY);
        assert!(verify_signature(&secrets(&["s3cret"]), &decoded, Some(&header)).is_ok());
        assert_eq!(decode_body(BODY, false).unwrap(), BODY);
    }

    #[test]
    fn invalid_base64_is_an_invalid_payload() {
        let err = decode_body(b"not base64 at all!", true).unwrap_err();
        assert!(matches!(err, WebhookError::InvalidPayload { .. }));
        assert_eq!(err.status(), 400);
    }

    #[test]
    fn a_body_over_25_mb_is_too_large() {
        let huge = vec![b'a'; MAX_BODY_BYTES + 1];
        let err = decode_body(&huge, false).unwrap_err();
        assert!(matches!(err, WebhookError::TooLarge { len } if len == MAX_BODY_BYTES + 1));
        assert_eq!(err.status(), 413);
        let huge_b64 = vec![b'A'; (MAX_BODY_BYTES / 3 + 1) * 4];
        assert!(matches!(
            decode_body(&huge_b64, true),
            Err(WebhookError::TooLarge { .. })
        ));
        assert_eq!(
            decode_body(&huge[..MAX_BODY_BYTES], false).unwrap().len(),
            MAX_BODY_BYTES
        );
    }

    #[test]
    fn a_json_body_is_its_own_payload() {
        let json = payload_json(BODY, Some("application/json")).unwrap();
        assert_eq!(&*json, BODY);
        assert_eq!(&*payload_json(BODY, None).unwrap(), BODY);
    }

    #[test]
    fn a_form_encoded_body_yields_the_decoded_payload_field() {
        let form: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("payload", std::str::from_utf8(BODY).unwrap())
            .finish();
        for ct in [
            Some("application/x-www-form-urlencoded"),
            Some("Application/X-WWW-Form-Urlencoded; charset=utf-8"),
            None,
        ] {
            let json = payload_json(form.as_bytes(), ct).unwrap();
            assert_eq!(&*json, BODY, "{ct:?}");
        }
    }

    #[test]
    fn a_form_without_payload_field_is_an_invalid_payload() {
        let err = payload_json(b"other=1", Some("application/x-www-form-urlencoded")).unwrap_err();
        assert!(matches!(err, WebhookError::InvalidPayload { .. }));
    }

    #[test]
    fn the_event_header_is_required() {
        assert_eq!(event_name(Some("issues")).unwrap(), "issues");
        let err = event_name(Some(" ")).unwrap_err();
        assert!(matches!(err, WebhookError::MissingEvent));
        assert_eq!(err.status(), 400);
        assert!(matches!(event_name(None), Err(WebhookError::MissingEvent)));
    }
}
