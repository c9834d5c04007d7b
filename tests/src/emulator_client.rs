//! A test's client for the emulator: start an emulator on 127.0.0.1:0 and talk to it over real
//! HTTP with reqwest (used by the kit's own tests and the product's end-to-end tests).

use crate::emulator::{Emulator, EmulatorConfig};
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::{json, Value};

pub const V2022: &str = "2022-06-28";
pub const V2025: &str = "2025-09-03";

pub async fn start() -> Emulator {
    start_with(EmulatorConfig::default()).await
}

pub async fn start_with(config: EmulatorConfig) -> Emulator {
    Emulator::start(config)
        .await
        .expect("emulator binds 127.0.0.1:0")
}

/// One answer: status, headers, and the body as JSON (`Value::String` when it is not JSON).
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    pub token: Option<String>,
    pub version: Option<String>,
}

impl Client {
    pub fn new(emulator: &Emulator, version: &str) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: emulator.base_url(),
            token: Some(emulator.token()),
            version: Some(version.to_string()),
        }
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(v) = &self.version {
            req = req.header("Notion-Version", v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request reaches the emulator");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.send(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send(Method::DELETE, path, None).await
    }
}

/// A rich-text array with one text item.
pub fn text(content: &str) -> Value {
    json!([{"type": "text", "text": {"content": content}}])
}

/// Properties of a demo-database row.
pub fn issue(number: u64, title: &str) -> Value {
    json!({
        "Name": {"title": text(title)},
        "Issue #": {"number": number},
        "Status": {"select": {"name": "Open"}},
        "Repository": {"select": {"name": "octo/repo"}},
    })
}
