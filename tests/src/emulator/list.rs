//! Paginated list answers: `page_size` validation (1–100), cursors, and the
//! `{"object":"list","results","next_cursor","has_more","type",<type>:{}}` envelope. A cursor is
//! the id of the first item of the next page, as Notion's are for blocks and search.

use serde_json::{json, Map, Value};

use super::errors::ApiError;

pub const MAX_PAGE_SIZE: u64 = 100;

/// Reads `page_size` (a JSON number, or a query-string number); defaults to 100.
pub fn page_size(v: Option<&Value>, path: &str) -> Result<usize, ApiError> {
    let n = match v {
        None | Some(Value::Null) => return Ok(MAX_PAGE_SIZE as usize),
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse::<u64>().ok(),
        Some(_) => None,
    };
    match n {
        Some(n) if n > MAX_PAGE_SIZE => Err(ApiError::too_long(path, MAX_PAGE_SIZE as usize, n as usize)),
        Some(n) if n >= 1 => Ok(n as usize),
        _ => Err(ApiError::validation(format!(
            "body failed validation: {path} should be a number between 1 and 100, instead was `{}`.",
            v.map(Value::to_string).unwrap_or_default()
        ))),
    }
}

/// Cuts one page out of `items` (`(id, json)` pairs in order).
pub fn paginate(
    items: Vec<(String, Value)>,
    start_cursor: Option<&str>,
    size: usize,
) -> Result<(Vec<Value>, Option<String>), ApiError> {
    let start = match start_cursor {
        None | Some("") => 0,
        Some(c) => {
            let wanted = super::ids::normalize(c);
            items
                .iter()
                .position(|(id, _)| Some(id) == wanted.as_ref())
                .ok_or_else(|| {
                    ApiError::validation(format!("The start_cursor provided is invalid: {c}"))
                })?
        }
    };
    let end = (start + size).min(items.len());
    let next = items.get(end).map(|(id, _)| id.clone());
    let page = items
        .into_iter()
        .skip(start)
        .take(end - start)
        .map(|(_, v)| v)
        .collect();
    Ok((page, next))
}

pub fn envelope(results: Vec<Value>, next_cursor: Option<String>, kind: &str) -> Value {
    let mut out = Map::new();
    out.insert("object".into(), json!("list"));
    out.insert("results".into(), Value::Array(results));
    out.insert("has_more".into(), json!(next_cursor.is_some()));
    out.insert("next_cursor".into(), json!(next_cursor));
    out.insert("type".into(), json!(kind));
    out.insert(kind.into(), json!({}));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_size_over_100_is_a_validation_error() {
        let err = page_size(Some(&json!(101)), "body.page_size").unwrap_err();
        assert_eq!((err.status.as_u16(), err.code), (400, "validation_error"));
        assert_eq!(page_size(Some(&json!(100)), "body.page_size").unwrap(), 100);
    }

    #[test]
    fn the_cursor_points_at_the_first_item_of_the_next_page() {
        let ids: Vec<String> = (0..3)
            .map(|i| format!("00000000-0000-4000-8000-00000000000{i}"))
            .collect();
        let items: Vec<_> = ids.iter().map(|i| (i.clone(), json!(i))).collect();
        let (first, next) = paginate(items.clone(), None, 2).unwrap();
        assert_eq!((first.len(), next.as_deref()), (2, Some(ids[2].as_str())));
        let (rest, end) = paginate(items, next.as_deref(), 2).unwrap();
        assert_eq!((rest.len(), end), (1, None));
    }
}
