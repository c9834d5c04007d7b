//! Query sorts: by property or by `created_time` / `last_edited_time`, ascending or descending,
//! empty values last. Timestamps compare at Notion's minute precision and ties fall back to
//! creation order, so results are deterministic. Without sorts, newest pages come first (as the
//! recorded queries show).

use std::cmp::Ordering;

use serde_json::Value;

use super::clock;
use super::errors::ApiError;
use super::filter::text_of;
use super::state::{DataSource, Page, Stamp};

enum By {
    Prop {
        id: String,
        kind: String,
        options: Vec<String>,
    },
    Created,
    Edited,
}

struct Key {
    by: By,
    descending: bool,
}

#[derive(PartialEq, PartialOrd)]
enum SortVal {
    Num(f64),
    Text(String),
    Time((time::OffsetDateTime, u64)),
}

fn stamp_key(s: Stamp) -> SortVal {
    SortVal::Time((clock::truncate_minute(s.at), s.seq))
}

fn parse(sorts: &Value, ds: &DataSource) -> Result<Vec<Key>, ApiError> {
    let items = match sorts {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        other => {
            return Err(ApiError::validation(format!(
                "body failed validation: body.sorts should be an array, instead was `{other}`."
            )))
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let path = format!("body.sorts[{i}]");
            let descending = match s.get("direction").and_then(Value::as_str) {
                Some("ascending") => false,
                Some("descending") => true,
                _ => {
                    return Err(ApiError::validation(format!(
                        "body failed validation: {path}.direction should be `\"ascending\"` or `\"descending\"`."
                    )))
                }
            };
            let by = if let Some(key) = s.get("property").and_then(Value::as_str) {
                let p = ds
                    .property(key)
                    .ok_or_else(|| ApiError::validation(format!("Could not find sort property with name or id: {key}")))?;
                let options = p
                    .config
                    .get("options")
                    .and_then(Value::as_array)
                    .map(|o| o.iter().filter_map(|x| x["name"].as_str().map(str::to_string)).collect())
                    .unwrap_or_default();
                By::Prop { id: p.id.clone(), kind: p.kind.clone(), options }
            } else {
                match s.get("timestamp").and_then(Value::as_str) {
                    Some("created_time") => By::Created,
                    Some("last_edited_time") => By::Edited,
                    _ => {
                        return Err(ApiError::validation(format!(
                            "body failed validation: {path} should have `property` or `timestamp`."
                        )))
                    }
                }
            };
            Ok(Key { by, descending })
        })
        .collect()
}

fn value(by: &By, page: &Page) -> Option<SortVal> {
    match by {
        By::Created => Some(stamp_key(page.created)),
        By::Edited => Some(stamp_key(page.edited)),
        By::Prop { kind, .. } if kind == "created_time" => Some(stamp_key(page.created)),
        By::Prop { kind, .. } if kind == "last_edited_time" => Some(stamp_key(page.edited)),
        By::Prop { id, kind, options } => {
            let v = page.properties.get(id)?;
            match kind.as_str() {
                "number" => v.as_f64().map(SortVal::Num),
                "checkbox" => Some(SortVal::Num(if v.as_bool() == Some(true) {
                    1.0
                } else {
                    0.0
                })),
                "select" | "status" => {
                    let name = v.get("name")?.as_str()?;
                    options
                        .iter()
                        .position(|o| o == name)
                        .map(|i| SortVal::Num(i as f64))
                }
                "multi_select" => {
                    let first = v.as_array()?.first()?.get("name")?.as_str()?;
                    options
                        .iter()
                        .position(|o| o == first)
                        .map(|i| SortVal::Num(i as f64))
                }
                "date" => {
                    let start = v.get("start")?.as_str()?;
                    clock::parse(start, None)
                        .ok()
                        .map(|p| SortVal::Time((p.instant(), 0)))
                }
                _ => {
                    let t = text_of(v).to_lowercase();
                    (!t.is_empty()).then_some(SortVal::Text(t))
                }
            }
        }
    }
}

/// Sorts pages in place.
pub fn sort(pages: &mut [&Page], sorts: &Value, ds: &DataSource) -> Result<(), ApiError> {
    let keys = parse(sorts, ds)?;
    if keys.is_empty() {
        pages.sort_by_key(|p| std::cmp::Reverse(p.created.seq));
        return Ok(());
    }
    pages.sort_by(|a, b| {
        for key in &keys {
            let ord = match (value(&key.by, a), value(&key.by, b)) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(x), Some(y)) => {
                    let o = x.partial_cmp(&y).unwrap_or(Ordering::Equal);
                    if key.descending {
                        o.reverse()
                    } else {
                        o
                    }
                }
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        a.created.seq.cmp(&b.created.seq)
    });
    Ok(())
}

/// Orders two stamps as Notion shows them: by minute, then by the internal sequence.
pub fn stamp_order(a: Stamp, b: Stamp) -> Ordering {
    (clock::truncate_minute(a.at), a.seq).cmp(&(clock::truncate_minute(b.at), b.seq))
}
