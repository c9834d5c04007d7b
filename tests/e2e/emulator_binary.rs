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
