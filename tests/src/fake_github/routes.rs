//! The fake GitHub's endpoints, in one table. Handlers extract, read the state, and render; the
//! checks every endpoint shares live in [`super::guard`].

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::header::LINK;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, Json, Router};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use super::guard::{error, guard};
use super::model::Issue;
use super::page::{self, Params};
use super::state::{Shared, RATE_LIMIT};

/// Every route of the fake, behind the shared guard.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/repos/{owner}/{repo}/issues", get(list_issues))
        .route("/repos/{owner}/{repo}/issues/{number}", get(get_issue))
        .route("/repos/{owner}/{repo}/pulls/{number}", get(get_pull))
        .route(
            "/repos/{owner}/{repo}/hooks/{hook}/deliveries",
            get(list_deliveries),
        )
        .route(
            "/repos/{owner}/{repo}/hooks/{hook}/deliveries/{delivery}",
            get(get_delivery),
        )
        .route(
            "/repos/{owner}/{repo}/hooks/{hook}/deliveries/{delivery}/attempts",
            post(redeliver),
        )
        .route("/rate_limit", get(rate_limit))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

type AppState = State<Arc<Shared>>;

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Not Found")
}

fn missing() -> Response {
    error(StatusCode::NOT_FOUND, "Not Found")
}

/// `since` as GitHub takes it: an ISO 8601 timestamp, or a bare date.
fn parse_since(raw: &str) -> Option<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(raw, &Rfc3339) {
        return Some(t);
    }
    let date = Date::parse(
        raw,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    Some(date.midnight().assume_utc())
}

async fn list_issues(
    State(shared): AppState,
    Path((owner, repo)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.as_deref());
    let since = match params.get("since").map(parse_since) {
        Some(None) => return error(StatusCode::UNPROCESSABLE_ENTITY, "Validation Failed"),
        Some(Some(t)) => Some(t),
        None => None,
    };
    let state = params.get("state").unwrap_or("open");
    let by_updated = params.get("sort") == Some("updated");
    let ascending = params.get("direction") == Some("asc");
    let full = format!("{owner}/{repo}");

    let (repo_id, mut issues) = {
        let inner = shared.lock();
        let Some(r) = inner.repos.get(&full) else {
            return missing();
        };
        let issues: Vec<Issue> = r
            .issues
            .values()
            .filter(|i| since.is_none_or(|s| i.updated_at >= s))
            .filter(|i| state == "all" || i.state() == state)
            .cloned()
            .collect();
        (r.id, issues)
    };
    issues.sort_by_key(|i| {
        let at = if by_updated {
            i.updated_at
        } else {
            i.created_at
        };
        (at, i.number)
    });
    if !ascending {
        issues.reverse();
    }
    let (items, last) = page::numbered(issues, params.page(), params.per_page());
    let api = &shared.base_url;
    let body: Vec<Value> = items
        .iter()
        .map(|i| i.issue_json(api, &full, repo_id))
        .collect();
    let path = format!("/repos/{full}/issues");
    let links = page::numbered_links(&params, api, &path, params.page(), last);
    with_link(Json(body).into_response(), links)
}

fn with_link(mut response: Response, link: Option<String>) -> Response {
    if let Some(value) = link.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(LINK, value);
    }
    response
}

/// Looks up one issue and renders it with `render`, or answers 404.
fn with_issue(
    shared: &Shared,
    owner: &str,
    repo: &str,
    number: u64,
    render: impl FnOnce(&Issue, &str, u64) -> Option<Value>,
) -> Response {
    let full = format!("{owner}/{repo}");
    let inner = shared.lock();
    let found = inner
        .repos
        .get(&full)
        .and_then(|r| render(r.issues.get(&number)?, &full, r.id));
    match found {
        Some(body) => Json(body).into_response(),
        None => missing(),
    }
}

async fn get_issue(
    State(shared): AppState,
    Path((owner, repo, number)): Path<(String, String, u64)>,
) -> Response {
    let api = shared.base_url.clone();
    let deleted = shared
        .lock()
        .repos
        .get(&format!("{owner}/{repo}"))
        .is_some_and(|r| r.deleted.contains(&number));
    if deleted {
        // GitHub's "Get an issue" answers 410 Gone for a deleted issue.
        return error(StatusCode::GONE, "This issue was deleted");
    }
    with_issue(&shared, &owner, &repo, number, |i, full, id| {
        Some(i.issue_json(&api, full, id))
    })
}

async fn get_pull(
    State(shared): AppState,
    Path((owner, repo, number)): Path<(String, String, u64)>,
) -> Response {
    let api = shared.base_url.clone();
    with_issue(&shared, &owner, &repo, number, |i, full, id| {
        i.pull_json(&api, full, id)
    })
}

async fn list_deliveries(
    State(shared): AppState,
    Path((owner, repo, hook)): Path<(String, String, u64)>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::parse(query.as_deref());
    let per_page = params.per_page();
    let after = page::cursor_id(&params);
    let status = params.get("status");
    let full = format!("{owner}/{repo}");
    let (repo_id, mut deliveries) = {
        let inner = shared.lock();
        let Some(r) = inner.repos.get(&full) else {
            return missing();
        };
        let Some(list) = r.hooks.get(&hook) else {
            return missing();
        };
        (r.id, list.clone())
    };
    // Newest first, like GitHub; the cursor continues below the last id seen.
    deliveries.sort_by_key(|d| std::cmp::Reverse(d.id));
    let mut remaining = deliveries
        .into_iter()
        .filter(|d| after.is_none_or(|a| d.id < a))
        .filter(|d| match status {
            Some("success") => d.succeeded(),
            Some("failure") => !d.succeeded(),
            _ => true,
        })
        .peekable();
    let items: Vec<_> = remaining.by_ref().take(per_page).collect();
    let more = remaining.peek().is_some();
    let body: Vec<Value> = items.iter().map(|d| d.to_json(repo_id)).collect();
    let link = match (more, items.last()) {
        (true, Some(last)) => {
            let path = format!("/repos/{full}/hooks/{hook}/deliveries");
            let next = params.url_with(
                &shared.base_url,
                &path,
                "cursor",
                &page::cursor_after(last.id),
            );
            Some(format!("<{next}>; rel=\"next\""))
        }
        _ => None,
    };
    with_link(Json(body).into_response(), link)
}

async fn get_delivery(
    State(shared): AppState,
    Path((owner, repo, hook, delivery)): Path<(String, String, u64, u64)>,
) -> Response {
    let full = format!("{owner}/{repo}");
    let inner = shared.lock();
    let found = inner.repos.get(&full).and_then(|r| {
        let d = r.hooks.get(&hook)?.iter().find(|d| d.id == delivery)?;
        let mut body = d.to_json(r.id);
        body["request"] = json!({"headers": {"X-GitHub-Delivery": d.guid, "X-GitHub-Event": d.event}, "payload": null});
        body["response"] = json!({"headers": {}, "payload": null});
        Some(body)
    });
    match found {
        Some(body) => Json(body).into_response(),
        None => missing(),
    }
}

async fn redeliver(
    State(shared): AppState,
    Path((owner, repo, hook, delivery)): Path<(String, String, u64, u64)>,
) -> Response {
    let full = format!("{owner}/{repo}");
    let recorded = shared.lock().redeliver(&full, hook, delivery);
    match recorded {
        Some(_) => (StatusCode::ACCEPTED, Json(json!({}))).into_response(),
        None => missing(),
    }
}

async fn rate_limit(State(shared): AppState) -> Response {
    let inner = shared.lock();
    let core = json!({
        "limit": RATE_LIMIT,
        "used": inner.rate_used,
        "remaining": RATE_LIMIT.saturating_sub(inner.rate_used),
        "reset": inner.rate_reset.unix_timestamp(),
    });
    Json(json!({"resources": {"core": core}, "rate": core})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn since_accepts_timestamps_with_offsets_and_bare_dates() {
        assert_eq!(
            parse_since("2026-01-02T03:04:05Z"),
            Some(datetime!(2026-01-02 03:04:05 UTC))
        );
        assert_eq!(
            parse_since("2026-01-02T05:04:05+02:00"),
            Some(datetime!(2026-01-02 03:04:05 UTC))
        );
        assert_eq!(
            parse_since("2026-01-02"),
            Some(datetime!(2026-01-02 00:00 UTC))
        );
        assert_eq!(parse_since("yesterday"), None);
    }
}
