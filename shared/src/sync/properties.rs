//! What a page should hold for a [`WorkItem`], whether it already holds it, and whether the page
//! is newer than the item.
//!
//! Notion keeps a date-time to the minute, so `Updated` alone cannot order two edits made in the
//! same minute. The title therefore links to the issue's `html_url` with the exact GitHub
//! `updated_at` in the fragment (`…/issues/7#updated=2026-06-27T18:01:15Z`): GitHub ignores the
//! fragment, the link is useful in Notion, and it reads back exactly. Pages without it (made
//! by hand, or edited) fall back to minute precision.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::schema::{BoundSchema, Field};
use crate::github::WorkItem;
use crate::notion::{Page, Properties, PropertyType, PropertyValue, RichText};

const UPDATED_FRAGMENT: &str = "#updated=";

/// A field's value before it is shaped into the property type the database declares.
enum FieldValue {
    Text(String),
    List(Vec<String>),
    Number(f64),
    Date(String),
    Url(String),
}

/// The properties to write for `item`: only bound fields, and only those the item knows
/// (a `pinned` delivery has no state, so Status is left as it is).
pub fn desired_properties(item: &WorkItem, schema: &BoundSchema) -> Properties {
    let mut properties = Properties::new();
    for binding in schema.bindings() {
        let value = match binding.field {
            Field::Name => {
                properties.insert(binding.property.clone(), title(item));
                continue;
            }
            Field::Number => Some(FieldValue::Number(item.number as f64)),
            Field::Status => item
                .state
                .map(|state| FieldValue::Text(state.label().to_owned())),
            Field::Labels => item.labels.clone().map(FieldValue::List),
            Field::Url => Some(FieldValue::Url(item.url.clone())),
            Field::Repository => Some(FieldValue::Text(item.repository.clone())),
            Field::Type => Some(FieldValue::Text(item.kind.label().to_owned())),
            Field::Updated => Some(FieldValue::Date(timestamp(item.updated_at))),
            Field::Assignees => item.assignees.clone().map(FieldValue::List),
            Field::Author => item.author.clone().map(FieldValue::Text),
            Field::Comments => item.comments.map(|n| FieldValue::Number(n as f64)),
        };
        if let Some(value) = value.and_then(|v| shape(v, &binding.kind)) {
            properties.insert(binding.property.clone(), value);
        }
    }
    properties
}

/// The title, linked to the issue with the exact `updated_at` (see the module docs).
fn title(item: &WorkItem) -> PropertyValue {
    let link = format!(
        "{}{UPDATED_FRAGMENT}{}",
        item.url,
        timestamp(item.updated_at)
    );
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
    at.format(&Rfc3339).unwrap_or_default()
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
        _ => return None,
    })
}

/// Whether the page already holds every desired value (so no write is needed).
pub fn page_matches(page: &Page, desired: &Properties) -> bool {
    desired
        .iter()
        .all(|(name, want)| page.property(name).is_some_and(|have| same(want, have)))
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
    let PropertyValue::Title(items) = page.property(schema.title())? else {
        return None;
    };
    let link = items.first()?.link.as_deref()?;
    let (_, at) = link.rsplit_once(UPDATED_FRAGMENT)?;
    OffsetDateTime::parse(at, &Rfc3339).ok()
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
    use crate::config::PropertyNames;
    use crate::github::{ItemKind, ItemState};
    use crate::notion::Database;
    use serde_json::json;

    fn schema() -> BoundSchema {
        let db: Database = serde_json::from_value(json!({
            "object": "database", "id": "d1",
            "properties": {
                "Name": {"id": "title", "type": "title", "title": {}},
                "Issue #": {"id": "a", "type": "number", "number": {}},
                "Status": {"id": "b", "type": "select", "select": {}},
                "Labels": {"id": "c", "type": "multi_select", "multi_select": {}},
                "Repository": {"id": "e", "type": "select", "select": {}},
                "Updated": {"id": "g", "type": "date", "date": {}},
                "Author": {"id": "i", "type": "rich_text", "rich_text": {}},
            }
        }))
        .expect("database parses");
        BoundSchema::bind(&db, &PropertyNames::default()).expect("binds")
    }

    fn item(updated_at: &str) -> WorkItem {
        WorkItem {
            repository: "octo/repo".into(),
            number: 7,
            kind: ItemKind::Issue,
            title: "Fix it".into(),
            state: Some(ItemState::Open),
            labels: Some(vec!["bug".into(), "a, b".into()]),
            assignees: None,
            author: Some("octocat".into()),
            url: "https://github.com/octo/repo/issues/7".into(),
            body: None,
            comments: Some(2),
            updated_at: OffsetDateTime::parse(updated_at, &Rfc3339).expect("timestamp"),
        }
    }

    /// The page Notion would hand back after we wrote `item` (dates cut to the minute).
    fn page_after_write(item: &WorkItem, schema: &BoundSchema) -> Page {
        let minute = parse_minute(&timestamp(item.updated_at)).expect("minute");
        let mut properties = desired_properties(item, schema);
        properties.insert("Updated".into(), PropertyValue::date(timestamp(minute)));
        Page {
            id: crate::notion::PageId::new("p1"),
            created_time: "2026-01-01T00:00:00.000Z".into(),
            last_edited_time: "2026-01-01T00:00:00.000Z".into(),
            archived: false,
            in_trash: false,
            url: None,
            parent: json!({}),
            properties,
        }
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
