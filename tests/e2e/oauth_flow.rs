//! `notion-oauth` end to end: the RELEASE binary behind a simulated Function URL, the Notion
//! emulator issuing codes and tokens, and `moto_server` holding the secret the token goes to
//! (which also holds the OAuth client secret, so that path is exercised too).

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use notion_relay::handler::oauth::state;
use relay_tests::emulator::{Emulator, EmulatorConfig};
use relay_tests::emulator_client::{Client, V2022};
use relay_tests::lambda::{release_binary, HttpRequest, HttpResponse, LambdaFunction};
use relay_tests::moto::MotoServer;
use serde_json::{json, Value};

const SECRET_NAME: &str = "notion-relay/oauth-e2e";
const CLIENT_ID: &str = "emulator-client-id";
const CLIENT_SECRET: &str = "emulator-client-secret";
const OLD_TOKEN: &str = "secret_e2eOldTokenBn3Kd6";

struct Flow {
    emulator: Emulator,
    moto: MotoServer,
    function: LambdaFunction,
}

/// How the function is told which workspace may connect.
enum Pin {
    /// `NOTION_OAUTH_WORKSPACE_ID` = the emulator's workspace.
    Emulated,
    /// `NOTION_OAUTH_WORKSPACE_ID` = some other workspace.
    Other,
    /// `NOTION_OAUTH_ALLOW_ANY_WORKSPACE=true`, no pin.
    AnyWorkspace,
    /// Neither variable.
    Unset,
}

impl Flow {
    async fn start() -> Flow {
        Self::start_pinned(Pin::Emulated).await
    }

    async fn start_pinned(pin: Pin) -> Flow {
        let emulator = Emulator::start(EmulatorConfig::default())
            .await
            .expect("emulator binds");
        let moto = MotoServer::start().await.unwrap_or_else(|e| panic!("{e}"));
        let secret = json!({
            "notion_token": OLD_TOKEN,
            "github_webhook_secret": "whsec-kept",
            "notion_oauth_client_secret": CLIENT_SECRET,
        });
        moto.create_secret(SECRET_NAME, &secret.to_string())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut env = vec![
            ("NOTION_API_URL".to_string(), emulator.base_url()),
            ("NOTION_OAUTH_CLIENT_ID".to_string(), CLIENT_ID.to_string()),
            ("SECRET_ID".to_string(), SECRET_NAME.to_string()),
        ];
        let pin = match pin {
            Pin::Emulated => Some(("NOTION_OAUTH_WORKSPACE_ID", emulator.workspace_id())),
            Pin::Other => Some((
                "NOTION_OAUTH_WORKSPACE_ID",
                "00000000-0000-4000-8000-00000000beef".to_string(),
            )),
            Pin::AnyWorkspace => Some(("NOTION_OAUTH_ALLOW_ANY_WORKSPACE", "true".to_string())),
            Pin::Unset => None,
        };
        env.extend(pin.map(|(k, v)| (k.to_string(), v)));
        env.extend(moto.aws_env());
        let function = LambdaFunction::spawn(&release_binary("notion-oauth"), &env)
            .await
            .expect("notion-oauth starts");
        Flow {
            emulator,
            moto,
            function,
        }
    }

    async fn get(&self, path_and_query: &str) -> HttpResponse {
        self.function
            .invoke_http(HttpRequest::get(path_and_query))
            .await
            .expect("the function answers")
    }

    async fn secret(&self) -> Value {
        let raw = self
            .moto
            .get_secret_value(SECRET_NAME)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        serde_json::from_str(&raw).expect("secret is JSON")
    }

    /// `/start`'s redirect, and its query parameters.
    async fn authorize(&self) -> (HttpResponse, HashMap<String, String>) {
        let response = self.get("/start").await;
        let location = response.header("location").unwrap_or_default();
        let params = url::Url::parse(location)
            .map(|url| url.query_pairs().into_owned().collect())
            .unwrap_or_default();
        (response, params)
    }
}

fn callback(code: &str, state: &str) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("code", code)
        .append_pair("state", state)
        .finish();
    format!("/callback?{query}")
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[tokio::test]
async fn start_redirects_to_notions_authorize_page_with_a_signed_state() {
    let flow = Flow::start().await;

    let (response, params) = flow.authorize().await;

    assert_eq!(response.status, 302, "{}", response.body);
    let location = response.header("location").expect("location");
    assert!(
        location.starts_with("https://api.notion.com/v1/oauth/authorize?"),
        "{location}"
    );
    assert_eq!(params["client_id"], CLIENT_ID);
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["owner"], "user");
    assert!(
        params["redirect_uri"].starts_with("https://")
            && params["redirect_uri"].ends_with(".on.aws/callback")
    );
    assert_eq!(
        state::verify(CLIENT_SECRET, Some(&params["state"]), unix_now()),
        Ok(())
    );
    assert_eq!(response.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn a_good_callback_stores_the_new_token_in_the_secret_and_never_shows_it() {
    let flow = Flow::start().await;
    let (_, params) = flow.authorize().await;
    let code = flow.emulator.issue_oauth_code();

    let response = flow.get(&callback(&code, &params["state"])).await;

    assert_eq!(
        response.status,
        200,
        "{}\n{}",
        response.body,
        flow.function.logs()
    );
    assert!(
        response.body.contains("Emulated Workspace"),
        "{}",
        response.body
    );
    let secret = flow.secret().await;
    let token = secret["notion_token"]
        .as_str()
        .expect("token stored")
        .to_string();
    assert_ne!(token, OLD_TOKEN);
    assert_eq!(secret["github_webhook_secret"], "whsec-kept");
    assert_eq!(secret["notion_oauth_client_secret"], CLIENT_SECRET);
    assert!(!response.body.contains(&token));
    assert!(
        !flow.function.logs().contains(&token),
        "{}",
        flow.function.logs()
    );
    assert_eq!(flow.emulator.count("POST", "/v1/oauth/token"), 1);
    let mut client = Client::new(&flow.emulator, V2022);
    client.token = Some(token);
    let search = client.post("/v1/search", json!({"query": ""})).await;
    assert_eq!(
        search.status, 200,
        "the stored token works: {}",
        search.body
    );
}

#[tokio::test]
async fn a_tampered_state_is_401_and_nothing_is_exchanged_or_stored() {
    let flow = Flow::start().await;
    let (_, params) = flow.authorize().await;
    // Moving the issue time (to stretch the validity) must break the signature.
    let parts: Vec<&str> = params["state"].split('.').collect();
    let issued: u64 = parts[1].parse().expect("issue time");
    let tampered = format!("{}.{}.{}.{}", parts[0], issued + 3600, parts[2], parts[3]);
    let code = flow.emulator.issue_oauth_code();

    let response = flow.get(&callback(&code, &tampered)).await;

    assert_eq!(response.status, 401, "{}", response.body);
    assert_eq!(flow.emulator.count("POST", "/v1/oauth/token"), 0);
    assert_eq!(flow.secret().await["notion_token"], OLD_TOKEN);
}

#[tokio::test]
async fn an_expired_state_is_400_and_nothing_is_stored() {
    let flow = Flow::start().await;
    let expired = state::sign(CLIENT_SECRET, unix_now() - 3600, b"e2e-nonce");
    let code = flow.emulator.issue_oauth_code();

    let response = flow.get(&callback(&code, &expired)).await;

    assert_eq!(response.status, 400, "{}", response.body);
    assert!(response.body.contains("expired"), "{}", response.body);
    assert_eq!(flow.emulator.count("POST", "/v1/oauth/token"), 0);
    assert_eq!(flow.secret().await["notion_token"], OLD_TOKEN);
}

#[tokio::test]
async fn a_code_notion_does_not_know_is_400_with_its_reason_and_nothing_is_stored() {
    let flow = Flow::start().await;
    let (_, params) = flow.authorize().await;

    let response = flow
        .get(&callback("code_never_issued", &params["state"]))
        .await;

    assert_eq!(response.status, 400, "{}", response.body);
    assert!(response.body.contains("invalid_grant"), "{}", response.body);
    assert_eq!(flow.emulator.count("POST", "/v1/oauth/token"), 1);
    assert_eq!(flow.secret().await["notion_token"], OLD_TOKEN);
}

#[tokio::test]
async fn access_denied_in_notion_is_a_400_page_and_nothing_changes() {
    let flow = Flow::start().await;
    let (_, params) = flow.authorize().await;
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("error", "access_denied")
        .append_pair("state", &params["state"])
        .finish();

    let response = flow.get(&format!("/callback?{query}")).await;

    assert_eq!(response.status, 400);
    assert!(response.body.contains("denied"), "{}", response.body);
    assert_eq!(flow.emulator.request_count(), 0);
    assert_eq!(flow.secret().await["notion_token"], OLD_TOKEN);
}

#[tokio::test]
async fn without_the_workspace_pin_or_the_opt_out_it_refuses_to_run_and_names_both() {
    let flow = Flow::start_pinned(Pin::Unset).await;
    let code = flow.emulator.issue_oauth_code();
    let state = state::sign(CLIENT_SECRET, unix_now(), b"e2e-nonce");

    for path in ["/start".to_string(), callback(&code, &state)] {
        let response = flow.get(&path).await;
        assert_eq!(response.status, 500, "{path}: {}", response.body);
        assert!(
            response.body.contains("NOTION_OAUTH_WORKSPACE_ID")
                && response.body.contains("NOTION_OAUTH_ALLOW_ANY_WORKSPACE"),
            "{}",
            response.body
        );
    }
    assert_eq!(flow.emulator.count("POST", "/v1/oauth/token"), 0);
    assert_eq!(flow.secret().await["notion_token"], OLD_TOKEN);
}

#[tokio::test]
async fn a_token_for_a_workspace_other_than_the_pinned_one_is_refused() {
    let flow = Flow::start_pinned(Pin::Other).await;
    let (_, params) = flow.authorize().await;
    let code = flow.emulator.issue_oauth_code();

    let response = flow.get(&callback(&code, &params["state"])).await;

    assert_eq!(response.status, 403, "{}", response.body);
    assert!(
        response.body.contains("NOTION_OAUTH_WORKSPACE_ID"),
        "{}",
        response.body
    );
    assert_eq!(flow.secret().await["notion_token"], OLD_TOKEN);
}

#[tokio::test]
async fn the_explicit_opt_out_lets_any_workspace_connect() {
    let flow = Flow::start_pinned(Pin::AnyWorkspace).await;
    let (_, params) = flow.authorize().await;
    let code = flow.emulator.issue_oauth_code();

    let response = flow.get(&callback(&code, &params["state"])).await;

    assert_eq!(response.status, 200, "{}", response.body);
    assert_ne!(flow.secret().await["notion_token"], OLD_TOKEN);
}
