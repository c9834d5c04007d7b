//! The one AWS call path: a SigV4-signed HTTPS POST of an AWS JSON-protocol action, with jittered
//! retries on throttling and 5xx. Secrets Manager (JSON 1.1) and SQS (JSON 1.0) are both a few
//! lines on top of [`AwsClient::call`].
//!
//! Why no AWS SDK: the SDK adds megabytes to every binary (aws-sdk-sqs alone ~4.4 MB), tens of
//! seconds to a 2-core build and milliseconds of credential-chain and config loading to each cold
//! start. Lambda hands us static credentials in the environment, so signing with `aws-sigv4` (the
//! SDK's own signer) and sending with the `reqwest` client we already ship is enough.
//!
//! Retries: throttling (`ThrottlingException`, SQS's `RequestThrottled`, any 429), 5xx,
//! timeouts and connection errors, with the same full-jitter backoff as the Notion client
//! (`notion::retry::backoff`), never past the caller's deadline. Every action we send is safe to
//! repeat: reads, `PutSecretValue` of the same string, and `SendMessage` to a FIFO queue with a
//! deduplication id.

pub mod sqs;

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4::SigningParams;
use aws_smithy_runtime_api::client::identity::Identity;
use serde::Deserialize;
use tokio::time::Instant;

use crate::config::{optional, ConfigError, Env, AWS_ENDPOINT_URL};
use crate::notion::retry::{backoff, RetryPolicy};

pub const AWS_ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
pub const AWS_SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
pub const AWS_SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";
pub const AWS_REGION: &str = "AWS_REGION";
pub const AWS_DEFAULT_REGION: &str = "AWS_DEFAULT_REGION";

/// What differs between the services we call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwsService {
    /// The SigV4 signing name, also the endpoint's host prefix.
    pub name: &'static str,
    /// For error messages ("Secrets Manager answered …").
    pub display: &'static str,
    /// The service-specific endpoint override the SDKs read before `AWS_ENDPOINT_URL`.
    pub endpoint_var: &'static str,
    pub content_type: &'static str,
}

pub const SECRETS_MANAGER: AwsService = AwsService {
    name: "secretsmanager",
    display: "Secrets Manager",
    endpoint_var: "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    content_type: "application/x-amz-json-1.1",
};

pub const SQS: AwsService = AwsService {
    name: "sqs",
    display: "SQS",
    endpoint_var: "AWS_ENDPOINT_URL_SQS",
    content_type: "application/x-amz-json-1.0",
};

/// Per attempt: one call at cold start must not eat the webhook's 10 s answer budget.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// Short waits: an AWS throttle clears in milliseconds, and the webhook answers within 10 s.
fn retry_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_secs(2),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    #[error(
        "AWS credentials are missing: {var} is not set (Lambda sets it; for local runs export it)"
    )]
    MissingCredentials { var: &'static str },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("request to {service} failed")]
    Request {
        service: &'static str,
        #[source]
        source: reqwest::Error,
    },
    #[error("cannot sign the {service} request")]
    Signing {
        service: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("{service} answered {status} {type_}: {message}")]
    Aws {
        service: &'static str,
        status: u16,
        type_: String,
        message: String,
    },
}

impl AwsError {
    /// Throttling, 5xx, timeouts and connection errors: another attempt may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            AwsError::Aws { status, type_, .. } => {
                *status >= 500 || *status == 429 || is_throttling(type_)
            }
            AwsError::Request { source, .. } => {
                source.is_timeout() || source.is_connect() || source.is_request()
            }
            _ => false,
        }
    }
}

/// The error types AWS uses for "slow down" (they come with 400).
fn is_throttling(type_: &str) -> bool {
    matches!(
        type_,
        "ThrottlingException"
            | "Throttling"
            | "ThrottledException"
            | "RequestThrottled"
            | "RequestThrottledException"
            | "TooManyRequestsException"
            | "RequestLimitExceeded"
            | "AWS.SimpleQueueService.RequestThrottled"
    ) || type_.ends_with("RequestThrottled")
}

/// Signs and sends AWS JSON-protocol actions to one service. Holds the credentials; its `Debug`
/// does not show them.
#[derive(Clone)]
pub struct AwsClient {
    http: reqwest::Client,
    endpoint: String,
    region: String,
    credentials: Credentials,
    service: AwsService,
}

impl std::fmt::Debug for AwsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsClient")
            .field("service", &self.service.name)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AwsErrorBody {
    #[serde(rename = "__type")]
    type_: Option<String>,
    message: Option<String>,
    #[serde(rename = "Message")]
    message_upper: Option<String>,
}

impl AwsClient {
    /// Reads region, endpoint and credentials the way Lambda provides them: the service's own
    /// endpoint override, then `AWS_ENDPOINT_URL`, then `https://<service>.<region>.amazonaws.com`.
    pub fn from_env(env: &impl Env, service: AwsService) -> Result<Self, AwsError> {
        let region = optional(env, AWS_REGION)
            .or_else(|| optional(env, AWS_DEFAULT_REGION))
            .ok_or(AwsError::Config(ConfigError::Missing { var: AWS_REGION }))?;
        let (endpoint, var) = match optional(env, service.endpoint_var) {
            Some(url) => (url, service.endpoint_var),
            None => match optional(env, AWS_ENDPOINT_URL) {
                Some(url) => (url, AWS_ENDPOINT_URL),
                None => (
                    format!("https://{}.{region}.amazonaws.com", service.name),
                    AWS_REGION,
                ),
            },
        };
        let credential = |var| optional(env, var).ok_or(AwsError::MissingCredentials { var });
        let credentials = Credentials::new(
            credential(AWS_ACCESS_KEY_ID)?,
            credential(AWS_SECRET_ACCESS_KEY)?,
            optional(env, AWS_SESSION_TOKEN),
            None,
            "environment",
        );
        Self::new(&endpoint, var, region, credentials, service)
    }

    /// `endpoint_var` names where `endpoint` came from, for the error if it is unusable.
    pub fn new(
        endpoint: &str,
        endpoint_var: &'static str,
        region: String,
        credentials: Credentials,
        service: AwsService,
    ) -> Result<Self, AwsError> {
        // The signer needs a host; checking here keeps a bad setting a start-up error.
        let invalid = |reason: String| ConfigError::Invalid {
            var: endpoint_var,
            value_hint: "an http(s) URL such as http://127.0.0.1:5000",
            reason,
        };
        let parsed = url::Url::parse(endpoint).map_err(|e| invalid(e.to_string()))?;
        if parsed.host_str().is_none() || !matches!(parsed.scheme(), "http" | "https") {
            return Err(invalid("not an http(s) URL with a host".into()).into());
        }
        let http = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .build()
            .map_err(|source| AwsError::Request {
                service: service.display,
                source,
            })?;
        Ok(Self {
            http,
            endpoint: parsed.as_str().to_owned(),
            region,
            credentials,
            service,
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// Sends one action (`x-amz-target: target`) with retries; the answer's body on success.
    pub async fn call(&self, target: &str, body: &serde_json::Value) -> Result<Vec<u8>, AwsError> {
        self.call_until(target, body, None).await
    }

    /// [`AwsClient::call`] whose attempts and waits end before `deadline`.
    pub async fn call_until(
        &self,
        target: &str,
        body: &serde_json::Value,
        deadline: Option<Instant>,
    ) -> Result<Vec<u8>, AwsError> {
        let body = body.to_string();
        let policy = retry_policy();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let timeout = deadline.map_or(ATTEMPT_TIMEOUT, |d| {
                ATTEMPT_TIMEOUT.min(d.saturating_duration_since(Instant::now()))
            });
            let error = match self.attempt(target, &body, timeout).await {
                Ok(bytes) => return Ok(bytes),
                Err(error) => error,
            };
            if attempts >= policy.max_attempts || !error.is_retryable() {
                return Err(error);
            }
            let wait = backoff(&policy, attempts, fastrand::f64());
            if deadline.is_some_and(|d| Instant::now() + wait + Duration::from_millis(50) >= d) {
                return Err(error);
            }
            tracing::debug!(service = self.service.name, target, attempt = attempts,
                wait_ms = wait.as_millis() as u64, error = %crate::telemetry::Chain(&error), "retrying AWS request");
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(
        &self,
        target: &str,
        body: &str,
        timeout: Duration,
    ) -> Result<Vec<u8>, AwsError> {
        let request_error = |source| AwsError::Request {
            service: self.service.display,
            source,
        };
        let signed = self.sign(target, body.as_bytes(), SystemTime::now())?;
        let mut request = self
            .http
            .post(&self.endpoint)
            .timeout(timeout)
            .header("content-type", self.service.content_type)
            .header("x-amz-target", target);
        for (name, value) in &signed {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = request
            .body(body.to_owned())
            .send()
            .await
            .map_err(request_error)?;
        let status = response.status();
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .or_else(|| response.headers().get("x-amzn-query-error"))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response.bytes().await.map_err(request_error)?;
        if !status.is_success() {
            return Err(aws_error(
                self.service.display,
                status.as_u16(),
                error_type.as_deref(),
                &bytes,
            ));
        }
        Ok(bytes.to_vec())
    }

    /// The SigV4 headers (`authorization`, `x-amz-date`, maybe `x-amz-security-token`) for a
    /// POST of `body` with `x-amz-target: target` to the endpoint at `time`.
    fn sign(
        &self,
        target: &str,
        body: &[u8],
        time: SystemTime,
    ) -> Result<Vec<(String, String)>, AwsError> {
        let signing = |e: Box<dyn std::error::Error + Send + Sync>| AwsError::Signing {
            service: self.service.display,
            source: e,
        };
        let identity: Identity = self.credentials.clone().into();
        let params = SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(self.service.name)
            .time(time)
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| signing(Box::new(e)))?;
        let headers = [
            ("content-type", self.service.content_type),
            ("x-amz-target", target),
        ];
        let request = SignableRequest::new(
            "POST",
            self.endpoint.as_str(),
            headers.into_iter(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| signing(Box::new(e)))?;
        let (instructions, _signature) = sign(request, &params.into())
            .map_err(|e| signing(Box::new(e)))?
            .into_parts();
        Ok(instructions
            .headers()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect())
    }
}

/// Maps an AWS JSON-protocol error answer: the type comes from `__type` (which may carry a
/// `namespace#` prefix) or the `x-amzn-ErrorType` / `x-amzn-query-error` header (which may carry
/// a `:url` or `;Sender` suffix).
fn aws_error(
    service: &'static str,
    status: u16,
    header_type: Option<&str>,
    body: &[u8],
) -> AwsError {
    let parsed: AwsErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let raw_type = parsed
        .type_
        .as_deref()
        .or(header_type)
        .unwrap_or("UnknownError");
    let type_ = raw_type
        .rsplit('#')
        .next()
        .unwrap_or(raw_type)
        .split([':', ';'])
        .next()
        .unwrap_or(raw_type)
        .to_owned();
    let message = parsed
        .message
        .or(parsed.message_upper)
        .unwrap_or_else(|| format!("HTTP {status} without an error message"));
    AwsError::Aws {
        service,
        status,
        type_,
        message,
    }
}

#[cfg(test)]
mod tests;
