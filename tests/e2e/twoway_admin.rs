//! The emulator's webhook admin endpoints over HTTP (what the `notion-emulator` binary offers to
//! scripts and manual runs): subscribe, verify, edit a page as a person, flush the events.

use serde_json::{json, Value};

use crate::support::twoway::{issue, select, TwoWay};

#[tokio::test]
async fn the_admin_endpoints_subscribe_verify_edit_as_a_person_and_flush() {
    let two = TwoWay::start().await;
    let page_id = two.sync_new(issue(30, "Fix the parser")).await;
    let admin = two.stack.emulator.base_url();
    let client = reqwest::Client::new();
    let post = |path: String, body: Value| {
        let client = client.clone();
        async move {
            let response = client
                .post(path)
                .json(&body)
                .send()
                .await
                .expect("admin answers");
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };

    let (status, subscription) = post(
        format!("{admin}/__admin/webhooks"),
        json!({"url": two.notion_webhook.url.url(), "verification_token": two.subscription.verification_token}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        subscription["verification_token"],
        json!(two.subscription.verification_token)
    );
    let (_, verified) = post(format!("{admin}/__admin/webhooks/verify"), json!({})).await;
    assert_eq!(
        verified["status"], 409,
        "the token is already stored: {verified}"
    );
    let (status, edited) = post(
        format!("{admin}/__admin/pages/{page_id}/person-edit"),
        json!({"properties": {"Status": select("Closed")}}),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["properties"]["Status"]["select"]["name"], "Closed");
    assert_ne!(
        edited["last_edited_by"]["id"],
        json!(two.stack.emulator.bot_user_id()),
        "a person edited it"
    );
    let (_, flushed) = post(format!("{admin}/__admin/webhooks/flush"), json!({})).await;

    let flushed = flushed.as_array().expect("one entry per event");
    assert_eq!(flushed.len(), 1);
    assert_eq!(flushed[0]["status"], 200, "{flushed:?}");
    assert_eq!(flushed[0]["event"]["authors"][0]["type"], "person");
    assert_eq!(two.issue(30)["state"], "closed");
}
