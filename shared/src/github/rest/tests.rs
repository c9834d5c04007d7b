//! The client against a local fake GitHub: headers, pagination, rate limits, errors.

use std::time::Duration;

use time::macros::datetime;
use tokio::time::Instant;

use super::*;
use crate::secrets::test_server::{Canned, TestServer};

const ISSUE_1: &str = r#"{"number": 1, "title": "a", "state": "open", "html_url": "h1", "updated_at": "2024-01-01T00:00:00Z"}"#;
const ISSUE_2: &str = r#"{"number": 2, "title": "b", "state": "closed", "html_url": "h2", "updated_at": "2024-01-02T00:00:00Z", "pull_request": {"merged_at": "2024-01-02T00:00:00Z"}}"#;

fn client(server: &TestServer, token: Option<&str>) -> GitHubClient {
    GitHubClient::new(&server.url, token.map(str::to_owned), "notion-relay-tests").unwrap()
}

#[tokio::test]
async fn every_call_carries_the_github_headers_and_the_bearer_token() {
    let server = TestServer::start(vec![Canned::json(
        200,
        r#"{"number": 5, "title": "pr", "state": "open", "merged": false}"#,
    )])
    .await;
    let pr = client(&server, Some("ghp_token"))
        .get_pull("o/r", 5)
        .await
        .unwrap();
    assert_eq!(pr.number, Some(5));
    let request = &server.requests()[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("GET", "/repos/o/r/pulls/5")
    );
    assert_eq!(request.header("user-agent"), Some("notion-relay-tests"));
    assert_eq!(
        request.header("accept"),
        Some("application/vnd.github+json")
    );
    assert_eq!(request.header("x-github-api-version"), Some("2022-11-28"));
    assert_eq!(request.header("authorization"), Some("Bearer ghp_token"));
}

#[tokio::test]
async fn without_a_token_no_authorization_is_sent() {
    let server = TestServer::start(vec![Canned::json(200, "{}")]).await;
    client(&server, None).get_pull("o/r", 5).await.unwrap();
    assert_eq!(server.requests()[0].header("authorization"), None);
}

#[tokio::test]
async fn issues_since_asks_for_updated_ascending_and_follows_next_links() {
    let server = TestServer::start_with(|url| {
        vec![
            Canned::json(200, format!("[{ISSUE_1}]")).with_header(
                "link",
                &format!(r#"<{url}/repos/o/r/issues?page=2>; rel="next", <{url}/repos/o/r/issues?page=2>; rel="last""#),
            ),
            Canned::json(200, format!("[{ISSUE_2}]")),
        ]
    })
    .await;
    let client = client(&server, None);
    let since = datetime!(2024-01-01 00:00:00.123 +01:00);
    let issues = client.list_issues_since("o/r", Some(since)).await.unwrap();
    assert_eq!(
        issues.iter().map(|i| i.number).collect::<Vec<_>>(),
        vec![Some(1), Some(2)]
    );
    let requests = server.requests();
    assert_eq!(
        requests[0].path,
        "/repos/o/r/issues?state=all&since=2023-12-31T23%3A00%3A00Z&sort=updated&direction=asc&per_page=100"
    );
    assert_eq!(requests[1].path, "/repos/o/r/issues?page=2");
    assert_eq!(client.call_count(), 2);
}

#[tokio::test]
async fn an_empty_page_without_next_ends_the_listing() {
    let server = TestServer::start(vec![Canned::json(200, "[]")]).await;
    let issues = client(&server, None)
        .list_issues_since("o/r", None)
        .await
        .unwrap();
    assert!(issues.is_empty());
    assert!(!server.requests()[0].path.contains("since"));
}

#[tokio::test]
async fn a_next_link_to_another_host_is_refused() {
    let server = TestServer::start(vec![Canned::json(200, "[]").with_header(
        "link",
        r#"<https://evil.example/repos/o/r/issues?page=2>; rel="next""#,
    )])
    .await;
    let err = client(&server, Some("t"))
        .list_issues_since("o/r", None)
        .await
        .unwrap_err();
    assert!(matches!(err, RestError::ForeignLink(_)), "{err:?}");
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried() {
    let server = TestServer::start(vec![
        Canned::json(429, r#"{"message": "slow down"}"#).with_header("retry-after", "0"),
        Canned::json(200, "{}"),
    ])
    .await;
    let client = client(&server, None);
    client.get_pull("o/r", 1).await.unwrap();
    assert_eq!(client.call_count(), 2);
}

#[tokio::test]
async fn a_rate_limit_reset_past_the_deadline_fails_at_once() {
    let server = TestServer::start(vec![Canned::json(
        403,
        r#"{"message": "API rate limit exceeded for user ID 1."}"#,
    )
    .with_header("x-ratelimit-remaining", "0")
    .with_header("x-ratelimit-reset", "4102444800")])
    .await;
    let client = client(&server, None).with_deadline(Instant::now() + Duration::from_secs(30));
    let err = client.get_pull("o/r", 1).await.unwrap_err();
    assert!(
        matches!(err, RestError::RateLimited { status: 403, .. }),
        "{err:?}"
    );
    assert!(err.is_transient());
    assert_eq!(client.call_count(), 1);
}

#[tokio::test]
async fn an_api_error_keeps_status_message_and_documentation_url() {
    let server = TestServer::start(vec![Canned::json(
        404,
        r#"{"message": "Not Found", "documentation_url": "https://docs.github.com/rest/pulls/pulls#get-a-pull-request", "status": "404"}"#,
    )])
    .await;
    let err = client(&server, None).get_pull("o/r", 9).await.unwrap_err();
    match &err {
        RestError::Api {
            status,
            message,
            documentation_url,
        } => {
            assert_eq!(*status, 404);
            assert_eq!(message, "Not Found");
            assert!(documentation_url
                .as_deref()
                .unwrap()
                .contains("get-a-pull-request"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(!err.is_transient());
}

#[tokio::test]
async fn a_permission_403_is_not_retried() {
    let server = TestServer::start(vec![Canned::json(
        403,
        r#"{"message": "Resource not accessible by integration"}"#,
    )
    .with_header("x-ratelimit-remaining", "4000")])
    .await;
    let client = client(&server, None);
    let err = client.redeliver("o/r", 1, 2).await.unwrap_err();
    assert!(matches!(err, RestError::Api { status: 403, .. }));
    assert_eq!(client.call_count(), 1);
}

#[tokio::test]
async fn a_passed_deadline_sends_nothing() {
    let server = TestServer::start(vec![Canned::json(200, "{}")]).await;
    let client = client(&server, None).with_deadline(Instant::now());
    assert!(matches!(
        client.get_pull("o/r", 1).await,
        Err(RestError::DeadlineExceeded)
    ));
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn an_invalid_repository_is_refused_before_any_call() {
    let server = TestServer::start(vec![Canned::json(200, "{}")]).await;
    for repo in ["o", "o/r/../x", "../r"] {
        assert!(matches!(
            client(&server, None).get_pull(repo, 1).await,
            Err(RestError::InvalidRepository(_))
        ));
    }
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn hook_deliveries_page_by_cursor_until_older_than_since() {
    let delivery = |id: u64, at: &str, code: u16| {
        format!(
            r#"{{"id": {id}, "guid": "g{id}", "delivered_at": "{at}", "redelivery": false, "status": "x", "status_code": {code}, "event": "issues", "action": "opened"}}"#
        )
    };
    let page1 = format!(
        "[{}, {}]",
        delivery(3, "2024-01-03T00:00:00Z", 503),
        delivery(2, "2024-01-02T00:00:00Z", 200)
    );
    let page2 = format!(
        "[{}, {}]",
        delivery(1, "2024-01-01T12:00:00Z", 502),
        delivery(0, "2023-12-31T00:00:00Z", 500)
    );
    let server = TestServer::start_with(|url| {
        vec![
            Canned::json(200, page1).with_header(
                "link",
                &format!(
                    r#"<{url}/repos/o/r/hooks/7/deliveries?per_page=2&cursor=v1_2>; rel="next""#
                ),
            ),
            Canned::json(200, page2).with_header(
                "link",
                &format!(
                    r#"<{url}/repos/o/r/hooks/7/deliveries?per_page=2&cursor=v1_0>; rel="next""#
                ),
            ),
            Canned::json(500, "{}"),
        ]
    })
    .await;
    let client = client(&server, Some("t"));
    let since = datetime!(2024-01-01 00:00 UTC);
    let deliveries = client
        .list_hook_deliveries("o/r", 7, 2, Some(since))
        .await
        .unwrap();
    assert_eq!(
        deliveries.iter().map(|d| d.id).collect::<Vec<_>>(),
        vec![3, 2, 1]
    );
    assert!(!deliveries[0].succeeded() && deliveries[1].succeeded());
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "stops at the page reaching past since");
    assert_eq!(requests[0].path, "/repos/o/r/hooks/7/deliveries?per_page=2");
    assert_eq!(
        requests[1].path,
        "/repos/o/r/hooks/7/deliveries?per_page=2&cursor=v1_2"
    );
}

#[tokio::test]
async fn redeliver_posts_an_attempt() {
    let server = TestServer::start(vec![Canned::json(202, "{}")]).await;
    client(&server, Some("t"))
        .redeliver("o/r", 7, 12345)
        .await
        .unwrap();
    let request = &server.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/repos/o/r/hooks/7/deliveries/12345/attempts");
}

#[test]
fn a_base_url_without_scheme_is_refused() {
    assert!(matches!(
        GitHubClient::new("api.github.com", None, "ua"),
        Err(RestError::InvalidBaseUrl { .. })
    ));
}
