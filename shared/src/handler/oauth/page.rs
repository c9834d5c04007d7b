//! The small HTML pages the OAuth callback answers a browser with, and the merge of a new
//! token into the secret's JSON. Everything shown is escaped: a workspace name or an error
//! description comes from outside.

use serde_json::{Map, Value};

use crate::notion::OAuthToken;
use crate::secrets::KEY_NOTION_TOKEN;

/// Where a refresh token (newer Notion integrations return one) is kept next to the token.
pub const KEY_NOTION_REFRESH_TOKEN: &str = "notion_refresh_token";

/// An HTML document with a heading and one paragraph of (already escaped) text.
pub fn html(title: &str, paragraph_html: &str) -> String {
    let title = escape(title);
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title}</title></head>\n<body style=\"font-family: system-ui, sans-serif; \
         max-width: 40rem; margin: 3rem auto; padding: 0 1rem\">\n<h1>{title}</h1>\n\
         <p>{paragraph_html}</p>\n</body></html>\n"
    )
}

/// HTML-escapes text for element content and quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Why the secret cannot take the token (it is left as it is).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the secret's SecretString is not a JSON object, so it was left untouched")]
pub struct NotAnObject;

/// `existing` (the secret's JSON object) with `notion_token` set to the new token. A refresh
/// token is stored when Notion sent one and an older one removed when it did not (it would
/// belong to the previous authorization). Other keys are kept as they are.
pub fn merge_token(existing: &str, token: &OAuthToken) -> Result<String, NotAnObject> {
    let mut object: Map<String, Value> = if existing.trim().is_empty() {
        Map::new()
    } else {
        match serde_json::from_str(existing) {
            Ok(Value::Object(object)) => object,
            _ => return Err(NotAnObject),
        }
    };
    object.insert(
        KEY_NOTION_TOKEN.to_owned(),
        Value::String(token.access_token.clone()),
    );
    match &token.refresh_token {
        Some(refresh) => {
            object.insert(
                KEY_NOTION_REFRESH_TOKEN.to_owned(),
                Value::String(refresh.clone()),
            );
        }
        None => {
            object.remove(KEY_NOTION_REFRESH_TOKEN);
        }
    }
    Ok(Value::Object(object).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn token(refresh: Option<&str>) -> OAuthToken {
        serde_json::from_value(json!({
            "access_token": "ntn_new", "token_type": "bearer", "refresh_token": refresh,
            "bot_id": "b", "workspace_id": "w", "workspace_name": "Acme"}))
        .expect("token parses")
    }

    #[test]
    fn merging_replaces_the_token_and_keeps_every_other_key() {
        let existing = r#"{"notion_token":"ntn_old","github_webhook_secret":["a","b"],"github_token":"ghp","notion_oauth_client_secret":"cs"}"#;
        let merged: Value =
            serde_json::from_str(&merge_token(existing, &token(None)).unwrap()).unwrap();
        assert_eq!(
            merged,
            json!({"notion_token": "ntn_new", "github_webhook_secret": ["a", "b"],
                "github_token": "ghp", "notion_oauth_client_secret": "cs"})
        );
    }

    #[test]
    fn a_refresh_token_is_stored_and_a_stale_one_removed() {
        let merged = merge_token("{}", &token(Some("rt_1"))).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&merged).unwrap(),
            json!({"notion_token": "ntn_new", "notion_refresh_token": "rt_1"})
        );
        let merged = merge_token(&merged, &token(None)).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&merged).unwrap(),
            json!({"notion_token": "ntn_new"})
        );
    }

    #[test]
    fn an_empty_secret_becomes_an_object_and_a_non_object_is_refused() {
        assert!(merge_token("", &token(None)).is_ok());
        for bad in ["ntn_plain", "[1]", "\"s\"", "{broken"] {
            assert_eq!(merge_token(bad, &token(None)), Err(NotAnObject), "{bad}");
        }
    }

    #[test]
    fn pages_escape_what_they_are_given() {
        let page = html("Connected <Acme>", &escape("\"Tom & Jerry's\" <script>"));
        assert!(page.contains("<title>Connected &lt;Acme&gt;</title>"));
        assert!(page.contains("&quot;Tom &amp; Jerry&#39;s&quot; &lt;script&gt;"));
        assert!(!page.contains("<script>"));
    }
}
