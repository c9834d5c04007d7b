//! Queries beyond a single key: pagination with cursors, sorts, text/date/multi-select filters,
//! and search.

use relay_tests::emulator_client::{issue, start, text, Client, V2022, V2025};
use serde_json::{json, Value};
use time::macros::datetime;

fn names(answer: &Value) -> Vec<String> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p["properties"]["Name"]["title"][0]["plain_text"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn two_hundred_fifty_pages_come_back_in_pages_of_100_100_and_50() {
    let emu = start().await;
    let db = emu.create_demo_database().unwrap();
    let c = Client::new(&emu, V2022);
    for n in 0..250 {
        let r = c.post("/v1/pages", json!({"parent": {"database_id": db.database_id}, "properties": issue(n, &format!("#{n}"))})).await;
        assert_eq!(r.status, 200);
    }
    let path = format!("/v1/databases/{}/query", db.database_id);
    let mut seen = std::collections::HashSet::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut body = json!({"page_size": 100});
        if let Some(c) = &cursor {
            body["start_cursor"] = json!(c);
        }
        let page = c.post(&path, body).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let results = page.body["results"].as_array().unwrap();
        sizes.push(results.len());
        for r in results {
            assert!(
                seen.insert(r["id"].as_str().unwrap().to_string()),
                "a page came back twice"
            );
        }
        assert_eq!(page.body["has_more"], page.body["next_cursor"].is_string());
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(sizes, vec![100, 100, 50]);
    assert_eq!(seen.len(), 250);
}

#[tokio::test]
async fn sorting_by_created_time_inside_one_minute_follows_creation_order() {
    let emu = start().await;
    emu.set_now(Some(datetime!(2026-06-27 18:01:15 UTC)));
    let db = emu.create_demo_database().unwrap();
    let c = Client::new(&emu, V2022);
    for name in ["first", "second", "third"] {
        c.post("/v1/pages", json!({"parent": {"database_id": db.database_id}, "properties": {"Name": {"title": text(name)}}})).await;
    }
    let path = format!("/v1/databases/{}/query", db.database_id);
    let asc = c
        .post(
            &path,
            json!({"sorts": [{"timestamp": "created_time", "direction": "ascending"}]}),
        )
        .await;
    assert_eq!(names(&asc.body), ["first", "second", "third"]);
    let desc = c
        .post(
            &path,
            json!({"sorts": [{"timestamp": "created_time", "direction": "descending"}]}),
        )
        .await;
    assert_eq!(names(&desc.body), ["third", "second", "first"]);
    assert!(asc.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["created_time"] == "2026-06-27T18:01:00.000Z"));
}

#[tokio::test]
async fn sorting_by_properties_puts_empty_values_last() {
    let emu = start().await;
    let db = emu.create_demo_database().unwrap();
    let c = Client::new(&emu, V2022);
    for (name, comments) in [("b", json!(5)), ("a", json!(null)), ("c", json!(1))] {
        c.post("/v1/pages", json!({"parent": {"database_id": db.database_id}, "properties": {"Name": {"title": text(name)}, "Comments": {"number": comments}}})).await;
    }
    let path = format!("/v1/databases/{}/query", db.database_id);
    let by_number = c
        .post(
            &path,
            json!({"sorts": [{"property": "Comments", "direction": "descending"}]}),
        )
        .await;
    assert_eq!(names(&by_number.body), ["b", "c", "a"]);
    let by_name = c
        .post(
            &path,
            json!({"sorts": [{"property": "Name", "direction": "ascending"}]}),
        )
        .await;
    assert_eq!(names(&by_name.body), ["a", "b", "c"]);
}

#[tokio::test]
async fn text_date_and_multi_select_filters_match_like_notion() {
    let emu = start().await;
    let db = emu.create_demo_database().unwrap();
    let c = Client::new(&emu, V2025);
    let rows = [
        (
            "John",
            "2026-06-27T18:01:15+01:00",
            vec!["bug", "ui"],
            "https://john.example",
        ),
        ("Jane", "2026-06-20", vec!["docs"], "https://jane.example"),
    ];
    for (name, date, labels, url) in rows {
        let labels: Vec<Value> = labels.iter().map(|l| json!({"name": l})).collect();
        let r = c
            .post("/v1/pages", json!({"parent": {"data_source_id": db.data_source_id}, "properties": {
                "Name": {"title": text(name)}, "Updated": {"date": {"start": date}},
                "Labels": {"multi_select": labels}, "URL": {"url": url}, "Author": {"rich_text": text(&format!("{name} Doe"))}
            }}))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let path = format!("/v1/data_sources/{}/query", db.data_source_id);
    let q = |filter: Value| c.post(&path, json!({"filter": filter}));
    assert_eq!(
        names(
            &q(json!({"property": "Author", "rich_text": {"contains": "doe"}}))
                .await
                .body
        )
        .len(),
        2
    );
    assert_eq!(
        names(
            &q(json!({"property": "Name", "title": {"starts_with": "jo"}}))
                .await
                .body
        ),
        ["John"]
    );
    assert_eq!(
        names(
            &q(json!({"property": "Name", "title": {"equals": "Jane"}}))
                .await
                .body
        ),
        ["Jane"]
    );
    assert_eq!(
        names(
            &q(json!({"property": "URL", "url": {"contains": "jane"}}))
                .await
                .body
        ),
        ["Jane"]
    );
    assert_eq!(
        names(
            &q(json!({"property": "Author", "rich_text": {"is_empty": true}}))
                .await
                .body
        )
        .len(),
        0
    );
    assert_eq!(
        names(
            &q(json!({"property": "Labels", "multi_select": {"contains": "ui"}}))
                .await
                .body
        ),
        ["John"]
    );
    let at = "2026-06-27T18:01:40+01:00";
    assert_eq!(
        names(
            &q(json!({"property": "Updated", "date": {"equals": at}}))
                .await
                .body
        ),
        ["John"]
    );
    assert_eq!(
        names(
            &q(json!({"property": "Updated", "date": {"before": at}}))
                .await
                .body
        ),
        ["Jane"]
    );
    assert_eq!(
        names(
            &q(json!({"property": "Updated", "date": {"on_or_after": "2026-06-27"}}))
                .await
                .body
        ),
        ["John"]
    );
    assert_eq!(
        names(
            &q(json!({"property": "Updated", "date": {"after": "2026-06-20"}}))
                .await
                .body
        ),
        ["John"]
    );
    assert_eq!(
        names(
            &q(json!({"property": "Updated", "date": {"on_or_before": "2026-06-20"}}))
                .await
                .body
        ),
        ["Jane"]
    );
}

#[tokio::test]
async fn search_matches_titles_filters_by_object_and_paginates() {
    let emu = start().await;
    let db = emu.create_demo_database().unwrap();
    let c = Client::new(&emu, V2022);
    for n in 0..5 {
        c.post("/v1/pages", json!({"parent": {"database_id": db.database_id}, "properties": issue(n, &format!("needle {n}"))})).await;
    }
    c.post(
        "/v1/pages",
        json!({"parent": {"database_id": db.database_id}, "properties": issue(99, "haystack")}),
    )
    .await;
    let first = c
        .post("/v1/search", json!({"query": "NEEDLE", "page_size": 2}))
        .await;
    assert_eq!(first.body["results"].as_array().unwrap().len(), 2);
    assert_eq!(first.body["has_more"], true);
    let mut total = 2;
    let mut cursor = first.body["next_cursor"].as_str().map(str::to_string);
    while let Some(cur) = cursor {
        let next = c
            .post(
                "/v1/search",
                json!({"query": "needle", "page_size": 2, "start_cursor": cur}),
            )
            .await;
        total += next.body["results"].as_array().unwrap().len();
        cursor = next.body["next_cursor"].as_str().map(str::to_string);
    }
    assert_eq!(total, 5);
    let dbs = c
        .post(
            "/v1/search",
            json!({"query": "GitHub", "filter": {"property": "object", "value": "database"}}),
        )
        .await;
    assert_eq!(dbs.body["results"][0]["id"], db.database_id);
    let v2025 = Client::new(&emu, V2025);
    let sources = v2025
        .post(
            "/v1/search",
            json!({"filter": {"property": "object", "value": "data_source"}}),
        )
        .await;
    assert_eq!(sources.body["results"][0]["object"], "data_source");
    let wrong = v2025
        .post(
            "/v1/search",
            json!({"filter": {"property": "object", "value": "database"}}),
        )
        .await;
    assert_eq!((wrong.status, wrong.code()), (400, "validation_error"));
}
