//! `POST /v1/oauth/token`: exchanges a code issued by a test helper for a token object shaped
//! like Notion's. Client credentials come as HTTP Basic; each code works once, and the issued
//! access token is accepted by the emulator from then on.

use base64::Engine;
use serde_json::{json, Value};

use super::errors::{ApiError, ApiResult};
use super::ids;
use super::state::State;
use axum::http::StatusCode;

fn oauth_error(status: StatusCode, code: &'static str, description: &str) -> ApiError {
    let mut e = ApiError::new(status, code, description);
    e.extra = Some(json!({"error": code, "error_description": description}));
    e
}

fn basic_credentials(header: Option<&str>) -> Option<(String, String)> {
    let encoded = header?.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// Issues a one-time authorization code.
pub fn issue_code(st: &mut State) -> String {
    let code = ids::token(&mut st.rng, "code_");
    st.oauth_codes.insert(code.clone());
    code
}

pub fn exchange(st: &mut State, authorization: Option<&str>, body: &Value) -> ApiResult {
    let creds = basic_credentials(authorization);
    let valid = creds.as_ref().is_some_and(|(id, secret)| {
        *id == st.settings.oauth_client_id && *secret == st.settings.oauth_client_secret
    });
    if !valid {
        return Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Invalid client credentials.",
        ));
    }
    match body.get("grant_type").and_then(Value::as_str) {
        Some("authorization_code") => {}
        _ => {
            return Err(oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type should be `authorization_code`.",
            ))
        }
    }
    let code = body.get("code").and_then(Value::as_str).unwrap_or_default();
    if !st.oauth_codes.remove(code) {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Invalid code.",
        ));
    }
    let token = ids::token(&mut st.rng, "ntn_");
    st.settings.tokens.insert(token.clone());
    let bot_id = st.new_id();
    let owner_id = st.new_id();
    Ok(json!({
        "access_token": token,
        "token_type": "bearer",
        "bot_id": bot_id,
        "workspace_id": st.settings.workspace_id,
        "workspace_name": st.settings.workspace_name,
        "workspace_icon": null,
        "owner": {"type": "user", "user": {"object": "user", "id": owner_id}},
        "duplicated_template_id": null,
    }))
}
