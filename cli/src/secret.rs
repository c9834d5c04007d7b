//! `notion-relay secret set KEY [VALUE|-]` and `secret show KEY [--reveal]`: one key of the
//! Secrets Manager secret (`SECRET_ID`) at a time. `set` reads the secret, changes that key and
//! writes the whole JSON object back (Secrets Manager has no partial update), so the other keys
//! — the generated `github_webhook_secret` above all — are kept. Values are never printed by
//! `set`, and `show` masks them unless asked.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use serde_json::{Map, Value};

use crate::args::{SecretSetArgs, SecretShowArgs};
use crate::context::Context;
use crate::error::CliError;

pub async fn set(ctx: &Context, args: SecretSetArgs) -> Result<ExitCode, CliError> {
    let key = args.key.trim().to_owned();
    if key.is_empty() {
        return Err(CliError::Usage("the key must not be empty".into()));
    }
    let value = match args.value.as_deref() {
        Some(value) if value != "-" => value.to_owned(),
        _ => read_stdin(&key)?,
    };
    if value.is_empty() {
        return Err(CliError::Usage(format!(
            "no value for {key}: pass it as an argument or on stdin"
        )));
    }
    let (id, client) = ctx.secret_store()?;
    let current = client.get_secret_string(&id).await?;
    let mut object = parse_object(&id, &current)?;
    let kept: Vec<String> = object.keys().filter(|k| **k != key).cloned().collect();
    let replaced = object.contains_key(&key);
    object.insert(key.clone(), Value::String(value));
    client
        .put_secret_string(&id, &Value::Object(object).to_string())
        .await?;
    say!(
        "✓ {} {key} in {id}; kept {}",
        if replaced { "replaced" } else { "added" },
        if kept.is_empty() {
            "no other keys".to_owned()
        } else {
            kept.join(", ")
        }
    );
    say!("  the functions pick it up within 5 minutes (their cache), at once after a Notion 401");
    Ok(ExitCode::SUCCESS)
}

pub async fn show(ctx: &Context, args: SecretShowArgs) -> Result<ExitCode, CliError> {
    let (id, client) = ctx.secret_store()?;
    let object = parse_object(&id, &client.get_secret_string(&id).await?)?;
    let Some(value) = object.get(&args.key) else {
        let keys: Vec<&str> = object.keys().map(String::as_str).collect();
        eprintln!(
            "{id} has no key {}; it has: {}",
            args.key,
            if keys.is_empty() {
                "none".to_owned()
            } else {
                keys.join(", ")
            }
        );
        return Ok(ExitCode::FAILURE);
    };
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if args.reveal {
        say!("{text}");
    } else {
        say!("{}", mask(&text));
    }
    Ok(ExitCode::SUCCESS)
}

/// The secret's JSON object; an empty secret string counts as `{}`.
fn parse_object(id: &str, raw: &str) -> Result<Map<String, Value>, CliError> {
    if raw.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(CliError::Usage(format!(
            "secret {id} does not hold a JSON object, so one key cannot be merged into it; write the whole object with `aws secretsmanager put-secret-value`"
        ))),
    }
}

/// Reads the value from stdin (a prompt on a terminal), without the trailing newline.
fn read_stdin(key: &str) -> Result<String, CliError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("value for {key} (then Enter, Ctrl-D):");
    }
    let mut value = String::new();
    stdin
        .lock()
        .read_to_string(&mut value)
        .map_err(CliError::io("reading the value from stdin"))?;
    Ok(value.trim_end_matches(['\r', '\n']).to_owned())
}

/// `ntn_…(50 characters)`: enough to tell two tokens apart, not enough to use one.
pub fn mask(value: &str) -> String {
    let count = value.chars().count();
    if count == 0 {
        return "(empty)".to_owned();
    }
    let shown: String = if count >= 16 {
        value.chars().take(4).collect()
    } else {
        String::new()
    };
    format!("{shown}…({count} characters, masked; --reveal shows it)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_value_shows_only_its_prefix_and_length() {
        let masked = mask("ntn_1234567890abcdefghij");
        assert_eq!(masked, "ntn_…(24 characters, masked; --reveal shows it)");
        assert!(!mask("short-secret").contains("short"));
        assert_eq!(mask(""), "(empty)");
    }

    #[test]
    fn an_empty_secret_is_an_empty_object_and_a_non_object_is_refused() {
        assert!(parse_object("s", "").unwrap().is_empty());
        assert_eq!(parse_object("s", r#"{"a":"1"}"#).unwrap().len(), 1);
        assert!(parse_object("s", "[1]").is_err());
    }
}
