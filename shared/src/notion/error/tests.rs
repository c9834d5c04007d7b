//! Unit tests of `error.rs`: Notion error bodies, edge HTML, Retry-After forms.

use super::*;

fn now() -> SystemTime {
    httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap()
}

fn parse(status: u16, body: &str) -> Error {
    parse_error_response(status, body.as_bytes(), None, None, now())
}

#[test]
fn json_error_body_keeps_code_message_and_request_id() {
    let e = parse(
        400,
        r#"{"object":"error","status":400,"code":"validation_error","message":"body failed validation","request_id":"abc"}"#,
    );
    match e {
        Error::Api {
            status,
            code,
            message,
            request_id,
            retry_after,
        } => {
            assert_eq!(status, 400);
            assert_eq!(code, ErrorCode::ValidationError);
            assert_eq!(message, "body failed validation");
            assert_eq!(request_id.as_deref(), Some("abc"));
            assert_eq!(retry_after, None);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn unknown_code_is_kept_verbatim() {
    let e = parse(
        400,
        r#"{"object":"error","code":"brand_new_code","message":"m"}"#,
    );
    assert_eq!(e.code(), Some(&ErrorCode::Unknown("brand_new_code".into())));
}

#[test]
fn every_documented_code_round_trips_through_its_string() {
    for (name, code) in ErrorCode::KNOWN.iter() {
        assert_eq!(&ErrorCode::parse(name), code);
        assert_eq!(code.as_str(), *name);
    }
}

#[test]
fn html_502_from_the_edge_becomes_bad_gateway() {
    let e = parse(502, "<html><body><h1>502 Bad Gateway</h1></body></html>");
    assert_eq!(e.status(), Some(502));
    assert_eq!(e.code(), Some(&ErrorCode::BadGateway));
    assert!(e.is_retryable());
    assert!(e.to_string().contains("502 Bad Gateway"));
}

#[test]
fn html_504_becomes_gateway_timeout() {
    let e = parse(504, "<html>gateway timeout</html>");
    assert_eq!(e.code(), Some(&ErrorCode::GatewayTimeout));
}

#[test]
fn empty_body_is_described_not_a_panic() {
    let e = parse(503, "");
    assert_eq!(e.code(), Some(&ErrorCode::ServiceUnavailable));
    assert!(e.to_string().contains("empty body"));
}

#[test]
fn json_without_code_falls_back_to_the_status() {
    let e = parse(429, r#"{"message":"slow down"}"#);
    assert_eq!(e.code(), Some(&ErrorCode::RateLimited));
}

#[test]
fn unusual_status_without_body_gets_an_http_code() {
    let e = parse(418, "teapot");
    assert_eq!(e.code(), Some(&ErrorCode::Unknown("http_418".into())));
    assert!(!e.is_retryable());
}

#[test]
fn status_529_is_service_overload_and_retryable() {
    let e = parse(529, "overloaded");
    assert_eq!(e.code(), Some(&ErrorCode::ServiceOverload));
    assert!(e.is_retryable());
}

#[test]
fn long_bodies_are_cut_to_a_snippet() {
    let body = "x".repeat(10_000);
    let e = parse(500, &body);
    assert!(e.to_string().len() < 400);
}

#[test]
fn invalid_utf8_body_does_not_panic() {
    let e = parse_error_response(502, &[0xff, 0xfe, 0x00], None, None, now());
    assert_eq!(e.status(), Some(502));
}

#[test]
fn request_id_header_is_used_when_the_body_has_none() {
    let e = parse_error_response(502, b"<html/>", None, Some("hdr-id"), now());
    assert!(matches!(e, Error::Api { request_id: Some(ref id), .. } if id == "hdr-id"));
}

#[test]
fn retry_after_header_lands_in_the_error() {
    let e = parse_error_response(
        429,
        br#"{"object":"error","status":429,"code":"rate_limited","message":"m"}"#,
        Some("3"),
        None,
        now(),
    );
    assert!(matches!(e, Error::Api { retry_after: Some(d), .. } if d == Duration::from_secs(3)));
}

#[test]
fn client_errors_are_not_retryable_and_401_is_unauthorized() {
    for status in [400, 401, 403, 404] {
        let e = parse(status, "");
        assert!(!e.is_retryable(), "{status}");
    }
    assert!(parse(401, "").is_unauthorized());
    assert!(parse(404, "").is_not_found());
}

#[test]
fn conflict_is_retryable_only_as_conflict_error() {
    assert!(parse(409, r#"{"code":"conflict_error","message":"m"}"#).is_retryable());
    assert!(!parse(409, r#"{"code":"something_else","message":"m"}"#).is_retryable());
}

#[test]
fn deadline_exceeded_reports_the_last_status() {
    let e = Error::DeadlineExceeded {
        attempts: 3,
        last: Box::new(parse(503, "")),
    };
    assert_eq!(e.status(), Some(503));
    assert!(e.is_retryable());
    assert!(e.is_deadline_exceeded());
}
