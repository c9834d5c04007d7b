//! Rich text: request items (`text`, `mention`, `equation`) to Notion's response items, with
//! Notion's limits counted the way Notion counts them — UTF-16 code units (its validation is
//! JavaScript), 2000 per text item and 100 items per array.

use serde_json::{json, Value};

use super::errors::ApiError;

// Size limits from developers.notion.com/reference/request-limits ("Limits for property
// values"): `text.content` 2000 characters, `text.link.url` 2000, `equation.expression` 1000,
// any array of rich text 100 elements.
pub const MAX_TEXT_UTF16: usize = 2000;
pub const MAX_ARRAY: usize = 100;
pub const MAX_LINK_UTF16: usize = 2000;
pub const MAX_EQUATION_UTF16: usize = 1000;
/// Link schemes Notion accepts in `text.link.url`. A relative link (`../a.md`, `#top`,
/// `./img.png`), an empty one or `javascript:` fails the whole request with
/// "Invalid URL for link." (PRODUCT.md, "Facts about the real APIs that bite").
const LINK_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// Notion's answer to a link it cannot store.
pub fn invalid_link() -> ApiError {
    ApiError::validation("Content creation Failed. Fix the following: Invalid URL for link.")
}

/// Checks a `text.link.url` the way Notion does: absolute, http/https/mailto, ≤ 2000 units.
pub fn check_link(url: &str) -> Result<(), ApiError> {
    if utf16_len(url) > MAX_LINK_UTF16 {
        return Err(invalid_link());
    }
    match url::Url::parse(url) {
        Ok(parsed) if LINK_SCHEMES.contains(&parsed.scheme()) => {
            if parsed.scheme() != "mailto" && parsed.host_str().is_none_or(str::is_empty) {
                return Err(invalid_link());
            }
            Ok(())
        }
        _ => Err(invalid_link()),
    }
}

/// An equation expression (inline or block), ≤ 1000 units.
pub fn check_equation(expression: &str, path: &str) -> Result<(), ApiError> {
    let len = utf16_len(expression);
    if len > MAX_EQUATION_UTF16 {
        return Err(ApiError::too_long(
            &format!("{path}.expression.length"),
            MAX_EQUATION_UTF16,
            len,
        ));
    }
    Ok(())
}

/// Notion validates in JavaScript, so lengths are UTF-16 code units (an emoji counts 2).
pub fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

fn describe(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

pub fn should_be(path: &str, what: &str, v: &Value) -> ApiError {
    ApiError::validation(format!(
        "body failed validation: {path} should be {what}, instead was `{}`.",
        describe(v)
    ))
}

fn annotations(input: Option<&Value>) -> Value {
    let mut a = json!({"bold": false, "italic": false, "strikethrough": false, "underline": false, "code": false, "color": "default"});
    if let (Some(Value::Object(given)), Some(map)) = (input, a.as_object_mut()) {
        for (k, v) in given {
            if map.contains_key(k) {
                map.insert(k.clone(), v.clone());
            }
        }
    }
    a
}

/// Converts a request rich-text array (at `path`) to response items.
pub fn rich_text(v: &Value, path: &str) -> Result<Vec<Value>, ApiError> {
    let items = v.as_array().ok_or_else(|| should_be(path, "an array", v))?;
    if items.len() > MAX_ARRAY {
        return Err(ApiError::too_long(
            &format!("{path}.length"),
            MAX_ARRAY,
            items.len(),
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| rich_text_item(item, &format!("{path}[{i}]")))
        .collect()
}

fn rich_text_item(item: &Value, path: &str) -> Result<Value, ApiError> {
    let obj = item
        .as_object()
        .ok_or_else(|| should_be(path, "an object", item))?;
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| {
            ["text", "mention", "equation"]
                .iter()
                .find(|k| obj.contains_key(**k))
                .unwrap_or(&"text")
                .to_string()
        });
    let ann = annotations(obj.get("annotations"));
    match kind.as_str() {
        "text" => {
            let text = obj.get("text").and_then(Value::as_object).ok_or_else(|| {
                ApiError::validation(format!("body failed validation: {path}.text should be defined, instead was `undefined`."))
            })?;
            let content = text.get("content").and_then(Value::as_str).ok_or_else(|| {
                should_be(&format!("{path}.text.content"), "a string", text.get("content").unwrap_or(&Value::Null))
            })?;
            let len = utf16_len(content);
            if len > MAX_TEXT_UTF16 {
                return Err(ApiError::too_long(&format!("{path}.text.content.length"), MAX_TEXT_UTF16, len));
            }
            let link = match text.get("link") {
                Some(Value::Object(l)) => {
                    let url = l.get("url").and_then(Value::as_str).ok_or_else(invalid_link)?;
                    check_link(url)?;
                    json!({"url": url})
                }
                _ => Value::Null,
            };
            let href = link.get("url").cloned().unwrap_or(Value::Null);
            Ok(json!({"type": "text", "text": {"content": content, "link": link}, "annotations": ann, "plain_text": content, "href": href}))
        }
        "equation" => {
            let expr = item.pointer("/equation/expression").and_then(Value::as_str).unwrap_or_default();
            check_equation(expr, &format!("{path}.equation"))?;
            Ok(json!({"type": "equation", "equation": {"expression": expr}, "annotations": ann, "plain_text": expr, "href": null}))
        }
        "mention" => {
            let mention = obj.get("mention").cloned().unwrap_or(json!({}));
            let plain = match mention.get("date") {
                Some(d) => d.get("start").and_then(Value::as_str).unwrap_or_default().to_string(),
                None => "Untitled".to_string(),
            };
            let mut mention = mention;
            if let Some(Value::Object(d)) = mention.get_mut("date") {
                d.entry("end").or_insert(Value::Null);
                d.entry("time_zone").or_insert(Value::Null);
            }
            let has_type = mention.get("type").is_some();
            if let (Some(m), false) = (mention.as_object_mut(), has_type) {
                let t = m.keys().next().cloned().unwrap_or_default();
                m.insert("type".into(), Value::String(t));
            }
            Ok(json!({"type": "mention", "mention": mention, "annotations": ann, "plain_text": plain, "href": null}))
        }
        other => Err(ApiError::validation(format!(
            "body failed validation: {path}.type should be `\"text\"`, `\"mention\"` or `\"equation\"`, instead was `\"{other}\"`."
        ))),
    }
}

/// Response rich text for a plain string (used when provisioning directly).
pub fn text(content: &str) -> Vec<Value> {
    if content.is_empty() {
        return Vec::new();
    }
    vec![
        json!({"type": "text", "text": {"content": content, "link": null}, "annotations": annotations(None), "plain_text": content, "href": null}),
    ]
}

pub fn plain_text(items: &[Value]) -> String {
    items
        .iter()
        .filter_map(|i| i.get("plain_text").and_then(Value::as_str))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_length_is_counted_in_utf16_code_units() {
        assert_eq!(utf16_len("😀"), 2);
        let ok = "😀".repeat(1000);
        assert!(rich_text(&json!([{"text": {"content": ok}}]), "p").is_ok());
        let too_long = format!("{ok}a");
        assert_eq!(
            rich_text(&json!([{"text": {"content": too_long}}]), "p")
                .unwrap_err()
                .code,
            "validation_error"
        );
    }

    #[test]
    fn a_date_mention_gets_notions_empty_end_and_time_zone() {
        let out = rich_text(
            &json!([{"mention": {"date": {"start": "2022-12-16"}}}]),
            "p",
        )
        .unwrap();
        assert_eq!(
            out[0]["mention"],
            json!({"type": "date", "date": {"start": "2022-12-16", "end": null, "time_zone": null}})
        );
        assert_eq!(out[0]["plain_text"], "2022-12-16");
    }
}
