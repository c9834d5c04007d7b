//! A Function URL in front of a harnessed Lambda: a real HTTP server on `127.0.0.1:0` that turns
//! each request into the payload-2.0 event (`LambdaFunction::invoke_http`) and the function's
//! answer back into HTTP. The Notion emulator's webhook subscriptions and the fake GitHub's
//! deliveries POST to it, as the real services POST to a deployed Function URL.
//!
//! Entry point: [`FunctionUrl::serve`]; [`FunctionUrl::url`] is what to register.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Router;
use tokio::task::JoinHandle;

use crate::lambda::{HttpRequest, LambdaFunction};

/// The URL service refuses bodies past 6 MB (Lambda's payload limit).
const MAX_BODY: usize = 6 * 1024 * 1024;

/// A running front. Dropping it stops the server (the function keeps running).
pub struct FunctionUrl {
    addr: SocketAddr,
    server: JoinHandle<()>,
}

impl FunctionUrl {
    /// Serves `function` on a free loopback port; each request waits up to `timeout`.
    pub async fn serve(
        function: Arc<LambdaFunction>,
        timeout: Duration,
    ) -> std::io::Result<FunctionUrl> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let app = Router::new()
            .fallback(forward)
            .with_state((function, timeout));
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "function URL stopped");
            }
        });
        Ok(FunctionUrl { addr, server })
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for FunctionUrl {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn forward(
    State((function, timeout)): State<(Arc<LambdaFunction>, Duration)>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return status(StatusCode::PAYLOAD_TOO_LARGE, "request too large");
    };
    let path = parts
        .uri
        .path_and_query()
        .map_or("/".to_string(), |p| p.to_string());
    let mut event = HttpRequest::new(parts.method.as_str(), &path)
        .body(bytes.to_vec())
        .timeout(timeout);
    for (name, value) in &parts.headers {
        if let Ok(value) = value.to_str() {
            event = event.header(name.as_str(), value);
        }
    }
    let answer = match function.invoke_http(event).await {
        Ok(answer) => answer,
        Err(error) => return status(StatusCode::BAD_GATEWAY, &error.to_string()),
    };
    let mut response = Response::new(Body::from(answer.bytes));
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    for (name, value) in &answer.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

fn status(code: StatusCode, message: &str) -> Response {
    let mut response = Response::new(Body::from(message.to_string()));
    *response.status_mut() = code;
    response
}
