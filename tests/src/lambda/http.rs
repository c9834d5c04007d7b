//! HTTP through a Lambda Function URL: [`HttpRequest`] becomes the payload-format 2.0 event the
//! URL service sends (the shape `lambda_http` parses as `ApiGatewayV2httpRequest`), and the
//! function's answer becomes an [`HttpResponse`] the way the URL service reads it.
//!
//! Shape: <https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads>.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use time::macros::format_description;
use time::OffsetDateTime;

use super::runtime_api::request_id;
use super::Error;

/// The URL id the fake Function URL pretends to have.
const URL_ID: &str = "relaytestsurlid0000000000000000";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A request to send to a function through its (simulated) Function URL.
#[derive(Clone, Debug)]
pub struct HttpRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    /// Header names as given; the event lowercases them, as the URL service does.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Send the body base64-encoded (the URL service does so for non-text content types).
    pub base64: bool,
    pub source_ip: String,
    /// How long the function may run (sets its deadline).
    pub timeout: Duration,
}

impl HttpRequest {
    /// `path_and_query` like `/webhook?x=1`; the part after `?` is the raw query string.
    pub fn new(method: &str, path_and_query: &str) -> Self {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        HttpRequest {
            method: method.to_ascii_uppercase(),
            path: if path.is_empty() {
                "/".into()
            } else {
                path.into()
            },
            query: query.into(),
            headers: Vec::new(),
            body: Vec::new(),
            base64: false,
            source_ip: "203.0.113.7".into(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    pub fn get(path_and_query: &str) -> Self {
        Self::new("GET", path_and_query)
    }

    pub fn post(path_and_query: &str) -> Self {
        Self::new("POST", path_and_query)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// A JSON body with `content-type: application/json`.
    pub fn json(self, value: &Value) -> Self {
        self.header("content-type", "application/json")
            .body(value.to_string())
    }

    pub fn base64_encoded(mut self, yes: bool) -> Self {
        self.base64 = yes;
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The Function URL event (payload format 2.0) for this request.
    pub fn to_event(&self) -> Value {
        let mut headers = BTreeMap::<String, String>::new();
        let mut cookies = Vec::new();
        for (name, value) in &self.headers {
            let name = name.to_ascii_lowercase();
            if name == "cookie" {
                // The URL service moves cookies out of the headers into their own list.
                cookies.extend(value.split(';').map(|c| c.trim().to_string()));
                continue;
            }
            // Repeated headers arrive joined by commas.
            headers
                .entry(name)
                .and_modify(|v| {
                    v.push(',');
                    v.push_str(value);
                })
                .or_insert_with(|| value.clone());
        }
        let domain = format!("{URL_ID}.lambda-url.us-east-1.on.aws");
        headers
            .entry("host".into())
            .or_insert_with(|| domain.clone());
        headers
            .entry("x-forwarded-proto".into())
            .or_insert_with(|| "https".into());
        headers
            .entry("x-forwarded-port".into())
            .or_insert_with(|| "443".into());
        headers
            .entry("x-forwarded-for".into())
            .or_insert_with(|| self.source_ip.clone());
        headers
            .entry("x-amzn-trace-id".into())
            .or_insert_with(|| format!("Root=1-00000000-{:024x}", fastrand::u128(..) >> 32));
        let user_agent = headers.get("user-agent").cloned().unwrap_or_default();
        let now = OffsetDateTime::now_utc();
        let time_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis() as u64;
        let time = now
            .format(format_description!(
                "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000"
            ))
            .unwrap_or_default();

        let mut event = json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": self.path,
            "rawQueryString": self.query,
            "headers": headers,
            "requestContext": {
                "accountId": "anonymous",
                "apiId": URL_ID,
                "domainName": domain,
                "domainPrefix": URL_ID,
                "http": {
                    "method": self.method,
                    "path": self.path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": self.source_ip,
                    "userAgent": user_agent,
                },
                "requestId": request_id(),
                "routeKey": "$default",
                "stage": "$default",
                "time": time,
                "timeEpoch": time_epoch,
            },
            "isBase64Encoded": self.base64,
        });
        let Value::Object(map) = &mut event else {
            unreachable!("json! object literal")
        };
        if !cookies.is_empty() {
            map.insert("cookies".into(), json!(cookies));
        }
        let params = query_parameters(&self.query);
        if !params.is_empty() {
            map.insert("queryStringParameters".into(), Value::Object(params));
        }
        if !self.body.is_empty() {
            let body = if self.base64 {
                BASE64.encode(&self.body)
            } else {
                String::from_utf8_lossy(&self.body).into_owned()
            };
            map.insert("body".into(), Value::String(body));
        }
        event
    }
}

/// Decoded query parameters; a repeated name's values are joined by commas, as the URL service does.
fn query_parameters(raw: &str) -> Map<String, Value> {
    let mut params = Map::new();
    for (name, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        match params.get_mut(name.as_ref()) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            _ => {
                params.insert(name.into_owned(), Value::String(value.into_owned()));
            }
        }
    }
    params
}

/// What the caller of the Function URL receives.
#[derive(Clone, Debug)]
pub struct HttpResponse {
    pub status: u16,
    /// Lowercased header names.
    pub headers: BTreeMap<String, String>,
    pub cookies: Vec<String>,
    /// The body as text (lossy if it is not UTF-8); see `bytes` for the exact bytes.
    pub body: String,
    pub bytes: Vec<u8>,
    /// The function's error object when it failed (the URL service then answers 502).
    pub function_error: Option<Value>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    pub fn json(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_slice(&self.bytes)
    }

    /// Reads a function's answer as the URL service does: an object with `statusCode` is a full
    /// response; any other JSON is a 200 whose body is that JSON.
    pub fn from_payload(payload: &Value) -> Result<Self, Error> {
        let bad = |why: &str| Error::BadHttpResponse {
            why: why.to_string(),
            payload: payload.clone(),
        };
        let Some(status) = payload.get("statusCode") else {
            let bytes = match payload {
                Value::String(s) => s.clone().into_bytes(),
                other => other.to_string().into_bytes(),
            };
            let headers = BTreeMap::from([("content-type".into(), "application/json".into())]);
            return Ok(Self::new(200, headers, Vec::new(), bytes));
        };
        let status = status
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .filter(|s| (100..600).contains(s))
            .ok_or_else(|| bad("statusCode is not an HTTP status"))?;
        let mut headers = BTreeMap::new();
        if let Some(map) = payload.get("headers").and_then(Value::as_object) {
            for (name, value) in map {
                let value = value
                    .as_str()
                    .ok_or_else(|| bad("a header value is not a string"))?;
                headers.insert(name.to_ascii_lowercase(), value.to_string());
            }
        }
        let cookies = match payload.get("cookies") {
            None | Some(Value::Null) => Vec::new(),
            Some(v) => serde_json::from_value(v.clone())
                .map_err(|_| bad("cookies is not a list of strings"))?,
        };
        let encoded = payload
            .get("isBase64Encoded")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let bytes = match payload.get("body") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) if encoded => BASE64
                .decode(s)
                .map_err(|_| bad("isBase64Encoded body is not base64"))?,
            Some(Value::String(s)) => s.clone().into_bytes(),
            Some(_) => return Err(bad("body is not a string")),
        };
        Ok(Self::new(status, headers, cookies, bytes))
    }

    /// What the URL service answers when the function itself failed.
    pub fn function_failed(error: Value) -> Self {
        let headers = BTreeMap::from([
            ("content-type".into(), "application/json".into()),
            ("x-amzn-errortype".into(), "Function.Unhandled".into()),
        ]);
        let mut response = Self::new(502, headers, Vec::new(), br#"{"Message":null}"#.to_vec());
        response.function_error = Some(error);
        response
    }

    fn new(
        status: u16,
        headers: BTreeMap<String, String>,
        cookies: Vec<String>,
        bytes: Vec<u8>,
    ) -> Self {
        HttpResponse {
            status,
            headers,
            cookies,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
            function_error: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(req: &HttpRequest) -> axum::http::Request<lambda_http::Body> {
        let event = req.to_event();
        let lambda: lambda_http::request::LambdaRequest =
            serde_json::from_value(event).expect("lambda_http accepts the event");
        lambda.into()
    }

    #[test]
    fn lambda_http_reads_method_path_query_headers_and_body() {
        let req = HttpRequest::post("/hook?a=1&b=x%20y")
            .header("X-GitHub-Event", "issues")
            .header("Cookie", "s=1; t=2")
            .json(&json!({"action": "opened"}));
        let http = parsed(&req);
        assert_eq!(http.method(), "POST");
        assert_eq!(http.uri().path(), "/hook");
        assert_eq!(http.uri().query(), Some("a=1&b=x%20y"));
        assert_eq!(http.headers()["x-github-event"], "issues");
        assert_eq!(http.headers()["cookie"], "s=1; t=2");
        assert_eq!(http.body().as_ref(), br#"{"action":"opened"}"#);
    }

    #[test]
    fn base64_bodies_are_decoded_by_lambda_http() {
        let req = HttpRequest::post("/")
            .body(vec![0u8, 159, 146, 150])
            .base64_encoded(true);
        assert_eq!(parsed(&req).body().as_ref(), [0u8, 159, 146, 150]);
    }

    #[test]
    fn repeated_query_names_are_joined_with_commas() {
        let params = query_parameters("p=1&p=2&q=a%2Cb");
        assert_eq!(Value::Object(params), json!({"p": "1,2", "q": "a,b"}));
    }

    #[test]
    fn full_responses_keep_status_headers_cookies_and_decoded_body() {
        let payload = json!({
            "statusCode": 201,
            "headers": {"Content-Type": "text/plain"},
            "cookies": ["a=1"],
            "body": BASE64.encode("héllo"),
            "isBase64Encoded": true,
        });
        let response = HttpResponse::from_payload(&payload).unwrap();
        assert_eq!(response.status, 201);
        assert_eq!(response.header("content-type"), Some("text/plain"));
        assert_eq!(response.cookies, ["a=1"]);
        assert_eq!(response.body, "héllo");
    }

    #[test]
    fn plain_json_answers_become_a_200_json_body() {
        let response = HttpResponse::from_payload(&json!({"ok": true})).unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(response.json().unwrap(), json!({"ok": true}));
    }

    #[test]
    fn a_status_that_is_not_http_is_refused() {
        let err = HttpResponse::from_payload(&json!({"statusCode": "two hundred"})).unwrap_err();
        assert!(matches!(err, Error::BadHttpResponse { .. }));
    }
}
