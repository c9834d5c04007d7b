//! The `notion-emulator` binary: `--demo` prints one JSON line quickly and then serves.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[tokio::test]
async fn the_demo_binary_prints_its_address_and_answers_an_authenticated_query() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_notion-emulator"))
        .args([
            "--demo",
            "--port",
            "0",
            "--seed",
            "3",
            "--rate-limit",
            "off",
        ])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    // A generous bound only so a broken binary fails instead of hanging; start-up is milliseconds.
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("a line before the deadline")
        .expect("readable stdout")
        .expect("one line");
    let info: Value = serde_json::from_str(&line).expect("the line is JSON");
    let base = info["base_url"].as_str().unwrap();
    assert!(base.starts_with("http://127.0.0.1:"));
    let db = info["database_id"].as_str().unwrap();

    let resp = reqwest::Client::new()
        .post(format!("{base}/v1/databases/{db}/query"))
        .bearer_auth(info["token"].as_str().unwrap())
        .header("Notion-Version", "2022-06-28")
        .json(&json!({"filter": {"property": "Issue #", "number": {"equals": 1}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["object"], "list");
    child.kill().await.expect("the emulator stops");
}

#[tokio::test]
async fn the_binary_refuses_an_unknown_flag() {
    let out = Command::new(env!("CARGO_BIN_EXE_notion-emulator"))
        .arg("--bogus")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bogus"));
}

#[tokio::test]
async fn the_demo_serves_what_events_env_json_names() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../events/env.json");
    let env: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let webhook = &env["GitHubWebhookFunction"];
    let api = url::Url::parse(webhook["NOTION_API_URL"].as_str().unwrap()).unwrap();
    assert_eq!(api.port(), Some(relay_tests::emulator::DEMO_PORT));

    // Any free port here (tests run side by side); without --port the demo binds 8787.
    let mut child = Command::new(env!("CARGO_BIN_EXE_notion-emulator"))
        .args(["--demo", "--port", "0"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("a line before the deadline")
        .unwrap()
        .unwrap();
    let info: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(info["token"], webhook["NOTION_TOKEN"]);
    assert_eq!(info["database_id"], webhook["NOTION_DATABASE_ID"]);
    assert_eq!(
        info["page_id"],
        env["WeeklyDigestFunction"]["NOTION_DIGEST_PARENT_ID"]
    );

    // The ids are real: the database answers with the token, and lives under that page.
    let base = info["base_url"].as_str().unwrap();
    let db: Value = reqwest::Client::new()
        .get(format!(
            "{base}/v1/databases/{}",
            webhook["NOTION_DATABASE_ID"].as_str().unwrap()
        ))
        .bearer_auth(webhook["NOTION_TOKEN"].as_str().unwrap())
        .header("Notion-Version", "2022-06-28")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(db["object"], "database", "{db}");
    assert_eq!(
        db["parent"]["page_id"].as_str().unwrap().replace('-', ""),
        info["page_id"].as_str().unwrap()
    );
    assert!(db["properties"]["Issue #"].is_object());
    child.kill().await.expect("the emulator stops");
}

#[tokio::test]
async fn the_local_tools_answer_help() {
    for binary in [
        env!("CARGO_BIN_EXE_notion-emulator"),
        env!("CARGO_BIN_EXE_fake-github"),
    ] {
        let out = Command::new(binary).arg("--help").output().await.unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{binary}: {out:?}");
        assert!(text.contains("Usage:") && text.contains("--port"), "{text}");
    }
}
