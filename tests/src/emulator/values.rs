//! Property values: request form → stored form → response form. The stored form is Notion's
//! response form of the part under the type key (`[rich text…]`, `{"id","name","color"}`,
//! `{"start","end","time_zone"}`, a number…), so filters and responses read it directly.
//! Text limits live in `rich_text.rs`.

use fastrand::Rng;
use serde_json::{json, Map, Value};

use super::clock;
use super::errors::ApiError;
use super::ids;
use super::state::{Page, PropSchema};

use super::rich_text::should_be;
pub use super::rich_text::{plain_text, rich_text, text, utf16_len, MAX_ARRAY, MAX_TEXT_UTF16};
pub const COLORS: [&str; 10] = [
    "default", "gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red",
];

/// The empty value a property shows before anything is written.
pub fn default_value(kind: &str) -> Value {
    match kind {
        "title" | "rich_text" | "multi_select" | "people" | "files" | "relation" => json!([]),
        "checkbox" => Value::Bool(false),
        _ => Value::Null,
    }
}

const READ_ONLY: [&str; 7] = [
    "created_time",
    "last_edited_time",
    "created_by",
    "last_edited_by",
    "formula",
    "rollup",
    "unique_id",
];

/// Validates one request property value against its schema and returns the stored form.
/// Select and multi-select options that do not exist yet are added to `prop` (with a colour).
pub fn to_stored(prop: &mut PropSchema, input: &Value, rng: &mut Rng) -> Result<Value, ApiError> {
    let path = format!("body.properties.{}", prop.name);
    // Shorthand Notion accepts: the rich-text array itself.
    if input.is_array() && (prop.kind == "title" || prop.kind == "rich_text") {
        return Ok(Value::Array(rich_text(
            input,
            &format!("{path}.{}", prop.kind),
        )?));
    }
    let obj = input
        .as_object()
        .ok_or_else(|| should_be(&path, "an object", input))?;
    let given = obj
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| obj.keys().find(|k| *k != "id" && *k != "type").cloned());
    match given {
        Some(kind) if kind == prop.kind => {}
        _ => {
            return Err(ApiError::validation(format!(
                "{} is expected to be {}.",
                prop.name, prop.kind
            )))
        }
    }
    if READ_ONLY.contains(&prop.kind.as_str()) {
        return Err(ApiError::validation(format!(
            "{} is a {} property and cannot be written.",
            prop.name, prop.kind
        )));
    }
    let path = format!("{path}.{}", prop.kind);
    let v = obj.get(&prop.kind).unwrap_or(&Value::Null);
    match prop.kind.as_str() {
        "title" | "rich_text" => Ok(Value::Array(rich_text(v, &path)?)),
        "number" => match v {
            Value::Null | Value::Number(_) => Ok(v.clone()),
            _ => Err(should_be(&path, "a number or `null`", v)),
        },
        "checkbox" => match v {
            Value::Bool(_) => Ok(v.clone()),
            _ => Err(should_be(&path, "a boolean", v)),
        },
        "url" | "email" | "phone_number" => match v {
            Value::Null => Ok(Value::Null),
            Value::String(s) if utf16_len(s) > max_string(&prop.kind) => Err(ApiError::too_long(
                &format!("{path}.length"),
                max_string(&prop.kind),
                utf16_len(s),
            )),
            Value::String(_) => Ok(v.clone()),
            _ => Err(should_be(&path, "a string or `null`", v)),
        },
        "select" | "status" => match v {
            Value::Null => Ok(Value::Null),
            _ => option(prop, v, &path, rng),
        },
        "multi_select" => {
            let items = v
                .as_array()
                .ok_or_else(|| should_be(&path, "an array", v))?;
            if items.len() > MAX_ARRAY {
                return Err(ApiError::too_long(
                    &format!("{path}.length"),
                    MAX_ARRAY,
                    items.len(),
                ));
            }
            let mut out: Vec<Value> = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let o = option(prop, item, &format!("{path}[{i}]"), rng)?;
                if !out.iter().any(|x| x.get("id") == o.get("id")) {
                    out.push(o);
                }
            }
            Ok(Value::Array(out))
        }
        "date" => date(v, &path),
        "people" | "relation" => {
            let items = v
                .as_array()
                .ok_or_else(|| should_be(&path, "an array", v))?;
            if items.len() > MAX_ARRAY {
                return Err(ApiError::too_long(
                    &format!("{path}.length"),
                    MAX_ARRAY,
                    items.len(),
                ));
            }
            Ok(v.clone())
        }
        "files" => Ok(v.clone()),
        other => Err(ApiError::validation(format!(
            "{} has unsupported type {other}.",
            prop.name
        ))),
    }
}

fn option(prop: &mut PropSchema, v: &Value, path: &str, rng: &mut Rng) -> Result<Value, ApiError> {
    let obj = v
        .as_object()
        .ok_or_else(|| should_be(path, "an object", v))?;
    let options = prop
        .config
        .get("options")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let found = if let Some(id) = obj.get("id").and_then(Value::as_str) {
        options
            .iter()
            .find(|o| o.get("id").and_then(Value::as_str) == Some(id))
            .cloned()
            .ok_or_else(|| {
                ApiError::validation(format!(
                    "body failed validation: {path}.id `{id}` is not an option of {}.",
                    prop.name
                ))
            })?
    } else {
        let name = obj.get("name").and_then(Value::as_str).ok_or_else(|| {
            ApiError::validation(format!(
                "body failed validation: {path}.name should be defined, instead was `undefined`."
            ))
        })?;
        check_option_name(name)?;
        match options
            .iter()
            .find(|o| o.get("name").and_then(Value::as_str) == Some(name))
        {
            Some(o) => o.clone(),
            None if prop.kind == "status" => {
                return Err(ApiError::validation(format!(
                    "Invalid status option: {name} is not an option of {}.",
                    prop.name
                )))
            }
            None => {
                let color = match obj.get("color").and_then(Value::as_str) {
                    Some(c) if COLORS.contains(&c) => c.to_string(),
                    Some(c) => return Err(ApiError::validation(format!("Invalid color: {c}."))),
                    None => COLORS[rng.usize(..COLORS.len())].to_string(),
                };
                let created = json!({"id": ids::new_uuid(rng), "name": name, "color": color});
                let mut all = options;
                all.push(created.clone());
                prop.config = json!({"options": all});
                created
            }
        }
    };
    Ok(json!({"id": found["id"], "name": found["name"], "color": found["color"]}))
}

/// developers.notion.com/reference/request-limits: any URL 2000 characters, any email and any
/// phone number 200.
fn max_string(kind: &str) -> usize {
    match kind {
        "email" | "phone_number" => MAX_CONTACT_UTF16,
        _ => MAX_TEXT_UTF16,
    }
}

pub const MAX_CONTACT_UTF16: usize = 200;
/// Select and multi-select option names (request-limits does not list it; Notion answers
/// `…name.length should be ≤ 100` — PRODUCT.md, "Facts about the real APIs that bite").
pub const MAX_OPTION_UTF16: usize = 100;

/// Notion refuses commas in select and multi-select option names.
pub fn check_option_name(name: &str) -> Result<(), ApiError> {
    if name.contains(',') {
        return Err(ApiError::validation(format!(
            "Invalid select option, commas not allowed: {name}"
        )));
    }
    if utf16_len(name) > MAX_OPTION_UTF16 {
        return Err(ApiError::too_long(
            "body.properties.select.options.name.length",
            MAX_OPTION_UTF16,
            utf16_len(name),
        ));
    }
    Ok(())
}

fn date(v: &Value, path: &str) -> Result<Value, ApiError> {
    let obj = match v {
        Value::Null => return Ok(Value::Null),
        Value::Object(o) => o,
        _ => return Err(should_be(path, "an object or `null`", v)),
    };
    let tz = obj.get("time_zone").and_then(Value::as_str);
    let point = |key: &str| -> Result<Option<String>, ApiError> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => clock::parse(s, tz).map(|p| Some(p.render())).map_err(|e| {
                ApiError::validation(format!("body failed validation: {path}.{key}: {e}"))
            }),
            Some(other) => Err(should_be(&format!("{path}.{key}"), "a string", other)),
        }
    };
    let start = point("start")?.ok_or_else(|| {
        ApiError::validation(format!(
            "body failed validation: {path}.start should be defined, instead was `undefined`."
        ))
    })?;
    Ok(json!({"start": start, "end": point("end")?, "time_zone": null}))
}

/// The response form of one property of a page: `{"id","type",<type>: value}`.
pub fn to_response(prop: &PropSchema, page: &Page, user: &Value) -> Value {
    let value = match prop.kind.as_str() {
        "created_time" => Value::String(clock::timestamp(page.created.at)),
        "last_edited_time" => Value::String(clock::timestamp(page.edited.at)),
        "created_by" | "last_edited_by" => user.clone(),
        kind => page
            .properties
            .get(&prop.id)
            .cloned()
            .unwrap_or_else(|| default_value(kind)),
    };
    let mut out = Map::new();
    out.insert("id".into(), Value::String(prop.id.clone()));
    out.insert("type".into(), Value::String(prop.kind.clone()));
    out.insert(prop.kind.clone(), value);
    if prop.kind == "relation" {
        out.insert("has_more".into(), Value::Bool(false));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prop(kind: &str) -> PropSchema {
        PropSchema {
            id: "abcd".into(),
            name: "P".into(),
            kind: kind.into(),
            config: json!({"options": []}),
        }
    }

    #[test]
    fn a_new_select_option_is_created_with_a_colour_and_reused_after() {
        let mut p = prop("select");
        let mut rng = Rng::with_seed(1);
        let a = to_stored(&mut p, &json!({"select": {"name": "Open"}}), &mut rng).unwrap();
        let b = to_stored(&mut p, &json!({"select": {"name": "Open"}}), &mut rng).unwrap();
        assert_eq!(a, b);
        assert!(COLORS.contains(&a["color"].as_str().unwrap()));
        assert_eq!(p.config["options"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn a_value_of_another_type_is_rejected_with_notions_wording() {
        let err = to_stored(
            &mut prop("number"),
            &json!({"rich_text": []}),
            &mut Rng::with_seed(1),
        )
        .unwrap_err();
        assert_eq!(err.message, "P is expected to be number.");
    }

    #[test]
    fn dates_keep_date_only_values_and_truncate_date_times() {
        let mut p = prop("date");
        let mut rng = Rng::with_seed(1);
        let d = to_stored(&mut p, &json!({"date": {"start": "2026-06-27"}}), &mut rng).unwrap();
        assert_eq!(d["start"], "2026-06-27");
        let t = to_stored(
            &mut p,
            &json!({"date": {"start": "2026-06-27T18:01:15Z"}}),
            &mut rng,
        )
        .unwrap();
        assert_eq!(t["start"], "2026-06-27T18:01:00.000+00:00");
    }
}
