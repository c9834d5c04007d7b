//! What a page should hold for a [`WorkItem`], whether it already holds it, and whether the page
//! is newer than the item.
//!
//! Notion keeps a date-time to the minute, so `Updated` alone cannot order two edits made in the
//! same minute. The title therefore links to the issue's `html_url` with the exact GitHub
//! `updated_at` in the fragment (`…/issues/7#updated=2026-06-27T18:01:15Z`): GitHub ignores the
//! fragment, the link is useful in Notion, and it reads back exactly. Pages without it (made
//! by hand, or edited) fall back to minute precision. The link also records the body hash
//! (`&body=…`, see `title.rs` and `body.rs`).
//!
//! Values are capped to what Notion accepts before they are sent: option names to 100 UTF-16
//! units (in `PropertyValue`'s one `option_name` rule), URLs over 2000 units left out of the URL
//! property and the title link (`title.rs`), with a warning.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::schema::{BoundSchema, Field};
use super::title;
use crate::github::WorkItem;
use crate::notion::{Page, Properties, PropertyType, PropertyValue, RichText};

/// A field's value before it is shaped into the property type the database declares.
enum FieldValue {
    Text(String),
    List(Vec<String>),
    Number(f64),
    Date(String),
    Url(String),
    /// The payload says there is none (no milestone, reopened): clear the property.
    Clear,
}

/// The properties to write for `item`: only bound fields, and only those the item knows
/// (a `pinned` delivery has no state, so Status is left as it is).
pub fn desired_properties(item: &WorkItem, schema: &BoundSchema) -> Properties {
    let mut properties = Properties::new();
    for binding in schema.bindings() {
        let value = match binding.field {
            Field::Name => {
                let hash = super::body::body_hash(item.body.as_deref());
                properties.insert(binding.property.clone(), title(item, hash.as_deref()));
                continue;
            }
            Field::Number => Some(FieldValue::Number(item.number as f64)),
            Field::Status => item
                .state
                .map(|state| FieldValue::Text(state.label().to_owned())),
            Field::Labels => item.labels.clone().map(FieldValue::List),
            Field::Url => title::url_property(&item.url).map(FieldValue::Url),
            Field::Repository => Some(FieldValue::Text(item.repository.clone())),
            Field::Type => Some(FieldValue::Text(item.kind.label().to_owned())),
            Field::Updated => Some(FieldValue::Date(timestamp(item.updated_at))),
            Field::Assignees => item.assignees.clone().map(FieldValue::List),
            Field::Author => item.author.clone().map(FieldValue::Text),
            Field::Comments => item.comments.map(|n| FieldValue::Number(n as f64)),
            Field::Milestone => item.milestone.clone().map(text_or_clear),
            Field::IssueType => item.issue_type.clone().map(text_or_clear),
            Field::Reviewers => item.reviewers.clone().map(FieldValue::List),
            Field::Created => item.created_at.map(|t| FieldValue::Date(timestamp(t))),
            Field::Closed => item
                .closed_at
                .map(|at| at.map_or(FieldValue::Clear, |t| FieldValue::Date(timestamp(t)))),
            // A page id, looked up by the syncer (`parent.rs`).
            Field::Parent => None,
        };
        if let Some(value) = value.and_then(|v| shape(v, &binding.kind)) {
            properties.insert(binding.property.clone(), value);
        }
    }
    properties
}

fn text_or_clear(value: Option<String>) -> FieldValue {
    value.map_or(FieldValue::Clear, FieldValue::Text)
}

/// The title, linked to the issue with the exact `updated_at` and the body hash (see the module
/// docs); unlinked when no link fits Notion's limit.
pub(crate) fn title(item: &WorkItem, body_hash: Option<&str>) -> PropertyValue {
    let Some(link) = title::link(item, body_hash) else {
        return PropertyValue::title(&item.title);
    };
    match PropertyValue::title(&item.title) {
        PropertyValue::Title(items) => PropertyValue::Title(
            items
                .into_iter()
                .map(|text| RichText::link(text.content, link.clone()))
                .collect(),
        ),
        other => other,
    }
}

fn timestamp(at: OffsetDateTime) -> String {
    title::timestamp(at)
}

fn shape(value: FieldValue, kind: &PropertyType) -> Option<PropertyValue> {
    Some(match (value, kind) {
        (FieldValue::Number(n), PropertyType::Number) => PropertyValue::number(n),
        (FieldValue::Date(d), PropertyType::Date) => PropertyValue::date(d),
        (FieldValue::Url(u), PropertyType::Url) => PropertyValue::url(u),
        (FieldValue::List(items), PropertyType::MultiSelect) => PropertyValue::multi_select(items),
        (FieldValue::List(items), PropertyType::RichText) => {
            PropertyValue::rich_text(&items.join(", "))
        }
        (FieldValue::Text(t) | FieldValue::Url(t), PropertyType::RichText) => {
            PropertyValue::rich_text(&t)
        }
        (FieldValue::Text(t), PropertyType::Select) => PropertyValue::select(&t),
        (FieldValue::Text(t), PropertyType::Status) => PropertyValue::Status(Some(t)),
        (FieldValue::Clear, PropertyType::Select) => PropertyValue::Select(None),
        (FieldValue::Clear, PropertyType::Date) => PropertyValue::Date(None),
        (FieldValue::Clear, PropertyType::RichText) => PropertyValue::RichText(Vec::new()),
        (FieldValue::Clear, PropertyType::MultiSelect) => PropertyValue::MultiSelect(Vec::new()),
        _ => return None,
    })
}

/// Whether the page already holds every desired value (so no write is needed).
pub fn page_matches(page: &Page, desired: &Properties) -> bool {
    desired
        .iter()
        .all(|(name, want)| page.property(name).is_some_and(|have| same(want, have)))
}

/// Whether the page holds every desired value apart from the freshness bookkeeping (the
/// `Updated` date and the title link's `#updated=` fragment). True for the delivery GitHub sends
/// after notion-webhook wrote a person's Notion edit back: the page already shows the change,
/// only `updated_at` moved on. The upsert leaves such a page `unchanged` when a person edited it
/// last (no echo write); it then keeps the older `updated_at` until the next real change.
pub fn holds_values(page: &Page, desired: &Properties, schema: &BoundSchema) -> bool {
    desired
        .iter()
        .all(|(name, want)| holds_value(page, name, want, schema))
}

/// [`holds_values`] for the one property `name`.
pub fn holds_value(page: &Page, name: &str, want: &PropertyValue, schema: &BoundSchema) -> bool {
    if schema.get(Field::Updated).map(|b| b.property.as_str()) == Some(name) {
        return true;
    }
    let Some(have) = page.property(name) else {
        return false;
    };
    match (want, have) {
        (PropertyValue::Title(a), PropertyValue::Title(b)) if name == schema.title() => {
            joined(a) == joined(b) && link_base(a) == link_base(b)
        }
        _ => same(want, have),
    }
}

/// The title link without what it records (`sync::title`).
fn link_base(items: &[RichText]) -> Option<&str> {
    first_link(items).map(super::title::base)
}

fn same(want: &PropertyValue, have: &PropertyValue) -> bool {
    use PropertyValue as V;
    match (want, have) {
        (V::Title(a), V::Title(b)) | (V::RichText(a), V::RichText(b)) => {
            joined(a) == joined(b) && first_link(a) == first_link(b)
        }
        (V::Number(a), V::Number(b)) => a == b,
        (V::Select(a), V::Select(b)) | (V::Status(a), V::Status(b)) => a == b,
        (V::MultiSelect(a), V::MultiSelect(b)) => {
            let mut a = a.clone();
            let mut b = b.clone();
            a.sort();
            b.sort();
            a == b
        }
        (V::Date(a), V::Date(b)) => match (a, b) {
            (Some(a), Some(b)) => {
                same_instant_to_the_minute(&a.start, &b.start)
                    && a.end.as_deref().map(parse_minute) == b.end.as_deref().map(parse_minute)
            }
            (a, b) => a.is_none() && b.is_none(),
        },
        (V::Url(a), V::Url(b)) => a == b,
        (V::Relation(a), V::Relation(b)) => {
            let ids = |v: &[crate::notion::PageId]| {
                let mut ids: Vec<String> =
                    v.iter().map(|id| id.as_str().replace('-', "")).collect();
                ids.sort();
                ids
            };
            ids(a) == ids(b)
        }
        _ => false,
    }
}

fn joined(items: &[RichText]) -> String {
    items.iter().map(|t| t.content.as_str()).collect()
}

fn first_link(items: &[RichText]) -> Option<&str> {
    items.first().and_then(|t| t.link.as_deref())
}

fn same_instant_to_the_minute(a: &str, b: &str) -> bool {
    match (parse_minute(a), parse_minute(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

/// A date-time truncated to the minute, as Notion stores it.
fn parse_minute(value: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(value, &Rfc3339)
        .ok()
        .and_then(|t| t.replace_second(0).ok())
        .and_then(|t| t.replace_nanosecond(0).ok())
}

/// How an item's `updated_at` compares with what a page records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// The page holds something newer: do not write.
    Older,
    /// Same time or newer, or the page records no time.
    NotOlder,
}

/// Compares `item` with the page: exactly, from the title link, when the page has it; else to
/// the minute from the `Updated` date.
pub fn freshness(item: &WorkItem, page: &Page, schema: &BoundSchema) -> Freshness {
    if let Some(exact) = recorded_exact(page, schema) {
        return if item.updated_at < exact {
            Freshness::Older
        } else {
            Freshness::NotOlder
        };
    }
    let recorded_minute = schema
        .get(Field::Updated)
        .and_then(|b| page.property(&b.property))
        .and_then(PropertyValue::as_date)
        .and_then(|d| parse_minute(&d.start));
    let item_minute = parse_minute(&timestamp(item.updated_at));
    match (recorded_minute, item_minute) {
        (Some(page_minute), Some(item_minute)) if item_minute < page_minute => Freshness::Older,
        _ => Freshness::NotOlder,
    }
}

/// The exact `updated_at` the title link records, if the page has one.
fn recorded_exact(page: &Page, schema: &BoundSchema) -> Option<OffsetDateTime> {
    title::recorded(title_link(page, schema)?).0
}

/// The page's title link, if it has one.
pub fn title_link<'p>(page: &'p Page, schema: &BoundSchema) -> Option<&'p str> {
    let PropertyValue::Title(items) = page.property(schema.title())? else {
        return None;
    };
    items.first()?.link.as_deref()
}

/// The version a page records: the exact `updated_at` of its title link, else the `Updated` date
/// (to the minute). Orders duplicate pages by what they hold (`sync::converge`).
pub fn recorded_updated(page: &Page, schema: &BoundSchema) -> Option<OffsetDateTime> {
    recorded_exact(page, schema).or_else(|| {
        schema
            .get(Field::Updated)
            .and_then(|b| page.property(&b.property))
            .and_then(PropertyValue::as_date)
            .and_then(|d| parse_minute(&d.start))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::ItemState;
    use crate::sync::fixtures;

    fn schema() -> BoundSchema {
        fixtures::schema("Name, Issue #, Status, Labels, Repository, Updated, Author")
    }

    fn item(updated_at: &str) -> WorkItem {
        WorkItem {
            state: Some(ItemState::Open),
            labels: Some(vec!["bug".into(), "a, b".into()]),
            author: Some("octocat".into()),
            comments: Some(2),
            updated_at: OffsetDateTime::parse(updated_at, &Rfc3339).expect("timestamp"),
            ..fixtures::item()
        }
    }

    /// The page Notion would hand back after we wrote `item` (dates cut to the minute).
    fn page_after_write(item: &WorkItem, schema: &BoundSchema) -> Page {
        let minute = parse_minute(&timestamp(item.updated_at)).expect("minute");
        let mut properties = desired_properties(item, schema);
        properties.insert("Updated".into(), PropertyValue::date(timestamp(minute)));
        fixtures::page("p1", properties)
    }

    #[test]
    fn desired_properties_cover_bound_fields_in_their_declared_types() {
        let schema = schema();
        let props = desired_properties(&item("2026-06-27T18:01:15Z"), &schema);
        assert_eq!(props["Issue #"], PropertyValue::number(7.0));
        assert_eq!(props["Status"], PropertyValue::select("Open"));
        assert_eq!(props["Repository"], PropertyValue::select("octo/repo"));
        assert_eq!(
            props["Labels"],
            PropertyValue::MultiSelect(vec!["bug".into(), "a b".into()])
        );
        assert_eq!(props["Author"], PropertyValue::rich_text("octocat"));
        assert!(
            !props.contains_key("Comments"),
            "Comments is not in this database"
        );
        let PropertyValue::Title(title) = &props["Name"] else {
            panic!("title")
        };
        assert_eq!(
            title[0].link.as_deref(),
            Some("https://github.com/octo/repo/issues/7#updated=2026-06-27T18:01:15Z")
        );
    }

    #[test]
    fn fields_the_payload_lacks_are_left_untouched() {
        let mut pinned = item("2026-06-27T18:01:15Z");
        pinned.state = None;
        pinned.labels = None;
        let props = desired_properties(&pinned, &schema());
        assert!(!props.contains_key("Status"));
        assert!(!props.contains_key("Labels"));
    }

    #[test]
    fn a_page_written_from_the_same_item_matches_despite_minute_dates() {
        let schema = schema();
        let item = item("2026-06-27T18:01:15Z");
        let page = page_after_write(&item, &schema);
        assert!(page_matches(&page, &desired_properties(&item, &schema)));
    }

    #[test]
    fn a_changed_label_or_status_does_not_match() {
        let schema = schema();
        let before = item("2026-06-27T18:01:15Z");
        let page = page_after_write(&before, &schema);
        let mut after = before.clone();
        after.state = Some(ItemState::Closed);
        assert!(!page_matches(&page, &desired_properties(&after, &schema)));
    }

    #[test]
    fn label_order_does_not_count_as_a_change() {
        let schema = schema();
        let before = item("2026-06-27T18:01:15Z");
        let page = page_after_write(&before, &schema);
        let mut reordered = before.clone();
        reordered.labels = Some(vec!["a, b".into(), "bug".into()]);
        assert!(page_matches(
            &page,
            &desired_properties(&reordered, &schema)
        ));
    }

    #[test]
    fn an_older_edit_in_the_same_minute_is_ordered_by_the_title_link() {
        let schema = schema();
        let page = page_after_write(&item("2026-06-27T18:01:45Z"), &schema);
        assert_eq!(
            freshness(&item("2026-06-27T18:01:15Z"), &page, &schema),
            Freshness::Older
        );
        assert_eq!(
            freshness(&item("2026-06-27T18:01:50Z"), &page, &schema),
            Freshness::NotOlder
        );
    }

    #[test]
    fn without_a_title_link_the_minute_decides() {
        let schema = schema();
        let mut page = page_after_write(&item("2026-06-27T18:01:45Z"), &schema);
        page.properties
            .insert("Name".into(), PropertyValue::title("Fix it"));
        assert_eq!(
            freshness(&item("2026-06-27T18:00:59Z"), &page, &schema),
            Freshness::Older
        );
        assert_eq!(
            freshness(&item("2026-06-27T18:01:05Z"), &page, &schema),
            Freshness::NotOlder
        );
    }

    #[test]
    fn a_newer_delivery_of_values_the_page_holds_only_moves_the_bookkeeping() {
        let schema = schema();
        let before = item("2026-06-27T18:01:15Z");
        let page = page_after_write(&before, &schema);
        let mut echo = before.clone();
        echo.updated_at = OffsetDateTime::parse("2026-06-27T18:09:40Z", &Rfc3339).unwrap();
        let desired = desired_properties(&echo, &schema);
        assert!(!page_matches(&page, &desired), "the timestamps differ");
        assert!(holds_values(&page, &desired, &schema));
        let mut changed = echo.clone();
        changed.labels = Some(vec!["docs".into()]);
        assert!(!holds_values(
            &page,
            &desired_properties(&changed, &schema),
            &schema
        ));
        let mut moved = echo;
        moved.url = "https://github.com/octo/other/issues/7".into();
        assert!(!holds_values(
            &page,
            &desired_properties(&moved, &schema),
            &schema
        ));
    }

    #[test]
    fn notion_dates_with_offsets_compare_as_instants() {
        assert!(same_instant_to_the_minute(
            "2026-06-27T18:01:15Z",
            "2026-06-27T19:01:00.000+01:00"
        ));
        assert!(!same_instant_to_the_minute(
            "2026-06-27T18:02:15Z",
            "2026-06-27T19:01:00.000+01:00"
        ));
    }
}

#[cfg(test)]
mod fields_tests;
