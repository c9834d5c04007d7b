//! Notion's documented request limits (developers.notion.com/reference/request-limits, and
//! PRODUCT.md "Facts about the real APIs that bite"), one test per limit: the emulator refuses
//! one past the limit with 400 `validation_error`, accepts the limit itself, and a refused write
//! leaves the workspace unchanged. Also the 2026-03-11 changes (`archived` gone, `position`).

use relay_tests::emulator::ProvisionedDatabase;
use relay_tests::emulator_client::{issue, start, text, Answer, Client, V2022, V2025};
use serde_json::{json, Value};

const V2026: &str = "2026-03-11";

async fn demo(version: &str) -> (relay_tests::emulator::Emulator, ProvisionedDatabase, Client) {
    let emu = start().await;
    let db = emu.create_demo_database().unwrap();
    let c = Client::new(&emu, version);
    (emu, db, c)
}

fn assert_refused(a: &Answer) {
    assert_eq!(
        (a.status, a.code()),
        (400, "validation_error"),
        "{}",
        a.body
    );
}

fn assert_ok(a: &Answer) {
    assert_eq!(a.status, 200, "{}", a.body);
}

fn linked(url: &str) -> Value {
    json!({"paragraph": {"rich_text": [{"type": "text", "text": {"content": "x", "link": {"url": url}}}]}})
}

async fn create(c: &Client, db: &ProvisionedDatabase, props: Value, children: Value) -> Answer {
    c.post(
        "/v1/pages",
        json!({"parent": {"database_id": db.database_id}, "properties": props, "children": children}),
    )
    .await
}

#[tokio::test]
async fn a_link_that_is_not_an_absolute_http_or_mailto_url_fails_the_whole_create() {
    let (emu, db, c) = demo(V2022).await;
    let too_long = format!("https://example.com/{}", "a".repeat(1981));
    for url in [
        "../docs/setup.md",
        "#top",
        "./screenshot.png",
        "",
        "javascript:alert(1)",
        "ftp://example.com/x",
        "https://",
        too_long.as_str(),
    ] {
        let a = create(&c, &db, issue(1, "t"), json!([linked(url)])).await;
        assert_refused(&a);
        assert!(
            a.body["message"]
                .as_str()
                .is_some_and(|m| m.contains("Invalid URL for link.")),
            "{url}: {}",
            a.body
        );
    }
    assert!(emu.pages_in(&db.database_id).is_empty());
    let at_limit = format!("https://example.com/{}", "a".repeat(1980));
    for url in [
        "https://github.com/o/r/blob/HEAD/docs/setup.md",
        "http://example.com",
        "mailto:someone@example.com",
        at_limit.as_str(),
    ] {
        assert_ok(&create(&c, &db, issue(2, "t"), json!([linked(url)])).await);
    }
}

#[tokio::test]
async fn a_link_in_a_title_property_is_checked_too() {
    let (_emu, db, c) = demo(V2022).await;
    let mut props = issue(1, "t");
    props["Name"] = json!({"title": [{"type": "text", "text": {"content": "t", "link": {"url": "#updated=x"}}}]});
    assert_refused(&create(&c, &db, props, json!([])).await);
}

#[tokio::test]
async fn an_option_name_over_100_utf16_units_is_refused() {
    let (emu, db, c) = demo(V2022).await;
    let mut props = issue(1, "t");
    props["Labels"] = json!({"multi_select": [{"name": "😀".repeat(60)}]});
    assert_refused(&create(&c, &db, props.clone(), json!([])).await);
    props["Labels"] = json!({"multi_select": []});
    props["Repository"] = json!({"select": {"name": "o".repeat(101)}});
    assert_refused(&create(&c, &db, props.clone(), json!([])).await);
    assert!(emu.pages_in(&db.database_id).is_empty());
    props["Repository"] = json!({"select": {"name": "o".repeat(100)}});
    props["Labels"] = json!({"multi_select": [{"name": "😀".repeat(50)}]});
    assert_ok(&create(&c, &db, props, json!([])).await);
}

/// 100 list items with `each` children each.
fn checklist(each: usize) -> Value {
    let item = json!({"to_do": {"rich_text": text("step"), "children": vec![json!({"to_do": {"rich_text": text("sub")}}); each]}});
    Value::Array(vec![item; 100])
}

#[tokio::test]
async fn more_than_1000_blocks_in_one_request_are_refused() {
    let (emu, db, c) = demo(V2022).await;
    // 100 + 100 × 10 = 1100 blocks, each array within 100.
    assert_refused(&create(&c, &db, issue(1, "t"), checklist(10)).await);
    assert!(emu.pages_in(&db.database_id).is_empty());
    let page = emu.create_root_page("Notes");
    let path = format!("/v1/blocks/{page}/children");
    assert_refused(&c.patch(&path, json!({"children": checklist(10)})).await);
    // 100 + 100 × 9 = 1000 blocks: the limit itself.
    assert_ok(&create(&c, &db, issue(1, "t"), checklist(9)).await);
    assert_ok(&c.patch(&path, json!({"children": checklist(9)})).await);
}

#[tokio::test]
async fn a_request_over_500_kb_is_refused() {
    let (emu, db, c) = demo(V2022).await;
    // 100 paragraphs × 3 items × 2000 characters: 600,000 characters of text.
    let para = json!({"paragraph": {"rich_text": [{"text": {"content": "x".repeat(2000)}}, {"text": {"content": "y".repeat(2000)}}, {"text": {"content": "z".repeat(2000)}}]}});
    let big = Value::Array(vec![para; 100]);
    assert!(big.to_string().len() > 500_000);
    let answer = create(&c, &db, issue(1, "t"), big).await;
    assert_eq!(answer.status, 413, "{}", answer.body);
    assert!(emu.pages_in(&db.database_id).is_empty());
    let para = json!({"paragraph": {"rich_text": [{"text": {"content": "x".repeat(2000)}}, {"text": {"content": "y".repeat(2000)}}]}});
    let fits = Value::Array(vec![para; 100]);
    assert!(fits.to_string().len() < 500_000);
    assert_ok(&create(&c, &db, issue(1, "t"), fits).await);
}

#[tokio::test]
async fn email_and_phone_over_200_and_a_url_over_2000_are_refused() {
    let emu = start().await;
    let db = emu
        .create_database(
            "Contacts",
            json!({"Name": {"title": {}}, "Email": {"email": {}}, "Phone": {"phone_number": {}}, "Site": {"url": {}}}),
        )
        .unwrap();
    let c = Client::new(&emu, V2025);
    let page = |props: Value| {
        let mut all = json!({"Name": {"title": text("n")}});
        if let (Some(all), Some(props)) = (all.as_object_mut(), props.as_object()) {
            all.extend(props.clone());
        }
        json!({"parent": {"database_id": db.database_id}, "properties": all})
    };
    let email = |n: usize| format!("{}@example.com", "a".repeat(n - 12));
    for props in [
        json!({"Email": {"email": email(201)}}),
        json!({"Phone": {"phone_number": "1".repeat(201)}}),
        json!({"Site": {"url": format!("https://e.com/{}", "a".repeat(1987))}}),
    ] {
        assert_refused(&c.post("/v1/pages", page(props)).await);
    }
    assert!(emu.pages_in(&db.database_id).is_empty());
    let ok = c
        .post(
            "/v1/pages",
            page(json!({
                "Email": {"email": email(200)},
                "Phone": {"phone_number": "1".repeat(200)},
                "Site": {"url": format!("https://e.com/{}", "a".repeat(1986))},
            })),
        )
        .await;
    assert_ok(&ok);
}

#[tokio::test]
async fn an_equation_over_1000_characters_is_refused_inline_and_as_a_block() {
    let (emu, _db, c) = demo(V2022).await;
    let page = emu.create_root_page("Maths");
    let path = format!("/v1/blocks/{page}/children");
    let inline = |n: usize| json!({"paragraph": {"rich_text": [{"type": "equation", "equation": {"expression": "x".repeat(n)}}]}});
    let block = |n: usize| json!({"equation": {"expression": "x".repeat(n)}});
    assert_refused(&c.patch(&path, json!({"children": [inline(1001)]})).await);
    assert_refused(&c.patch(&path, json!({"children": [block(1001)]})).await);
    assert_eq!(c.get(&path).await.body["results"], json!([]));
    assert_ok(
        &c.patch(&path, json!({"children": [inline(1000), block(1000)]}))
            .await,
    );
}

#[tokio::test]
async fn an_external_image_must_be_an_absolute_http_url() {
    let (emu, _db, c) = demo(V2022).await;
    let page = emu.create_root_page("Shots");
    let path = format!("/v1/blocks/{page}/children");
    let image = |url: &str| json!({"image": {"type": "external", "external": {"url": url}}});
    assert_refused(
        &c.patch(&path, json!({"children": [image("./screenshot.png")]}))
            .await,
    );
    assert_ok(
        &c.patch(
            &path,
            json!({"children": [image("https://github.com/o/r/raw/HEAD/screenshot.png")]}),
        )
        .await,
    );
}

#[tokio::test]
async fn notion_version_2026_03_11_speaks_in_trash_only() {
    let (emu, db, c) = demo(V2026).await;
    let created = create(&c, &db, issue(1, "t"), json!([])).await;
    assert_ok(&created);
    assert_eq!(created.body["in_trash"], false);
    assert!(created.body.get("archived").is_none(), "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/pages/{id}");
    assert_refused(&c.patch(&path, json!({"archived": true})).await);
    let trashed = c.patch(&path, json!({"in_trash": true})).await;
    assert_ok(&trashed);
    assert_eq!(trashed.body["in_trash"], true);
    // The older versions still send (and accept) the alias.
    let old = Client::new(&emu, V2025);
    let read = old.get(&path).await;
    assert_eq!(read.body["archived"], true);
    assert_ok(&old.patch(&path, json!({"archived": false})).await);
}

#[tokio::test]
async fn notion_version_2026_03_11_places_appends_by_position_and_refuses_after() {
    let (emu, _db, c) = demo(V2026).await;
    let page = emu.create_root_page("Order");
    let path = format!("/v1/blocks/{page}/children");
    let para = |t: &str| json!({"paragraph": {"rich_text": text(t)}});
    let first = c
        .patch(&path, json!({"children": [para("a"), para("c")]}))
        .await;
    assert_ok(&first);
    let a = first.body["results"][0]["id"].as_str().unwrap().to_owned();
    assert!(first.body["results"][0].get("archived").is_none());
    assert_ok(
        &c.patch(&path, json!({"children": [para("b")], "position": {"type": "after_block", "after_block": {"id": a}}}))
            .await,
    );
    assert_ok(
        &c.patch(
            &path,
            json!({"children": [para("0")], "position": {"type": "start"}}),
        )
        .await,
    );
    assert_ok(
        &c.patch(
            &path,
            json!({"children": [para("d")], "position": {"type": "end"}}),
        )
        .await,
    );
    assert_refused(
        &c.patch(&path, json!({"children": [para("x")], "after": a}))
            .await,
    );
    let listed = c.get(&path).await;
    let texts: Vec<&str> = listed.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            b["paragraph"]["rich_text"][0]["plain_text"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(texts, ["0", "a", "b", "c", "d"]);
}
