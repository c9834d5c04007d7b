//! A Secrets Manager client for `GetSecretValue` and `PutSecretValue`: each one SigV4-signed
//! HTTPS POST through one private `call`.
//!
//! Why no AWS SDK: the SDK adds megabytes to every binary, tens of seconds to a 2-core build
//! and milliseconds of credential-chain and config loading to each cold start, all for one call
//! per warm container. Lambda hands us static credentials in the environment, so signing with
//! `aws-sigv4` (the SDK's own signer) and sending with the `reqwest` client we already ship is
//! enough.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4::SigningParams;
use aws_smithy_runtime_api::client::identity::Identity;
use serde::Deserialize;

use super::Error;
use crate::config::{optional_in, ConfigError, AWS_ENDPOINT_URL};

pub const AWS_ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
pub const AWS_SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
pub const AWS_SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";
pub const AWS_REGION: &str = "AWS_REGION";
pub const AWS_DEFAULT_REGION: &str = "AWS_DEFAULT_REGION";
/// Service-specific endpoint override, preferred over `AWS_ENDPOINT_URL` like the SDKs do.
pub const AWS_ENDPOINT_URL_SECRETS_MANAGER: &str = "AWS_ENDPOINT_URL_SECRETS_MANAGER";

const SERVICE: &str = "secretsmanager";
const GET_SECRET_VALUE: &str = "secretsmanager.GetSecretValue";
const PUT_SECRET_VALUE: &str = "secretsmanager.PutSecretValue";
const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// One call at cold start must not eat the webhook's 10 s answer budget.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Signs and sends `GetSecretValue`. Holds the credentials; its `Debug` does not show them.
#[derive(Clone)]
pub struct SecretsManagerClient {
    http: reqwest::Client,
    endpoint: String,
    region: String,
    credentials: Credentials,
}

impl std::fmt::Debug for SecretsManagerClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretsManagerClient")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct GetSecretValueOutput {
    #[serde(rename = "SecretString")]
    secret_string: Option<String>,
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

impl SecretsManagerClient {
    /// Reads region, endpoint and credentials the way Lambda provides them.
    pub fn from_env_in(env: &impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let region = optional_in(env, AWS_REGION)
            .or_else(|| optional_in(env, AWS_DEFAULT_REGION))
            .ok_or(Error::Config(ConfigError::Missing { var: AWS_REGION }))?;
        let (endpoint, var) = match optional_in(env, AWS_ENDPOINT_URL_SECRETS_MANAGER) {
            Some(url) => (url, AWS_ENDPOINT_URL_SECRETS_MANAGER),
            None => match optional_in(env, AWS_ENDPOINT_URL) {
                Some(url) => (url, AWS_ENDPOINT_URL),
                None => (
                    format!("https://secretsmanager.{region}.amazonaws.com"),
                    AWS_REGION,
                ),
            },
        };
        let credential = |var| optional_in(env, var).ok_or(Error::MissingCredentials { var });
        let credentials = Credentials::new(
            credential(AWS_ACCESS_KEY_ID)?,
            credential(AWS_SECRET_ACCESS_KEY)?,
            optional_in(env, AWS_SESSION_TOKEN),
            None,
            "environment",
        );
        Self::new(&endpoint, var, region, credentials)
    }

    /// `endpoint_var` names where `endpoint` came from, for the error if it is unusable.
    pub fn new(
        endpoint: &str,
        endpoint_var: &'static str,
        region: String,
        credentials: Credentials,
    ) -> Result<Self, Error> {
        // The signer needs a host; checking here keeps a bad setting a start-up error.
        let parsed = url::Url::parse(endpoint).map_err(|e| ConfigError::Invalid {
            var: endpoint_var,
            value_hint: "an http(s) URL such as http://127.0.0.1:5000",
            reason: e.to_string(),
        })?;
        if parsed.host_str().is_none() || !matches!(parsed.scheme(), "http" | "https") {
            return Err(ConfigError::Invalid {
                var: endpoint_var,
                value_hint: "an http(s) URL such as http://127.0.0.1:5000",
                reason: "not an http(s) URL with a host".into(),
            }
            .into());
        }
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(Error::Request)?;
        Ok(Self {
            http,
            endpoint: parsed.as_str().to_owned(),
            region,
            credentials,
        })
    }

    /// The `SecretString` of `secret_id` (name or ARN).
    pub async fn get_secret_string(&self, secret_id: &str) -> Result<String, Error> {
        let body = serde_json::json!({ "SecretId": secret_id });
        let bytes = self.call(GET_SECRET_VALUE, &body).await?;
        let output: GetSecretValueOutput =
            serde_json::from_slice(&bytes).map_err(|source| Error::InvalidSecretJson {
                secret_id: secret_id.to_owned(),
                reason: "GetSecretValue answer is not JSON",
                source: Some(source),
            })?;
        output
            .secret_string
            .ok_or_else(|| Error::InvalidSecretJson {
                secret_id: secret_id.to_owned(),
                reason: "the secret has no SecretString (binary secrets are not supported)",
                source: None,
            })
    }

    /// Stores `secret_string` as the new current version (`AWSCURRENT`) of `secret_id`, which
    /// must exist. The whole string is replaced: to change one key, read, merge, then put.
    pub async fn put_secret_string(
        &self,
        secret_id: &str,
        secret_string: &str,
    ) -> Result<(), Error> {
        let body = serde_json::json!({ "SecretId": secret_id, "SecretString": secret_string });
        self.call(PUT_SECRET_VALUE, &body).await.map(drop)
    }

    /// Signs and sends one JSON 1.1 action; the answer's body on success, [`Error::Aws`] on an
    /// error answer.
    async fn call(&self, target: &str, body: &serde_json::Value) -> Result<Vec<u8>, Error> {
        let body = body.to_string();
        let signed = self.sign(target, body.as_bytes(), SystemTime::now())?;
        let mut request = self
            .http
            .post(&self.endpoint)
            .header("content-type", CONTENT_TYPE)
            .header("x-amz-target", target);
        for (name, value) in &signed {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = request.body(body).send().await.map_err(Error::Request)?;
        let status = response.status();
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response.bytes().await.map_err(Error::Request)?;
        if !status.is_success() {
            return Err(aws_error(status.as_u16(), error_type.as_deref(), &bytes));
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
    ) -> Result<Vec<(String, String)>, Error> {
        let identity: Identity = self.credentials.clone().into();
        let params = SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(SERVICE)
            .time(time)
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| Error::Signing(Box::new(e)))?;
        let headers = [("content-type", CONTENT_TYPE), ("x-amz-target", target)];
        let request = SignableRequest::new(
            "POST",
            self.endpoint.as_str(),
            headers.into_iter(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| Error::Signing(Box::new(e)))?;
        let (instructions, _signature) = sign(request, &params.into())
            .map_err(|e| Error::Signing(Box::new(e)))?
            .into_parts();
        Ok(instructions
            .headers()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect())
    }
}

/// Maps an AWS JSON-protocol error answer: the type comes from `__type` (which may carry a
/// `namespace#` prefix) or the `x-amzn-ErrorType` header (which may carry a `:url` suffix).
fn aws_error(status: u16, header_type: Option<&str>, body: &[u8]) -> Error {
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
        .split(':')
        .next()
        .unwrap_or(raw_type)
        .to_owned();
    let message = parsed
        .message
        .or(parsed.message_upper)
        .unwrap_or_else(|| format!("HTTP {status} without an error message"));
    Error::Aws {
        status,
        type_,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::map_env;
    use crate::secrets::test_server::{Canned, TestServer};

    fn client_for(server: &TestServer) -> SecretsManagerClient {
        SecretsManagerClient::from_env_in(&map_env(&[
            (AWS_REGION, "us-east-1"),
            (AWS_ACCESS_KEY_ID, "AKID"),
            (AWS_SECRET_ACCESS_KEY, "SECRETKEY"),
            (AWS_SESSION_TOKEN, "SESSIONTOKEN"),
            (AWS_ENDPOINT_URL, &server.url),
        ]))
        .unwrap()
    }

    #[tokio::test]
    async fn put_secret_value_is_sigv4_signed_and_sends_the_whole_string() {
        let server = TestServer::start(vec![Canned::json(
            200,
            r#"{"ARN":"arn:aws:secretsmanager:us-east-1:1:secret:relay","Name":"relay","VersionId":"v2","VersionStages":["AWSCURRENT"]}"#,
        )])
        .await;
        let secret = r#"{"notion_token":"ntn_new","github_token":"ghp_kept"}"#;
        client_for(&server)
            .put_secret_string("relay", secret)
            .await
            .unwrap();

        let requests = server.requests();
        assert_eq!(requests.len(), 1);
        let request = &requests[0];
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("POST", "/")
        );
        assert_eq!(
            request.header("x-amz-target"),
            Some("secretsmanager.PutSecretValue")
        );
        assert_eq!(
            request.header("content-type"),
            Some("application/x-amz-json-1.1")
        );
        let auth = request.header("authorization").unwrap();
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=AKID/")
                && auth.contains("/us-east-1/secretsmanager/aws4_request")
                && auth.contains("x-amz-target"),
            "{auth}"
        );
        assert_eq!(request.header("x-amz-security-token"), Some("SESSIONTOKEN"));
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"SecretId": "relay", "SecretString": secret})
        );
    }

    #[tokio::test]
    async fn a_refused_put_is_an_aws_error_that_does_not_echo_the_value() {
        let server = TestServer::start(vec![Canned::json(
            400,
            r#"{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}"#,
        )])
        .await;
        let err = client_for(&server)
            .put_secret_string("missing", r#"{"notion_token":"ntn_secret_value"}"#)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Aws { status: 400, type_, .. } if type_ == "ResourceNotFoundException"),
            "{err:?}"
        );
        assert!(!format!("{err} {err:?}").contains("ntn_secret_value"));
    }

    #[test]
    fn endpoint_prefers_the_service_override_then_the_generic_one_then_the_region() {
        let creds = [
            (AWS_ACCESS_KEY_ID, "AKID"),
            (AWS_SECRET_ACCESS_KEY, "SECRET"),
            (AWS_DEFAULT_REGION, "eu-west-1"),
        ];
        let client = SecretsManagerClient::from_env_in(&map_env(&creds)).unwrap();
        assert_eq!(
            client.endpoint,
            "https://secretsmanager.eu-west-1.amazonaws.com/"
        );
        let mut env = creds.to_vec();
        env.push((AWS_ENDPOINT_URL, "http://127.0.0.1:5000"));
        let client = SecretsManagerClient::from_env_in(&map_env(&env)).unwrap();
        assert_eq!(client.endpoint, "http://127.0.0.1:5000/");
        env.push((AWS_ENDPOINT_URL_SECRETS_MANAGER, "http://localhost:4566"));
        let client = SecretsManagerClient::from_env_in(&map_env(&env)).unwrap();
        assert_eq!(client.endpoint, "http://localhost:4566/");
    }

    #[test]
    fn missing_credentials_or_region_name_the_variable() {
        let err =
            SecretsManagerClient::from_env_in(&map_env(&[(AWS_REGION, "us-east-1")])).unwrap_err();
        assert!(matches!(
            err,
            Error::MissingCredentials {
                var: AWS_ACCESS_KEY_ID
            }
        ));
        let err = SecretsManagerClient::from_env_in(&map_env(&[])).unwrap_err();
        assert!(err.to_string().contains("AWS_REGION"), "{err}");
    }

    #[test]
    fn an_endpoint_without_host_is_a_config_error() {
        let env = map_env(&[
            (AWS_REGION, "us-east-1"),
            (AWS_ACCESS_KEY_ID, "AKID"),
            (AWS_SECRET_ACCESS_KEY, "SECRET"),
            (AWS_ENDPOINT_URL, "localhost:5000"),
        ]);
        let err = SecretsManagerClient::from_env_in(&env).unwrap_err();
        assert!(err.to_string().contains("AWS_ENDPOINT_URL"), "{err}");
    }

    #[test]
    fn aws_errors_keep_type_and_message() {
        let err = aws_error(
            400,
            None,
            br#"{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}"#,
        );
        assert!(matches!(&err, Error::Aws { status: 400, type_, message }
            if type_ == "ResourceNotFoundException" && message.contains("can't find")));
        let err = aws_error(
            403,
            Some("UnrecognizedClientException:http://internal.amazon.com/"),
            b"{}",
        );
        assert!(matches!(&err, Error::Aws { type_, .. } if type_ == "UnrecognizedClientException"));
        let err = aws_error(
            400,
            None,
            br#"{"__type":"com.amazonaws.x#AccessDeniedException","Message":"no"}"#,
        );
        assert!(matches!(&err, Error::Aws { type_, message, .. }
            if type_ == "AccessDeniedException" && message == "no"));
        let err = aws_error(503, None, b"<html>");
        assert!(matches!(&err, Error::Aws { status: 503, type_, .. } if type_ == "UnknownError"));
    }
}
