//! What a page should look like: readers for the emulator's page JSON, and the row a GitHub
//! payload should produce, derived from the payload here (independently of `notion_relay`'s own
//! mapping) as PRODUCT.md describes it, so a mapping bug shows up as a mismatch.

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

// ---- reading emulator pages ----------------------------------------------------------------------

fn prop<'a>(page: &'a Value, name: &str) -> &'a Value {
    &page["properties"][name]
}

fn joined_text(items: &Value) -> String {
    items
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["plain_text"].as_str()).collect())
        .unwrap_or_default()
}

pub fn title(page: &Value) -> String {
    joined_text(&prop(page, "Name")["title"])
}

/// The link of the title's first text item.
pub fn title_link(page: &Value) -> Option<String> {
    let first = &prop(page, "Name")["title"][0];
    first["text"]["link"]["url"]
        .as_str()
        .or_else(|| first["href"].as_str())
        .map(str::to_string)
}

pub fn select(page: &Value, name: &str) -> Option<String> {
    prop(page, name)["select"]["name"]
        .as_str()
        .map(str::to_string)
}

pub fn multi_select(page: &Value, name: &str) -> Vec<String> {
    let mut names: Vec<String> = prop(page, name)["multi_select"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|o| o["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

pub fn number_prop(page: &Value, name: &str) -> Option<f64> {
    prop(page, name)["number"].as_f64()
}

pub fn rich_text(page: &Value, name: &str) -> String {
    joined_text(&prop(page, name)["rich_text"])
}

pub fn url_prop(page: &Value, name: &str) -> Option<String> {
    prop(page, name)["url"].as_str().map(str::to_string)
}

pub fn date_start(page: &Value, name: &str) -> Option<OffsetDateTime> {
    prop(page, name)["date"]["start"]
        .as_str()
        .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
}

// ---- what a payload should produce ----------------------------------------------------------------

/// The row a payload should leave. `None` fields are ones the payload does not carry: the sync
/// must leave them as they were.
#[derive(Clone, Debug, PartialEq)]
pub struct Expected {
    pub name: String,
    pub number: u64,
    pub kind: &'static str,
    pub status: Option<&'static str>,
    pub labels: Option<Vec<String>>,
    pub url: String,
    pub repository: String,
    pub updated_at: OffsetDateTime,
    pub assignees: Option<Vec<String>>,
    pub author: Option<String>,
    pub comments: Option<u64>,
}

/// Notion option names: no commas, trimmed, non-empty, first of duplicates, at most 100.
pub fn option_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let clean = name.replace(',', "").trim().to_string();
        if !clean.is_empty() && !out.contains(&clean) {
            out.push(clean);
        }
    }
    out.truncate(100);
    out
}

fn logins(users: &Value) -> Option<Vec<String>> {
    users
        .as_array()
        .map(|a| option_names(a.iter().filter_map(|u| u["login"].as_str())))
}

/// The issue or pull request object of an `issues` / `issue_comment` / `pull_request` payload,
/// mapped as PRODUCT.md says.
pub fn expected(event: &str, payload: &Value) -> Expected {
    let object = if event == "pull_request" {
        &payload["pull_request"]
    } else {
        &payload["issue"]
    };
    let listed_pr = object.get("pull_request").is_some_and(|v| !v.is_null());
    let is_pr = event == "pull_request" || listed_pr;
    let merged = if event == "pull_request" {
        object["merged"] == true || !object["merged_at"].is_null()
    } else {
        listed_pr && !object["pull_request"]["merged_at"].is_null()
    };
    let draft = is_pr && object["draft"] == true;
    let status = match object["state"].as_str() {
        Some("open") if draft => Some("Draft"),
        Some("open") => Some("Open"),
        Some("closed") if merged => Some("Merged"),
        Some("closed") => Some("Closed"),
        _ => None,
    };
    let labels = object["labels"].as_array().map(|a| {
        option_names(
            a.iter()
                .filter_map(|l| l["name"].as_str())
                .filter(|n| !n.is_empty()),
        )
    });
    let assignees = logins(&object["assignees"]).or_else(|| {
        object["assignee"]["login"]
            .as_str()
            .map(|l| vec![l.to_string()])
    });
    let updated_at = object["updated_at"]
        .as_str()
        .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
        .expect("payload has updated_at");
    Expected {
        name: object["title"].as_str().expect("title").to_string(),
        number: object["number"].as_u64().expect("number"),
        kind: if is_pr { "Pull request" } else { "Issue" },
        status,
        labels,
        url: object["html_url"].as_str().expect("html_url").to_string(),
        repository: payload["repository"]["full_name"]
            .as_str()
            .expect("repository.full_name")
            .to_string(),
        updated_at,
        assignees,
        author: object["user"]["login"].as_str().map(str::to_string),
        comments: object["comments"].as_u64(),
    }
}

fn minute(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_second(0)
        .and_then(|t| t.replace_nanosecond(0))
        .expect("valid time")
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Checks every property `expected` knows; `None` fields are not checked.
pub fn assert_page(page: &Value, expected: &Expected, context: &str) {
    let ctx = |what: &str| format!("{context}: {what} of {}", page["id"]);
    assert_eq!(title(page), expected.name, "{}", ctx("Name"));
    let link = title_link(page).unwrap_or_default();
    assert!(
        link.starts_with(&format!("{}#updated=", expected.url)),
        "{}: {link}",
        ctx("title link")
    );
    assert_eq!(
        number_prop(page, "Issue #"),
        Some(expected.number as f64),
        "{}",
        ctx("Issue #")
    );
    assert_eq!(
        select(page, "Type").as_deref(),
        Some(expected.kind),
        "{}",
        ctx("Type")
    );
    assert_eq!(
        select(page, "Repository"),
        Some(expected.repository.clone()),
        "{}",
        ctx("Repository")
    );
    assert_eq!(
        url_prop(page, "URL"),
        Some(expected.url.clone()),
        "{}",
        ctx("URL")
    );
    assert_eq!(
        date_start(page, "Updated"),
        Some(minute(expected.updated_at)),
        "{}",
        ctx("Updated")
    );
    if let Some(status) = expected.status {
        assert_eq!(
            select(page, "Status").as_deref(),
            Some(status),
            "{}",
            ctx("Status")
        );
    }
    if let Some(labels) = &expected.labels {
        assert_eq!(
            multi_select(page, "Labels"),
            sorted(labels.clone()),
            "{}",
            ctx("Labels")
        );
    }
    if let Some(assignees) = &expected.assignees {
        assert_eq!(
            multi_select(page, "Assignees"),
            sorted(assignees.clone()),
            "{}",
            ctx("Assignees")
        );
    }
    if let Some(author) = &expected.author {
        assert_eq!(&rich_text(page, "Author"), author, "{}", ctx("Author"));
    }
    if let Some(comments) = expected.comments {
        assert_eq!(
            number_prop(page, "Comments"),
            Some(comments as f64),
            "{}",
            ctx("Comments")
        );
    }
}

/// Sets the issue (or PR) object's number, `updated_at` and title, for payloads made from an
/// octokit example: distinct keys per test, controlled ordering.
pub fn retarget(payload: &mut Value, number: u64, updated_at: &str) {
    let object = if payload.get("pull_request").is_some() && payload.get("issue").is_none() {
        "pull_request"
    } else {
        "issue"
    };
    let repo = payload["repository"]["full_name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let kind = if object == "pull_request" {
        "pull"
    } else {
        "issues"
    };
    let o = &mut payload[object];
    o["number"] = json!(number);
    o["updated_at"] = json!(updated_at);
    o["html_url"] = json!(format!("https://github.com/{repo}/{kind}/{number}"));
    if object == "pull_request" {
        payload["number"] = json!(number);
    }
}
