//! Client tests against a tiny in-process axum server on 127.0.0.1:0: what goes over the wire
//! (headers, paths, bodies, chunking, data-source resolution) and how answers come back. The
//! retry/pacing/deadline loop itself is tested on the paused clock in `send_tests.rs`; here retries
//! use a 1 ms backoff and real time.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method as HttpMethod, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::*;
use crate::notion::blocks::Block;
use crate::notion::filter::{Filter, Query};
use crate::notion::types::{BlockId, PageId, Parent, Properties, PropertyValue, SearchFilter};

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: Option<String>,
    auth: String,
    version: String,
    body: Value,
}

type Reply = Box<dyn Fn(&Seen, usize) -> (u16, Vec<(&'static str, String)>, String) + Send + Sync>;

#[derive(Clone)]
struct Server {
    seen: Arc<Mutex<Vec<Seen>>>,
    reply: Arc<Reply>,
}

async fn handle(
    State(s): State<Server>,
    method: HttpMethod,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let seen = Seen {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        auth: header("authorization"),
        version: header("notion-version"),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    let n = {
        let mut all = s.seen.lock().unwrap();
        all.push(seen.clone());
        all.len() - 1
    };
    let (status, extra, body) = (s.reply)(&seen, n);
    let mut response = (StatusCode::from_u16(status).unwrap(), body).into_response();
    for (name, value) in extra {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

/// Starts a server answering with `reply(request, index)`; returns its base URL and the log.
async fn serve(
    reply: impl Fn(&Seen, usize) -> (u16, Vec<(&'static str, String)>, String) + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let state = Server {
        seen: seen.clone(),
        reply: Arc::new(Box::new(reply)),
    };
    let app = axum::Router::new().fallback(handle).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), seen)
}

fn ok(body: Value) -> (u16, Vec<(&'static str, String)>, String) {
    (200, vec![], body.to_string())
}

fn client(base: &str, version: ApiVersion) -> NotionClient {
    let mut cfg = NotionConfig::new(base, "tok", version);
    cfg.requests_per_second = 1000.0;
    cfg.burst = 1000;
    cfg.retry = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(50),
    };
    NotionClient::new(cfg).unwrap()
}

fn page(id: &str) -> Value {
    json!({"object":"page","id":id,"created_time":"t","last_edited_time":"t","archived":false,
           "parent":{"type":"database_id","database_id":"db"},"properties":{}})
}

fn block_list(ids: &[&str]) -> Value {
    let results: Vec<Value> = ids
        .iter()
        .map(|id| {
            json!({"object":"block","id":id,"type":"paragraph","has_children":false,
                         "paragraph":{"rich_text":[]}})
        })
        .collect();
    json!({"object":"list","results":results,"next_cursor":null,"has_more":false})
}

fn seen(log: &Arc<Mutex<Vec<Seen>>>) -> Vec<Seen> {
    log.lock().unwrap().clone()
}

#[test]
fn api_version_parses_supported_and_names_them_otherwise() {
    assert_eq!(
        "2022-06-28".parse::<ApiVersion>().unwrap(),
        ApiVersion::V2022_06_28
    );
    assert_eq!(
        "2025-09-03".parse::<ApiVersion>().unwrap(),
        ApiVersion::V2025_09_03
    );
    let err = "2021-05-13".parse::<ApiVersion>().unwrap_err().to_string();
    assert!(
        err.contains("2022-06-28") && err.contains("2025-09-03"),
        "{err}"
    );
}

#[test]
fn config_debug_never_shows_the_token() {
    let cfg = NotionConfig::new(
        "https://api.notion.com",
        "ntn_secret",
        ApiVersion::V2022_06_28,
    );
    assert!(!format!("{cfg:?}").contains("ntn_secret"));
}

#[test]
fn a_bad_base_url_is_a_config_error() {
    let cfg = NotionConfig::new("not a url", "t", ApiVersion::V2022_06_28);
    assert!(matches!(NotionClient::new(cfg), Err(Error::Config(_))));
}

#[tokio::test]
async fn sends_bearer_token_notion_version_and_the_path() {
    let (base, log) = serve(|_, _| ok(page("p1"))).await;
    let c = client(&base, ApiVersion::V2022_06_28);
    let p = c.retrieve_page(&PageId::new("p1")).await.unwrap();
    assert_eq!(p.id.as_str(), "p1");
    let s = &seen(&log)[0];
    assert_eq!(
        (s.method.as_str(), s.path.as_str()),
        ("GET", "/v1/pages/p1")
    );
    assert_eq!(s.auth, "Bearer tok");
    assert_eq!(s.version, "2022-06-28");
    assert_eq!(c.calls(), 1);
}

#[tokio::test]
async fn set_token_reaches_every_clone() {
    let (base, log) = serve(|_, _| ok(page("p1"))).await;
    let c = client(&base, ApiVersion::V2022_06_28);
    let other = c.with_deadline(Instant::now() + Duration::from_secs(30));
    c.set_token("fresh".into());
    other.retrieve_page(&PageId::new("p1")).await.unwrap();
    assert_eq!(seen(&log)[0].auth, "Bearer fresh");
    assert_eq!((other.calls(), c.calls()), (1, 0));
}

fn unauthorized_unless(
    token: &'static str,
) -> impl Fn(&Seen, usize) -> (u16, Vec<(&'static str, String)>, String) {
    move |seen, _| {
        if seen.auth == format!("Bearer {token}") {
            ok(page("p1"))
        } else {
            let body = json!({"object":"error","status":401,"code":"unauthorized","message":"API token is invalid."});
            (401, vec![], body.to_string())
        }
    }
}

fn source_of(token: &'static str, asked: Arc<Mutex<u32>>) -> TokenSource {
    Arc::new(move || {
        *asked.lock().unwrap() += 1;
        Box::pin(async move { Some(token.to_string()) })
    })
}

#[tokio::test]
async fn a_401_takes_the_fresh_token_from_the_source_and_is_sent_once_more() {
    let (base, log) = serve(unauthorized_unless("rotated")).await;
    let c = client(&base, ApiVersion::V2022_06_28);
    let asked = Arc::new(Mutex::new(0));
    c.set_token_source(source_of("rotated", asked.clone()));
    c.retrieve_page(&PageId::new("p1")).await.unwrap();
    let auths: Vec<String> = seen(&log).into_iter().map(|s| s.auth).collect();
    assert_eq!(auths, ["Bearer tok", "Bearer rotated"]);
    assert_eq!(*asked.lock().unwrap(), 1);
    // Every clone now sends the new token first.
    c.clone().retrieve_page(&PageId::new("p1")).await.unwrap();
    assert_eq!(seen(&log).len(), 3);
}

#[tokio::test]
async fn a_401_with_no_newer_token_is_the_answer_after_one_call() {
    let (base, log) = serve(unauthorized_unless("never")).await;
    let c = client(&base, ApiVersion::V2022_06_28);
    let asked = Arc::new(Mutex::new(0));
    c.set_token_source(source_of("tok", asked.clone()));
    let error = c.retrieve_page(&PageId::new("p1")).await.unwrap_err();
    assert!(error.is_unauthorized(), "{error}");
    assert_eq!((seen(&log).len(), *asked.lock().unwrap()), (1, 1));
}

#[tokio::test]
async fn a_401_without_a_token_source_is_not_retried() {
    let (base, log) = serve(unauthorized_unless("never")).await;
    let c = client(&base, ApiVersion::V2022_06_28);
    assert!(c
        .retrieve_page(&PageId::new("p1"))
        .await
        .unwrap_err()
        .is_unauthorized());
    assert_eq!(seen(&log).len(), 1);
}

#[tokio::test]
async fn v2025_queries_the_data_source_resolved_once() {
    let (base, log) = serve(|s, _| match s.path.as_str() {
        "/v1/databases/db" => ok(json!({"object":"database","id":"db","title":[],
                                         "data_sources":[{"id":"ds","name":"Issues"}]})),
        _ => {
            ok(json!({"object":"list","results":[page("p1")],"next_cursor":null,"has_more":false}))
        }
    })
    .await;
    let c = client(&base, ApiVersion::V2025_09_03);
    let q = Query::filtered(Filter::number("Issue #").equals(7));
    let db = DatabaseId::new("db");
    assert_eq!(c.query_database(&db, &q).await.unwrap().results.len(), 1);
    c.clone().query_database(&db, &q).await.unwrap();
    let paths: Vec<_> = seen(&log).into_iter().map(|s| s.path).collect();
    assert_eq!(
        paths,
        [
            "/v1/databases/db",
            "/v1/data_sources/ds/query",
            "/v1/data_sources/ds/query"
        ]
    );
    assert_eq!(
        seen(&log)[1].body,
        json!({"filter":{"property":"Issue #","number":{"equals":7}}})
    );
}

#[tokio::test]
async fn v2022_queries_the_database() {
    let (base, log) =
        serve(|_, _| ok(json!({"object":"list","results":[],"next_cursor":null,"has_more":false})))
            .await;
    let c = client(&base, ApiVersion::V2022_06_28);
    c.query_database(&DatabaseId::new("db"), &Query::default())
        .await
        .unwrap();
    assert_eq!(seen(&log)[0].path, "/v1/databases/db/query");
}

#[tokio::test]
async fn v2025_retrieve_database_reads_the_schema_from_the_data_source() {
    let (base, _log) = serve(|s, _| match s.path.as_str() {
        "/v1/databases/db" => ok(json!({"object":"database","id":"db","title":[{"plain_text":"Issues"}],
                                         "data_sources":[{"id":"ds","name":"Issues"}]})),
        _ => ok(json!({"object":"data_source","id":"ds","title":[],"parent":{"type":"database_id","database_id":"db"},
                       "properties":{"Name":{"id":"title","name":"Name","type":"title","title":{}}}})),
    })
    .await;
    let c = client(&base, ApiVersion::V2025_09_03);
    let db = c.retrieve_database(&DatabaseId::new("db")).await.unwrap();
    assert_eq!(db.title, "Issues");
    assert_eq!(db.data_source_id.as_ref().map(|d| d.as_str()), Some("ds"));
    assert_eq!(db.title_property(), Some("Name"));
}

#[tokio::test]
async fn invalid_queries_are_refused_without_a_call() {
    let (base, log) = serve(|_, _| ok(json!({}))).await;
    let c = client(&base, ApiVersion::V2022_06_28);
    let deep = Filter::and(vec![Filter::or(vec![Filter::and(vec![Filter::checkbox(
        "x",
    )
    .equals(true)])])]);
    let err = c
        .query_database(&DatabaseId::new("db"), &Query::filtered(deep))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)));
    assert!(seen(&log).is_empty());
}

#[tokio::test]
async fn query_all_follows_cursors() {
    let (base, log) = serve(|s, _| {
        if s.body.get("start_cursor").is_none() {
            ok(json!({"object":"list","results":[page("p1"),page("p2")],"next_cursor":"c2","has_more":true}))
        } else {
            ok(json!({"object":"list","results":[page("p3")],"next_cursor":null,"has_more":false}))
        }
    })
    .await;
    let c = client(&base, ApiVersion::V2022_06_28);
    let pages = c
        .query_database_all(&DatabaseId::new("db"), Query::default())
        .await
        .unwrap();
    let ids: Vec<_> = pages.iter().map(|p| p.id.as_str().to_owned()).collect();
    assert_eq!(ids, ["p1", "p2", "p3"]);
    assert_eq!(seen(&log)[1].body["start_cursor"], "c2");
}

#[tokio::test]
async fn create_page_sends_data_source_parent_under_2025() {
    let (base, log) = serve(|s, _| match s.path.as_str() {
        "/v1/databases/db" => {
            ok(json!({"object":"database","id":"db","data_sources":[{"id":"ds"}]}))
        }
        _ => ok(page("p1")),
    })
    .await;
    let c = client(&base, ApiVersion::V2025_09_03);
    let mut props = Properties::new();
    props.insert("Name".into(), PropertyValue::title("Bug"));
    c.create_page(&Parent::Database(DatabaseId::new("db")), &props, &[])
        .await
        .unwrap();
    let create = &seen(&log)[1];
    assert_eq!(
        create.body["parent"],
        json!({"type":"data_source_id","data_source_id":"ds"})
    );
    assert_eq!(
        create.body["properties"]["Name"]["title"][0]["text"]["content"],
        "Bug"
    );
    assert!(create.body.get("children").is_none());
}

#[tokio::test]
async fn create_page_with_250_blocks_appends_the_rest_in_chunks() {
    let (base, log) = serve(|s, _| match s.method.as_str() {
        "POST" => ok(page("p1")),
        _ => {
            let n = s.body["children"].as_array().map_or(0, Vec::len);
            let ids: Vec<String> = (0..n).map(|i| format!("b{i}")).collect();
            ok(block_list(
                &ids.iter().map(String::as_str).collect::<Vec<_>>(),
            ))
        }
    })
    .await;
    let c = client(&base, ApiVersion::V2022_06_28);
    let blocks: Vec<Block> = (0..250).map(|i| Block::paragraph(&i.to_string())).collect();
    c.create_page(
        &Parent::Page(PageId::new("root")),
        &Properties::new(),
        &blocks,
    )
    .await
    .unwrap();
    let log = seen(&log);
    let sizes: Vec<_> = log
        .iter()
        .map(|s| {
            (
                s.method.clone(),
                s.path.clone(),
                s.body["children"].as_array().map_or(0, Vec::len),
            )
        })
        .collect();
    assert_eq!(
        sizes,
        [
            ("POST".into(), "/v1/pages".into(), 100),
            ("PATCH".into(), "/v1/blocks/p1/children".into(), 100),
            ("PATCH".into(), "/v1/blocks/p1/children".into(), 50),
        ]
    );
    assert_eq!(
        log[2].body["children"][0]["paragraph"]["rich_text"][0]["text"]["content"],
        "200"
    );
}

#[tokio::test]
async fn append_puts_children_beyond_100_under_the_created_block() {
    let (base, log) = serve(|s, _| match s.path.as_str() {
        "/v1/blocks/page/children" => ok(block_list(&["intro", "toggle"])),
        _ => ok(block_list(&[])),
    })
    .await;
    let c = client(&base, ApiVersion::V2022_06_28);
    let items: Vec<Block> = (0..150).map(|i| Block::bullet(&i.to_string())).collect();
    let blocks = vec![Block::paragraph("intro"), Block::toggle("many", items)];
    c.append_block_children(&BlockId::new("page"), &blocks)
        .await
        .unwrap();
    let log = seen(&log);
    assert_eq!(log.len(), 2);
    assert_eq!(
        log[0].body["children"][1]["toggle"]["children"]
            .as_array()
            .unwrap()
            .len(),
        100
    );
    assert_eq!(log[1].path, "/v1/blocks/toggle/children");
    assert_eq!(log[1].body["children"].as_array().unwrap().len(), 50);
}

#[tokio::test]
async fn archive_uses_archived_or_in_trash_by_version() {
    for (version, body) in [
        (ApiVersion::V2022_06_28, json!({"archived": true})),
        (ApiVersion::V2025_09_03, json!({"in_trash": true})),
        (ApiVersion::V2026_03_11, json!({"in_trash": true})),
    ] {
        let (base, log) = serve(|_, _| ok(page("p1"))).await;
        client(&base, version)
            .archive_page(&PageId::new("p1"))
            .await
            .unwrap();
        let s = &seen(&log)[0];
        assert_eq!((s.method.as_str(), &s.body), ("PATCH", &body));
        let (base, log) = serve(|_, _| ok(block_list(&["b1"])["results"][0].clone())).await;
        client(&base, version)
            .archive_block(&BlockId::new("b1"))
            .await
            .unwrap();
        let s = &seen(&log)[0];
        assert_eq!(
            (s.method.as_str(), s.path.as_str(), &s.body),
            ("PATCH", "/v1/blocks/b1", &body)
        );
    }
}

#[test]
fn notion_version_2026_03_11_parses_and_uses_data_sources() {
    let v: ApiVersion = "2026-03-11".parse().unwrap();
    assert_eq!(v, ApiVersion::V2026_03_11);
    assert_eq!(v.as_str(), "2026-03-11");
    assert!(v.uses_data_sources());
    let err = "2021-05-13".parse::<ApiVersion>().unwrap_err().to_string();
    assert!(err.contains("2026-03-11"), "{err}");
}

#[tokio::test]
async fn read_block_tree_recurses_and_paginates() {
    let (base, _log) = serve(|s, _| {
        let cursor = s.query.as_deref().unwrap_or_default().contains("start_cursor=c%2F2");
        match (s.path.as_str(), cursor) {
            ("/v1/blocks/root/children", false) => ok(json!({"object":"list","has_more":true,"next_cursor":"c/2",
                "results":[{"object":"block","id":"a","type":"toggle","has_children":true,"toggle":{"rich_text":[]}}]})),
            ("/v1/blocks/root/children", true) => ok(json!({"object":"list","has_more":false,"next_cursor":null,
                "results":[{"object":"block","id":"sub","type":"child_page","has_children":true,"child_page":{"title":"S"}}]})),
            ("/v1/blocks/a/children", _) => ok(block_list(&["a1", "a2"])),
            _ => (404, vec![], json!({"object":"error","status":404,"code":"object_not_found","message":"m"}).to_string()),
        }
    })
    .await;
    let c = client(&base, ApiVersion::V2022_06_28);
    let tree = c.read_block_tree(&BlockId::new("root")).await.unwrap();
    assert_eq!(tree.len(), 2);
    assert_eq!(tree[0].children.len(), 2);
    assert!(
        tree[1].children.is_empty(),
        "child pages are not descended into"
    );
}

#[tokio::test]
async fn search_filter_value_follows_the_version() {
    for (version, value) in [
        (ApiVersion::V2022_06_28, "database"),
        (ApiVersion::V2025_09_03, "data_source"),
    ] {
        let (base, log) = serve(|_, _| {
            ok(json!({"object":"list","results":[],"next_cursor":null,"has_more":false}))
        })
        .await;
        client(&base, version)
            .search("Issues", Some(SearchFilter::Database), Some("cur"))
            .await
            .unwrap();
        assert_eq!(
            seen(&log)[0].body,
            json!({"query":"Issues","page_size":100,"start_cursor":"cur",
                   "filter":{"property":"object","value":value}})
        );
    }
}

#[tokio::test]
async fn oauth_exchange_uses_basic_auth() {
    let (base, log) = serve(|_, _| {
        ok(json!({"access_token":"secret_t","token_type":"bearer","bot_id":"b","workspace_id":"w"}))
    })
    .await;
    let c = client(&base, ApiVersion::V2022_06_28);
    let t = c
        .exchange_oauth_code("id", "secret", "code1", Some("https://x/cb"))
        .await
        .unwrap();
    assert_eq!(t.access_token, "secret_t");
    let s = &seen(&log)[0];
    assert_eq!(s.path, "/v1/oauth/token");
    assert_eq!(s.auth, "Basic aWQ6c2VjcmV0"); // base64("id:secret")
    assert_eq!(
        s.body,
        json!({"grant_type":"authorization_code","code":"code1","redirect_uri":"https://x/cb"})
    );
}

#[tokio::test]
async fn retries_429_then_succeeds_and_counts_both_calls() {
    let (base, _log) = serve(|_, n| {
        if n == 0 {
            (
                429,
                vec![("retry-after", "0".into())],
                json!({"object":"error","status":429,"code":"rate_limited","message":"slow"})
                    .to_string(),
            )
        } else {
            ok(page("p1"))
        }
    })
    .await;
    let c = client(&base, ApiVersion::V2022_06_28);
    c.retrieve_page(&PageId::new("p1")).await.unwrap();
    assert_eq!(c.calls(), 2);
}

#[tokio::test]
async fn an_html_502_is_retried_then_reported_as_bad_gateway() {
    let (base, _log) = serve(|_, _| {
        (
            502,
            vec![("x-notion-request-id", "rid".into())],
            "<html>502 Bad Gateway</html>".into(),
        )
    })
    .await;
    let c = client(&base, ApiVersion::V2022_06_28);
    let err = c.retrieve_page(&PageId::new("p1")).await.unwrap_err();
    assert_eq!(err.code(), Some(&crate::notion::ErrorCode::BadGateway));
    assert!(matches!(err, Error::Api { request_id: Some(ref r), .. } if r == "rid"));
    assert_eq!(c.calls(), 3);
}

#[tokio::test]
async fn a_404_is_not_retried() {
    let (base, _log) = serve(|_, _| {
        (
            404,
            vec![],
            json!({"object":"error","status":404,"code":"object_not_found","message":"gone"})
                .to_string(),
        )
    })
    .await;
    let c = client(&base, ApiVersion::V2022_06_28);
    let err = c.retrieve_page(&PageId::new("p1")).await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(c.calls(), 1);
}

#[tokio::test]
async fn a_200_with_a_broken_body_is_a_decode_error() {
    let (base, _log) = serve(|_, _| (200, vec![], "{not json".into())).await;
    let c = client(&base, ApiVersion::V2022_06_28);
    let err = c.retrieve_page(&PageId::new("p1")).await.unwrap_err();
    assert!(
        matches!(err, Error::Decode { status: 200, ref body_snippet, .. } if body_snippet == "{not json")
    );
}

#[tokio::test]
async fn connection_errors_are_retried_then_reported() {
    // A port that was free a moment ago: connecting is refused.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = client(&format!("http://127.0.0.1:{port}"), ApiVersion::V2022_06_28);
    let err = c.retrieve_page(&PageId::new("p1")).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(c.calls(), 3);
}

#[tokio::test]
async fn append_after_sends_after_or_position_by_version_and_chains_requests() {
    for version in [ApiVersion::V2022_06_28, ApiVersion::V2026_03_11] {
        let (base, log) = serve(|s, _| {
            let n = s.body["children"].as_array().map_or(0, Vec::len);
            let names: Vec<String> = (0..n).map(|i| format!("new{n}_{i}")).collect();
            ok(block_list(
                &names.iter().map(String::as_str).collect::<Vec<_>>(),
            ))
        })
        .await;
        let blocks: Vec<Block> = (0..150).map(|i| Block::paragraph(&i.to_string())).collect();
        client(&base, version)
            .append_block_children_after(&BlockId::new("page"), &BlockId::new("top"), &blocks)
            .await
            .unwrap();
        let log = seen(&log);
        assert_eq!(log.len(), 2);
        let after = |i: usize| match version {
            ApiVersion::V2026_03_11 => {
                assert!(log[i].body.get("after").is_none());
                log[i].body["position"]["after_block"]["id"].clone()
            }
            _ => log[i].body["after"].clone(),
        };
        assert_eq!(after(0), "top", "{version}");
        assert_eq!(
            after(1),
            "new100_99",
            "{version}: after the last block created"
        );
    }
}
