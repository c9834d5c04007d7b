//! Misbehaviour on demand: seeded fault injection, the rate limiter, OAuth, and the admin API.

use base64::Engine;
use relay_tests::emulator::{EmulatorConfig, FaultConfig, RateLimit};
use relay_tests::emulator_client::{issue, start, start_with, Client, V2022};
use serde_json::{json, Value};

fn noisy(seed: u64) -> FaultConfig {
    FaultConfig {
        seed,
        rate_limited: 0.1,
        internal_server_error: 0.1,
        bad_gateway: 0.1,
        service_unavailable: 0.1,
        gateway_timeout: 0.1,
        service_overload: 0.1,
        conflict: 0.1,
        ..FaultConfig::default()
    }
}

async fn statuses(faults: FaultConfig, n: usize) -> Vec<u16> {
    let emu = start_with(EmulatorConfig {
        faults,
        ..EmulatorConfig::default()
    })
    .await;
    let c = Client::new(&emu, V2022);
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(
            c.get(&format!("/v1/pages/{}", emu.root_page_id()))
                .await
                .status,
        );
    }
    out
}

#[tokio::test]
async fn the_same_seed_gives_the_same_status_sequence() {
    let a = statuses(noisy(7), 60).await;
    let b = statuses(noisy(7), 60).await;
    let other = statuses(noisy(8), 60).await;
    assert_eq!(a, b);
    assert_ne!(a, other);
    for status in [200, 429, 500, 502, 503, 504, 529, 409] {
        assert!(
            a.contains(&status) || other.contains(&status),
            "never saw {status}: {a:?}"
        );
    }
}

#[tokio::test]
async fn gateway_faults_answer_with_an_html_page_and_others_with_notion_errors() {
    let emu = start().await;
    let c = Client::new(&emu, V2022);
    emu.set_faults(FaultConfig {
        script: vec![502, 504, 503, 529, 409, 500, 429],
        ..FaultConfig::default()
    });
    let path = format!("/v1/pages/{}", emu.root_page_id());
    for status in [502, 504] {
        let a = c.get(&path).await;
        assert_eq!(a.status, status);
        assert!(a.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(
            a.body.as_str().is_some_and(|b| b.contains("<html>")),
            "{}",
            a.body
        );
    }
    for (status, code) in [
        (503, "service_unavailable"),
        (529, "service_overload"),
        (409, "conflict_error"),
        (500, "internal_server_error"),
    ] {
        let a = c.get(&path).await;
        assert_eq!((a.status, a.code()), (status, code));
        assert!(a.body["request_id"].is_string());
    }
    let limited = c.get(&path).await;
    assert_eq!((limited.status, limited.code()), (429, "rate_limited"));
    assert_eq!(limited.headers["retry-after"], "1");
    assert_eq!(c.get(&path).await.status, 200, "the script is used up");
}

#[tokio::test]
async fn faulted_writes_are_not_applied() {
    let emu = start().await;
    let db = emu.create_demo_database().unwrap();
    let c = Client::new(&emu, V2022);
    emu.set_faults(FaultConfig {
        script: vec![500, 502, 503, 504, 529, 409, 429],
        ..FaultConfig::default()
    });
    let body = json!({"parent": {"database_id": db.database_id}, "properties": issue(1, "once")});
    for _ in 0..7 {
        assert_ne!(c.post("/v1/pages", body.clone()).await.status, 200);
    }
    assert!(emu.pages_in(&db.database_id).is_empty());
    emu.set_faults(FaultConfig {
        conflict: 1.0,
        ..FaultConfig::default()
    });
    assert_eq!(
        c.post("/v1/pages", body.clone()).await.code(),
        "conflict_error"
    );
    assert!(emu.pages_in(&db.database_id).is_empty());
    emu.set_faults(FaultConfig::default());
    assert_eq!(c.post("/v1/pages", body).await.status, 200);
    assert_eq!(emu.pages_in(&db.database_id).len(), 1);
    assert_eq!(emu.count("POST", "/v1/pages"), 9);
}

#[tokio::test]
async fn the_rate_limiter_admits_a_burst_then_answers_429_with_retry_after() {
    // A refill of one token per 100 s keeps the count exact however slow the machine is.
    let emu = start_with(EmulatorConfig {
        rate_limit: RateLimit::per_second(0.01, 4),
        ..EmulatorConfig::default()
    })
    .await;
    let c = Client::new(&emu, V2022);
    let path = format!("/v1/pages/{}", emu.root_page_id());
    for _ in 0..4 {
        assert_eq!(c.get(&path).await.status, 200);
    }
    let limited = c.get(&path).await;
    assert_eq!((limited.status, limited.code()), (429, "rate_limited"));
    let retry: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=100).contains(&retry), "{retry}");
    emu.set_rate_limit(RateLimit::off());
    assert_eq!(c.get(&path).await.status, 200);
}

#[tokio::test]
async fn the_default_rate_limit_of_notion_is_three_per_second_with_a_burst() {
    let limit = RateLimit::notion();
    assert!(limit.enabled);
    assert_eq!(limit.per_second, 3.0);
}

fn basic(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    )
}

async fn exchange(base: &str, auth: &str, code: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{base}/v1/oauth/token"))
        .header("Authorization", auth)
        .json(&json!({"grant_type": "authorization_code", "code": code, "redirect_uri": "https://example.com/cb"}))
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn an_oauth_code_exchanges_once_for_a_working_token() {
    let emu = start().await;
    let config = EmulatorConfig::default();
    let auth = basic(&config.oauth_client_id, &config.oauth_client_secret);
    let code = emu.issue_oauth_code();
    let (status, token) = exchange(&emu.base_url(), &auth, &code).await;
    assert_eq!(status, 200, "{token}");
    for key in [
        "access_token",
        "token_type",
        "bot_id",
        "workspace_id",
        "workspace_name",
        "workspace_icon",
        "owner",
        "duplicated_template_id",
    ] {
        assert!(token.get(key).is_some(), "missing {key}");
    }
    assert_eq!(token["token_type"], "bearer");
    let mut c = Client::new(&emu, V2022);
    c.token = token["access_token"].as_str().map(str::to_string);
    assert_eq!(
        c.get(&format!("/v1/pages/{}", emu.root_page_id()))
            .await
            .status,
        200
    );

    let (again, err) = exchange(&emu.base_url(), &auth, &code).await;
    assert_eq!((again, err["code"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(err["error"], "invalid_grant");
}

#[tokio::test]
async fn wrong_oauth_client_credentials_are_invalid_client() {
    let emu = start().await;
    let code = emu.issue_oauth_code();
    let (status, err) = exchange(
        &emu.base_url(),
        &basic("emulator-client-id", "wrong"),
        &code,
    )
    .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (401, Some("invalid_client"))
    );
    assert_eq!(err["object"], "error");
    let (ok, _) = exchange(
        &emu.base_url(),
        &basic("emulator-client-id", "emulator-client-secret"),
        &code,
    )
    .await;
    assert_eq!(ok, 200, "a refused exchange does not burn the code");
}

#[tokio::test]
async fn the_admin_api_sets_faults_and_shows_requests_pages_and_counts() {
    let emu = start().await;
    let db = emu.create_demo_database().unwrap();
    let c = Client::new(&emu, V2022);
    let http = reqwest::Client::new();
    let admin = |p: &str| format!("{}/__admin/{p}", emu.base_url());

    let set = http
        .post(admin("faults"))
        .json(&json!({"script": [503]}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status().as_u16(), 200);
    let body = json!({"parent": {"database_id": db.database_id}, "properties": issue(3, "logged")});
    assert_eq!(c.post("/v1/pages", body.clone()).await.status, 503);
    assert_eq!(c.post("/v1/pages", body).await.status, 200);

    let log: Value = http
        .get(admin("requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (log[0]["status"].as_u64(), log[1]["status"].as_u64()),
        (Some(503), Some(200))
    );
    assert_eq!(log[1]["method"], "POST");
    assert_eq!(log[1]["path"], "/v1/pages");
    assert_eq!(log[1]["body"]["properties"]["Issue #"]["number"], 3);
    assert!(log[1]["time"].is_string());

    let counts: Value = http
        .get(admin("counts"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counts["POST /v1/pages"], 2);
    let pages: Value = http
        .get(admin("pages"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(pages
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["properties"]["Issue #"]["number"] == 3));

    http.post(admin("reset")).send().await.unwrap();
    assert_eq!(emu.request_count(), 0);
    let limits = http
        .post(admin("limits"))
        .json(&json!({"enabled": true, "per_second": 0.01, "burst": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(limits.status().as_u16(), 200);
    let p = format!("/v1/pages/{}", emu.root_page_id());
    assert_eq!((c.get(&p).await.status, c.get(&p).await.status), (200, 429));
}
