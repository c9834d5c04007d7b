//! Writing one key into the secret: read, merge, put — the same round trip notion-oauth makes
//! for `notion_token` — then the cache is refreshed so this container sees the new value at once.
//! notion-webhook stores the subscription's verification token this way.

use serde_json::{Map, Value};

use super::{Error, SecretsProvider, KEY_NOTION_WEBHOOK_SECRET};
use crate::config::{ConfigError, NOTION_WEBHOOK_SECRET, SECRET_ID};

impl SecretsProvider {
    /// The Notion webhook verification token: `NOTION_WEBHOOK_SECRET`, else the secret's key
    /// `notion_webhook_secret`; `None` before the subscription's handshake stored one.
    pub async fn notion_webhook_secret(&self) -> Result<Option<String>, Error> {
        Ok(self.get().await?.notion_webhook_secret.clone())
    }

    /// Whether the token comes from the environment (then the secret is never written).
    pub fn notion_webhook_secret_from_env(&self) -> bool {
        self.overrides.notion_webhook_secret.is_some()
    }

    /// The secret's id, for log lines saying where a value was stored.
    pub fn secret_id(&self) -> Option<&str> {
        self.remote.as_ref().map(|r| r.secret_id.as_str())
    }

    /// Sets `key` to `value` in the secret's JSON object, keeping every other key, and refreshes
    /// the cache. Two calls: GetSecretValue and PutSecretValue (+1 for the refresh).
    pub async fn store_key(&self, key: &str, value: &str) -> Result<(), Error> {
        let remote = self
            .remote
            .as_ref()
            .ok_or(Error::Config(ConfigError::Missing { var: SECRET_ID }))?;
        let existing = remote.client.get_secret_string(&remote.secret_id).await?;
        let merged = merge_key(&remote.secret_id, &existing, key, value)?;
        remote
            .client
            .put_secret_string(&remote.secret_id, &merged)
            .await?;
        self.refresh().await?;
        Ok(())
    }

    /// Stores the verification token; refused when `NOTION_WEBHOOK_SECRET` is set.
    pub async fn store_notion_webhook_secret(&self, token: &str) -> Result<(), Error> {
        if self.notion_webhook_secret_from_env() {
            return Err(Error::NotConfigured {
                key: KEY_NOTION_WEBHOOK_SECRET,
                env_var: NOTION_WEBHOOK_SECRET,
            });
        }
        self.store_key(KEY_NOTION_WEBHOOK_SECRET, token).await
    }
}

/// `existing` (the secret's JSON object; empty counts as `{}`) with `key` set to `value`.
pub fn merge_key(secret_id: &str, existing: &str, key: &str, value: &str) -> Result<String, Error> {
    let mut object: Map<String, Value> = if existing.trim().is_empty() {
        Map::new()
    } else {
        match serde_json::from_str(existing) {
            Ok(Value::Object(object)) => object,
            _ => {
                return Err(Error::InvalidSecretJson {
                    secret_id: secret_id.to_owned(),
                    reason: "SecretString is not a JSON object, so it was left untouched",
                    source: None,
                })
            }
        }
    };
    object.insert(key.to_owned(), Value::String(value.to_owned()));
    Ok(Value::Object(object).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_keeps_the_other_keys_and_replaces_the_one() {
        let merged = merge_key(
            "s",
            r#"{"notion_token":"ntn","notion_webhook_secret":"old","n":1}"#,
            KEY_NOTION_WEBHOOK_SECRET,
            "secret_new",
        )
        .unwrap();
        let value: Value = serde_json::from_str(&merged).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"notion_token":"ntn","notion_webhook_secret":"secret_new","n":1})
        );
        assert!(merge_key("s", " ", "k", "v")
            .unwrap()
            .contains("\"k\":\"v\""));
    }

    #[test]
    fn a_secret_that_is_not_an_object_is_left_alone_without_echoing_the_value() {
        let err = merge_key("s", "[1]", "k", "secret_value").unwrap_err();
        assert!(matches!(err, Error::InvalidSecretJson { .. }));
        assert!(!format!("{err} {err:?}").contains("secret_value"));
    }
}
