//! The fake GitHub REST API, spoken to over real HTTP as the functions will.

use std::time::Duration;

use relay_tests::fake_github::{Delivery, FakeGitHub, Fault, Issue};
use reqwest::header::{AUTHORIZATION, LINK, RETRY_AFTER};
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use time::macros::datetime;
use time::OffsetDateTime;
use tokio::io::AsyncBufReadExt;

const REPO: &str = "acme/roadmap";
const START: OffsetDateTime = datetime!(2026-03-01 09:00 UTC);

fn client() -> Client {
    Client::builder().user_agent("relay-tests").build().unwrap()
}

async fn get(url: &str) -> Response {
    client().get(url).send().await.unwrap()
}

fn header<'r>(response: &'r Response, name: &str) -> Option<&'r str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The URL of the `rel="next"` link, if any.
fn next_link(response: &Response) -> Option<String> {
    let link = header(response, LINK.as_str())?;
    link.split(", ").find_map(|part| {
        let (url, rel) = part.split_once("; ")?;
        (rel == "rel=\"next\"").then(|| url.trim_matches(['<', '>']).to_string())
    })
}

#[tokio::test]
async fn since_filters_and_link_pagination_walks_250_issues_in_3_pages() {
    let github = FakeGitHub::start().await.unwrap();
    github.generate(REPO, 250, START);
    let since = "2026-03-01T09:00:00Z";
    let mut url = format!(
        "{}/repos/{REPO}/issues?state=all&since={since}&sort=updated&direction=asc&per_page=100",
        github.base_url()
    );

    let mut pages = Vec::new();
    loop {
        let response = get(&url).await;
        assert_eq!(response.status(), StatusCode::OK);
        let next = next_link(&response);
        let link = header(&response, "link").unwrap_or_default().to_string();
        pages.push((response.json::<Vec<Value>>().await.unwrap(), link));
        match next {
            Some(n) => url = n,
            None => break,
        }
    }

    assert_eq!(
        pages.iter().map(|(p, _)| p.len()).collect::<Vec<_>>(),
        [100, 100, 50]
    );
    assert!(
        pages[0].1.contains("page=2>; rel=\"next\""),
        "{}",
        pages[0].1
    );
    assert!(
        pages[0].1.contains("page=3>; rel=\"last\""),
        "{}",
        pages[0].1
    );
    assert!(
        pages[0].1.contains("since=2026-03-01T09%3A00%3A00Z"),
        "{}",
        pages[0].1
    );
    let all: Vec<&Value> = pages.iter().flat_map(|(p, _)| p).collect();
    let updated: Vec<&str> = all
        .iter()
        .map(|i| i["updated_at"].as_str().unwrap())
        .collect();
    assert!(updated.windows(2).all(|w| w[0] <= w[1]), "not ascending");
    assert_eq!(all[0]["number"], 1);
    assert_eq!(
        all.iter()
            .filter(|i| i.get("pull_request").is_some())
            .count(),
        62
    );

    // Items 201..=250 were updated at START + 200 minutes or later.
    let later = format!(
        "{}/repos/{REPO}/issues?state=all&since=2026-03-01T12:20:00Z&sort=updated&direction=asc&per_page=100",
        github.base_url()
    );
    let response = get(&later).await;
    assert_eq!(header(&response, "link"), None);
    let issues: Vec<Value> = response.json().await.unwrap();
    assert_eq!(issues.len(), 50);
    assert_eq!(issues[0]["number"], 201);
}

#[tokio::test]
async fn the_issue_list_shows_open_items_by_default_and_edits_move_them() {
    let github = FakeGitHub::start().await.unwrap();
    github.put_issue(REPO, Issue::new(1, "Open", START));
    github.put_issue(REPO, Issue::new(2, "Done", START).closed(START));
    let url = format!("{}/repos/{REPO}/issues", github.base_url());

    let open: Vec<Value> = get(&url).await.json().await.unwrap();
    let later = START + time::Duration::hours(1);
    assert!(github.update_issue(REPO, 1, |i| {
        i.title = "Renamed".into();
        i.updated_at = later;
    }));
    let since: Vec<Value> = get(&format!("{url}?state=all&since=2026-03-01T09:30:00Z"))
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["number"], 1);
    assert_eq!(since.len(), 1);
    assert_eq!(since[0]["title"], "Renamed");
    assert_eq!(since[0]["updated_at"], "2026-03-01T10:00:00Z");
}

#[tokio::test]
async fn pulls_report_draft_and_merged_and_plain_issues_are_not_pulls() {
    let github = FakeGitHub::start().await.unwrap();
    github.put_issue(REPO, Issue::pull_request(5, "Merged", START).merged(START));
    github.put_issue(REPO, Issue::pull_request(6, "Draft", START).draft());
    github.put_issue(REPO, Issue::new(7, "Issue", START));
    let pull = |n: u64| format!("{}/repos/{REPO}/pulls/{n}", github.base_url());

    let merged: Value = get(&pull(5)).await.json().await.unwrap();
    let draft: Value = get(&pull(6)).await.json().await.unwrap();
    let issue = get(&pull(7)).await;

    assert_eq!(merged["merged"], true);
    assert_eq!(merged["state"], "closed");
    assert_eq!(merged["merged_at"], "2026-03-01T09:00:00Z");
    assert_eq!(
        (draft["draft"].clone(), draft["state"].clone()),
        (true.into(), "open".into())
    );
    assert_eq!(issue.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deliveries_paginate_by_cursor_and_a_redelivery_is_recorded() {
    let github = FakeGitHub::start().await.unwrap();
    let mut ids = Vec::new();
    for (n, status) in [200, 503, 200, 200, 500].into_iter().enumerate() {
        let at = START + time::Duration::minutes(n as i64);
        let d = Delivery::new(&format!("guid-{n}"), "issues", Some("edited"), status, at);
        ids.push(github.add_delivery(REPO, 1, d));
    }
    github.set_redelivery_status(202);
    let mut url = Some(format!(
        "{}/repos/{REPO}/hooks/1/deliveries?per_page=2",
        github.base_url()
    ));

    let mut seen = Vec::new();
    let mut pages = 0;
    while let Some(u) = url {
        let response = get(&u).await;
        url = next_link(&response);
        let page: Vec<Value> = response.json().await.unwrap();
        seen.extend(page.iter().map(|d| d["id"].as_u64().unwrap()));
        pages += 1;
    }
    let failed = ids[1];
    let attempt = format!(
        "{}/repos/{REPO}/hooks/1/deliveries/{failed}/attempts",
        github.base_url()
    );
    let redelivered = client().post(&attempt).send().await.unwrap();
    let unknown = client()
        .post(attempt.replace(&failed.to_string(), "12345"))
        .send()
        .await
        .unwrap();
    let newest: Vec<Value> = get(&format!(
        "{}/repos/{REPO}/hooks/1/deliveries?per_page=1",
        github.base_url()
    ))
    .await
    .json()
    .await
    .unwrap();

    assert_eq!(pages, 3);
    assert_eq!(seen, ids.iter().rev().copied().collect::<Vec<_>>());
    assert_eq!(redelivered.status(), StatusCode::ACCEPTED);
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let redeliveries = github.redeliveries();
    assert_eq!(redeliveries.len(), 1);
    assert_eq!(
        (redeliveries[0].delivery_id, redeliveries[0].guid.as_str()),
        (failed, "guid-1")
    );
    assert_eq!(newest[0]["guid"], "guid-1");
    assert_eq!(newest[0]["redelivery"], true);
    assert_eq!(newest[0]["status_code"], 202);
    assert_eq!(github.deliveries(REPO, 1).len(), 6);
}

#[tokio::test]
async fn a_configured_token_is_required_and_a_user_agent_always_is() {
    let github = FakeGitHub::start().await.unwrap();
    github.generate(REPO, 3, START);
    github.set_token(Some("ghp_test"));
    let url = format!("{}/repos/{REPO}/issues", github.base_url());

    let anonymous = get(&url).await;
    let wrong = client()
        .get(&url)
        .header(AUTHORIZATION, "Bearer nope")
        .send()
        .await
        .unwrap();
    let bearer = client()
        .get(&url)
        .bearer_auth("ghp_test")
        .send()
        .await
        .unwrap();
    let token = client()
        .get(&url)
        .header(AUTHORIZATION, "token ghp_test")
        .send()
        .await
        .unwrap();
    let no_agent = Client::new()
        .get(&url)
        .bearer_auth("ghp_test")
        .send()
        .await
        .unwrap();

    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong.json::<Value>().await.unwrap()["message"],
        "Bad credentials"
    );
    assert_eq!(bearer.status(), StatusCode::OK);
    assert_eq!(token.status(), StatusCode::OK);
    assert_eq!(no_agent.status(), StatusCode::FORBIDDEN);
    assert!(no_agent.text().await.unwrap().contains("User-Agent"));
    let statuses: Vec<u16> = github.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [401, 401, 200, 200, 403]);
    assert_eq!(github.count("/repos/acme/roadmap/issues"), 5);
    assert!(github.requests()[2].authorized);
}

#[tokio::test]
async fn injected_limits_answer_with_githubs_headers_then_service_resumes() {
    let github = FakeGitHub::start().await.unwrap();
    github.generate(REPO, 1, START);
    github.inject(
        Fault::PrimaryRateLimit {
            reset_after: Duration::from_secs(60),
        },
        1,
    );
    github.inject(
        Fault::SecondaryRateLimit {
            retry_after_secs: 30,
        },
        1,
    );
    github.inject(
        Fault::TooManyRequests {
            retry_after_secs: 5,
        },
        1,
    );
    github.inject(Fault::Status(502), 1);
    let url = format!("{}/repos/{REPO}/issues", github.base_url());
    let now = OffsetDateTime::now_utc().unix_timestamp();

    let primary = get(&url).await;
    let secondary = get(&url).await;
    let too_many = get(&url).await;
    let bad_gateway = get(&url).await;
    let fine = get(&url).await;

    assert_eq!(primary.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&primary, "x-ratelimit-remaining"), Some("0"));
    let reset: i64 = header(&primary, "x-ratelimit-reset")
        .unwrap()
        .parse()
        .unwrap();
    assert!(reset >= now + 60, "{reset} < {now} + 60");
    assert_eq!(secondary.status(), StatusCode::FORBIDDEN);
    assert_eq!(header(&secondary, RETRY_AFTER.as_str()), Some("30"));
    assert_eq!(too_many.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&too_many, RETRY_AFTER.as_str()), Some("5"));
    assert_eq!(bad_gateway.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(fine.status(), StatusCode::OK);
    assert_eq!(header(&fine, "x-ratelimit-limit"), Some("5000"));
    assert_eq!(header(&fine, "x-ratelimit-remaining"), Some("4995"));
    assert_eq!(header(&fine, "x-ratelimit-used"), Some("5"));
    let message = secondary.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("You have exceeded a secondary rate limit"),
        "{message}"
    );

    github.reset_requests();
    assert_eq!(github.count("/"), 0);
}

#[tokio::test]
async fn the_fake_github_binary_serves_seeded_demo_data() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_fake-github"))
        .args(["--port", "0", "--seed-demo", "12", "--repo", REPO])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();

    let ready: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    let base = ready["base_url"].as_str().unwrap();
    let issues: Vec<Value> = get(&format!(
        "{base}/repos/{REPO}/issues?state=all&per_page=100"
    ))
    .await
    .json()
    .await
    .unwrap();
    let deliveries: Vec<Value> = get(&format!("{base}/repos/{REPO}/hooks/1/deliveries"))
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(issues.len(), 12);
    assert_eq!(deliveries.len(), 3);
    assert_eq!(
        deliveries
            .iter()
            .filter(|d| d["status_code"] != 200)
            .count(),
        1
    );
    child.kill().await.unwrap();
}
