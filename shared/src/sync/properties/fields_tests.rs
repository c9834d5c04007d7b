//! Unit tests of the optional fields and the capped values in `properties.rs`.

use super::*;
use crate::github::{ItemKind, ItemState};
use crate::sync::fixtures;
use time::macros::datetime;

fn schema() -> BoundSchema {
    fixtures::schema(
        "Name, Issue #, Repository, URL, Labels, Milestone, Issue type: rich_text, \
         Reviewers, Created, Closed",
    )
}

fn item() -> WorkItem {
    WorkItem {
        kind: ItemKind::PullRequest,
        state: Some(ItemState::Closed),
        url: "https://github.com/octo/repo/pull/7".into(),
        body: Some("Body".into()),
        milestone: Some(Some("v1.0".into())),
        issue_type: Some(Some("Bug".into())),
        reviewers: Some(vec!["ann".into(), "core-team".into()]),
        created_at: Some(datetime!(2026-06-01 09:00 UTC)),
        closed_at: Some(Some(datetime!(2026-06-27 18:00 UTC))),
        ..fixtures::item()
    }
}

#[test]
fn the_optional_fields_are_written_in_their_declared_types() {
    let props = desired_properties(&item(), &schema());
    assert_eq!(props["Milestone"], PropertyValue::select("v1.0"));
    assert_eq!(props["Issue type"], PropertyValue::rich_text("Bug"));
    assert_eq!(
        props["Reviewers"],
        PropertyValue::MultiSelect(vec!["ann".into(), "core-team".into()])
    );
    assert_eq!(
        props["Created"],
        PropertyValue::date("2026-06-01T09:00:00Z")
    );
    assert_eq!(props["Closed"], PropertyValue::date("2026-06-27T18:00:00Z"));
}

#[test]
fn none_clears_and_unknown_leaves_alone() {
    let mut reopened = item();
    reopened.milestone = Some(None);
    reopened.issue_type = Some(None);
    reopened.closed_at = Some(None);
    reopened.reviewers = None;
    let props = desired_properties(&reopened, &schema());
    assert_eq!(props["Milestone"], PropertyValue::Select(None));
    assert_eq!(props["Issue type"], PropertyValue::RichText(Vec::new()));
    assert_eq!(props["Closed"], PropertyValue::Date(None));
    assert!(!props.contains_key("Reviewers"));
    let mut silent = item();
    silent.milestone = None;
    silent.closed_at = None;
    let props = desired_properties(&silent, &schema());
    assert!(!props.contains_key("Milestone") && !props.contains_key("Closed"));
}

#[test]
fn long_names_are_capped_and_long_urls_kept_out() {
    let mut long = item();
    long.repository = format!("{}/{}", "o".repeat(39), "n".repeat(100));
    long.labels = Some(vec!["😀".repeat(60)]);
    long.url = format!("https://github.com/o/r/pull/7?{}", "x".repeat(2100));
    let props = desired_properties(&long, &schema());
    let PropertyValue::Select(Some(repo)) = &props["Repository"] else {
        panic!("{:?}", props["Repository"])
    };
    assert_eq!(repo.encode_utf16().count(), 100);
    assert_eq!(
        props["Labels"].to_write_json()["multi_select"][0]["name"],
        "😀".repeat(50)
    );
    assert!(!props.contains_key("URL"));
    let PropertyValue::Title(title) = &props["Name"] else {
        panic!("title")
    };
    let link = title[0].link.as_deref().unwrap();
    assert!(link.encode_utf16().count() <= 2000, "{link}");
    assert!(link.contains("#updated=2026-06-27T18:01:15Z&body="));
}
