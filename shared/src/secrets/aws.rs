//! A Secrets Manager client for `GetSecretValue` and `PutSecretValue`: each one call through the
//! shared AWS call path ([`crate::aws::AwsClient`]: SigV4, JSON 1.1, retries on throttling).

use aws_credential_types::Credentials;
use serde::Deserialize;

use super::Error;
use crate::aws::{AwsClient, AwsError, SECRETS_MANAGER};

pub use crate::aws::{
    AWS_ACCESS_KEY_ID, AWS_DEFAULT_REGION, AWS_REGION, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
};
/// Service-specific endpoint override, preferred over `AWS_ENDPOINT_URL` like the SDKs do.
pub const AWS_ENDPOINT_URL_SECRETS_MANAGER: &str = SECRETS_MANAGER.endpoint_var;

const GET_SECRET_VALUE: &str = "secretsmanager.GetSecretValue";
/// All attempts of one call (retries on throttling and 5xx included): a cold start must leave
/// the webhook time to answer within GitHub's 10 s.
const CALL_BUDGET: std::time::Duration = std::time::Duration::from_secs(6);
const PUT_SECRET_VALUE: &str = "secretsmanager.PutSecretValue";

/// Signs and sends `GetSecretValue` / `PutSecretValue`. Its `Debug` does not show credentials.
#[derive(Clone, Debug)]
pub struct SecretsManagerClient {
    aws: AwsClient,
}

#[derive(Deserialize)]
struct GetSecretValueOutput {
    #[serde(rename = "SecretString")]
    secret_string: Option<String>,
}

impl From<AwsError> for Error {
    fn from(error: AwsError) -> Self {
        match error {
            AwsError::MissingCredentials { var } => Error::MissingCredentials { var },
            AwsError::Config(e) => Error::Config(e),
            AwsError::Request { source, .. } => Error::Request(source),
            AwsError::Signing { source, .. } => Error::Signing(source),
            AwsError::Aws {
                status,
                type_,
                message,
                ..
            } => Error::Aws {
                status,
                type_,
                message,
            },
        }
    }
}

impl SecretsManagerClient {
    /// Reads region, endpoint and credentials the way Lambda provides them.
    pub fn from_env(env: &impl crate::config::Env) -> Result<Self, Error> {
        Ok(Self {
            aws: AwsClient::from_env(env, SECRETS_MANAGER)?,
        })
    }

    /// `endpoint_var` names where `endpoint` came from, for the error if it is unusable.
    pub fn new(
        endpoint: &str,
        endpoint_var: &'static str,
        region: String,
        credentials: Credentials,
    ) -> Result<Self, Error> {
        Ok(Self {
            aws: AwsClient::new(endpoint, endpoint_var, region, credentials, SECRETS_MANAGER)?,
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

    async fn call(&self, target: &str, body: &serde_json::Value) -> Result<Vec<u8>, Error> {
        let deadline = tokio::time::Instant::now() + CALL_BUDGET;
        Ok(self.aws.call_until(target, body, Some(deadline)).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{map_env, AWS_ENDPOINT_URL};
    use crate::secrets::test_server::{Canned, TestServer};

    fn client_for(server: &TestServer) -> SecretsManagerClient {
        SecretsManagerClient::from_env(&map_env(&[
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
        let server = TestServer::start(vec![Canned::secret_not_found()]).await;
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

    /// The endpoint rule itself is `aws.rs`'s (tested there); this is the service's own variable.
    #[test]
    fn the_secrets_manager_endpoint_variable_wins() {
        let env = [
            (AWS_ACCESS_KEY_ID, "AKID"),
            (AWS_SECRET_ACCESS_KEY, "SECRET"),
            (AWS_DEFAULT_REGION, "eu-west-1"),
            (AWS_ENDPOINT_URL, "http://127.0.0.1:5000"),
            (AWS_ENDPOINT_URL_SECRETS_MANAGER, "http://localhost:4566"),
        ];
        let client = SecretsManagerClient::from_env(&map_env(&env)).unwrap();
        assert_eq!(client.aws.endpoint(), "http://localhost:4566/");
    }
}
