//! Unit tests of `filter.rs`: every builder against the JSON Notion documents.

use super::*;
use serde_json::json;

fn j<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap()
}

#[test]
fn number_filters_match_notion_shape() {
    assert_eq!(
        j(&Filter::number("Issue #").equals(42)),
        json!({"property":"Issue #","number":{"equals":42}})
    );
    assert_eq!(
        j(&Filter::number("Points").greater_than(1.5)),
        json!({"property":"Points","number":{"greater_than":1.5}})
    );
    assert_eq!(
        j(&Filter::number("Number").greater_than_or_equal_to(1)),
        json!({"property":"Number","number":{"greater_than_or_equal_to":1}})
    );
    assert_eq!(
        j(&Filter::number("Number").is_empty()),
        json!({"property":"Number","number":{"is_empty":true}})
    );
}

#[test]
fn select_and_multi_select_filters_match_notion_shape() {
    assert_eq!(
        j(&Filter::select("Repository").equals("octo/repo")),
        json!({"property":"Repository","select":{"equals":"octo/repo"}})
    );
    assert_eq!(
        j(&Filter::multi_select("Labels").contains("bug")),
        json!({"property":"Labels","multi_select":{"contains":"bug"}})
    );
    assert_eq!(
        j(&Filter::status("State").does_not_equal("Done")),
        json!({"property":"State","status":{"does_not_equal":"Done"}})
    );
}

#[test]
fn text_filters_match_notion_shape() {
    assert_eq!(
        j(&Filter::rich_text("Author").starts_with("oct")),
        json!({"property":"Author","rich_text":{"starts_with":"oct"}})
    );
    assert_eq!(
        j(&Filter::title("Name").contains("crash")),
        json!({"property":"Name","title":{"contains":"crash"}})
    );
    assert_eq!(
        j(&Filter::rich_text("Author").is_empty()),
        json!({"property":"Author","rich_text":{"is_empty":true}})
    );
    assert_eq!(
        j(&Filter::url("URL").equals("https://github.com/o/r/issues/1")),
        json!({"property":"URL","url":{"equals":"https://github.com/o/r/issues/1"}})
    );
}

#[test]
fn date_and_timestamp_filters_match_notion_shape() {
    assert_eq!(
        j(&Filter::date("Updated").on_or_after("2025-01-01")),
        json!({"property":"Updated","date":{"on_or_after":"2025-01-01"}})
    );
    assert_eq!(
        j(&Filter::date("Date").past_week()),
        json!({"property":"Date","date":{"past_week":{}}})
    );
    assert_eq!(
        j(&Filter::timestamp(Timestamp::LastEditedTime).after("2025-01-01T00:00:00Z")),
        json!({"timestamp":"last_edited_time","last_edited_time":{"after":"2025-01-01T00:00:00Z"}})
    );
}

#[test]
fn checkbox_filter_matches_notion_shape() {
    assert_eq!(
        j(&Filter::checkbox("Done").equals(true)),
        json!({"property":"Done","checkbox":{"equals":true}})
    );
}

#[test]
fn compound_filters_nest_two_levels() {
    let f = Filter::and(vec![
        Filter::select("Repository").equals("o/r"),
        Filter::or(vec![
            Filter::number("Issue #").equals(1),
            Filter::number("Issue #").equals(2),
        ]),
    ]);
    assert_eq!(
        j(&f),
        json!({"and":[
            {"property":"Repository","select":{"equals":"o/r"}},
            {"or":[{"property":"Issue #","number":{"equals":1}},
                   {"property":"Issue #","number":{"equals":2}}]}]})
    );
    assert_eq!(f.depth(), 2);
    assert!(f.validate().is_ok());
}

#[test]
fn three_levels_of_compound_filters_are_rejected() {
    let f = Filter::and(vec![Filter::or(vec![Filter::and(vec![Filter::checkbox(
        "Done",
    )
    .equals(true)])])]);
    let err = Query::filtered(f).validate().unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(ref m) if m.contains("2 levels")));
}

#[test]
fn empty_compound_filters_are_rejected() {
    assert!(Filter::or(vec![]).validate().is_err());
    assert!(Filter::and(vec![Filter::or(vec![])]).validate().is_err());
}

#[test]
fn page_size_must_be_between_1_and_100() {
    assert!(Query::default().page_size(100).validate().is_ok());
    assert!(Query::default().page_size(101).validate().is_err());
    assert!(Query::default().page_size(0).validate().is_err());
}

#[test]
fn sorts_match_notion_shape() {
    assert_eq!(
        j(&Sort::property("Updated", Direction::Descending)),
        json!({"property":"Updated","direction":"descending"})
    );
    assert_eq!(
        j(&Sort::timestamp(
            Timestamp::CreatedTime,
            Direction::Ascending
        )),
        json!({"timestamp":"created_time","direction":"ascending"})
    );
}

#[test]
fn query_omits_empty_fields() {
    assert_eq!(j(&Query::default()), json!({}));
    let q = Query {
        filter: Some(Filter::number("Issue #").equals(7)),
        sorts: vec![Sort::timestamp(
            Timestamp::LastEditedTime,
            Direction::Descending,
        )],
        page_size: Some(100),
        start_cursor: Some("abc".into()),
    };
    assert_eq!(
        j(&q),
        json!({"filter":{"property":"Issue #","number":{"equals":7}},
               "sorts":[{"timestamp":"last_edited_time","direction":"descending"}],
               "page_size":100,"start_cursor":"abc"})
    );
}
