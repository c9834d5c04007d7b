//! Database (data source) schemas: parsing the `properties` of a create/update request, rendering
//! them in response form, and validating a page's property values against them.

use fastrand::Rng;
use serde_json::{json, Map, Value};

use super::context::ApiVersion;
use super::errors::ApiError;
use super::ids;
use super::state::PropSchema;
use super::values::{self, COLORS};

const KINDS: [&str; 20] = [
    "title",
    "rich_text",
    "number",
    "select",
    "multi_select",
    "status",
    "date",
    "checkbox",
    "url",
    "email",
    "phone_number",
    "people",
    "files",
    "relation",
    "created_time",
    "last_edited_time",
    "created_by",
    "last_edited_by",
    "formula",
    "unique_id",
];

/// Reads one schema entry: `{"type": "number", "number": {...}}` or `{"number": {...}}`.
fn entry(name: &str, v: &Value, rng: &mut Rng) -> Result<(String, Value), ApiError> {
    let obj = v.as_object().ok_or_else(|| {
        ApiError::validation(format!("body failed validation: body.properties.{name} should be an object, instead was `{v}`."))
    })?;
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| obj.keys().find(|k| KINDS.contains(&k.as_str())).cloned())
        .ok_or_else(|| {
            ApiError::validation(format!(
                "body failed validation: body.properties.{name} should have a property type, one of {}.",
                KINDS.join(", ")
            ))
        })?;
    if !KINDS.contains(&kind.as_str()) {
        return Err(ApiError::validation(format!(
            "body failed validation: body.properties.{name}.type should be one of {}, instead was `\"{kind}\"`.",
            KINDS.join(", ")
        )));
    }
    let given = obj.get(&kind).cloned().unwrap_or(json!({}));
    let config = match kind.as_str() {
        "number" => json!({"format": given.get("format").cloned().unwrap_or(json!("number"))}),
        "select" | "multi_select" | "status" => {
            let mut options = Vec::new();
            for o in given
                .get("options")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let oname = o.get("name").and_then(Value::as_str).unwrap_or_default();
                values::check_option_name(oname)?;
                let color = o
                    .get("color")
                    .and_then(Value::as_str)
                    .filter(|c| COLORS.contains(c))
                    .unwrap_or("default");
                options.push(json!({"id": ids::new_uuid(rng), "name": oname, "color": color}));
            }
            json!({"options": options})
        }
        "relation" | "formula" => given,
        _ => json!({}),
    };
    Ok((kind, config))
}

/// Parses the schema of a new database; exactly one title property is required.
pub fn parse(input: &Map<String, Value>, rng: &mut Rng) -> Result<Vec<PropSchema>, ApiError> {
    let mut props = Vec::new();
    for (name, v) in input {
        let (kind, config) = entry(name, v, rng)?;
        let id = if kind == "title" {
            "title".to_string()
        } else {
            ids::property_id(rng)
        };
        props.push(PropSchema {
            id,
            name: name.clone(),
            kind,
            config,
        });
    }
    match props.iter().filter(|p| p.kind == "title").count() {
        1 => Ok(props),
        0 => Err(ApiError::validation(
            "Title is not provided: a database needs exactly one title property.",
        )),
        _ => Err(ApiError::validation(
            "Multiple title properties provided: a database needs exactly one.",
        )),
    }
}

/// Applies a schema update: `null` removes, `{"name": ..}` renames, a type entry adds or retypes.
pub fn update(
    props: &mut Vec<PropSchema>,
    input: &Map<String, Value>,
    rng: &mut Rng,
) -> Result<(), ApiError> {
    for (key, v) in input {
        let pos = props
            .iter()
            .position(|p| p.name == *key)
            .or_else(|| props.iter().position(|p| p.id == *key));
        if v.is_null() {
            match pos {
                Some(i) if props[i].kind == "title" => {
                    return Err(ApiError::validation("Cannot delete the title property."))
                }
                Some(i) => {
                    props.remove(i);
                }
                None => {
                    return Err(ApiError::validation(format!(
                        "{key} is not a property that exists."
                    )))
                }
            }
            continue;
        }
        let rename = v.get("name").and_then(Value::as_str).map(str::to_string);
        let typed = v
            .as_object()
            .is_some_and(|o| o.keys().any(|k| k == "type" || KINDS.contains(&k.as_str())));
        match pos {
            Some(i) => {
                if typed {
                    let (kind, config) = entry(key, v, rng)?;
                    props[i].kind = kind;
                    props[i].config = config;
                }
                if let Some(name) = rename {
                    props[i].name = name;
                }
            }
            None if typed => {
                let (kind, config) = entry(key, v, rng)?;
                if kind == "title" {
                    return Err(ApiError::validation(
                        "A database can only have one title property.",
                    ));
                }
                let name = rename.unwrap_or_else(|| key.clone());
                props.push(PropSchema {
                    id: ids::property_id(rng),
                    name,
                    kind,
                    config,
                });
            }
            None => {
                return Err(ApiError::validation(format!(
                    "{key} is not a property that exists."
                )))
            }
        }
    }
    Ok(())
}

/// The `properties` object of a database / data source response.
pub fn render(props: &[PropSchema], version: ApiVersion) -> Value {
    let mut out = Map::new();
    for p in props {
        let mut config = p.config.clone();
        if version.data_sources() {
            if let Some(options) = config.get_mut("options").and_then(Value::as_array_mut) {
                for o in options.iter_mut() {
                    if let Some(o) = o.as_object_mut() {
                        o.insert("description".into(), Value::Null);
                    }
                }
            }
        }
        let mut e = Map::new();
        e.insert("id".into(), json!(p.id));
        e.insert("name".into(), json!(p.name));
        if version.data_sources() {
            e.insert("description".into(), Value::Null);
        }
        e.insert("type".into(), json!(p.kind));
        e.insert(p.kind.clone(), config);
        out.insert(p.name.clone(), Value::Object(e));
    }
    Value::Object(out)
}

/// Validates every property of a page write against the schema. Returns the stored values by
/// property id; new select options are added to `props` (the caller commits them on success).
pub fn validate_values(
    props: &mut [PropSchema],
    input: &Map<String, Value>,
    rng: &mut Rng,
) -> Result<Vec<(String, Value)>, ApiError> {
    let mut out = Vec::new();
    for (key, v) in input {
        let prop = match props
            .iter()
            .position(|p| p.name == *key)
            .or_else(|| props.iter().position(|p| p.id == *key))
        {
            Some(i) => &mut props[i],
            None => {
                return Err(ApiError::validation(format!(
                    "{key} is not a property that exists."
                )))
            }
        };
        out.push((prop.id.clone(), values::to_stored(prop, v, rng)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schema_needs_exactly_one_title() {
        let mut rng = Rng::with_seed(3);
        let none = json!({"N": {"number": {}}});
        assert!(parse(none.as_object().unwrap(), &mut rng).is_err());
        let ok = json!({"Name": {"title": {}}, "N": {"type": "number", "number": {}}});
        let props = parse(ok.as_object().unwrap(), &mut rng).unwrap();
        assert_eq!(
            props.iter().find(|p| p.kind == "title").unwrap().id,
            "title"
        );
    }

    #[test]
    fn an_unknown_property_is_named_in_the_error() {
        let mut rng = Rng::with_seed(3);
        let mut props = parse(
            json!({"Name": {"title": {}}}).as_object().unwrap(),
            &mut rng,
        )
        .unwrap();
        let err = validate_values(
            &mut props,
            json!({"Nope": {"number": 1}}).as_object().unwrap(),
            &mut rng,
        )
        .unwrap_err();
        assert_eq!(err.message, "Nope is not a property that exists.");
    }

    #[test]
    fn select_options_with_commas_are_refused_in_a_schema() {
        let mut rng = Rng::with_seed(3);
        let input = json!({"Name": {"title": {}}, "S": {"select": {"options": [{"name": "a,b"}]}}});
        assert_eq!(
            parse(input.as_object().unwrap(), &mut rng)
                .unwrap_err()
                .code,
            "validation_error"
        );
    }
}
