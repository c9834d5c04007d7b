//! Delivering a payload and asserting Notion accepted every write: shared by the content tests
//! (`webhook_content.rs`) and the optional fields' tests (`webhook_fields.rs`).

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
