//! Page property values and database property schemas.
//!
//! [`PropertyValue`] is asymmetric on purpose: `Serialize` produces Notion's WRITE format
//! (`{"select":{"name":"Open"}}`), `Deserialize` reads Notion's READ format (`{"id":..,"type":
//! "select","select":{"id":..,"name":..,"color":..}}`). Reading is tolerant: a type this client does
//! not model keeps its whole object in [`PropertyValue::Other`], which is written back verbatim.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Map, Value};

use super::ids::PageId;
use super::rich_text::{self, capped, RichText};

/// Property values by property name, as a page holds them and `create_page`/`update_page` take them.
pub type Properties = BTreeMap<String, PropertyValue>;

/// A date or date range (ISO 8601 strings, as Notion takes and returns them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateValue {
    pub start: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

/// One property value of a page.
#[derive(Debug, Clone, PartialEq)]
pub enum PropertyValue {
    Title(Vec<RichText>),
    RichText(Vec<RichText>),
    Number(Option<f64>),
    Select(Option<String>),
    MultiSelect(Vec<String>),
    Date(Option<DateValue>),
    Checkbox(bool),
    Url(Option<String>),
    Email(Option<String>),
    /// User ids.
    People(Vec<String>),
    Relation(Vec<PageId>),
    /// A `status` property's option name.
    Status(Option<String>),
    /// Any other type: the read object as Notion sent it; written verbatim.
    Other(Value),
}

/// Longest select / multi-select option name Notion accepts, in UTF-16 code units.
pub const MAX_OPTION_UNITS: usize = 100;

/// A select or multi-select option name as Notion accepts it: commas removed (Notion rejects
/// them; GitHub labels may have them) and cut to 100 UTF-16 units on a character boundary (a
/// 140-character `owner/name`, a label of 60 emoji). Every write of an option passes here, and a
/// filter on an option must use it too, so the cut value is found again.
pub fn option_name(name: &str) -> String {
    let name = name.replace(',', "");
    let name = name.trim();
    if super::rich_text::utf16_len(name) <= MAX_OPTION_UNITS {
        return name.to_owned();
    }
    let mut units = 0;
    let cut: String = name
        .chars()
        .take_while(|c| {
            units += c.len_utf16();
            units <= MAX_OPTION_UNITS
        })
        .collect();
    cut.trim_end().to_owned()
}

impl PropertyValue {
    /// A title, split into ≤ 2000-UTF-16-unit items, at most 100.
    pub fn title(text: &str) -> Self {
        PropertyValue::Title(rich_text::text_items(text))
    }

    /// A rich-text value, split like [`PropertyValue::title`].
    pub fn rich_text(text: &str) -> Self {
        PropertyValue::RichText(rich_text::text_items(text))
    }

    pub fn number(n: impl Into<f64>) -> Self {
        PropertyValue::Number(Some(n.into()))
    }

    /// A select option (commas removed; an empty name clears the select).
    pub fn select(name: &str) -> Self {
        let name = option_name(name);
        PropertyValue::Select((!name.is_empty()).then_some(name))
    }

    /// Multi-select options: commas removed, empty names skipped, duplicates dropped (first wins,
    /// order kept), at most 100 with a warning.
    pub fn multi_select<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut out: Vec<String> = Vec::new();
        for name in names {
            let name = option_name(name.as_ref());
            if !name.is_empty() && !out.contains(&name) {
                out.push(name);
            }
        }
        PropertyValue::MultiSelect(capped(
            out,
            "multi_select over Notion's 100 options; the rest is dropped",
        ))
    }

    pub fn date(start: impl Into<String>) -> Self {
        PropertyValue::Date(Some(DateValue {
            start: start.into(),
            end: None,
        }))
    }

    pub fn url(url: impl Into<String>) -> Self {
        PropertyValue::Url(Some(url.into()))
    }

    /// The text of a title or rich-text value (joined); `None` for other types.
    pub fn plain_text(&self) -> Option<String> {
        match self {
            PropertyValue::Title(t) | PropertyValue::RichText(t) => Some(rich_text::plain_text(t)),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self {
            PropertyValue::Number(n) => *n,
            _ => None,
        }
    }

    pub fn as_select(&self) -> Option<&str> {
        match self {
            PropertyValue::Select(s) | PropertyValue::Status(s) => s.as_deref(),
            _ => None,
        }
    }

    pub fn as_date(&self) -> Option<&DateValue> {
        match self {
            PropertyValue::Date(d) => d.as_ref(),
            _ => None,
        }
    }

    /// Notion's type name of this value.
    pub fn type_name(&self) -> &str {
        match self {
            PropertyValue::Title(_) => "title",
            PropertyValue::RichText(_) => "rich_text",
            PropertyValue::Number(_) => "number",
            PropertyValue::Select(_) => "select",
            PropertyValue::MultiSelect(_) => "multi_select",
            PropertyValue::Date(_) => "date",
            PropertyValue::Checkbox(_) => "checkbox",
            PropertyValue::Url(_) => "url",
            PropertyValue::Email(_) => "email",
            PropertyValue::People(_) => "people",
            PropertyValue::Relation(_) => "relation",
            PropertyValue::Status(_) => "status",
            PropertyValue::Other(v) => v.get("type").and_then(Value::as_str).unwrap_or("other"),
        }
    }

    /// Notion's WRITE format (also what `Serialize` produces).
    pub fn to_write_json(&self) -> Value {
        // Limits hold for values built by hand too: option names without commas, ≤ 100 items.
        fn names(v: &[String]) -> Vec<Value> {
            capped_json(v.iter().map(|n| json!({ "name": option_name(n) })))
        }
        fn ids<'a>(v: impl Iterator<Item = &'a str>) -> Vec<Value> {
            capped_json(v.map(|id| json!({ "id": id })))
        }
        fn named(s: &Option<String>) -> Value {
            json!(s.as_ref().map(|n| json!({ "name": option_name(n) })))
        }
        match self {
            PropertyValue::Title(t) => json!({ "title": rich_text::write_rich_text(t) }),
            PropertyValue::RichText(t) => json!({ "rich_text": rich_text::write_rich_text(t) }),
            PropertyValue::Number(n) => json!({ "number": n.map(number_json) }),
            PropertyValue::Select(s) => json!({ "select": named(s) }),
            PropertyValue::Status(s) => json!({ "status": named(s) }),
            PropertyValue::MultiSelect(v) => json!({ "multi_select": names(v) }),
            PropertyValue::Date(d) => json!({ "date": d }),
            PropertyValue::Checkbox(b) => json!({ "checkbox": b }),
            PropertyValue::Url(u) => json!({ "url": u }),
            PropertyValue::Email(e) => json!({ "email": e }),
            PropertyValue::People(p) => json!({ "people": ids(p.iter().map(String::as_str)) }),
            PropertyValue::Relation(r) => json!({ "relation": ids(r.iter().map(PageId::as_str)) }),
            PropertyValue::Other(v) => v.clone(),
        }
    }
}

/// A value's items (options, people, pages) as JSON, at most 100 of them.
fn capped_json(items: impl Iterator<Item = Value>) -> Vec<Value> {
    capped(
        items.collect(),
        "property value over Notion's 100 items; the rest is dropped",
    )
}

/// Integral numbers as JSON integers (`42`, not `42.0`), as people and Notion write them.
pub(crate) fn number_json(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        json!(n as i64)
    } else {
        json!(n)
    }
}

impl Serialize for PropertyValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_write_json().serialize(s)
    }
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
struct WithId {
    id: String,
}

/// Reads `obj[key]` as `T`, treating a missing key as JSON null.
fn field<T: serde::de::DeserializeOwned>(obj: &Map<String, Value>, key: &str) -> Result<T, String> {
    serde_json::from_value(obj.get(key).cloned().unwrap_or(Value::Null))
        .map_err(|e| format!("property of type {key}: {e}"))
}

impl PropertyValue {
    /// Parses Notion's READ format; unknown types become `Other`.
    pub fn from_read_json(value: Value) -> Result<Self, String> {
        let Value::Object(obj) = &value else {
            return Err("property value is not an object".into());
        };
        let Some(kind) = obj.get("type").and_then(Value::as_str) else {
            return Ok(PropertyValue::Other(value));
        };
        let names =
            |v: Option<Vec<Named>>| v.unwrap_or_default().into_iter().map(|n| n.name).collect();
        Ok(match kind {
            "title" => PropertyValue::Title(field::<Option<_>>(obj, kind)?.unwrap_or_default()),
            "rich_text" => {
                PropertyValue::RichText(field::<Option<_>>(obj, kind)?.unwrap_or_default())
            }
            "number" => PropertyValue::Number(field(obj, kind)?),
            "select" => PropertyValue::Select(field::<Option<Named>>(obj, kind)?.map(|n| n.name)),
            "status" => PropertyValue::Status(field::<Option<Named>>(obj, kind)?.map(|n| n.name)),
            "multi_select" => PropertyValue::MultiSelect(names(field(obj, kind)?)),
            "date" => PropertyValue::Date(field(obj, kind)?),
            "checkbox" => {
                PropertyValue::Checkbox(field::<Option<bool>>(obj, kind)?.unwrap_or(false))
            }
            "url" => PropertyValue::Url(field(obj, kind)?),
            "email" => PropertyValue::Email(field(obj, kind)?),
            "people" => PropertyValue::People(
                field::<Option<Vec<WithId>>>(obj, kind)?
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| p.id)
                    .collect(),
            ),
            "relation" => PropertyValue::Relation(
                field::<Option<Vec<WithId>>>(obj, kind)?
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| PageId::new(p.id))
                    .collect(),
            ),
            _ => PropertyValue::Other(value),
        })
    }
}

impl<'de> Deserialize<'de> for PropertyValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        PropertyValue::from_read_json(value).map_err(serde::de::Error::custom)
    }
}

/// A database property's type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PropertyType {
    Title,
    RichText,
    Number,
    Select,
    MultiSelect,
    Date,
    Checkbox,
    Url,
    Email,
    People,
    Relation,
    Status,
    Other(String),
}

impl PropertyType {
    pub fn parse(s: &str) -> Self {
        match s {
            "title" => PropertyType::Title,
            "rich_text" => PropertyType::RichText,
            "number" => PropertyType::Number,
            "select" => PropertyType::Select,
            "multi_select" => PropertyType::MultiSelect,
            "date" => PropertyType::Date,
            "checkbox" => PropertyType::Checkbox,
            "url" => PropertyType::Url,
            "email" => PropertyType::Email,
            "people" => PropertyType::People,
            "relation" => PropertyType::Relation,
            "status" => PropertyType::Status,
            other => PropertyType::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            PropertyType::Title => "title",
            PropertyType::RichText => "rich_text",
            PropertyType::Number => "number",
            PropertyType::Select => "select",
            PropertyType::MultiSelect => "multi_select",
            PropertyType::Date => "date",
            PropertyType::Checkbox => "checkbox",
            PropertyType::Url => "url",
            PropertyType::Email => "email",
            PropertyType::People => "people",
            PropertyType::Relation => "relation",
            PropertyType::Status => "status",
            PropertyType::Other(s) => s,
        }
    }
}

impl fmt::Display for PropertyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PropertyType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| PropertyType::parse(&s))
    }
}

impl Serialize for PropertyType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One property of a database's (or data source's) schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertySchema {
    pub id: String,
    /// Some recordings omit it inside the map; the map key is filled in by the owner.
    #[serde(default)]
    pub name: String,
    #[serde(rename = "type")]
    pub kind: PropertyType,
}

/// Reads a `properties` map and fills empty names from the keys.
pub(crate) fn schema_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, PropertySchema>, D::Error> {
    let mut map = Option::<BTreeMap<String, PropertySchema>>::deserialize(d)?.unwrap_or_default();
    for (key, schema) in map.iter_mut() {
        if schema.name.is_empty() {
            schema.name = key.clone();
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests;
