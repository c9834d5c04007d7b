//! The OAuth flow against one canned server standing for both Notion and Secrets Manager (each
//! request takes the next answer), with a fixed clock.

use serde_json::{json, Value};

use super::*;
use crate::config::{self, map_env, SECRET_ID};
use crate::secrets::test_server::{Canned, Recorded, TestServer};
use crate::secrets::{AWS_ACCESS_KEY_ID, AWS_REGION, AWS_SECRET_ACCESS_KEY};

const T0: u64 = 1_780_000_000;
const HOST: &str = "abc123.lambda-url.us-east-1.on.aws";
const CLIENT_SECRET: &str = "client-secret";

fn env_for(server: &TestServer, extra: &[(&'static str, &'static str)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = vec![
        (NOTION_OAUTH_CLIENT_ID.into(), "cid".into()),
        (SECRET_ID.into(), "relay".into()),
        (AWS_REGION.into(), "us-east-1".into()),
        (AWS_ACCESS_KEY_ID.into(), "AKID".into()),
        (AWS_SECRET_ACCESS_KEY.into(), "SECRETKEY".into()),
        (config::AWS_ENDPOINT_URL.into(), server.url.clone()),
        (config::NOTION_API_URL.into(), server.url.clone()),
        (NOTION_OAUTH_WORKSPACE_ID.into(), "ws-1".into()),
    ];
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

fn app(env: &[(String, String)]) -> OAuthApp {
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    OAuthApp::from_env(&map_env(&pairs)).with_clock(Arc::new(|| T0))
}

fn with_secret(server: &TestServer) -> OAuthApp {
    app(&env_for(
        server,
        &[(NOTION_OAUTH_CLIENT_SECRET, CLIENT_SECRET)],
    ))
}

fn get(path_and_query: &str) -> HttpRequest {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    serde_json::from_value(json!({
        "rawPath": path, "rawQueryString": query, "headers": {"host": HOST},
        "requestContext": {"http": {"method": "GET", "path": path}},
    }))
    .expect("event parses")
}

fn callback(code: &str, state: &str) -> HttpRequest {
    get(&format!("/callback?code={code}&state={}", urlencode(state)))
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn token_answer() -> Canned {
    Canned::json(
        200,
        json!({"access_token": "ntn_fresh_token", "token_type": "bearer", "bot_id": "bot-1",
            "workspace_id": "ws-1", "workspace_name": "Acme <Eng>", "owner": {"type": "user"}})
        .to_string(),
    )
}

fn secret_answer(secret: &str) -> Canned {
    Canned::json(
        200,
        json!({"Name": "relay", "SecretString": secret}).to_string(),
    )
}

fn put_answer() -> Canned {
    Canned::json(200, r#"{"Name":"relay","VersionId":"v2"}"#)
}

fn target(request: &Recorded) -> Option<&str> {
    request.header("x-amz-target")
}

#[tokio::test]
async fn start_redirects_to_notion_with_the_client_the_callback_and_a_valid_state() {
    let server = TestServer::start(Vec::new()).await;
    let response = with_secret(&server).handle(&get("/start"), None).await;

    assert_eq!(response.status_code, 302);
    let location = url::Url::parse(&response.headers["location"]).expect("a URL");
    assert_eq!(
        location.as_str().split('?').next(),
        Some("https://api.notion.com/v1/oauth/authorize")
    );
    let params: std::collections::HashMap<String, String> =
        location.query_pairs().into_owned().collect();
    assert_eq!(params["client_id"], "cid");
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["owner"], "user");
    assert_eq!(params["redirect_uri"], format!("https://{HOST}/callback"));
    assert_eq!(
        state::verify(CLIENT_SECRET, Some(&params["state"]), T0),
        Ok(())
    );
    assert_eq!(response.headers["cache-control"], "no-store");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn the_client_secret_is_read_from_the_secret_once_when_the_environment_lacks_it() {
    let server = TestServer::start(vec![secret_answer(
        r#"{"notion_oauth_client_secret":"from-secret"}"#,
    )])
    .await;
    let app = app(&env_for(
        &server,
        &[(NOTION_OAUTH_REDIRECT_URI, "https://relay.example/cb")],
    ));
    for path in ["/", "/start"] {
        let response = app.handle(&get(path), None).await;
        assert_eq!(response.status_code, 302, "{path}");
        let location = url::Url::parse(&response.headers["location"]).unwrap();
        let params: std::collections::HashMap<String, String> =
            location.query_pairs().into_owned().collect();
        assert_eq!(params["redirect_uri"], "https://relay.example/cb");
        assert_eq!(
            state::verify("from-secret", Some(&params["state"]), T0),
            Ok(())
        );
    }
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_good_callback_exchanges_the_code_and_merges_the_token_into_the_secret() {
    let existing = r#"{"notion_token":"ntn_old","github_token":"ghp_kept"}"#;
    let server =
        TestServer::start(vec![token_answer(), secret_answer(existing), put_answer()]).await;
    let state = state::issue(CLIENT_SECRET, T0 - 60);

    let response = with_secret(&server)
        .handle(&callback("code-1", &state), None)
        .await;

    assert_eq!(response.status_code, 200, "{}", response.body);
    assert_eq!(response.headers["content-type"], HTML);
    assert!(
        response.body.contains("Acme &lt;Eng&gt;"),
        "{}",
        response.body
    );
    assert!(!response.body.contains("ntn_fresh_token"));
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let exchange = &requests[0];
    assert_eq!(
        (exchange.method.as_str(), exchange.path.as_str()),
        ("POST", "/v1/oauth/token")
    );
    assert_eq!(
        exchange.header("authorization"),
        Some("Basic Y2lkOmNsaWVudC1zZWNyZXQ=")
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&exchange.body).unwrap(),
        json!({"grant_type": "authorization_code", "code": "code-1",
            "redirect_uri": format!("https://{HOST}/callback")})
    );
    assert_eq!(target(&requests[1]), Some("secretsmanager.GetSecretValue"));
    assert_eq!(target(&requests[2]), Some("secretsmanager.PutSecretValue"));
    let put: Value = serde_json::from_slice(&requests[2].body).unwrap();
    let stored: Value = serde_json::from_str(put["SecretString"].as_str().unwrap()).unwrap();
    assert_eq!(
        stored,
        json!({"notion_token": "ntn_fresh_token", "github_token": "ghp_kept"})
    );
}

#[tokio::test]
async fn a_forged_state_is_401_and_nothing_is_called() {
    let server = TestServer::start(Vec::new()).await;
    let forged = state::issue("not-the-secret", T0);
    let response = with_secret(&server)
        .handle(&callback("code-1", &forged), None)
        .await;
    assert_eq!(response.status_code, 401);
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn an_expired_or_missing_state_is_400_and_nothing_is_called() {
    let server = TestServer::start(Vec::new()).await;
    let app = with_secret(&server);
    let old = state::issue(CLIENT_SECRET, T0 - state::STATE_TTL_SECS - 1);
    let response = app.handle(&callback("code-1", &old), None).await;
    assert_eq!(response.status_code, 400);
    assert!(response.body.contains("expired"), "{}", response.body);
    let response = app.handle(&get("/callback?code=code-1"), None).await;
    assert_eq!(response.status_code, 400);
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn access_denied_in_notion_is_a_400_page_saying_so() {
    let server = TestServer::start(Vec::new()).await;
    let state = state::issue(CLIENT_SECRET, T0);
    let request = get(&format!(
        "/callback?error=access_denied&state={}",
        urlencode(&state)
    ));
    let response = with_secret(&server).handle(&request, None).await;
    assert_eq!(response.status_code, 400);
    assert!(response.body.contains("Access denied"), "{}", response.body);
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_code_notion_refuses_is_400_with_notions_reason_and_nothing_is_stored() {
    let refused = Canned::json(
        400,
        r#"{"object":"error","status":400,"code":"invalid_grant","message":"Invalid code.","error":"invalid_grant"}"#,
    );
    let server = TestServer::start(vec![refused]).await;
    let state = state::issue(CLIENT_SECRET, T0);
    let response = with_secret(&server)
        .handle(&callback("bad", &state), None)
        .await;
    assert_eq!(response.status_code, 400);
    assert!(
        response.body.contains("invalid_grant: Invalid code."),
        "{}",
        response.body
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn wrong_client_credentials_are_a_502_and_nothing_is_stored() {
    let refused = Canned::json(
        401,
        r#"{"object":"error","status":401,"code":"invalid_client","message":"Invalid client credentials."}"#,
    );
    let server = TestServer::start(vec![refused]).await;
    let state = state::issue(CLIENT_SECRET, T0);
    let response = with_secret(&server)
        .handle(&callback("c", &state), None)
        .await;
    assert_eq!(response.status_code, 502);
    assert!(
        response.body.contains("invalid_client"),
        "{}",
        response.body
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_token_for_another_workspace_is_refused_when_one_is_configured() {
    let server = TestServer::start(vec![token_answer()]).await;
    let env = env_for(
        &server,
        &[
            (NOTION_OAUTH_CLIENT_SECRET, CLIENT_SECRET),
            (NOTION_OAUTH_WORKSPACE_ID, "ws-2"),
        ],
    );
    let state = state::issue(CLIENT_SECRET, T0);
    let response = app(&env).handle(&callback("c", &state), None).await;
    assert_eq!(response.status_code, 403);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_secret_that_is_not_a_json_object_is_left_untouched() {
    let server = TestServer::start(vec![token_answer(), secret_answer("ntn_plain_value")]).await;
    let state = state::issue(CLIENT_SECRET, T0);
    let response = with_secret(&server)
        .handle(&callback("c", &state), None)
        .await;
    assert_eq!(response.status_code, 500);
    assert!(!response.body.contains("ntn_plain_value") && !response.body.contains("ntn_fresh"));
    assert!(server
        .requests()
        .iter()
        .all(|r| target(r) != Some("secretsmanager.PutSecretValue")));
}

#[tokio::test]
async fn missing_settings_answer_500_naming_the_variable() {
    let server = TestServer::start(Vec::new()).await;
    let mut env = env_for(&server, &[]);
    env.retain(|(k, _)| k != NOTION_OAUTH_CLIENT_ID);
    let unconfigured = app(&env);
    for path in ["/start", "/callback?code=c&state=s"] {
        let response = unconfigured.handle(&get(path), None).await;
        assert_eq!(response.status_code, 500);
        assert!(
            response.body.contains(NOTION_OAUTH_CLIENT_ID),
            "{}",
            response.body
        );
    }
    let mut env = env_for(&server, &[(NOTION_OAUTH_CLIENT_SECRET, CLIENT_SECRET)]);
    env.retain(|(k, _)| k != SECRET_ID);
    let response = app(&env).handle(&get("/start"), None).await;
    assert_eq!(response.status_code, 500);
    assert!(response.body.contains("SECRET_ID"), "{}", response.body);
}

#[tokio::test]
async fn other_paths_are_404_and_other_methods_405() {
    let server = TestServer::start(Vec::new()).await;
    let app = with_secret(&server);
    assert_eq!(
        app.handle(&get("/favicon.ico"), None).await.status_code,
        404
    );
    let mut post = get("/callback");
    post.request_context.http.method = "POST".into();
    let response = app.handle(&post, None).await;
    assert_eq!(response.status_code, 405);
    assert_eq!(response.headers["allow"], "GET");
}

#[tokio::test]
async fn without_the_workspace_pin_or_the_opt_out_every_request_is_500_naming_both() {
    let server = TestServer::start(vec![token_answer()]).await;
    let mut env = env_for(&server, &[(NOTION_OAUTH_CLIENT_SECRET, CLIENT_SECRET)]);
    env.retain(|(k, _)| k != NOTION_OAUTH_WORKSPACE_ID);
    let unpinned = app(&env);
    let state = state::issue(CLIENT_SECRET, T0);
    for request in [get("/start"), callback("c", &state)] {
        let response = unpinned.handle(&request, None).await;
        assert_eq!(response.status_code, 500);
        assert!(
            response.body.contains(NOTION_OAUTH_WORKSPACE_ID)
                && response.body.contains(NOTION_OAUTH_ALLOW_ANY_WORKSPACE),
            "{}",
            response.body
        );
    }
    assert!(server.requests().is_empty(), "nothing exchanged or stored");
}

#[tokio::test]
async fn the_explicit_opt_out_accepts_any_workspace() {
    let server = TestServer::start(vec![token_answer(), secret_answer("{}"), put_answer()]).await;
    let mut env = env_for(
        &server,
        &[
            (NOTION_OAUTH_CLIENT_SECRET, CLIENT_SECRET),
            (NOTION_OAUTH_ALLOW_ANY_WORKSPACE, "true"),
        ],
    );
    env.retain(|(k, _)| k != NOTION_OAUTH_WORKSPACE_ID);
    let state = state::issue(CLIENT_SECRET, T0);
    let response = app(&env).handle(&callback("c", &state), None).await;
    assert_eq!(response.status_code, 200, "{}", response.body);
}

#[tokio::test]
async fn an_opt_out_that_is_not_a_boolean_is_a_500_naming_it() {
    let server = TestServer::start(Vec::new()).await;
    let mut env = env_for(&server, &[(NOTION_OAUTH_ALLOW_ANY_WORKSPACE, "yes please")]);
    env.retain(|(k, _)| k != NOTION_OAUTH_WORKSPACE_ID);
    let response = app(&env).handle(&get("/start"), None).await;
    assert_eq!(response.status_code, 500);
    assert!(
        response.body.contains(NOTION_OAUTH_ALLOW_ANY_WORKSPACE),
        "{}",
        response.body
    );
}
