//! The core of the Notion emulator over HTTP: auth, versions, databases, pages, queries.

use relay_tests::emulator::ApiVersion;
use relay_tests::emulator_client::{issue, start, text, Client, V2022, V2025};
use serde_json::json;

#[tokio::test]
async fn a_demo_database_has_the_product_schema_and_takes_pages() {
    let emu = start().await;
    let db = emu.create_demo_database().unwrap();
    let c = Client::new(&emu, V2022);

    let got = c.get(&format!("/v1/databases/{}", db.database_id)).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["object"], "database");
    for name in [
        "Name",
        "Issue #",
        "Status",
        "Labels",
        "URL",
        "Repository",
        "Type",
        "Updated",
        "Assignees",
        "Author",
        "Comments",
    ] {
        assert!(
            got.body["properties"][name]["type"].is_string(),
            "missing {name}"
        );
    }
    assert_eq!(got.body["properties"]["Name"]["id"], "title");

    let created = c
        .post("/v1/pages", json!({"parent": {"database_id": db.database_id}, "properties": issue(7, "Crash on start")}))
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.body["parent"]["database_id"], db.database_id);
    assert_eq!(created.body["properties"]["Issue #"]["number"], 7);
    assert_eq!(
        created.body["properties"]["Name"]["title"][0]["plain_text"],
        "Crash on start"
    );
    assert!(created.body["properties"]["Status"]["select"]["color"].is_string());
    assert!(created.body["request_id"].is_string());
    assert_eq!(
        created.headers["x-request-id"],
        created.body["request_id"].as_str().unwrap()
    );
    assert_eq!(emu.pages_in(&db.database_id).len(), 1);
}

#[tokio::test]
async fn a_query_by_key_finds_one_page_and_an_update_changes_it() {
    let emu = start().await;
    let db = emu.create_demo_database().unwrap();
    let c = Client::new(&emu, V2022);
    for n in 1..=3 {
        let r = c.post("/v1/pages", json!({"parent": {"database_id": db.database_id}, "properties": issue(n, &format!("Issue {n}"))})).await;
        assert_eq!(r.status, 200);
    }
    let filter = json!({"filter": {"and": [
        {"property": "Repository", "select": {"equals": "octo/repo"}},
        {"or": [{"property": "Issue #", "number": {"equals": 2}}]}
    ]}});
    let found = c
        .post(&format!("/v1/databases/{}/query", db.database_id), filter)
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.body["results"].as_array().unwrap().len(), 1);
    let id = found.body["results"][0]["id"].as_str().unwrap().to_string();

    let updated = c
        .patch(&format!("/v1/pages/{id}"), json!({"properties": {"Status": {"select": {"name": "Closed"}}, "Author": {"rich_text": text("octocat")}}}))
        .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(
        updated.body["properties"]["Status"]["select"]["name"],
        "Closed"
    );
    let again = c.get(&format!("/v1/pages/{id}")).await;
    assert_eq!(
        again.body["properties"]["Author"]["rich_text"][0]["plain_text"],
        "octocat"
    );
    assert_eq!(emu.count("POST", "/v1/pages"), 3);
    assert_eq!(emu.count("PATCH", "/v1/pages/"), 1);
}

#[tokio::test]
async fn archived_pages_are_left_out_of_queries() {
    let emu = start().await;
    let db = emu.create_demo_database().unwrap();
    let c = Client::new(&emu, V2022);
    let p = c
        .post(
            "/v1/pages",
            json!({"parent": {"database_id": db.database_id}, "properties": issue(1, "Gone")}),
        )
        .await;
    let id = p.body["id"].as_str().unwrap();
    let archived = c
        .patch(&format!("/v1/pages/{id}"), json!({"archived": true}))
        .await;
    assert_eq!(
        (
            archived.body["archived"].clone(),
            archived.body["in_trash"].clone()
        ),
        (json!(true), json!(true))
    );
    let q = c
        .post(
            &format!("/v1/databases/{}/query", db.database_id),
            json!({}),
        )
        .await;
    assert_eq!(q.body["results"], json!([]));
    assert_eq!(q.body["type"], "page_or_database");
}

#[tokio::test]
async fn a_date_time_reads_back_truncated_to_the_minute_and_a_date_stays_a_date() {
    let emu = start().await;
    let db = emu.create_demo_database().unwrap();
    let c = Client::new(&emu, V2022);
    let mut props = issue(1, "Dated");
    props["Updated"] = json!({"date": {"start": "2026-06-27T18:01:15Z"}});
    let p = c
        .post(
            "/v1/pages",
            json!({"parent": {"database_id": db.database_id}, "properties": props}),
        )
        .await;
    assert_eq!(
        p.body["properties"]["Updated"]["date"],
        json!({"start": "2026-06-27T18:01:00.000+00:00", "end": null, "time_zone": null})
    );
    let id = p.body["id"].as_str().unwrap();
    let d = c
        .patch(
            &format!("/v1/pages/{id}"),
            json!({"properties": {"Updated": {"date": {"start": "2026-06-27"}}}}),
        )
        .await;
    assert_eq!(
        d.body["properties"]["Updated"]["date"]["start"],
        "2026-06-27"
    );
    let created = p.body["created_time"].as_str().unwrap();
    assert!(created.ends_with(":00.000Z"), "{created}");
}

#[tokio::test]
async fn the_data_source_flow_works_under_2025_09_03() {
    let emu = start().await;
    let db = emu.create_demo_database().unwrap();
    let c = Client::new(&emu, V2025);

    let got = c.get(&format!("/v1/databases/{}", db.database_id)).await;
    assert_eq!(got.body["data_sources"][0]["id"], db.data_source_id);
    assert!(got.body.get("properties").is_none());

    let ds = c
        .get(&format!("/v1/data_sources/{}", db.data_source_id))
        .await;
    assert_eq!(ds.body["object"], "data_source");
    assert_eq!(ds.body["properties"]["Issue #"]["type"], "number");

    let p = c.post("/v1/pages", json!({"parent": {"type": "data_source_id", "data_source_id": db.data_source_id}, "properties": issue(9, "New")})).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert_eq!(p.body["parent"]["data_source_id"], db.data_source_id);
    assert_eq!(p.body["parent"]["database_id"], db.database_id);

    let q = c
        .post(
            &format!("/v1/data_sources/{}/query", db.data_source_id),
            json!({"filter": {"property": "Issue #", "number": {"equals": 9}}}),
        )
        .await;
    assert_eq!(q.body["results"].as_array().unwrap().len(), 1);
    assert_eq!(q.body["type"], "page_or_data_source");

    let old = c
        .post(
            &format!("/v1/databases/{}/query", db.database_id),
            json!({}),
        )
        .await;
    assert_eq!((old.status, old.code()), (400, "invalid_request_url"));
    let old_client = Client::new(&emu, V2022);
    let new_only = old_client
        .get(&format!("/v1/data_sources/{}", db.data_source_id))
        .await;
    assert_eq!(
        (new_only.status, new_only.code()),
        (400, "invalid_request_url")
    );
    assert!(ApiVersion::parse(Some(V2025)).unwrap().data_sources());
}

#[tokio::test]
async fn a_database_created_over_http_under_a_page_can_be_queried() {
    let emu = start().await;
    let c = Client::new(&emu, V2022);
    let db = c
        .post(
            "/v1/databases",
            json!({
                "parent": {"type": "page_id", "page_id": emu.root_page_id()},
                "title": text("Tasks"),
                "properties": {"Name": {"title": {}}, "Done": {"checkbox": {}}, "Link": {"url": {}}}
            }),
        )
        .await;
    assert_eq!(db.status, 200, "{}", db.body);
    let id = db.body["id"].as_str().unwrap();
    for (name, done) in [("a", true), ("b", false)] {
        let r = c.post("/v1/pages", json!({"parent": {"database_id": id}, "properties": {"Name": {"title": text(name)}, "Done": {"checkbox": done}}})).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let q = c
        .post(
            &format!("/v1/databases/{id}/query"),
            json!({"filter": {"property": "Done", "checkbox": {"equals": true}}}),
        )
        .await;
    assert_eq!(q.body["results"].as_array().unwrap().len(), 1);
    assert_eq!(
        q.body["results"][0]["properties"]["Name"]["title"][0]["plain_text"],
        "a"
    );
    let upd = c
        .patch(
            &format!("/v1/databases/{id}"),
            json!({"title": text("Renamed")}),
        )
        .await;
    assert_eq!(upd.body["title"][0]["plain_text"], "Renamed");
}
