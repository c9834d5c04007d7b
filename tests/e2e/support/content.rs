//! Delivering a payload and asserting Notion accepted every write, and reading a page's content
//! back: shared by the content tests (`webhook_content.rs`), the optional fields' tests
//! (`webhook_fields.rs`) and the race tests (`webhook_race.rs`).

use relay_tests::emulator_client::Client;
use relay_tests::lambda::LambdaFunction;
use serde_json::Value;

use crate::support::expect::retarget;
use crate::support::webhook::{deliver, fixture_json, Delivery, Stack};

pub fn payload(event: &str, action: &str, number: u64, updated_at: &str) -> Value {
    let mut payload = fixture_json(&format!("octokit/{event}/{action}.payload.json"));
    retarget(&mut payload, number, updated_at);
    payload
}

/// Delivers and asserts Notion accepted every write (200 and no 4xx from the emulator).
pub async fn sync(stack: &Stack, function: &LambdaFunction, event: &str, payload: &Value) -> Value {
    let mark = stack.mark();
    let response = deliver(function, &Delivery::json(event, payload)).await;
    let refused: Vec<String> = stack
        .since(mark)
        .iter()
        .filter(|r| r.status >= 400)
        .map(|r| format!("{} {} {}", r.method, r.path, r.status))
        .collect();
    assert_eq!(
        response.status,
        200,
        "{}\n{}",
        response.body,
        function.logs()
    );
    assert!(refused.is_empty(), "Notion refused {refused:?}");
    serde_json::from_str(&response.body).expect("JSON answer")
}

/// The page's top-level blocks, and their children, as the emulator holds them.
pub async fn content(stack: &Stack, page_id: &str) -> Vec<(Value, Vec<Value>)> {
    let client = Client::new(&stack.emulator, "2022-06-28");
    let list = |id: String| {
        let client = &client;
        async move {
            let mut out = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let mut path = format!("/v1/blocks/{id}/children?page_size=100");
                if let Some(c) = &cursor {
                    path.push_str(&format!("&start_cursor={c}"));
                }
                let answer = client.get(&path).await;
                assert_eq!(answer.status, 200, "{}", answer.body);
                out.extend(
                    answer.body["results"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default(),
                );
                match answer.body["next_cursor"].as_str() {
                    Some(next) if answer.body["has_more"] == true => cursor = Some(next.into()),
                    _ => return out,
                }
            }
        }
    };
    let mut out = Vec::new();
    for block in list(page_id.to_owned()).await {
        let children = if block["has_children"] == true {
            list(block["id"].as_str().unwrap().to_owned()).await
        } else {
            Vec::new()
        };
        out.push((block, children));
    }
    out
}

pub fn text_of(block: &Value) -> String {
    let kind = block["type"].as_str().unwrap_or_default();
    block[kind]["rich_text"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["plain_text"].as_str())
        .collect()
}
