//! Writing issues: `PATCH /repos/{o}/{r}/issues/{n}` (title, state, state_reason, labels,
//! assignees, milestone — GitHub's "Update an issue",
//! <https://docs.github.com/en/rest/issues/issues#update-an-issue>), `GET` of one issue with what
//! PATCH set, and `GET .../milestones`. A change bumps `updated_at` and queues the webhook
//! deliveries GitHub would send for it (`closed`, `reopened`, `edited`, `labeled`/`unlabeled`,
//! `assigned`/`unassigned`, `milestoned`/`demilestoned`; `pull_request` events for pull requests),
//! signed with the hook's secret (see [`super::hook`]); they are sent only when a test asks,
//! to the URL it gave.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::guard::error;
use super::hook::queue_delivery;
use super::model::Issue;
use super::state::{Inner, Shared};

/// What only PATCH sets, by `(repo, number)`, plus the hook target and the delivery outbox.
#[derive(Debug, Default)]
pub struct Writes {
    extras: BTreeMap<(String, u64), Extras>,
    /// Milestones by repository: `(number, title)`.
    pub(super) milestones: BTreeMap<String, Vec<(u64, String)>>,
    pub(super) target: Option<(String, String)>,
    pub(super) outbox: Vec<super::hook::Outgoing>,
    pub(super) next_guid: u64,
    /// Every PATCH body received, in order.
    pub patches: Vec<(String, u64, Value)>,
    /// Each issue's event log (`labeled`, `closed`, `renamed`, …) with when it happened.
    pub(super) events: BTreeMap<(String, u64), Vec<(String, OffsetDateTime)>>,
}

/// The issue event a webhook action is logged as (`GET .../issues/{n}/events`).
pub(super) fn event_name(action: &str) -> Option<&'static str> {
    Some(match action {
        "edited" => "renamed",
        "closed" => "closed",
        "reopened" => "reopened",
        "labeled" => "labeled",
        "unlabeled" => "unlabeled",
        "assigned" => "assigned",
        "unassigned" => "unassigned",
        "milestoned" => "milestoned",
        "demilestoned" => "demilestoned",
        _ => return None,
    })
}

#[derive(Clone, Debug, Default)]
struct Extras {
    state_reason: Option<String>,
    milestone: Option<u64>,
}

impl Inner {
    /// The issue's REST JSON with what PATCH set (state_reason, milestone).
    pub(super) fn issue_with_writes(&self, api: &str, repo: &str, number: u64) -> Option<Value> {
        let r = self.repos.get(repo)?;
        let issue = r.issues.get(&number)?;
        let mut value = issue.issue_json(api, repo, r.id);
        self.overlay(repo, issue, &mut value);
        Some(value)
    }

    pub(super) fn overlay(&self, repo: &str, issue: &Issue, value: &mut Value) {
        let Some(extras) = self.writes.extras.get(&(repo.to_string(), issue.number)) else {
            return;
        };
        if let Some(reason) = &extras.state_reason {
            value["state_reason"] = json!(reason);
        }
        if let Some(number) = extras.milestone {
            let title = self
                .writes
                .milestones
                .get(repo)
                .and_then(|list| list.iter().find(|(n, _)| *n == number))
                .map(|(_, t)| t.clone());
            value["milestone"] = json!({"number": number, "title": title, "state": "open"});
        }
    }
}

pub async fn get_issue(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
) -> Response {
    let full = format!("{owner}/{repo}");
    let deleted = shared
        .lock()
        .repos
        .get(&full)
        .is_some_and(|r| r.deleted.contains(&number));
    if deleted {
        // GitHub's "Get an issue" answers 410 Gone for a deleted issue.
        return error(StatusCode::GONE, "This issue was deleted");
    }
    let found = shared
        .lock()
        .issue_with_writes(&shared.base_url, &full, number);
    match found {
        Some(body) => Json(body).into_response(),
        None => error(StatusCode::NOT_FOUND, "Not Found"),
    }
}

pub async fn list_milestones(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo)): Path<(String, String)>,
) -> Response {
    let full = format!("{owner}/{repo}");
    let inner = shared.lock();
    let list: Vec<Value> = inner
        .writes
        .milestones
        .get(&full)
        .into_iter()
        .flatten()
        .map(|(number, title)| json!({"number": number, "title": title, "state": "open"}))
        .collect();
    Json(list).into_response()
}

/// `GET /repos/{o}/{r}/issues/{n}/events`: the event log, oldest first, paginated by `page`.
pub async fn list_events(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let full = format!("{owner}/{repo}");
    let params = super::page::Params::parse(query.as_deref());
    let inner = shared.lock();
    if !inner
        .repos
        .get(&full)
        .is_some_and(|r| r.issues.contains_key(&number))
    {
        return error(StatusCode::NOT_FOUND, "Not Found");
    }
    let log = inner
        .writes
        .events
        .get(&(full.clone(), number))
        .cloned()
        .unwrap_or_default();
    let all: Vec<Value> = log
        .iter()
        .enumerate()
        .map(|(i, (event, at))| {
            json!({"id": i + 1, "event": event, "created_at": super::model::iso(*at),
                   "actor": {"login": "someone"}})
        })
        .collect();
    let (items, last) = super::page::numbered(all, params.page(), params.per_page());
    let path = format!("/repos/{full}/issues/{number}/events");
    let link = super::page::numbered_links(&params, &shared.base_url, &path, params.page(), last);
    let mut response = Json(items).into_response();
    if let Some(value) = link.and_then(|l| axum::http::HeaderValue::from_str(&l).ok()) {
        response
            .headers_mut()
            .insert(axum::http::header::LINK, value);
    }
    response
}

fn unprocessable(message: &str) -> Response {
    error(StatusCode::UNPROCESSABLE_ENTITY, message)
}

pub async fn update_issue(
    State(shared): State<Arc<Shared>>,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Json(body): Json<Value>,
) -> Response {
    let full = format!("{owner}/{repo}");
    let api = shared.base_url.clone();
    let mut inner = shared.lock();
    inner
        .writes
        .patches
        .push((full.clone(), number, body.clone()));
    let Some(before) = inner
        .repos
        .get(&full)
        .and_then(|r| r.issues.get(&number))
        .cloned()
    else {
        return error(StatusCode::NOT_FOUND, "Not Found");
    };
    let extras_before = inner
        .writes
        .extras
        .get(&(full.clone(), number))
        .cloned()
        .unwrap_or_default();
    let mut issue = before.clone();
    let mut extras = extras_before.clone();
    if let Err(message) = apply(&mut issue, &mut extras, &body, &inner, &full) {
        return unprocessable(&message);
    }
    let actions = actions(&before, &issue, &extras_before, &extras);
    if !actions.is_empty() {
        let now = OffsetDateTime::now_utc();
        // GitHub's timestamps are to the second; keep them strictly increasing per issue.
        issue.updated_at = now.max(before.updated_at + time::Duration::seconds(1));
        if issue.open != before.open {
            issue.closed_at = (!issue.open).then_some(issue.updated_at);
        }
    }
    inner.repo_mut(&full).issues.insert(number, issue.clone());
    inner.writes.extras.insert((full.clone(), number), extras);
    for (action, extra) in actions {
        if let Some(name) = event_name(&action) {
            let log = inner
                .writes
                .events
                .entry((full.clone(), number))
                .or_default();
            log.push((name.to_string(), issue.updated_at));
        }
        queue_delivery(&mut inner, &api, &full, &issue, &action, extra);
    }
    match inner.issue_with_writes(&api, &full, number) {
        Some(json) => Json(json).into_response(),
        None => error(StatusCode::NOT_FOUND, "Not Found"),
    }
}

/// Applies a PATCH body with GitHub's validation.
fn apply(
    issue: &mut Issue,
    extras: &mut Extras,
    body: &Value,
    inner: &Inner,
    repo: &str,
) -> Result<(), String> {
    let Some(object) = body.as_object() else {
        return Err("Problems parsing JSON".into());
    };
    if let Some(title) = object.get("title") {
        match title.as_str() {
            Some(t) if !t.trim().is_empty() => issue.title = t.to_string(),
            _ => return Err("Validation Failed: title cannot be blank".into()),
        }
    }
    if let Some(state) = object.get("state") {
        let merged = issue.pull.as_ref().is_some_and(|p| p.merged_at.is_some());
        match state.as_str() {
            Some("open") if merged => {
                return Err(
                    "Validation Failed: state cannot be changed. The pull request has been merged."
                        .into(),
                )
            }
            Some("open") => issue.open = true,
            Some("closed") => issue.open = false,
            _ => return Err("Validation Failed: state is not included in the list".into()),
        }
    }
    if let Some(reason) = object.get("state_reason") {
        match reason.as_str() {
            None => extras.state_reason = None,
            Some(r @ ("completed" | "not_planned" | "reopened" | "duplicate")) => {
                if issue.pull.is_none() {
                    extras.state_reason = Some(r.to_string())
                }
            }
            Some(_) => {
                return Err("Validation Failed: state_reason is not included in the list".into())
            }
        }
    }
    if let Some(labels) = object.get("labels") {
        let names: Option<Vec<String>> = labels.as_array().map(|items| {
            items
                .iter()
                .filter_map(|l| l.as_str().or_else(|| l.get("name")?.as_str()))
                .map(str::to_string)
                .collect()
        });
        issue.labels = names.ok_or("Validation Failed: labels must be an array")?;
    }
    if let Some(assignees) = object.get("assignees") {
        let logins: Option<Vec<String>> = assignees.as_array().map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        });
        issue.assignees = logins.ok_or("Validation Failed: assignees must be an array")?;
    }
    if let Some(milestone) = object.get("milestone") {
        match milestone.as_u64() {
            None if milestone.is_null() => extras.milestone = None,
            Some(n)
                if inner
                    .writes
                    .milestones
                    .get(repo)
                    .is_some_and(|l| l.iter().any(|(m, _)| *m == n)) =>
            {
                extras.milestone = Some(n)
            }
            _ => return Err("Validation Failed: milestone does not exist".into()),
        }
    }
    Ok(())
}

/// The webhook actions a change causes, each with its extra payload key.
fn actions(before: &Issue, after: &Issue, eb: &Extras, ea: &Extras) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if before.title != after.title {
        out.push((
            "edited".into(),
            json!({"changes": {"title": {"from": before.title}}}),
        ));
    }
    if before.open != after.open {
        let action = if after.open { "reopened" } else { "closed" };
        out.push((action.into(), json!({})));
    }
    for label in after.labels.iter().filter(|l| !before.labels.contains(l)) {
        out.push(("labeled".into(), json!({"label": {"name": label}})));
    }
    for label in before.labels.iter().filter(|l| !after.labels.contains(l)) {
        out.push(("unlabeled".into(), json!({"label": {"name": label}})));
    }
    for login in after
        .assignees
        .iter()
        .filter(|a| !before.assignees.contains(a))
    {
        out.push(("assigned".into(), json!({"assignee": {"login": login}})));
    }
    for login in before
        .assignees
        .iter()
        .filter(|a| !after.assignees.contains(a))
    {
        out.push(("unassigned".into(), json!({"assignee": {"login": login}})));
    }
    if eb.milestone != ea.milestone {
        let action = if ea.milestone.is_some() {
            "milestoned"
        } else {
            "demilestoned"
        };
        out.push((action.into(), json!({})));
    }
    out
}
