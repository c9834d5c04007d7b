//! Unit tests of `property.rs`: write shapes against Notion's documented examples, read tolerance,
//! and the limits the helpers enforce.

use super::*;
use serde_json::json;

fn write(v: &PropertyValue) -> Value {
    serde_json::to_value(v).unwrap()
}

#[test]
fn title_writes_notion_title_shape() {
    assert_eq!(
        write(&PropertyValue::title("New task")),
        json!({"title":[{"type":"text","text":{"content":"New task","link":null}}]})
    );
}

#[test]
fn rich_text_writes_notion_rich_text_shape() {
    assert_eq!(
        write(&PropertyValue::rich_text("octocat")),
        json!({"rich_text":[{"type":"text","text":{"content":"octocat","link":null}}]})
    );
}

#[test]
fn number_writes_integers_without_a_fraction() {
    assert_eq!(write(&PropertyValue::number(5)), json!({"number": 5}));
    assert_eq!(write(&PropertyValue::number(2.5)), json!({"number": 2.5}));
    assert_eq!(write(&PropertyValue::Number(None)), json!({"number": null}));
}

#[test]
fn select_writes_name_or_null() {
    assert_eq!(
        write(&PropertyValue::select("In Progress")),
        json!({"select":{"name":"In Progress"}})
    );
    assert_eq!(write(&PropertyValue::Select(None)), json!({"select": null}));
}

#[test]
fn select_helper_removes_commas_and_clears_on_empty() {
    assert_eq!(
        PropertyValue::select("a,b"),
        PropertyValue::Select(Some("ab".into()))
    );
    assert_eq!(PropertyValue::select(","), PropertyValue::Select(None));
}

#[test]
fn multi_select_writes_names() {
    assert_eq!(
        write(&PropertyValue::multi_select(["frontend", "urgent"])),
        json!({"multi_select":[{"name":"frontend"},{"name":"urgent"}]})
    );
}

#[test]
fn multi_select_removes_commas_and_dedups_keeping_order() {
    let v = PropertyValue::multi_select(["b,ug", "bug", "help wanted", "", " , "]);
    assert_eq!(
        v,
        PropertyValue::MultiSelect(vec!["bug".into(), "help wanted".into()])
    );
}

#[test]
fn multi_select_caps_at_100_options() {
    let v = PropertyValue::multi_select((0..150).map(|i| format!("label-{i}")));
    let PropertyValue::MultiSelect(names) = v else {
        panic!()
    };
    assert_eq!(names.len(), 100);
    assert_eq!(names[99], "label-99");
}

#[test]
fn date_writes_start_and_optional_end() {
    assert_eq!(
        write(&PropertyValue::date("2025-03-15")),
        json!({"date":{"start":"2025-03-15"}})
    );
    let range = PropertyValue::Date(Some(DateValue {
        start: "2025-03-15".into(),
        end: Some("2025-03-20".into()),
    }));
    assert_eq!(
        write(&range),
        json!({"date":{"start":"2025-03-15","end":"2025-03-20"}})
    );
    assert_eq!(write(&PropertyValue::Date(None)), json!({"date": null}));
}

#[test]
fn checkbox_url_email_people_relation_write_documented_shapes() {
    assert_eq!(
        write(&PropertyValue::Checkbox(true)),
        json!({"checkbox": true})
    );
    assert_eq!(
        write(&PropertyValue::url("https://example.com")),
        json!({"url":"https://example.com"})
    );
    assert_eq!(write(&PropertyValue::Url(None)), json!({"url": null}));
    assert_eq!(
        write(&PropertyValue::Email(Some("a@b.c".into()))),
        json!({"email":"a@b.c"})
    );
    assert_eq!(
        write(&PropertyValue::People(vec!["user-uuid-here".into()])),
        json!({"people":[{"id":"user-uuid-here"}]})
    );
    assert_eq!(
        write(&PropertyValue::Relation(vec![PageId::new("related")])),
        json!({"relation":[{"id":"related"}]})
    );
    assert_eq!(
        write(&PropertyValue::Status(Some("Done".into()))),
        json!({"status":{"name":"Done"}})
    );
}

#[test]
fn long_title_is_split_into_2000_unit_items() {
    let v = PropertyValue::title(&"t".repeat(4001));
    let PropertyValue::Title(items) = &v else {
        panic!()
    };
    assert_eq!(items.len(), 3);
    assert_eq!(v.plain_text().unwrap().len(), 4001);
}

#[test]
fn reads_notion_read_format() {
    let read = |v: Value| PropertyValue::from_read_json(v).unwrap();
    assert_eq!(
        read(json!({"id":"W%3Fjn","type":"number","number":42})),
        PropertyValue::Number(Some(42.0))
    );
    assert_eq!(
        read(json!({"id":"x","type":"select","select":{"id":"1","name":"Open","color":"green"}})),
        PropertyValue::Select(Some("Open".into()))
    );
    assert_eq!(
        read(json!({"id":"x","type":"select","select":null})),
        PropertyValue::Select(None)
    );
    assert_eq!(
        read(
            json!({"id":"x","type":"multi_select","multi_select":[{"id":"1","name":"bug","color":"red"}]})
        ),
        PropertyValue::MultiSelect(vec!["bug".into()])
    );
    assert_eq!(
        read(
            json!({"id":"cmkL","type":"date","date":{"start":"2026-07-04T18:01:00.000+01:00","end":null,"time_zone":null}})
        ),
        PropertyValue::Date(Some(DateValue {
            start: "2026-07-04T18:01:00.000+01:00".into(),
            end: None
        }))
    );
    assert_eq!(
        read(json!({"id":"x","type":"people","people":[{"object":"user","id":"u1"}]})),
        PropertyValue::People(vec!["u1".into()])
    );
    assert_eq!(
        read(json!({"id":"x","type":"checkbox","checkbox":true})),
        PropertyValue::Checkbox(true)
    );
    assert_eq!(
        read(json!({"id":"title","type":"title","title":[]})),
        PropertyValue::Title(vec![])
    );
}

#[test]
fn unknown_types_are_kept_as_other() {
    let raw = json!({"id":"n","type":"created_time","created_time":"2026-06-27T17:01:00.000Z"});
    let v = PropertyValue::from_read_json(raw.clone()).unwrap();
    assert_eq!(v, PropertyValue::Other(raw.clone()));
    assert_eq!(v.type_name(), "created_time");
    assert_eq!(write(&v), raw);
}

#[test]
fn schema_reads_type_and_fills_names_from_keys() {
    #[derive(Deserialize)]
    struct Holder {
        #[serde(deserialize_with = "schema_map")]
        properties: BTreeMap<String, PropertySchema>,
    }
    let h: Holder = serde_json::from_value(json!({"properties":{
        "Number":{"id":"W%3Fjn","name":"Number","type":"number","number":{"format":"number"}},
        "Title":{"id":"title","type":"title","title":{}},
        "Formula":{"id":"f","name":"Formula","type":"formula","formula":{}}}}))
    .unwrap();
    assert_eq!(h.properties["Number"].kind, PropertyType::Number);
    assert_eq!(h.properties["Title"].name, "Title");
    assert_eq!(
        h.properties["Formula"].kind,
        PropertyType::Other("formula".into())
    );
}

#[test]
fn hand_built_values_are_limited_on_write_too() {
    let many = PropertyValue::MultiSelect((0..120).map(|i| format!("a,{i}")).collect());
    let written = write(&many);
    let items = written["multi_select"].as_array().unwrap();
    assert_eq!(items.len(), 100);
    assert_eq!(items[0], json!({"name": "a0"}));
    let relations = PropertyValue::Relation((0..101).map(|i| PageId::new(i.to_string())).collect());
    assert_eq!(write(&relations)["relation"].as_array().unwrap().len(), 100);
    assert_eq!(
        write(&PropertyValue::Select(Some("x,y".into()))),
        json!({"select":{"name":"xy"}})
    );
}

#[test]
fn option_names_are_cut_to_100_utf16_units_on_a_char_boundary() {
    let repo = format!("{}/{}", "o".repeat(39), "n".repeat(100));
    let cut = option_name(&repo);
    assert_eq!(cut.encode_utf16().count(), 100);
    assert!(repo.starts_with(&cut));
    let emoji = "😀".repeat(60);
    let cut = option_name(&emoji);
    assert_eq!(cut, "😀".repeat(50));
    // 99 units then a surrogate pair: the pair does not fit, nothing is split.
    let odd = format!("{}😀", "a".repeat(99));
    assert_eq!(option_name(&odd), "a".repeat(99));
    assert_eq!(
        PropertyValue::select(&repo).to_write_json()["select"]["name"]
            .as_str()
            .map(|n| n.encode_utf16().count()),
        Some(100)
    );
    assert_eq!(option_name("a, b"), "a b");
}
