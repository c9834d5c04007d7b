//! Query filters as Notion evaluates them: property conditions by type (text comparisons are
//! case-insensitive; text filter keys work on any text-like property), date conditions at day
//! granularity for date-only values and minute granularity for date-times, timestamp filters,
//! and `and` / `or` compounds nested at most two levels deep. A filter is compiled (and so
//! validated) once, then evaluated per page.

use serde_json::Value;
use time::OffsetDateTime;

use super::clock::{self, DatePoint};
pub use super::date_filter::DateCond;
use super::date_filter::{date_cond, date_matches};
use super::errors::ApiError;
use super::state::{DataSource, Page};
use super::values;

pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Prop {
        id: String,
        kind: String,
        cond: Cond,
    },
    Created(DateCond),
    Edited(DateCond),
}

pub enum Cond {
    Text(TextOp, String),
    Number(NumOp, f64),
    Empty(bool),
    Select { equals: bool, name: String },
    Multi { contains: bool, name: String },
    Checkbox { equals: bool, value: bool },
    Date(DateCond),
}

#[derive(Clone, Copy)]
pub enum TextOp {
    Equals,
    NotEquals,
    Contains,
    NotContains,
    StartsWith,
    EndsWith,
}

#[derive(Clone, Copy)]
pub enum NumOp {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
}

const MAX_DEPTH: usize = 2;
const TEXT_KINDS: [&str; 5] = ["title", "rich_text", "url", "email", "phone_number"];

pub fn invalid(path: &str, what: &str) -> ApiError {
    ApiError::validation(format!("body failed validation: {path} {what}"))
}

/// Compiles (and validates) a filter against a data source's schema.
pub fn compile(v: &Value, ds: &DataSource, now: OffsetDateTime) -> Result<Filter, ApiError> {
    compile_at(v, ds, now, "body.filter", 0)
}

fn compile_at(
    v: &Value,
    ds: &DataSource,
    now: OffsetDateTime,
    path: &str,
    depth: usize,
) -> Result<Filter, ApiError> {
    let obj = v
        .as_object()
        .ok_or_else(|| invalid(path, "should be an object."))?;
    for key in ["and", "or"] {
        if let Some(list) = obj.get(key) {
            if depth >= MAX_DEPTH {
                return Err(invalid(
                    &format!("{path}.{key}"),
                    "should be not present: compound filters can be nested at most two levels deep.",
                ));
            }
            let items = list
                .as_array()
                .ok_or_else(|| invalid(&format!("{path}.{key}"), "should be an array."))?;
            if items.len() > values::MAX_ARRAY {
                return Err(ApiError::too_long(
                    &format!("{path}.{key}.length"),
                    values::MAX_ARRAY,
                    items.len(),
                ));
            }
            let parts = items
                .iter()
                .enumerate()
                .map(|(i, f)| compile_at(f, ds, now, &format!("{path}.{key}[{i}]"), depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(if key == "and" {
                Filter::And(parts)
            } else {
                Filter::Or(parts)
            });
        }
    }
    if let Some(ts) = obj.get("timestamp").and_then(Value::as_str) {
        let cond = obj
            .get(ts)
            .ok_or_else(|| invalid(&format!("{path}.{ts}"), "should be defined."))?;
        let cond = date_cond(cond, &format!("{path}.{ts}"), now)?;
        return match ts {
            "created_time" => Ok(Filter::Created(cond)),
            "last_edited_time" => Ok(Filter::Edited(cond)),
            other => Err(invalid(
                &format!("{path}.timestamp"),
                &format!("should be created_time or last_edited_time, instead was `{other}`."),
            )),
        };
    }
    let key = obj
        .get("property")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(path, "should have `property`, `timestamp`, `and` or `or`."))?;
    let prop = ds.property(key).ok_or_else(|| {
        ApiError::validation(format!("Could not find property with name or id: {key}"))
    })?;
    let (ftype, cond) = obj
        .iter()
        .find(|(k, _)| k.as_str() != "property" && k.as_str() != "type")
        .ok_or_else(|| invalid(path, "should have a condition."))?;
    let compatible = ftype == &prop.kind
        || (TEXT_KINDS.contains(&ftype.as_str()) && TEXT_KINDS.contains(&prop.kind.as_str()))
        || (ftype == "date" && ["created_time", "last_edited_time"].contains(&prop.kind.as_str()));
    if !compatible {
        return Err(ApiError::validation(format!(
            "body failed validation: {path}.{ftype} does not match the type of property {} ({}).",
            prop.name, prop.kind
        )));
    }
    let cpath = format!("{path}.{ftype}");
    let cond = property_cond(ftype, cond, &cpath, now)?;
    Ok(Filter::Prop {
        id: prop.id.clone(),
        kind: prop.kind.clone(),
        cond,
    })
}

pub fn single(cond: &Value, path: &str) -> Result<(String, Value), ApiError> {
    let obj = cond
        .as_object()
        .ok_or_else(|| invalid(path, "should be an object."))?;
    match obj.iter().next() {
        Some((k, v)) if obj.len() == 1 => Ok((k.clone(), v.clone())),
        _ => Err(invalid(path, "should have exactly one condition.")),
    }
}

pub fn string(v: &Value, path: &str) -> Result<String, ApiError> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| invalid(path, &format!("should be a string, instead was `{v}`.")))
}

fn property_cond(
    ftype: &str,
    cond: &Value,
    path: &str,
    now: OffsetDateTime,
) -> Result<Cond, ApiError> {
    let (op, v) = single(cond, path)?;
    let p = format!("{path}.{op}");
    let empty = |op: &str| match op {
        "is_empty" => Some(Cond::Empty(true)),
        "is_not_empty" => Some(Cond::Empty(false)),
        _ => None,
    };
    if let Some(c) = empty(&op).filter(|_| ftype != "checkbox" && ftype != "date") {
        return Ok(c);
    }
    let unknown = || invalid(&p, &format!("is not a supported {ftype} filter condition."));
    Ok(match ftype {
        t if TEXT_KINDS.contains(&t) => {
            let op = match op.as_str() {
                "equals" => TextOp::Equals,
                "does_not_equal" => TextOp::NotEquals,
                "contains" => TextOp::Contains,
                "does_not_contain" => TextOp::NotContains,
                "starts_with" => TextOp::StartsWith,
                "ends_with" => TextOp::EndsWith,
                _ => return Err(unknown()),
            };
            Cond::Text(op, string(&v, &p)?.to_lowercase())
        }
        "number" => {
            let n = v
                .as_f64()
                .ok_or_else(|| invalid(&p, &format!("should be a number, instead was `{v}`.")))?;
            Cond::Number(num_op(&op).ok_or_else(unknown)?, n)
        }
        "select" | "status" => match op.as_str() {
            "equals" => Cond::Select {
                equals: true,
                name: string(&v, &p)?,
            },
            "does_not_equal" => Cond::Select {
                equals: false,
                name: string(&v, &p)?,
            },
            _ => return Err(unknown()),
        },
        "multi_select" => match op.as_str() {
            "contains" => Cond::Multi {
                contains: true,
                name: string(&v, &p)?,
            },
            "does_not_contain" => Cond::Multi {
                contains: false,
                name: string(&v, &p)?,
            },
            _ => return Err(unknown()),
        },
        "checkbox" => {
            let value = v
                .as_bool()
                .ok_or_else(|| invalid(&p, &format!("should be a boolean, instead was `{v}`.")))?;
            match op.as_str() {
                "equals" => Cond::Checkbox {
                    equals: true,
                    value,
                },
                "does_not_equal" => Cond::Checkbox {
                    equals: false,
                    value,
                },
                _ => return Err(unknown()),
            }
        }
        "date" | "created_time" | "last_edited_time" => Cond::Date(date_cond(cond, path, now)?),
        _ => return Err(invalid(path, "is not a supported filter type.")),
    })
}

pub fn num_op(op: &str) -> Option<NumOp> {
    Some(match op {
        "equals" => NumOp::Eq,
        "does_not_equal" => NumOp::Ne,
        "greater_than" | "after" => NumOp::Gt,
        "less_than" | "before" => NumOp::Lt,
        "greater_than_or_equal_to" | "on_or_after" => NumOp::Ge,
        "less_than_or_equal_to" | "on_or_before" => NumOp::Le,
        _ => return None,
    })
}

pub fn compare<T: PartialOrd>(op: NumOp, a: T, b: T) -> bool {
    match op {
        NumOp::Eq => a == b,
        NumOp::Ne => a != b,
        NumOp::Gt => a > b,
        NumOp::Lt => a < b,
        NumOp::Ge => a >= b,
        NumOp::Le => a <= b,
    }
}

/// The text a text-like stored value reads as.
pub fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => values::plain_text(items),
        _ => String::new(),
    }
}

pub fn matches(filter: &Filter, page: &Page) -> bool {
    match filter {
        Filter::And(parts) => parts.iter().all(|f| matches(f, page)),
        Filter::Or(parts) => parts.iter().any(|f| matches(f, page)),
        Filter::Created(c) => date_matches(c, Some(DatePoint::At(page.created.at))),
        Filter::Edited(c) => date_matches(c, Some(DatePoint::At(page.edited.at))),
        Filter::Prop { id, kind, cond } => {
            let v = match kind.as_str() {
                "created_time" => Value::String(clock::timestamp(page.created.at)),
                "last_edited_time" => Value::String(clock::timestamp(page.edited.at)),
                _ => page.properties.get(id).cloned().unwrap_or(Value::Null),
            };
            cond_matches(cond, &v)
        }
    }
}

fn cond_matches(cond: &Cond, v: &Value) -> bool {
    match cond {
        Cond::Empty(want) => {
            let empty = match v {
                Value::Null => true,
                Value::Array(a) => {
                    a.is_empty()
                        || (a.iter().all(|i| i.get("plain_text").is_some())
                            && text_of(v).is_empty())
                }
                Value::String(s) => s.is_empty(),
                _ => false,
            };
            empty == *want
        }
        Cond::Text(op, needle) => {
            let hay = text_of(v).to_lowercase();
            match op {
                TextOp::Equals => hay == *needle,
                TextOp::NotEquals => hay != *needle,
                TextOp::Contains => hay.contains(needle.as_str()),
                TextOp::NotContains => !hay.contains(needle.as_str()),
                TextOp::StartsWith => hay.starts_with(needle.as_str()),
                TextOp::EndsWith => hay.ends_with(needle.as_str()),
            }
        }
        Cond::Number(op, n) => match v.as_f64() {
            Some(x) => compare(*op, x, *n),
            None => matches!(op, NumOp::Ne),
        },
        Cond::Select { equals, name } => {
            let is = v.get("name").and_then(Value::as_str) == Some(name.as_str());
            is == *equals
        }
        Cond::Multi { contains, name } => {
            let has = v.as_array().is_some_and(|a| {
                a.iter()
                    .any(|o| o.get("name").and_then(Value::as_str) == Some(name))
            });
            has == *contains
        }
        Cond::Checkbox { equals, value } => (v.as_bool().unwrap_or(false) == *value) == *equals,
        Cond::Date(c) => {
            let point = match v {
                Value::String(s) => clock::parse(s, None).ok(),
                Value::Object(_) => v
                    .get("start")
                    .and_then(Value::as_str)
                    .and_then(|s| clock::parse(s, None).ok()),
                _ => None,
            };
            date_matches(c, point)
        }
    }
}
