//! What the fake GitHub stores — issues (some of them pull requests) and webhook deliveries —
//! and how each renders in GitHub's REST shape.

use serde_json::{json, Value};
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// GitHub's timestamp format: UTC, second precision, `Z`.
pub fn iso(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
        ))
        .unwrap_or_default()
}

fn iso_or_null(t: Option<OffsetDateTime>) -> Value {
    t.map_or(Value::Null, |t| Value::String(iso(t)))
}

/// An issue or, when `pull` is set, a pull request (GitHub lists both as issues).
#[derive(Clone, Debug, PartialEq)]
pub struct Issue {
    pub number: u64,
    pub title: String,
    /// `true` for open; a merged pull request is closed.
    pub open: bool,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub author: String,
    pub body: Option<String>,
    pub comments: u64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    pub pull: Option<Pull>,
}

/// What only pull requests have.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pull {
    pub draft: bool,
    pub merged_at: Option<OffsetDateTime>,
    pub head_ref: String,
    pub base_ref: String,
}

impl Issue {
    /// An open issue by `octocat`, created and updated at `updated_at`.
    pub fn new(number: u64, title: &str, updated_at: OffsetDateTime) -> Self {
        Issue {
            number,
            title: title.into(),
            open: true,
            labels: Vec::new(),
            assignees: Vec::new(),
            author: "octocat".into(),
            body: None,
            comments: 0,
            created_at: updated_at,
            updated_at,
            closed_at: None,
            pull: None,
        }
    }

    /// An open, ready pull request.
    pub fn pull_request(number: u64, title: &str, updated_at: OffsetDateTime) -> Self {
        let pull = Pull {
            head_ref: format!("feature-{number}"),
            base_ref: "main".into(),
            ..Pull::default()
        };
        Issue {
            pull: Some(pull),
            ..Issue::new(number, title, updated_at)
        }
    }

    pub fn closed(mut self, at: OffsetDateTime) -> Self {
        self.open = false;
        self.closed_at = Some(at);
        self
    }

    /// Marks a pull request merged (and closed) at `at`; no effect on a plain issue.
    pub fn merged(mut self, at: OffsetDateTime) -> Self {
        if let Some(pull) = &mut self.pull {
            pull.merged_at = Some(at);
            pull.draft = false;
            self.open = false;
            self.closed_at = Some(at);
        }
        self
    }

    pub fn draft(mut self) -> Self {
        if let Some(pull) = &mut self.pull {
            pull.draft = true;
        }
        self
    }

    pub fn label(mut self, name: &str) -> Self {
        self.labels.push(name.into());
        self
    }

    pub fn assignee(mut self, login: &str) -> Self {
        self.assignees.push(login.into());
        self
    }

    pub fn author(mut self, login: &str) -> Self {
        self.author = login.into();
        self
    }

    pub fn body(mut self, body: &str) -> Self {
        self.body = Some(body.into());
        self
    }

    pub fn comments(mut self, n: u64) -> Self {
        self.comments = n;
        self
    }

    pub fn created(mut self, at: OffsetDateTime) -> Self {
        self.created_at = at;
        self
    }

    pub fn is_pull(&self) -> bool {
        self.pull.is_some()
    }

    pub fn state(&self) -> &'static str {
        if self.open {
            "open"
        } else {
            "closed"
        }
    }

    fn html_url(&self, repo: &str) -> String {
        let kind = if self.is_pull() { "pull" } else { "issues" };
        format!("https://github.com/{repo}/{kind}/{}", self.number)
    }

    fn common(&self, api: &str, repo: &str, repo_id: u64) -> Value {
        let user = |login: &str| {
            json!({"login": login, "id": login_id(login), "type": "User",
                   "html_url": format!("https://github.com/{login}")})
        };
        let labels: Vec<_> = self
            .labels
            .iter()
            .map(|name| json!({"id": login_id(name), "name": name, "color": "ededed", "default": false, "description": null}))
            .collect();
        let assignees: Vec<_> = self.assignees.iter().map(|a| user(a)).collect();
        json!({
            "id": repo_id * 1_000_000 + self.number,
            "node_id": format!("I_fake{repo_id}_{}", self.number),
            "number": self.number,
            "title": self.title,
            "state": self.state(),
            "locked": false,
            "labels": labels,
            "assignee": assignees.first().cloned().unwrap_or(Value::Null),
            "assignees": assignees,
            "milestone": null,
            "user": user(&self.author),
            "author_association": "MEMBER",
            "html_url": self.html_url(repo),
            "repository_url": format!("{api}/repos/{repo}"),
            "body": self.body,
            "comments": self.comments,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "closed_at": iso_or_null(self.closed_at),
        })
    }

    /// The object `GET /repos/{o}/{r}/issues` returns for this issue or pull request.
    pub fn issue_json(&self, api: &str, repo: &str, repo_id: u64) -> Value {
        let mut value = self.common(api, repo, repo_id);
        let url = format!("{api}/repos/{repo}/issues/{}", self.number);
        value["url"] = json!(url);
        value["comments_url"] = json!(format!("{url}/comments"));
        value["state_reason"] = match (self.open, &self.pull) {
            (false, None) => json!("completed"),
            _ => Value::Null,
        };
        if let Some(pull) = &self.pull {
            value["draft"] = json!(pull.draft);
            value["pull_request"] = json!({
                "url": format!("{api}/repos/{repo}/pulls/{}", self.number),
                "html_url": self.html_url(repo),
                "diff_url": format!("{}.diff", self.html_url(repo)),
                "patch_url": format!("{}.patch", self.html_url(repo)),
                "merged_at": iso_or_null(pull.merged_at),
            });
        }
        value
    }

    /// The object `GET /repos/{o}/{r}/pulls/{n}` returns; `None` for a plain issue.
    pub fn pull_json(&self, api: &str, repo: &str, repo_id: u64) -> Option<Value> {
        let pull = self.pull.as_ref()?;
        let mut value = self.common(api, repo, repo_id);
        value["url"] = json!(format!("{api}/repos/{repo}/pulls/{}", self.number));
        value["issue_url"] = json!(format!("{api}/repos/{repo}/issues/{}", self.number));
        value["draft"] = json!(pull.draft);
        value["merged"] = json!(pull.merged_at.is_some());
        value["merged_at"] = iso_or_null(pull.merged_at);
        value["mergeable"] = Value::Null;
        value["head"] = json!({"ref": pull.head_ref, "sha": format!("{:040x}", self.number)});
        value["base"] = json!({"ref": pull.base_ref});
        Some(value)
    }
}

/// A stable small id for a login or label name.
fn login_id(name: &str) -> u64 {
    name.bytes().fold(1469598103u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(1099511628211)
    }) % 100_000_000
}

/// One webhook delivery attempt, as `GET /repos/{o}/{r}/hooks/{id}/deliveries` lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    /// Assigned by the server when 0.
    pub id: u64,
    /// `X-GitHub-Delivery`; a redelivery reuses it.
    pub guid: String,
    pub delivered_at: OffsetDateTime,
    pub redelivery: bool,
    pub duration: f64,
    pub status_code: u16,
    pub event: String,
    pub action: Option<String>,
}

impl Delivery {
    pub fn new(
        guid: &str,
        event: &str,
        action: Option<&str>,
        status_code: u16,
        at: OffsetDateTime,
    ) -> Self {
        Delivery {
            id: 0,
            guid: guid.into(),
            delivered_at: at,
            redelivery: false,
            duration: 0.27,
            status_code,
            event: event.into(),
            action: action.map(Into::into),
        }
    }

    pub fn succeeded(&self) -> bool {
        (200..300).contains(&self.status_code)
    }

    /// GitHub's status text: `OK`, or why the delivery failed.
    pub fn status(&self) -> String {
        match self.status_code {
            0 => "timed out".into(),
            200..=299 => "OK".into(),
            code => format!("Invalid HTTP Response: {code}"),
        }
    }

    pub fn to_json(&self, repository_id: u64) -> Value {
        json!({
            "id": self.id,
            "guid": self.guid,
            "delivered_at": iso(self.delivered_at),
            "redelivery": self.redelivery,
            "duration": self.duration,
            "status": self.status(),
            "status_code": self.status_code,
            "event": self.event,
            "action": self.action,
            "installation_id": null,
            "repository_id": repository_id,
            "throttled_at": null,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const API: &str = "http://gh";

    #[test]
    fn timestamps_render_in_utc_to_the_second() {
        assert_eq!(
            iso(datetime!(2026-03-01 10:15:30.75 +02:00)),
            "2026-03-01T08:15:30Z"
        );
    }

    #[test]
    fn a_merged_pull_request_lists_as_a_closed_issue_with_pull_request_links() {
        let t = datetime!(2026-01-02 03:04:05 UTC);
        let pr = Issue::pull_request(7, "Fix", t).label("bug").merged(t);
        let json = pr.issue_json(API, "o/r", 1);
        assert_eq!(json["state"], "closed");
        assert_eq!(json["labels"][0]["name"], "bug");
        assert_eq!(json["pull_request"]["merged_at"], "2026-01-02T03:04:05Z");
        assert_eq!(json["pull_request"]["url"], "http://gh/repos/o/r/pulls/7");
        assert_eq!(json["html_url"], "https://github.com/o/r/pull/7");
        assert_eq!(json["draft"], false);
    }

    #[test]
    fn a_plain_issue_has_no_pull_request_key_and_no_pull_object() {
        let issue = Issue::new(1, "Bug", datetime!(2026-01-01 00:00 UTC)).assignee("ana");
        let json = issue.issue_json(API, "o/r", 1);
        assert!(json.get("pull_request").is_none());
        assert_eq!(json["assignee"]["login"], "ana");
        assert_eq!(json["closed_at"], Value::Null);
        assert!(issue.pull_json(API, "o/r", 1).is_none());
    }

    #[test]
    fn a_draft_pull_object_says_draft_and_not_merged() {
        let pr = Issue::pull_request(3, "WIP", datetime!(2026-01-01 00:00 UTC)).draft();
        let json = pr.pull_json(API, "o/r", 1).unwrap();
        assert_eq!(
            (json["draft"].clone(), json["merged"].clone()),
            (json!(true), json!(false))
        );
        assert_eq!(json["state"], "open");
    }

    #[test]
    fn failed_deliveries_explain_their_status() {
        let d = Delivery::new(
            "g",
            "issues",
            Some("opened"),
            503,
            datetime!(2026-01-01 00:00 UTC),
        );
        assert_eq!(d.status(), "Invalid HTTP Response: 503");
        assert!(!d.succeeded());
        assert_eq!(d.to_json(9)["repository_id"], 9);
    }
}
