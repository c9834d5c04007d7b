//! Environment configuration shared by every function: variable names as constants, their
//! defaults, and small readers that fail with an error naming the variable and the fix.
//!
//! Every reader takes the environment it reads as an argument ([`Env`]): a function's `main`
//! passes [`process_env`], tests pass [`map_env`] instead of mutating the process environment
//! (which is shared by all test threads). There is one reader per rule and no second form.

use std::collections::HashMap;
use std::str::FromStr;

use crate::notion::ApiVersion;

pub const NOTION_API_URL: &str = "NOTION_API_URL";
pub const NOTION_VERSION: &str = "NOTION_VERSION";
pub const NOTION_DATABASE_ID: &str = "NOTION_DATABASE_ID";
pub const SECRET_ID: &str = "SECRET_ID";
pub const NOTION_TOKEN: &str = "NOTION_TOKEN";
pub const GITHUB_WEBHOOK_SECRET: &str = "GITHUB_WEBHOOK_SECRET";
pub const GITHUB_TOKEN: &str = "GITHUB_TOKEN";
pub const GITHUB_API_URL: &str = "GITHUB_API_URL";
pub const REPOSITORIES: &str = "REPOSITORIES";
pub const GITHUB_HOOK_ID: &str = "GITHUB_HOOK_ID";
pub const AWS_ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
/// The Notion webhook subscription's verification token (notion-webhook, two-way sync).
pub const NOTION_WEBHOOK_SECRET: &str = "NOTION_WEBHOOK_SECRET";
/// Queue mode: the SQS FIFO queue `github-webhook` sends deliveries to (unset: direct mode).
pub const DELIVERY_QUEUE_URL: &str = "DELIVERY_QUEUE_URL";
/// The pace of one container's Notion client (requests/s); the template derives it from the
/// deployment's budget and the worker's MaximumConcurrency (`queue::pace`).
pub const NOTION_REQUESTS_PER_SECOND: &str = "NOTION_REQUESTS_PER_SECOND";
/// sync-worker: the deployment's Notion budget (requests/s) and how many workers share it.
pub const NOTION_REQUEST_BUDGET: &str = "NOTION_REQUEST_BUDGET";
pub const WORKER_MAX_CONCURRENCY: &str = "WORKER_MAX_CONCURRENCY";

// Settings read by one function each (scheduled-sync, weekly-digest, notion-oauth).
pub const NOTION_OAUTH_CLIENT_ID: &str = "NOTION_OAUTH_CLIENT_ID";
pub const NOTION_OAUTH_CLIENT_SECRET: &str = "NOTION_OAUTH_CLIENT_SECRET";
pub const NOTION_OAUTH_REDIRECT_URI: &str = "NOTION_OAUTH_REDIRECT_URI";
pub const NOTION_OAUTH_AUTHORIZE_URL: &str = "NOTION_OAUTH_AUTHORIZE_URL";
pub const NOTION_OAUTH_WORKSPACE_ID: &str = "NOTION_OAUTH_WORKSPACE_ID";
pub const NOTION_OAUTH_ALLOW_ANY_WORKSPACE: &str = "NOTION_OAUTH_ALLOW_ANY_WORKSPACE";
pub const NOTION_DIGEST_PARENT_ID: &str = "NOTION_DIGEST_PARENT_ID";
pub const DIGEST_DAYS: &str = "DIGEST_DAYS";
pub const GITHUB_HOOK_REPOSITORY: &str = "GITHUB_HOOK_REPOSITORY";
pub const REDELIVERY_LIMIT: &str = "REDELIVERY_LIMIT";

pub const PROPERTY_NAME: &str = "PROPERTY_NAME";
pub const PROPERTY_NUMBER: &str = "PROPERTY_NUMBER";
pub const PROPERTY_STATUS: &str = "PROPERTY_STATUS";
pub const PROPERTY_LABELS: &str = "PROPERTY_LABELS";
pub const PROPERTY_URL: &str = "PROPERTY_URL";
pub const PROPERTY_REPOSITORY: &str = "PROPERTY_REPOSITORY";
pub const PROPERTY_TYPE: &str = "PROPERTY_TYPE";
pub const PROPERTY_UPDATED: &str = "PROPERTY_UPDATED";
pub const PROPERTY_ASSIGNEES: &str = "PROPERTY_ASSIGNEES";
pub const PROPERTY_AUTHOR: &str = "PROPERTY_AUTHOR";
pub const PROPERTY_COMMENTS: &str = "PROPERTY_COMMENTS";
// Optional properties (written only when the database has them).
pub const PROPERTY_MILESTONE: &str = "PROPERTY_MILESTONE";
pub const PROPERTY_ISSUE_TYPE: &str = "PROPERTY_ISSUE_TYPE";
pub const PROPERTY_PARENT: &str = "PROPERTY_PARENT";
pub const PROPERTY_REVIEWERS: &str = "PROPERTY_REVIEWERS";
pub const PROPERTY_CREATED: &str = "PROPERTY_CREATED";
pub const PROPERTY_CLOSED: &str = "PROPERTY_CLOSED";

pub const DEFAULT_NOTION_API_URL: &str = "https://api.notion.com";
pub const DEFAULT_NOTION_VERSION: &str = "2022-06-28";
pub const DEFAULT_GITHUB_API_URL: &str = "https://api.github.com";

/// A variable that is missing or unusable. The message names the variable and what to set; it
/// never repeats the value, which may be a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {var} is not set (or empty): set it in the function's environment (template.yaml parameters, or your shell for local runs)")]
    Missing { var: &'static str },
    #[error("environment variable {var} is invalid: {reason}; expected {value_hint}")]
    Invalid {
        var: &'static str,
        value_hint: &'static str,
        reason: String,
    },
}

/// Where settings are read from: any `Fn(&str) -> Option<String>` (the variable's raw value).
pub trait Env: Fn(&str) -> Option<String> {}
impl<F: Fn(&str) -> Option<String>> Env for F {}

/// Reads one variable from the process environment; non-UTF-8 counts as unset.
pub fn process_env(var: &str) -> Option<String> {
    std::env::var(var).ok()
}

/// A lookup over a fixed map, for tests and local tooling.
pub fn map_env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |var| map.get(var).cloned()
}

/// The trimmed value, or `None` when unset or blank: a variable set to "" in a SAM template
/// means "not configured", not "configured as empty".
pub fn optional(env: &impl Env, var: &str) -> Option<String> {
    env(var)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

pub fn required(env: &impl Env, var: &'static str) -> Result<String, ConfigError> {
    optional(env, var).ok_or(ConfigError::Missing { var })
}

/// The value, or `default` when unset or blank.
pub fn or_default(env: &impl Env, var: &str, default: &str) -> String {
    optional(env, var).unwrap_or_else(|| default.to_owned())
}

/// An optional value parsed with `FromStr` (e.g. `GITHUB_HOOK_ID` as `u64`); unset is `Ok(None)`,
/// unparsable is `Invalid` with `value_hint` saying what was expected.
pub fn parsed<T: FromStr>(
    env: &impl Env,
    var: &'static str,
    value_hint: &'static str,
) -> Result<Option<T>, ConfigError>
where
    T::Err: std::fmt::Display,
{
    optional(env, var)
        .map(|raw| {
            raw.parse::<T>().map_err(|e| ConfigError::Invalid {
                var,
                value_hint,
                reason: e.to_string(),
            })
        })
        .transpose()
}

/// `NOTION_API_URL`, default the real API (tests and the emulator point it elsewhere).
pub fn notion_api_url(env: &impl Env) -> String {
    or_default(env, NOTION_API_URL, DEFAULT_NOTION_API_URL)
}

/// `GITHUB_API_URL`, default api.github.com (GitHub Enterprise Server: `https://HOST/api/v3`).
pub fn github_api_url(env: &impl Env) -> Result<String, ConfigError> {
    let raw = or_default(env, GITHUB_API_URL, DEFAULT_GITHUB_API_URL);
    http_url(GITHUB_API_URL, &raw)?;
    Ok(raw)
}

/// `value` of `var` as an http(s) URL with a host, the one check of every URL setting.
pub fn http_url(var: &'static str, value: &str) -> Result<url::Url, ConfigError> {
    match url::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => Ok(url),
        _ => Err(ConfigError::Invalid {
            var,
            value_hint: "an http(s) URL with a host, e.g. https://api.github.com",
            reason: format!("{value:?} is not an http(s) URL with a host"),
        }),
    }
}

/// `NOTION_VERSION`, default 2022-06-28: the one reader, so the functions and the CLI accept
/// and refuse the same values with the same message.
pub fn notion_version(env: &impl Env) -> Result<ApiVersion, ConfigError> {
    let raw = or_default(env, NOTION_VERSION, DEFAULT_NOTION_VERSION);
    raw.parse().map_err(|_| ConfigError::Invalid {
        var: NOTION_VERSION,
        value_hint: "2022-06-28, 2025-09-03 or 2026-03-11",
        reason: format!("{raw:?} is not a supported Notion-Version"),
    })
}

const REPOSITORIES_HINT: &str =
    "a list of owner/name separated by commas or whitespace, e.g. \"octo-org/api, octo-org/web\"";

/// `REPOSITORIES` as validated `owner/name` strings, duplicates removed, order kept.
/// Required: scheduled work has nothing to do without it.
pub fn repositories(env: &impl Env) -> Result<Vec<String>, ConfigError> {
    parse_repositories(&required(env, REPOSITORIES)?)
}

/// Parses an `owner/name` list separated by commas and/or whitespace.
pub fn parse_repositories(raw: &str) -> Result<Vec<String>, ConfigError> {
    let mut repos: Vec<String> = Vec::new();
    for entry in raw
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|e| !e.is_empty())
    {
        if !is_repository_name(entry) {
            return Err(ConfigError::Invalid {
                var: REPOSITORIES,
                value_hint: REPOSITORIES_HINT,
                reason: format!("entry {entry:?} is not owner/name"),
            });
        }
        if !repos.iter().any(|r| r.eq_ignore_ascii_case(entry)) {
            repos.push(entry.to_owned());
        }
    }
    if repos.is_empty() {
        return Err(ConfigError::Missing { var: REPOSITORIES });
    }
    Ok(repos)
}

/// GitHub owners and repository names use ASCII letters, digits, `-`, `_` and `.`.
pub fn is_repository_name(entry: &str) -> bool {
    let valid_part = |p: &str| {
        !p.is_empty()
            && p != "."
            && p != ".."
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    matches!(entry.split_once('/'), Some((owner, name)) if valid_part(owner) && valid_part(name))
}

/// Names of the Notion database properties we write; each can be renamed through its
/// `PROPERTY_*` variable to fit an existing database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyNames {
    /// Title property (issue / PR title). Default "Name".
    pub name: String,
    /// Number property, half of the key. Default "Issue #".
    pub number: String,
    pub status: String,
    pub labels: String,
    pub url: String,
    /// Select property, the other half of the key. Default "Repository".
    pub repository: String,
    /// Select "Issue" / "Pull request"; env `PROPERTY_TYPE`. Default "Type".
    pub kind: String,
    pub updated: String,
    pub assignees: String,
    pub author: String,
    pub comments: String,
    /// Optional select. Default "Milestone".
    pub milestone: String,
    /// Optional select of GitHub issue types. Default "Issue type".
    pub issue_type: String,
    /// Optional relation (to this database) of a sub-issue's parent. Default "Parent".
    pub parent: String,
    /// Optional multi-select of a PR's requested reviewers. Default "Reviewers".
    pub reviewers: String,
    /// Optional dates. Defaults "Created" and "Closed".
    pub created: String,
    pub closed: String,
}

impl Default for PropertyNames {
    fn default() -> Self {
        Self::from_env(&|_: &str| None)
    }
}

impl PropertyNames {
    pub fn from_env(env: &impl Env) -> Self {
        let get = |var, default| or_default(env, var, default);
        Self {
            name: get(PROPERTY_NAME, "Name"),
            number: get(PROPERTY_NUMBER, "Issue #"),
            status: get(PROPERTY_STATUS, "Status"),
            labels: get(PROPERTY_LABELS, "Labels"),
            url: get(PROPERTY_URL, "URL"),
            repository: get(PROPERTY_REPOSITORY, "Repository"),
            kind: get(PROPERTY_TYPE, "Type"),
            updated: get(PROPERTY_UPDATED, "Updated"),
            assignees: get(PROPERTY_ASSIGNEES, "Assignees"),
            author: get(PROPERTY_AUTHOR, "Author"),
            comments: get(PROPERTY_COMMENTS, "Comments"),
            milestone: get(PROPERTY_MILESTONE, "Milestone"),
            issue_type: get(PROPERTY_ISSUE_TYPE, "Issue type"),
            parent: get(PROPERTY_PARENT, "Parent"),
            reviewers: get(PROPERTY_REVIEWERS, "Reviewers"),
            created: get(PROPERTY_CREATED, "Created"),
            closed: get(PROPERTY_CLOSED, "Closed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_reports_an_unset_variable_by_name() {
        let env = map_env(&[]);
        let err = required(&env, NOTION_DATABASE_ID).unwrap_err();
        assert_eq!(
            err,
            ConfigError::Missing {
                var: NOTION_DATABASE_ID
            }
        );
        assert!(err.to_string().contains("NOTION_DATABASE_ID"));
    }

    #[test]
    fn required_treats_a_blank_value_as_missing() {
        let env = map_env(&[(NOTION_DATABASE_ID, "  ")]);
        assert!(matches!(
            required(&env, NOTION_DATABASE_ID),
            Err(ConfigError::Missing { .. })
        ));
    }

    #[test]
    fn required_returns_the_trimmed_value() {
        let env = map_env(&[(NOTION_DATABASE_ID, " abc\n")]);
        assert_eq!(required(&env, NOTION_DATABASE_ID).unwrap(), "abc");
    }

    #[test]
    fn optional_and_defaults_fall_back_when_unset() {
        let env = map_env(&[(NOTION_VERSION, "2025-09-03")]);
        assert_eq!(optional(&env, GITHUB_API_URL), None);
        assert_eq!(
            or_default(&env, GITHUB_API_URL, DEFAULT_GITHUB_API_URL),
            "https://api.github.com"
        );
        assert_eq!(
            or_default(&env, NOTION_VERSION, DEFAULT_NOTION_VERSION),
            "2025-09-03"
        );
    }

    #[test]
    fn parsed_reads_a_hook_id_and_rejects_garbage_naming_the_variable() {
        let ok = map_env(&[(GITHUB_HOOK_ID, "12345")]);
        assert_eq!(
            parsed::<u64>(&ok, GITHUB_HOOK_ID, "a number").unwrap(),
            Some(12345)
        );
        let unset = map_env(&[]);
        assert_eq!(
            parsed::<u64>(&unset, GITHUB_HOOK_ID, "a number").unwrap(),
            None
        );
        let bad = map_env(&[(GITHUB_HOOK_ID, "hook-1")]);
        let err = parsed::<u64>(&bad, GITHUB_HOOK_ID, "a number").unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Invalid {
                var: GITHUB_HOOK_ID,
                ..
            }
        ));
        assert!(err.to_string().contains("GITHUB_HOOK_ID"));
    }

    #[test]
    fn notion_version_defaults_and_refuses_an_unknown_version_naming_the_variable() {
        assert_eq!(
            notion_version(&map_env(&[])).unwrap(),
            ApiVersion::V2022_06_28
        );
        assert_eq!(
            notion_version(&map_env(&[(NOTION_VERSION, " 2026-03-11 ")])).unwrap(),
            ApiVersion::V2026_03_11
        );
        let err = notion_version(&map_env(&[(NOTION_VERSION, "2024-01-01")])).unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Invalid {
                var: NOTION_VERSION,
                ..
            }
        ));
        assert!(err.to_string().contains("2026-03-11"), "{err}");
    }

    #[test]
    fn repositories_accept_commas_and_whitespace_and_drop_duplicates() {
        let env = map_env(&[(
            REPOSITORIES,
            "octo/api, octo/web\n other-org/x.y_z  octo/API,",
        )]);
        assert_eq!(
            repositories(&env).unwrap(),
            vec!["octo/api", "octo/web", "other-org/x.y_z"]
        );
    }

    #[test]
    fn repositories_reject_an_entry_without_owner() {
        for raw in ["octo/api, web", "octo/", "/api", "a/b/c", "octo/ap i?"] {
            let err = parse_repositories(raw).unwrap_err();
            assert!(
                matches!(
                    err,
                    ConfigError::Invalid {
                        var: REPOSITORIES,
                        ..
                    }
                ),
                "{raw}: {err}"
            );
        }
    }

    #[test]
    fn repositories_unset_or_only_separators_is_missing() {
        assert_eq!(
            repositories(&map_env(&[])).unwrap_err(),
            ConfigError::Missing { var: REPOSITORIES }
        );
        assert_eq!(
            parse_repositories(" , ,").unwrap_err(),
            ConfigError::Missing { var: REPOSITORIES }
        );
    }

    #[test]
    fn property_names_default_to_the_documented_names() {
        let names = PropertyNames::default();
        assert_eq!(names.name, "Name");
        assert_eq!(names.number, "Issue #");
        assert_eq!(names.status, "Status");
        assert_eq!(names.labels, "Labels");
        assert_eq!(names.url, "URL");
        assert_eq!(names.repository, "Repository");
        assert_eq!(names.kind, "Type");
        assert_eq!(names.updated, "Updated");
        assert_eq!(names.assignees, "Assignees");
        assert_eq!(names.author, "Author");
        assert_eq!(names.comments, "Comments");
    }

    #[test]
    fn property_names_can_be_overridden_one_by_one() {
        let env = map_env(&[(PROPERTY_NAME, "Title"), (PROPERTY_TYPE, "Kind")]);
        let names = PropertyNames::from_env(&env);
        assert_eq!(names.name, "Title");
        assert_eq!(names.kind, "Kind");
        assert_eq!(names.status, "Status");
    }
}
