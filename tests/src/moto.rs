//! A local Secrets Manager for end-to-end tests: launches `moto_server` from the project venv on
//! a loopback port of its own and talks to it with plain HTTP (the AWS JSON 1.1 protocol).
//!
//! Entry point: [`MotoServer::start`]. [`MotoServer::aws_env`] gives the variables that point a
//! function's AWS SDK at it. Dropping the handle kills the server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use time::macros::format_description;
use time::OffsetDateTime;
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::lambda::logs::Logs;

/// Overrides where `moto_server` is found.
pub const MOTO_SERVER_BIN: &str = "MOTO_SERVER_BIN";
pub const REGION: &str = "us-east-1";
const ACCESS_KEY: &str = "testing";

/// Python start-up is slow on a busy 2-core machine; this bounds it.
const READY_WITHIN: Duration = Duration::from_secs(20);
const READY_POLL: Duration = Duration::from_millis(50);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path} not found: `make test` installs it (scripts/bootstrap.sh creates .venv with moto[server]); or set MOTO_SERVER_BIN")]
    Missing { path: PathBuf },
    #[error("could not start {path}")]
    Spawn {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("moto_server did not start listening within {READY_WITHIN:?}; its output:\n{logs}")]
    NotReady { logs: String },
    #[error("moto_server exited ({status}) during start-up; its output:\n{logs}")]
    Exited { status: String, logs: String },
    #[error("request {target} to moto_server failed")]
    Http {
        target: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{target} answered {status}: {body}")]
    Api {
        target: String,
        status: u16,
        body: Value,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A running `moto_server`.
pub struct MotoServer {
    endpoint: String,
    logs: Logs,
    client: reqwest::Client,
    // `kill_on_drop` makes dropping the handle stop the server.
    _child: Child,
}

/// `<workspace>/.venv/bin/moto_server`, or `MOTO_SERVER_BIN` when set.
pub fn moto_server_bin() -> PathBuf {
    match std::env::var_os(MOTO_SERVER_BIN) {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../.venv/bin/moto_server"
        )),
    }
}

impl MotoServer {
    /// Starts [`moto_server_bin`] on a port of its own and waits until it accepts connections.
    pub async fn start() -> Result<MotoServer> {
        Self::start_at(moto_server_bin()).await
    }

    /// Like [`MotoServer::start`] with an explicit `moto_server` path.
    ///
    /// moto binds port 0 itself and prints the port it got (werkzeug's ` * Running on
    /// http://127.0.0.1:PORT`). Probing for a free port first and handing it over raced: with
    /// tests starting servers in parallel, a second moto could be handed the same port, fail to
    /// bind, and pass the connect check against the first one's server (one CI run saw a fresh
    /// server answer `ResourceExistsException` for a secret another test had made).
    pub async fn start_at(path: PathBuf) -> Result<MotoServer> {
        if !path.is_file() {
            return Err(Error::Missing { path });
        }
        let logs = Logs::default();
        let mut child = Command::new(&path)
            .args(["-H", "127.0.0.1", "-p", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| Error::Spawn {
                path: path.clone(),
                source,
            })?;
        let readers = [
            child.stdout.take().map(|p| logs.capture(p)),
            child.stderr.take().map(|p| logs.capture(p)),
        ];
        let started = Instant::now();
        // Readiness polling (bounded): moto offers no "ready" signal besides its start-up line
        // and accepting connections.
        loop {
            if let Some(addr) = bound_address(&logs.snapshot()) {
                if TcpStream::connect(addr).await.is_ok() {
                    tracing::debug!(%addr, "moto_server ready");
                    return Ok(MotoServer {
                        endpoint: format!("http://{addr}"),
                        logs,
                        client: reqwest::Client::new(),
                        _child: child,
                    });
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                for reader in readers.into_iter().flatten() {
                    let _ = tokio::time::timeout(Duration::from_secs(2), reader).await;
                }
                return Err(Error::Exited {
                    status: status.to_string(),
                    logs: logs.snapshot(),
                });
            }
            if started.elapsed() > READY_WITHIN {
                return Err(Error::NotReady {
                    logs: logs.snapshot(),
                });
            }
            tokio::time::sleep(READY_POLL).await;
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// What the server printed so far.
    pub fn logs(&self) -> String {
        self.logs.snapshot()
    }

    /// Variables that point an AWS SDK (and our `secrets` module) at this server.
    pub fn aws_env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint.as_str()),
            ("AWS_REGION", REGION),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", ACCESS_KEY),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    /// Creates a secret holding `secret_string`; returns its ARN.
    pub async fn create_secret(&self, name: &str, secret_string: &str) -> Result<String> {
        let body = json!({"Name": name, "SecretString": secret_string});
        let answer = self.call("CreateSecret", &body).await?;
        Ok(string_field(&answer, "ARN"))
    }

    /// Stores a new current version of a secret; returns the version id.
    pub async fn put_secret_value(&self, secret_id: &str, secret_string: &str) -> Result<String> {
        let body = json!({"SecretId": secret_id, "SecretString": secret_string});
        let answer = self.call("PutSecretValue", &body).await?;
        Ok(string_field(&answer, "VersionId"))
    }

    /// The current `SecretString` of a secret (name or ARN).
    pub async fn get_secret_value(&self, secret_id: &str) -> Result<String> {
        let answer = self
            .call("GetSecretValue", &json!({"SecretId": secret_id}))
            .await?;
        Ok(string_field(&answer, "SecretString"))
    }

    /// Calls any Secrets Manager action (`X-Amz-Target: secretsmanager.{action}`).
    pub async fn call(&self, action: &str, body: &Value) -> Result<Value> {
        let target = format!("secretsmanager.{action}");
        let http = |source| Error::Http {
            target: target.clone(),
            source,
        };
        let (date, stamp) = amz_dates();
        let response = self
            .client
            .post(format!("{}/", self.endpoint))
            .header("x-amz-target", &target)
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-date", stamp)
            .header("authorization", dummy_authorization(&date))
            .body(body.to_string())
            .send()
            .await
            .map_err(http)?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(http)?;
        let answer = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        if status >= 300 {
            return Err(Error::Api {
                target,
                status,
                body: answer,
            });
        }
        Ok(answer)
    }
}

/// The address from moto's start-up line ` * Running on http://127.0.0.1:PORT`.
fn bound_address(logs: &str) -> Option<SocketAddr> {
    logs.lines().find_map(|line| {
        let rest = line.split("Running on http://").nth(1)?;
        let addr: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
            .collect();
        addr.parse().ok()
    })
}

fn string_field(answer: &Value, name: &str) -> String {
    answer
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// `(yyyymmdd, yyyymmddThhmmssZ)` for the SigV4 scope and `x-amz-date`.
fn amz_dates() -> (String, String) {
    let now = OffsetDateTime::now_utc();
    let date = now
        .format(format_description!("[year][month][day]"))
        .unwrap_or_default();
    let stamp = now
        .format(format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_default();
    (date, stamp)
}

/// A well-formed SigV4 header with a dummy signature. moto does not verify signatures, but it
/// reads the credential scope to route the request (service) and pick the region; without the
/// header it treats the request as S3.
fn dummy_authorization(date: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{date}/{REGION}/secretsmanager/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={}",
        "0".repeat(64)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_authorization_names_service_and_region_in_its_scope() {
        let header = dummy_authorization("20260101");
        assert!(header.starts_with(
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/secretsmanager/aws4_request, "
        ));
        assert!(header.ends_with(&format!("Signature={}", "0".repeat(64))));
    }

    #[test]
    fn the_bound_address_is_read_from_werkzeugs_start_up_line() {
        let logs = "WARNING: This is a development server.\n * Running on http://127.0.0.1:37475\n\u{1b}[33mPress CTRL+C to quit\u{1b}[0m\n";
        assert_eq!(
            bound_address(logs),
            Some("127.0.0.1:37475".parse().unwrap())
        );
        assert_eq!(
            bound_address("WARNING: This is a development server.\n"),
            None
        );
        assert_eq!(bound_address(" * Running on http://127.0.0.1:"), None);
    }

    #[test]
    fn amz_dates_have_the_sigv4_shapes() {
        let (date, stamp) = amz_dates();
        assert_eq!(date.len(), 8);
        assert_eq!(stamp.len(), 16);
        assert!(stamp.starts_with(&date) && stamp.ends_with('Z'));
    }
}
