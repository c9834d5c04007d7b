//! A Function URL in front of a harnessed function: a plain HTTP server on `127.0.0.1:0` whose
//! every request becomes one [`LambdaFunction::invoke_http`] (payload format 2.0, as the URL
//! service sends it) and whose answer is the function's, as the URL service returns it. Tools
//! that speak plain HTTP (`notion-relay replay`, curl, GitHub itself) can then reach a real
//! function binary.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::task::JoinHandle;

use crate::lambda::{HttpRequest, LambdaFunction};

/// GitHub's bodies are at most 25 MB; the URL service takes 6 MB — this only bounds memory.
const MAX_BODY: usize = 32 * 1024 * 1024;

/// A running front door. Dropping it stops the server (not the function).
pub struct FunctionUrl {
    addr: SocketAddr,
    server: JoinHandle<()>,
}

impl FunctionUrl {
    pub async fn serve(function: Arc<LambdaFunction>) -> std::io::Result<FunctionUrl> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = Router::new().fallback(forward).with_state(function);
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "function URL front door stopped");
            }
        });
        Ok(FunctionUrl { addr, server })
    }

    /// `http://127.0.0.1:PORT/`
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for FunctionUrl {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn forward(State(function): State<Arc<LambdaFunction>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response();
    };
    let mut event = HttpRequest::new(parts.method.as_str(), &path).body(bytes.to_vec());
    for (name, value) in &parts.headers {
        if let Ok(value) = value.to_str() {
            event = event.header(name.as_str(), value);
        }
    }
    match function.invoke_http(event).await {
        Ok(answer) => {
            let mut response = Response::new(Body::from(answer.bytes));
            *response.status_mut() =
                StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
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
        Err(error) => (StatusCode::BAD_GATEWAY, error.to_string()).into_response(),
    }
}
