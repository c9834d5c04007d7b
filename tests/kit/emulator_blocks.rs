//! Block endpoints: append, list (paginated), retrieve, update, delete.

use relay_tests::emulator_client::{start, text, Client, V2022, V2025};
use serde_json::json;

#[tokio::test]
async fn appended_blocks_list_in_pages_and_read_back_in_notions_shape() {
    let emu = start().await;
    let page = emu.create_root_page("Digest");
    let c = Client::new(&emu, V2022);
    let children = json!([
        {"heading_2": {"rich_text": text("Closed this week")}},
        {"bulleted_list_item": {"rich_text": text("#1 Crash")}},
        {"to_do": {"rich_text": text("Review #2")}},
        {"paragraph": {"rich_text": [{"text": {"content": "see ", "link": null}}, {"text": {"content": "link", "link": {"url": "https://x.example"}}}]}},
        {"divider": {}}
    ]);
    let added = c
        .patch(
            &format!("/v1/blocks/{page}/children"),
            json!({"children": children}),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let results = added.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    assert_eq!(results[0]["heading_2"]["is_toggleable"], false);
    assert_eq!(results[2]["to_do"]["checked"], false);
    assert_eq!(
        results[3]["paragraph"]["rich_text"][1]["href"],
        "https://x.example"
    );
    assert_eq!(
        results[1]["parent"],
        json!({"type": "page_id", "page_id": page})
    );

    let first = c
        .get(&format!("/v1/blocks/{page}/children?page_size=2"))
        .await;
    assert_eq!(first.body["results"].as_array().unwrap().len(), 2);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = c
        .get(&format!(
            "/v1/blocks/{page}/children?page_size=2&start_cursor={cursor}"
        ))
        .await;
    assert_eq!(second.body["results"][0]["type"], "to_do");
    assert_eq!(second.body["type"], "block");
}

#[tokio::test]
async fn a_block_can_be_retrieved_updated_deleted_and_restored() {
    let emu = start().await;
    let page = emu.create_root_page("Notes");
    let c = Client::new(&emu, V2025);
    let added = c
        .patch(
            &format!("/v1/blocks/{page}/children"),
            json!({"children": [{"paragraph": {"rich_text": text("old")}}]}),
        )
        .await;
    let id = added.body["results"][0]["id"].as_str().unwrap().to_string();
    let path = format!("/v1/blocks/{id}");

    let updated = c.patch(&path, json!({"paragraph": {"rich_text": [{"text": {"content": "new"}, "annotations": {"bold": true}}]}})).await;
    assert_eq!(
        updated.body["paragraph"]["rich_text"][0]["plain_text"],
        "new"
    );
    assert_eq!(
        updated.body["paragraph"]["rich_text"][0]["annotations"]["bold"],
        true
    );
    let wrong_type = c
        .patch(&path, json!({"to_do": {"rich_text": text("x")}}))
        .await;
    assert_eq!(
        (wrong_type.status, wrong_type.code()),
        (400, "validation_error")
    );

    let deleted = c.delete(&path).await;
    assert_eq!(
        (
            deleted.body["archived"].clone(),
            deleted.body["in_trash"].clone()
        ),
        (json!(true), json!(true))
    );
    assert_eq!(
        c.get(&format!("/v1/blocks/{page}/children")).await.body["results"],
        json!([])
    );
    assert_eq!(c.get(&path).await.body["in_trash"], true);
    let restored = c.patch(&path, json!({"archived": false})).await;
    assert_eq!(restored.body["archived"], false);
    assert_eq!(
        c.get(&format!("/v1/blocks/{page}/children")).await.body["results"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn deleting_a_page_through_the_block_endpoint_archives_it() {
    let emu = start().await;
    let c = Client::new(&emu, V2022);
    let parent = emu.root_page_id();
    let p = c.post("/v1/pages", json!({"parent": {"page_id": parent}, "properties": {"title": text("Child")}, "children": [{"paragraph": {"rich_text": text("body")}}]})).await;
    assert_eq!(p.status, 200, "{}", p.body);
    let id = p.body["id"].as_str().unwrap();
    let listed = c.get(&format!("/v1/blocks/{parent}/children")).await;
    assert_eq!(listed.body["results"][0]["child_page"]["title"], "Child");
    let block = c.delete(&format!("/v1/blocks/{id}")).await;
    assert_eq!(block.body["type"], "child_page");
    assert_eq!(block.body["has_children"], true);
    assert_eq!(
        c.get(&format!("/v1/pages/{id}")).await.body["archived"],
        true
    );
}
