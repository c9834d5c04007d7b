//! Every rejection the emulator makes, one by one, with Notion's status and code; a rejected
//! write leaves the workspace unchanged.

use relay_tests::emulator::{EmulatorConfig, ProvisionedDatabase};
use relay_tests::emulator_client::{issue, start, start_with, text, Answer, Client, V2022};
use serde_json::{json, Value};

async fn demo() -> (relay_tests::emulator::Emulator, ProvisionedDatabase, Client) {
    let emu = start().await;
    let db = emu.create_demo_database().unwrap();
    let c = Client::new(&emu, V2022);
    (emu, db, c)
}

fn assert_rejected(a: &Answer, status: u16, code: &str) {
    assert_eq!((a.status, a.code()), (status, code), "{}", a.body);
    assert_eq!(a.body["object"], "error");
    assert_eq!(a.body["status"], status);
    assert!(a.body["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(a.body["request_id"].is_string());
}

async fn create(c: &Client, db: &ProvisionedDatabase, props: Value) -> Answer {
    c.post(
        "/v1/pages",
        json!({"parent": {"database_id": db.database_id}, "properties": props}),
    )
    .await
}

#[tokio::test]
async fn a_request_without_a_token_is_unauthorized() {
    let (emu, _db, mut c) = demo().await;
    c.token = None;
    assert_rejected(
        &c.get(&format!("/v1/pages/{}", emu.root_page_id())).await,
        401,
        "unauthorized",
    );
}

#[tokio::test]
async fn a_request_with_a_wrong_token_is_unauthorized() {
    let (emu, _db, mut c) = demo().await;
    c.token = Some("secret_wrong".into());
    let a = c.get(&format!("/v1/pages/{}", emu.root_page_id())).await;
    assert_rejected(&a, 401, "unauthorized");
    assert_eq!(a.body["message"], "API token is invalid.");
}

#[tokio::test]
async fn a_request_without_notion_version_is_missing_version() {
    let (emu, _db, mut c) = demo().await;
    c.version = None;
    assert_rejected(
        &c.get(&format!("/v1/pages/{}", emu.root_page_id())).await,
        400,
        "missing_version",
    );
}

#[tokio::test]
async fn an_unsupported_notion_version_is_a_validation_error() {
    let (emu, _db, mut c) = demo().await;
    c.version = Some("2021-05-13".into());
    assert_rejected(
        &c.get(&format!("/v1/pages/{}", emu.root_page_id())).await,
        400,
        "validation_error",
    );
}

#[tokio::test]
async fn an_unknown_property_is_named_with_notions_wording() {
    let (emu, db, c) = demo().await;
    let mut props = issue(1, "x");
    props["Priority"] = json!({"select": {"name": "High"}});
    let a = create(&c, &db, props).await;
    assert_rejected(&a, 400, "validation_error");
    assert_eq!(a.body["message"], "Priority is not a property that exists.");
    assert!(emu.pages_in(&db.database_id).is_empty());
}

#[tokio::test]
async fn a_value_of_the_wrong_type_is_rejected() {
    let (emu, db, c) = demo().await;
    let mut props = issue(1, "x");
    props["Issue #"] = json!({"rich_text": text("1")});
    let a = create(&c, &db, props).await;
    assert_rejected(&a, 400, "validation_error");
    assert_eq!(a.body["message"], "Issue # is expected to be number.");
    let mut bad_number = issue(1, "x");
    bad_number["Issue #"] = json!({"number": "one"});
    assert_rejected(&create(&c, &db, bad_number).await, 400, "validation_error");
    assert!(emu.pages_in(&db.database_id).is_empty());
}

#[tokio::test]
async fn a_comma_in_a_select_or_multi_select_option_is_rejected() {
    let (emu, db, c) = demo().await;
    let mut props = issue(1, "x");
    props["Repository"] = json!({"select": {"name": "a,b"}});
    assert_rejected(&create(&c, &db, props).await, 400, "validation_error");
    let mut labels = issue(1, "x");
    labels["Labels"] = json!({"multi_select": [{"name": "bug"}, {"name": "help wanted, urgent"}]});
    assert_rejected(&create(&c, &db, labels).await, 400, "validation_error");
    assert!(emu.pages_in(&db.database_id).is_empty());
    let ds = c.get(&format!("/v1/databases/{}", db.database_id)).await;
    assert_eq!(
        ds.body["properties"]["Labels"]["multi_select"]["options"],
        json!([]),
        "no option was created"
    );
}

#[tokio::test]
async fn rich_text_over_2000_utf16_units_is_rejected_and_2000_is_accepted() {
    let (emu, db, c) = demo().await;
    let with_author = |s: String| {
        let mut p = issue(1, "x");
        p["Author"] = json!({"rich_text": [{"text": {"content": s}}]});
        p
    };
    assert_rejected(
        &create(&c, &db, with_author("a".repeat(2001))).await,
        400,
        "validation_error",
    );
    // 1000 emoji are 1000 chars but 2000 UTF-16 code units: at the limit.
    let emoji = "😀".repeat(1000);
    assert_eq!(emoji.chars().count(), 1000);
    let ok = create(&c, &db, with_author(emoji.clone())).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_rejected(
        &create(&c, &db, with_author(format!("{emoji}a"))).await,
        400,
        "validation_error",
    );
    assert_eq!(
        create(&c, &db, with_author("a".repeat(2000))).await.status,
        200
    );
    assert_eq!(emu.pages_in(&db.database_id).len(), 2);
}

#[tokio::test]
async fn arrays_over_100_items_are_rejected() {
    let (emu, db, c) = demo().await;
    let mut labels = issue(1, "x");
    let names: Vec<Value> = (0..101).map(|i| json!({"name": format!("l{i}")})).collect();
    labels["Labels"] = json!({"multi_select": names});
    assert_rejected(&create(&c, &db, labels).await, 400, "validation_error");
    let mut author = issue(1, "x");
    let items: Vec<Value> = (0..101)
        .map(|_| json!({"text": {"content": "a"}}))
        .collect();
    author["Author"] = json!({"rich_text": items});
    assert_rejected(&create(&c, &db, author).await, 400, "validation_error");
    assert!(emu.pages_in(&db.database_id).is_empty());
}

fn paragraphs(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"paragraph": {"rich_text": text(&format!("p{i}"))}}))
        .collect()
}

#[tokio::test]
async fn appending_101_blocks_is_rejected_and_100_are_accepted() {
    let (emu, _db, c) = demo().await;
    let page = emu.create_root_page("Notes");
    let path = format!("/v1/blocks/{page}/children");
    assert_rejected(
        &c.patch(&path, json!({"children": paragraphs(101)})).await,
        400,
        "validation_error",
    );
    assert_eq!(c.get(&path).await.body["results"], json!([]));
    let ok = c.patch(&path, json!({"children": paragraphs(100)})).await;
    assert_eq!(ok.body["results"].as_array().map(Vec::len), Some(100));
}

#[tokio::test]
async fn three_levels_of_nesting_in_one_request_are_rejected() {
    let (emu, _db, c) = demo().await;
    let page = emu.create_root_page("Notes");
    let path = format!("/v1/blocks/{page}/children");
    let two = json!({"bulleted_list_item": {"rich_text": text("1"), "children": [{"bulleted_list_item": {"rich_text": text("2")}}]}});
    let three = json!({"bulleted_list_item": {"rich_text": text("1"), "children": [
        {"bulleted_list_item": {"rich_text": text("2"), "children": [{"paragraph": {"rich_text": text("3")}}]}}
    ]}});
    assert_rejected(
        &c.patch(&path, json!({"children": [three]})).await,
        400,
        "validation_error",
    );
    let ok = c.patch(&path, json!({"children": [two]})).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["results"][0]["has_children"], true);
}

#[tokio::test]
async fn a_page_size_of_101_is_rejected() {
    let (emu, db, c) = demo().await;
    let q = c
        .post(
            &format!("/v1/databases/{}/query", db.database_id),
            json!({"page_size": 101}),
        )
        .await;
    assert_rejected(&q, 400, "validation_error");
    assert_rejected(
        &c.post("/v1/search", json!({"page_size": 101})).await,
        400,
        "validation_error",
    );
    let children = c
        .get(&format!(
            "/v1/blocks/{}/children?page_size=101",
            emu.root_page_id()
        ))
        .await;
    assert_rejected(&children, 400, "validation_error");
}

#[tokio::test]
async fn a_page_without_properties_is_rejected() {
    let (emu, db, c) = demo().await;
    let a = c
        .post(
            "/v1/pages",
            json!({"parent": {"database_id": db.database_id}}),
        )
        .await;
    assert_rejected(&a, 400, "validation_error");
    assert!(emu.pages_in(&db.database_id).is_empty());
}

#[tokio::test]
async fn a_missing_title_is_rejected_when_titles_are_required() {
    let emu = start_with(EmulatorConfig {
        require_title: true,
        ..EmulatorConfig::default()
    })
    .await;
    let db = emu.create_demo_database().unwrap();
    let c = Client::new(&emu, V2022);
    let a = create(&c, &db, json!({"Issue #": {"number": 1}})).await;
    assert_rejected(&a, 400, "validation_error");
    let empty = create(
        &c,
        &db,
        json!({"Name": {"title": []}, "Issue #": {"number": 1}}),
    )
    .await;
    assert_rejected(&empty, 400, "validation_error");
    assert!(emu.pages_in(&db.database_id).is_empty());
}

#[tokio::test]
async fn a_compound_filter_three_levels_deep_is_rejected_and_two_is_accepted() {
    let (_emu, db, c) = demo().await;
    let leaf = json!({"property": "Issue #", "number": {"equals": 1}});
    let two = json!({"and": [{"or": [leaf.clone()]}]});
    let three = json!({"and": [{"or": [{"and": [leaf]}]}]});
    let path = format!("/v1/databases/{}/query", db.database_id);
    assert_rejected(
        &c.post(&path, json!({"filter": three})).await,
        400,
        "validation_error",
    );
    assert_eq!(c.post(&path, json!({"filter": two})).await.status, 200);
}

#[tokio::test]
async fn a_filter_on_an_unknown_property_is_rejected() {
    let (_emu, db, c) = demo().await;
    let path = format!("/v1/databases/{}/query", db.database_id);
    let a = c
        .post(
            &path,
            json!({"filter": {"property": "Nope", "number": {"equals": 1}}}),
        )
        .await;
    assert_rejected(&a, 400, "validation_error");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_invalid_json() {
    let (emu, _db, c) = demo().await;
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/pages", emu.base_url()))
        .bearer_auth(emu.token())
        .header("Notion-Version", V2022)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "invalid_json");
    drop(c);
}

#[tokio::test]
async fn unknown_ids_and_urls_answer_like_notion() {
    let (_emu, _db, c) = demo().await;
    assert_rejected(
        &c.get("/v1/pages/7855b161-f63e-4683-b7c7-8ca6e97ee266")
            .await,
        404,
        "object_not_found",
    );
    assert_rejected(&c.get("/v1/invalid").await, 400, "invalid_request_url");
    assert_rejected(&c.get("/v1/search").await, 400, "invalid_request_url");
}

#[tokio::test]
async fn editing_an_archived_page_is_rejected_until_it_is_restored() {
    let (_emu, db, c) = demo().await;
    let p = create(&c, &db, issue(1, "x")).await;
    let path = format!("/v1/pages/{}", p.body["id"].as_str().unwrap());
    c.patch(&path, json!({"in_trash": true})).await;
    let edit = c
        .patch(&path, json!({"properties": {"Comments": {"number": 2}}}))
        .await;
    assert_rejected(&edit, 400, "validation_error");
    let restore = c
        .patch(
            &path,
            json!({"archived": false, "properties": {"Comments": {"number": 2}}}),
        )
        .await;
    assert_eq!(restore.body["properties"]["Comments"]["number"], 2);
}
