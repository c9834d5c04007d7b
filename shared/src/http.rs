//! The HTTP event a Lambda Function URL (or an HTTP API, payload 2.0) hands to a function, and
//! the answer it expects back.
//!
//! We deserialize the raw event ourselves instead of going through `lambda_http`: its body
//! decoding `expect`s valid base64, so one malformed delivery would panic the invocation, and
//! the webhook must answer 400 instead. Our own tolerant struct also keeps the binary lean.
//!
//! Nor do we use `aws_lambda_events`' `LambdaFunctionUrlRequest` (1.x): it requires
//! `requestContext` with `timeEpoch` and `http`, and `isBase64Encoded`, so an event without one of
//! them fails to deserialize and the invocation errors before the handler can answer; its headers
//! go through `http::HeaderMap`, whose deserializer refuses any header name or value `http`
//! does not accept; and an HTTP API (payload 2.0) event is a different type there
//! (`ApiGatewayV2httpRequest`) although both front doors send this shape. Every field here has a
//! default, the body stays a string until `github::webhook::request_body` decodes it (size
//! first, then base64; a bad one is an answer, never a panic), and
//! the fuzz target `webhook_request` (fuzz/) feeds this struct arbitrary event JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A Function URL / HTTP API v2 request, as much of it as our functions read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HttpRequest {
    pub raw_path: String,
    pub raw_query_string: String,
    /// Header names as sent; lookups through [`HttpRequest::header`] ignore case.
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub is_base64_encoded: bool,
    pub request_context: RequestContext,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RequestContext {
    pub http: HttpContext,
    pub request_id: String,
    /// The Function URL / API domain, as AWS saw it (unlike `Host`, not set by the client).
    pub domain_name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HttpContext {
    pub method: String,
    pub path: String,
}

impl HttpRequest {
    /// The value of a header, matched case-insensitively (HTTP API lowercases names, other
    /// front doors may not).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// One query-string parameter, url-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.raw_query_string.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }

    /// The domain the request came in on: AWS's `requestContext.domainName`, else `Host`.
    pub fn domain(&self) -> Option<&str> {
        Some(self.request_context.domain_name.as_str())
            .filter(|d| !d.is_empty())
            .or_else(|| self.header("host"))
    }

    pub fn method(&self) -> &str {
        &self.request_context.http.method
    }

    pub fn path(&self) -> &str {
        if self.raw_path.is_empty() {
            &self.request_context.http.path
        } else {
            &self.raw_path
        }
    }
}

/// The answer format Function URLs and HTTP APIs accept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpResponse {
    pub status_code: u16,
    pub headers: BTreeMap<String, String>,
    pub body: String,
    pub is_base64_encoded: bool,
}

impl HttpResponse {
    /// A JSON answer.
    pub fn json(status_code: u16, body: &serde_json::Value) -> Self {
        Self::with_type(status_code, "application/json", body.to_string())
    }

    /// A JSON answer `{"message": …}` — the shape every non-success answer uses.
    pub fn message(status_code: u16, message: impl Into<String>) -> Self {
        Self::json(
            status_code,
            &serde_json::json!({ "message": message.into() }),
        )
    }

    /// A redirect, used by the OAuth flow.
    pub fn redirect(location: &str) -> Self {
        let mut response = Self::with_type(302, "text/plain", String::new());
        response
            .headers
            .insert("location".to_owned(), location.to_owned());
        response
    }

    pub fn with_type(status_code: u16, content_type: &str, body: String) -> Self {
        let mut headers = BTreeMap::new();
        headers.insert("content-type".to_owned(), content_type.to_owned());
        Self {
            status_code,
            headers,
            body,
            is_base64_encoded: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: serde_json::Value) -> HttpRequest {
        serde_json::from_value(json).expect("event parses")
    }

    #[test]
    fn headers_are_found_whatever_their_case() {
        let req = request(serde_json::json!({
            "headers": {"x-github-event": "issues", "Content-Type": "application/json"}
        }));
        assert_eq!(req.header("X-GitHub-Event"), Some("issues"));
        assert_eq!(req.header("content-type"), Some("application/json"));
        assert_eq!(req.header("x-missing"), None);
    }

    #[test]
    fn a_minimal_event_parses_with_defaults() {
        let req = request(serde_json::json!({}));
        assert_eq!(req.body, None);
        assert!(!req.is_base64_encoded);
        assert_eq!(req.method(), "");
    }

    #[test]
    fn the_domain_comes_from_the_request_context_before_the_host_header() {
        let both = request(serde_json::json!({
            "headers": {"host": "spoofed.example"},
            "requestContext": {"domainName": "abc.lambda-url.us-east-1.on.aws"}
        }));
        assert_eq!(both.domain(), Some("abc.lambda-url.us-east-1.on.aws"));
        let host_only = request(serde_json::json!({"headers": {"host": "local.test"}}));
        assert_eq!(host_only.domain(), Some("local.test"));
    }

    #[test]
    fn query_parameters_are_url_decoded() {
        let req = request(serde_json::json!({"rawQueryString": "code=a%20b&state=xyz"}));
        assert_eq!(req.query_param("code").as_deref(), Some("a b"));
        assert_eq!(req.query_param("state").as_deref(), Some("xyz"));
        assert_eq!(req.query_param("nope"), None);
    }

    #[test]
    fn responses_serialize_in_function_url_format() {
        let response = HttpResponse::message(401, "invalid signature");
        let json = serde_json::to_value(&response).expect("serializes");
        assert_eq!(json["statusCode"], 401);
        assert_eq!(json["isBase64Encoded"], false);
        assert_eq!(json["headers"]["content-type"], "application/json");
        assert_eq!(json["body"], r#"{"message":"invalid signature"}"#);
    }
}
