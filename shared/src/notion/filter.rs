//! Database query bodies: [`Query`], [`Filter`] builders and [`Sort`], serialized to the JSON
//! Notion documents for `POST /v1/databases/{id}/query` (and `/v1/data_sources/{id}/query`).
//!
//! ```
//! use notion_relay::notion::filter::{Filter, Query};
//! let q = Query::filtered(Filter::and(vec![
//!     Filter::select("Repository").equals("octo/repo"),
//!     Filter::or(vec![Filter::number("Issue #").equals(1), Filter::number("Issue #").equals(2)]),
//! ]));
//! assert!(q.validate().is_ok());
//! ```
//!
//! Notion nests compound filters at most two levels deep; [`Query::validate`] (called by the client
//! before sending) rejects deeper ones with `Error::InvalidRequest`, as it does page sizes over 100.

use serde::{Serialize, Serializer};
use serde_json::{json, Map, Value};

use super::error::Error;
use super::types::number_json;

/// Notion's maximum page size.
pub const MAX_PAGE_SIZE: u32 = 100;
/// Notion's maximum nesting of compound (`and`/`or`) filters.
pub const MAX_COMPOUND_DEPTH: usize = 2;

/// A query body. Empty fields are omitted from the JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Query {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<Filter>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sorts: Vec<Sort>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_cursor: Option<String>,
}

impl Query {
    pub fn filtered(filter: Filter) -> Self {
        Query {
            filter: Some(filter),
            ..Query::default()
        }
    }

    pub fn sorted_by(mut self, sort: Sort) -> Self {
        self.sorts.push(sort);
        self
    }

    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Checks Notion's documented limits before anything is sent.
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(size) = self.page_size {
            if size == 0 || size > MAX_PAGE_SIZE {
                return Err(Error::InvalidRequest(format!(
                    "page_size must be 1..={MAX_PAGE_SIZE}, got {size}"
                )));
            }
        }
        if let Some(filter) = &self.filter {
            filter.validate()?;
        }
        Ok(())
    }
}

/// What a condition applies to: a property by name, or a page timestamp.
#[derive(Debug, Clone, PartialEq)]
enum Target {
    Property(String),
    Timestamp(Timestamp),
}

/// A query filter: one condition, or a compound of filters.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `{"property": name, <kind>: {<op>: value}}` or `{"timestamp": t, t: {<op>: value}}`.
    Condition {
        target: ConditionTarget,
        kind: &'static str,
        op: &'static str,
        value: Value,
    },
    And(Vec<Filter>),
    Or(Vec<Filter>),
}

/// What a `Filter::Condition` applies to (a property or a timestamp); opaque.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionTarget(Target);

impl Filter {
    pub fn and(filters: Vec<Filter>) -> Filter {
        Filter::And(filters)
    }

    pub fn or(filters: Vec<Filter>) -> Filter {
        Filter::Or(filters)
    }

    pub fn number(property: &str) -> NumberFilter {
        NumberFilter(prop(property, "number"))
    }

    pub fn title(property: &str) -> TextFilter {
        TextFilter(prop(property, "title"))
    }

    pub fn rich_text(property: &str) -> TextFilter {
        TextFilter(prop(property, "rich_text"))
    }

    pub fn url(property: &str) -> TextFilter {
        TextFilter(prop(property, "url"))
    }

    pub fn email(property: &str) -> TextFilter {
        TextFilter(prop(property, "email"))
    }

    pub fn select(property: &str) -> SelectFilter {
        SelectFilter(prop(property, "select"))
    }

    pub fn status(property: &str) -> SelectFilter {
        SelectFilter(prop(property, "status"))
    }

    pub fn multi_select(property: &str) -> MultiSelectFilter {
        MultiSelectFilter(prop(property, "multi_select"))
    }

    pub fn date(property: &str) -> DateFilter {
        DateFilter(prop(property, "date"))
    }

    /// A condition on a page's `created_time` / `last_edited_time`.
    pub fn timestamp(timestamp: Timestamp) -> DateFilter {
        DateFilter(Part {
            target: Target::Timestamp(timestamp),
            kind: timestamp.as_str(),
        })
    }

    pub fn checkbox(property: &str) -> CheckboxFilter {
        CheckboxFilter(prop(property, "checkbox"))
    }

    /// Compound nesting depth: 0 for a condition, 1 for `and`/`or` of conditions, ...
    pub fn depth(&self) -> usize {
        match self {
            Filter::Condition { .. } => 0,
            Filter::And(fs) | Filter::Or(fs) => 1 + fs.iter().map(Filter::depth).max().unwrap_or(0),
        }
    }

    /// Rejects compound filters nested deeper than Notion allows, and empty compounds.
    pub fn validate(&self) -> Result<(), Error> {
        let depth = self.depth();
        if depth > MAX_COMPOUND_DEPTH {
            return Err(Error::InvalidRequest(format!(
                "compound filters nest at most {MAX_COMPOUND_DEPTH} levels deep, got {depth}"
            )));
        }
        self.check_not_empty()
    }

    fn check_not_empty(&self) -> Result<(), Error> {
        match self {
            Filter::Condition { .. } => Ok(()),
            Filter::And(fs) | Filter::Or(fs) if fs.is_empty() => Err(Error::InvalidRequest(
                "an and/or filter needs at least one filter".into(),
            )),
            Filter::And(fs) | Filter::Or(fs) => fs.iter().try_for_each(Filter::check_not_empty),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Filter::And(fs) => json!({ "and": fs.iter().map(Filter::to_json).collect::<Vec<_>>() }),
            Filter::Or(fs) => json!({ "or": fs.iter().map(Filter::to_json).collect::<Vec<_>>() }),
            Filter::Condition {
                target,
                kind,
                op,
                value,
            } => {
                let mut obj = Map::new();
                match &target.0 {
                    Target::Property(name) => obj.insert("property".into(), json!(name)),
                    Target::Timestamp(t) => obj.insert("timestamp".into(), json!(t.as_str())),
                };
                obj.insert((*kind).into(), json!({ *op: value }));
                Value::Object(obj)
            }
        }
    }
}

impl Serialize for Filter {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

/// A half-built condition: target and type, waiting for its operator.
#[derive(Debug, Clone)]
struct Part {
    target: Target,
    kind: &'static str,
}

fn prop(name: &str, kind: &'static str) -> Part {
    Part {
        target: Target::Property(name.to_owned()),
        kind,
    }
}

impl Part {
    fn op(self, op: &'static str, value: Value) -> Filter {
        Filter::Condition {
            target: ConditionTarget(self.target),
            kind: self.kind,
            op,
            value,
        }
    }
}

macro_rules! ops {
    ($builder:ident { $($(#[$doc:meta])* $method:ident($arg:ident: $ty:ty) => $op:literal, $value:expr;)* }
     empty { $($emethod:ident => $eop:literal;)* }) => {
        impl $builder {
            $(
                $(#[$doc])*
                pub fn $method(self, $arg: $ty) -> Filter {
                    self.0.op($op, $value)
                }
            )*
            $(
                pub fn $emethod(self) -> Filter {
                    self.0.op($eop, json!(true))
                }
            )*
        }
    };
}

/// Conditions on a number property.
#[derive(Debug, Clone)]
pub struct NumberFilter(Part);
ops!(NumberFilter {
    equals(n: impl Into<f64>) => "equals", number_json(n.into());
    does_not_equal(n: impl Into<f64>) => "does_not_equal", number_json(n.into());
    greater_than(n: impl Into<f64>) => "greater_than", number_json(n.into());
    less_than(n: impl Into<f64>) => "less_than", number_json(n.into());
    greater_than_or_equal_to(n: impl Into<f64>) => "greater_than_or_equal_to", number_json(n.into());
    less_than_or_equal_to(n: impl Into<f64>) => "less_than_or_equal_to", number_json(n.into());
} empty { is_empty => "is_empty"; is_not_empty => "is_not_empty"; });

/// Conditions on a title, rich_text, url or email property.
#[derive(Debug, Clone)]
pub struct TextFilter(Part);
ops!(TextFilter {
    equals(s: &str) => "equals", json!(s);
    does_not_equal(s: &str) => "does_not_equal", json!(s);
    contains(s: &str) => "contains", json!(s);
    does_not_contain(s: &str) => "does_not_contain", json!(s);
    starts_with(s: &str) => "starts_with", json!(s);
    ends_with(s: &str) => "ends_with", json!(s);
} empty { is_empty => "is_empty"; is_not_empty => "is_not_empty"; });

/// Conditions on a select or status property.
#[derive(Debug, Clone)]
pub struct SelectFilter(Part);
ops!(SelectFilter {
    equals(name: &str) => "equals", json!(name);
    does_not_equal(name: &str) => "does_not_equal", json!(name);
} empty { is_empty => "is_empty"; is_not_empty => "is_not_empty"; });

/// Conditions on a multi_select property.
#[derive(Debug, Clone)]
pub struct MultiSelectFilter(Part);
ops!(MultiSelectFilter {
    contains(name: &str) => "contains", json!(name);
    does_not_contain(name: &str) => "does_not_contain", json!(name);
} empty { is_empty => "is_empty"; is_not_empty => "is_not_empty"; });

/// Conditions on a date property or a timestamp (ISO 8601 strings).
#[derive(Debug, Clone)]
pub struct DateFilter(Part);
ops!(DateFilter {
    equals(date: &str) => "equals", json!(date);
    before(date: &str) => "before", json!(date);
    after(date: &str) => "after", json!(date);
    on_or_before(date: &str) => "on_or_before", json!(date);
    on_or_after(date: &str) => "on_or_after", json!(date);
} empty { is_empty => "is_empty"; is_not_empty => "is_not_empty"; });

impl DateFilter {
    /// Relative conditions take an empty object: `{"past_week": {}}`.
    pub fn past_week(self) -> Filter {
        self.0.op("past_week", json!({}))
    }

    pub fn past_month(self) -> Filter {
        self.0.op("past_month", json!({}))
    }

    pub fn next_week(self) -> Filter {
        self.0.op("next_week", json!({}))
    }
}

/// Conditions on a checkbox property.
#[derive(Debug, Clone)]
pub struct CheckboxFilter(Part);
ops!(CheckboxFilter {
    equals(b: bool) => "equals", json!(b);
    does_not_equal(b: bool) => "does_not_equal", json!(b);
} empty {});

/// A page timestamp usable in filters and sorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timestamp {
    CreatedTime,
    LastEditedTime,
}

impl Timestamp {
    pub fn as_str(self) -> &'static str {
        match self {
            Timestamp::CreatedTime => "created_time",
            Timestamp::LastEditedTime => "last_edited_time",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ascending,
    Descending,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ascending => "ascending",
            Direction::Descending => "descending",
        }
    }
}

/// One sort criterion; earlier sorts take precedence.
#[derive(Debug, Clone, PartialEq)]
pub enum Sort {
    Property {
        name: String,
        direction: Direction,
    },
    Timestamp {
        timestamp: Timestamp,
        direction: Direction,
    },
}

impl Sort {
    pub fn property(name: &str, direction: Direction) -> Sort {
        Sort::Property {
            name: name.to_owned(),
            direction,
        }
    }

    pub fn timestamp(timestamp: Timestamp, direction: Direction) -> Sort {
        Sort::Timestamp {
            timestamp,
            direction,
        }
    }
}

impl Serialize for Sort {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Sort::Property { name, direction } => {
                json!({ "property": name, "direction": direction.as_str() })
            }
            Sort::Timestamp {
                timestamp,
                direction,
            } => json!({ "timestamp": timestamp.as_str(), "direction": direction.as_str() }),
        }
        .serialize(s)
    }
}

#[cfg(test)]
mod tests;
