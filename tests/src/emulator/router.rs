//! The route table: every `/v1` endpoint and every `/__admin` endpoint in one place. Handlers
//! only extract (state, context, path, query) and delegate to the module that owns the logic.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::middleware;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{json, Map, Value};

use super::admin;
use super::blocks;
use super::context::{Ctx, AUTHORIZATION};
use super::databases;
use super::errors::{ApiError, ApiResult};
use super::faults::{FaultConfig, RateLimit};
use super::oauth;
use super::pages;
use super::pipeline::{pipeline, OAUTH_TOKEN_PATH};
use super::search;
use super::state::{lock, SharedState, State as Workspace};
use super::users;
use super::webhooks;

type Answer = Result<Json<Value>, ApiError>;

/// The whole emulator as an axum app, for `axum::serve` or in-process use.
pub fn router(state: SharedState) -> Router {
    let api = Router::new()
        .route(OAUTH_TOKEN_PATH, post(oauth_token))
        .route("/v1/databases", post(create_database))
        .route(
            "/v1/databases/{id}",
            get(retrieve_database).patch(update_database),
        )
        .route("/v1/databases/{id}/query", post(query_database))
        .route("/v1/data_sources", post(create_data_source))
        .route(
            "/v1/data_sources/{id}",
            get(retrieve_data_source).patch(update_data_source),
        )
        .route("/v1/data_sources/{id}/query", post(query_data_source))
        .route("/v1/pages", post(create_page))
        .route("/v1/pages/{id}", get(retrieve_page).patch(update_page))
        .route(
            "/v1/pages/{id}/properties/{property_id}",
            get(page_property),
        )
        .route(
            "/v1/blocks/{id}",
            get(retrieve_block).patch(update_block).delete(delete_block),
        )
        .route(
            "/v1/blocks/{id}/children",
            get(list_children).patch(append_children),
        )
        .route("/v1/search", post(search))
        .route("/v1/users/me", get(users_me))
        .fallback(invalid_url)
        .method_not_allowed_fallback(invalid_url)
        .layer(middleware::from_fn_with_state(state.clone(), pipeline));
    let admin = Router::new()
        .route("/__admin/requests", get(admin_requests))
        .route("/__admin/counts", get(admin_counts))
        .route("/__admin/pages", get(admin_pages))
        .route("/__admin/reset", post(admin_reset))
        .route("/__admin/faults", get(admin_faults).post(admin_set_faults))
        .route("/__admin/limits", get(admin_limits).post(admin_set_limits))
        .route("/__admin/oauth/codes", post(admin_oauth_code))
        .route("/__admin/databases", post(admin_create_database))
        .route("/__admin/demo", post(admin_demo))
        .route("/__admin/webhooks", post(admin_subscribe))
        .route("/__admin/webhooks/verify", post(admin_webhook_verify))
        .route("/__admin/webhooks/flush", post(admin_webhook_flush))
        .route("/__admin/pages/{id}/person-edit", post(admin_person_edit));
    admin.merge(api).with_state(state)
}

fn with(s: &SharedState, f: impl FnOnce(&mut Workspace) -> ApiResult) -> Answer {
    f(&mut lock(s)).map(Json)
}

/// Endpoints that exist only in one API version answer like an unknown URL in the other.
fn only_2022(ctx: &Ctx) -> Result<(), ApiError> {
    if ctx.version.data_sources() {
        Err(ApiError::invalid_request_url())
    } else {
        Ok(())
    }
}

fn only_2025(ctx: &Ctx) -> Result<(), ApiError> {
    if ctx.version.data_sources() {
        Ok(())
    } else {
        Err(ApiError::invalid_request_url())
    }
}

async fn invalid_url() -> ApiError {
    ApiError::invalid_request_url()
}

async fn oauth_token(
    State(s): State<SharedState>,
    headers: HeaderMap,
    Extension(ctx): Extension<Ctx>,
) -> Answer {
    let auth = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    with(&s, |st| oauth::exchange(st, auth.as_deref(), &ctx.body))
}

async fn create_database(State(s): State<SharedState>, Extension(ctx): Extension<Ctx>) -> Answer {
    with(&s, |st| databases::create(st, &ctx))
}

async fn retrieve_database(
    State(s): State<SharedState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Answer {
    with(&s, |st| databases::retrieve(st, &ctx, &id))
}

async fn update_database(
    State(s): State<SharedState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Answer {
    with(&s, |st| databases::update(st, &ctx, &id))
}

async fn query_database(
    State(s): State<SharedState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Answer {
    only_2022(&ctx)?;
    with(&s, |st| databases::query_database(st, &ctx, &id))
}

async fn create_data_source(
    State(s): State<SharedState>,
    Extension(ctx): Extension<Ctx>,
) -> Answer {
    only_2025(&ctx)?;
    with(&s, |st| databases::create_data_source(st, &ctx))
}

async fn retrieve_data_source(
    State(s): State<SharedState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Answer {
    only_2025(&ctx)?;
    with(&s, |st| databases::retrieve_data_source(st, &ctx, &id))
}

async fn update_data_source(
    State(s): State<SharedState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Answer {
    only_2025(&ctx)?;
    with(&s, |st| databases::update_data_source(st, &ctx, &id))
}

async fn query_data_source(
    State(s): State<SharedState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Answer {
    only_2025(&ctx)?;
    with(&s, |st| databases::query_data_source(st, &ctx, &id))
}

async fn create_page(State(s): State<SharedState>, Extension(ctx): Extension<Ctx>) -> Answer {
    with(&s, |st| pages::create(st, &ctx))
}

async fn retrieve_page(
    State(s): State<SharedState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Answer {
    with(&s, |st| pages::retrieve(st, &ctx, &id))
}

async fn update_page(
    State(s): State<SharedState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Answer {
    with(&s, |st| pages::update(st, &ctx, &id))
}

async fn page_property(
    State(s): State<SharedState>,
    Path((id, property)): Path<(String, String)>,
) -> Answer {
    with(&s, |st| pages::property_item(st, &id, &property))
}

async fn retrieve_block(
    State(s): State<SharedState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Answer {
    with(&s, |st| blocks::retrieve(st, &ctx, &id))
}

async fn update_block(
    State(s): State<SharedState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Answer {
    with(&s, |st| blocks::update(st, &ctx, &id))
}

async fn delete_block(
    State(s): State<SharedState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Answer {
    with(&s, |st| blocks::delete(st, &ctx, &id))
}

async fn list_children(
    State(s): State<SharedState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let query: Map<String, Value> = query
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    with(&s, |st| blocks::list_children(st, &ctx, &id, &query))
}

async fn append_children(
    State(s): State<SharedState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Answer {
    with(&s, |st| blocks::append(st, &ctx, &id))
}

async fn search(State(s): State<SharedState>, Extension(ctx): Extension<Ctx>) -> Answer {
    with(&s, |st| search::search(st, &ctx))
}

async fn users_me(State(s): State<SharedState>) -> Answer {
    with(&s, |st| users::me(st))
}

async fn admin_requests(State(s): State<SharedState>) -> Json<Value> {
    Json(json!(lock(&s).log))
}

async fn admin_counts(State(s): State<SharedState>) -> Json<Value> {
    Json(json!(admin::counts(&lock(&s))))
}

async fn admin_pages(State(s): State<SharedState>) -> Json<Value> {
    Json(Value::Array(admin::pages_json(&lock(&s), None)))
}

async fn admin_reset(State(s): State<SharedState>) -> Json<Value> {
    lock(&s).log.clear();
    Json(json!({"ok": true}))
}

async fn admin_faults(State(s): State<SharedState>) -> Json<Value> {
    Json(json!(lock(&s).faults.config()))
}

async fn admin_set_faults(
    State(s): State<SharedState>,
    Json(config): Json<FaultConfig>,
) -> Json<Value> {
    lock(&s).faults.set_config(config.clone());
    Json(json!(config))
}

async fn admin_limits(State(s): State<SharedState>) -> Json<Value> {
    Json(json!(lock(&s).faults.rate_limit()))
}

async fn admin_set_limits(
    State(s): State<SharedState>,
    Json(limit): Json<RateLimit>,
) -> Json<Value> {
    lock(&s).faults.set_rate_limit(limit);
    Json(json!(limit))
}

async fn admin_oauth_code(State(s): State<SharedState>) -> Json<Value> {
    Json(json!({"code": oauth::issue_code(&mut lock(&s))}))
}

async fn admin_create_database(State(s): State<SharedState>, Json(body): Json<Value>) -> Answer {
    let mut st = lock(&s);
    let parent = match body.get("parent_page_id").and_then(Value::as_str) {
        Some(p) => p.to_string(),
        None => admin::create_root_page(&mut st, "Emulator"),
    };
    let title = body
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or("Database");
    let props = body
        .get("properties")
        .cloned()
        .unwrap_or(json!({"Name": {"title": {}}}));
    admin::create_database(&mut st, &parent, title, &props).map(|d| Json(json!(d)))
}

async fn admin_demo(State(s): State<SharedState>) -> Answer {
    let mut st = lock(&s);
    let parent = admin::create_root_page(&mut st, "Notion Relay");
    admin::create_database(&mut st, &parent, "GitHub Issues", &admin::demo_properties())
        .map(|d| Json(json!(d)))
}

/// `{"url", "verification_token"?}` → the subscription (with its token).
async fn admin_subscribe(State(s): State<SharedState>, Json(body): Json<Value>) -> Json<Value> {
    let url = body.get("url").and_then(Value::as_str).unwrap_or_default();
    let token = body.get("verification_token").and_then(Value::as_str);
    let sub = webhooks::subscribe(&s, url, token);
    Json(json!({"id": sub.id, "url": sub.url, "verification_token": sub.verification_token}))
}

async fn admin_webhook_verify(State(s): State<SharedState>) -> Json<Value> {
    let sent = webhooks::send_verification(&s).await;
    Json(json!({"status": sent.status, "answer": sent.answer}))
}

/// Delivers the waiting events; answers each attempt's status.
async fn admin_webhook_flush(State(s): State<SharedState>) -> Json<Value> {
    let sent = webhooks::deliver(&s).await;
    let list: Vec<Value> = sent
        .iter()
        .map(|d| json!({"event": d.body, "status": d.status, "answer": d.answer}))
        .collect();
    Json(json!(list))
}

/// `{"properties", "person_id"?}`: edits a page as a person in Notion's UI would.
async fn admin_person_edit(
    State(s): State<SharedState>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Answer {
    let properties = body.get("properties").cloned().unwrap_or(json!({}));
    let person = body.get("person_id").and_then(Value::as_str);
    with(&s, |st| {
        webhooks::edit_as_person(st, &id, person, properties)
    })
}
