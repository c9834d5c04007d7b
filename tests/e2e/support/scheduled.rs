//! Shared set-up for the `scheduled-sync` end-to-end tests: a Notion emulator with the demo
//! database, a fake GitHub holding the repositories, a `moto_server` whose secret holds the
//! Notion and GitHub tokens, and the RELEASE binary run through the Lambda Runtime API harness.
//! What a page should hold is derived here from the fake GitHub's issue, independently of the
//! crate's mapping.

use std::collections::BTreeMap;
use std::time::Duration;

use notion_relay::config::PropertyNames;
use notion_relay::github::GitHubClient;
use notion_relay::notion::{
    ApiVersion, DatabaseId, NotionClient, NotionConfig, Page, PropertyValue,
};
use notion_relay::sync::{BoundSchema, Reconciler, RepoReport, RepoStatus, Syncer};
use relay_tests::emulator::{Emulator, EmulatorConfig, RequestRecord};
use relay_tests::fake_github::{iso, FakeGitHub, Issue};
use relay_tests::lambda::{release_binary, LambdaFunction};
use relay_tests::moto::MotoServer;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

pub const REPO: &str = "octo-org/api";
/// Distinctive values, so a leak into a log is found by a plain substring search.
pub const NOTION_TOKEN: &str = "secret_e2eScheduledNotion4Kd8";
pub const GITHUB_TOKEN: &str = "ghp_e2eScheduledGithub7Wq2";
const SECRET_NAME: &str = "notion-relay/scheduled-e2e";
/// Long enough for any run in these tests; the deadline test sets its own.
pub const LONG: Duration = Duration::from_secs(300);

/// The scheduled event as `sam local invoke` sends it.
pub fn scheduled_event() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../events/scheduled-event.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("scheduled event is JSON")
}

/// Two days ago at hh:mm:30, so minute truncation matters and generated items stay in the past.
pub fn two_days_ago() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc() - time::Duration::days(2);
    t.replace_second(30)
        .and_then(|t| t.replace_nanosecond(0))
        .expect("valid time")
}

pub struct Rig {
    pub notion: Emulator,
    pub github: FakeGitHub,
    pub moto: MotoServer,
    pub database_id: String,
    secret_arn: String,
}

impl Rig {
    pub async fn start() -> Rig {
        let notion = Emulator::start(EmulatorConfig {
            token: NOTION_TOKEN.to_string(),
            ..EmulatorConfig::default()
        })
        .await
        .expect("emulator binds");
        let database_id = notion
            .create_demo_database()
            .expect("demo database")
            .database_id;
        let github = FakeGitHub::start().await.expect("fake GitHub binds");
        github.set_token(Some(GITHUB_TOKEN));
        let moto = MotoServer::start().await.unwrap_or_else(|e| panic!("{e}"));
        let secret = json!({"notion_token": NOTION_TOKEN, "github_token": GITHUB_TOKEN});
        let secret_arn = moto
            .create_secret(SECRET_NAME, &secret.to_string())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        Rig {
            notion,
            github,
            moto,
            database_id,
            secret_arn,
        }
    }

    /// The function's environment: where things are, no secret values.
    pub fn env(&self, repositories: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut env = vec![
            ("NOTION_API_URL".to_string(), self.notion.base_url()),
            ("NOTION_DATABASE_ID".to_string(), self.database_id.clone()),
            ("SECRET_ID".to_string(), self.secret_arn.clone()),
            (
                "GITHUB_API_URL".to_string(),
                self.github.base_url().to_string(),
            ),
            ("REPOSITORIES".to_string(), repositories.to_string()),
            ("AWS_LAMBDA_LOG_FORMAT".to_string(), "JSON".to_string()),
        ];
        env.extend(self.moto.aws_env());
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        env
    }

    /// A warm container of the release `scheduled-sync` binary.
    pub async fn function(&self, repositories: &str, extra: &[(&str, &str)]) -> LambdaFunction {
        LambdaFunction::spawn(
            &release_binary("scheduled-sync"),
            &self.env(repositories, extra),
        )
        .await
        .expect("scheduled-sync starts")
    }

    /// The rows of the database as the crate reads them (archived included).
    pub fn pages(&self) -> Vec<Page> {
        self.notion
            .pages_in(&self.database_id)
            .into_iter()
            .map(|p| serde_json::from_value(p).expect("page parses"))
            .collect()
    }

    /// Live rows by issue number; panics on a duplicate.
    pub fn live_by_number(&self) -> BTreeMap<u64, Page> {
        let mut rows = BTreeMap::new();
        for page in self.pages().into_iter().filter(|p| !p.is_archived()) {
            let number = page
                .property("Issue #")
                .and_then(PropertyValue::as_number)
                .expect("every row has a number") as u64;
            assert!(
                rows.insert(number, page).is_none(),
                "two live pages for #{number}"
            );
        }
        rows
    }

    /// Backfills `repo` in-process with the crate's reconciler and an unpaced client (fast
    /// seeding of large databases), then clears both request logs.
    pub async fn seed(&self, repo: &str) -> RepoReport {
        let mut config = NotionConfig::new(
            self.notion.base_url(),
            NOTION_TOKEN,
            ApiVersion::V2022_06_28,
        );
        config.requests_per_second = 10_000.0;
        config.burst = 1_000;
        let notion = NotionClient::new(config).expect("client");
        let database = DatabaseId::new(self.database_id.clone());
        let db = notion.retrieve_database(&database).await.expect("database");
        let schema = BoundSchema::bind(&db, &PropertyNames::default()).expect("schema binds");
        let github = GitHubClient::new(
            self.github.base_url(),
            Some(GITHUB_TOKEN.into()),
            "relay-tests",
        )
        .expect("GitHub client");
        let reconciler = Reconciler {
            syncer: Syncer {
                notion: &notion,
                database: &database,
                schema: &schema,
            },
            github: &github,
        };
        let report = reconciler.reconcile(repo, None).await;
        assert_eq!(report.status, RepoStatus::Complete, "{report:?}");
        self.notion.reset_log();
        self.github.reset_requests();
        report
    }
}

/// Invokes with the scheduled event and returns the answer, failing on a function error.
pub async fn run(function: &LambdaFunction, timeout: Duration) -> Value {
    let answer = function
        .invoke(scheduled_event(), timeout)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.error, None, "{}", function.logs());
    answer.payload
}

/// Notion writes among `requests`: creates and page updates (archives included).
pub fn writes(requests: &[RequestRecord]) -> Vec<&RequestRecord> {
    requests
        .iter()
        .filter(|r| {
            (r.method == "POST" && r.path == "/v1/pages")
                || (r.method == "PATCH" && r.path.starts_with("/v1/pages/"))
        })
        .collect()
}

/// The select name, option names, text or number a page holds for `property`.
pub fn text(page: &Page, property: &str) -> Option<String> {
    match page.property(property)? {
        PropertyValue::Select(s) => s.clone(),
        other => other.plain_text(),
    }
}

pub fn options(page: &Page, property: &str) -> Vec<String> {
    match page.property(property) {
        Some(PropertyValue::MultiSelect(names)) => names.clone(),
        _ => Vec::new(),
    }
}

/// Asserts that `page` holds what GitHub says about `issue` (derived from the fake's model).
pub fn assert_page_matches(page: &Page, issue: &Issue, repo: &str) {
    let n = issue.number;
    let (kind, url_kind) = match issue.pull {
        Some(_) => ("Pull request", "pull"),
        None => ("Issue", "issues"),
    };
    let status = match (&issue.pull, issue.open) {
        (Some(pull), true) if pull.draft => "Draft",
        (_, true) => "Open",
        (Some(pull), false) if pull.merged_at.is_some() => "Merged",
        (_, false) => "Closed",
    };
    let url = format!("https://github.com/{repo}/{url_kind}/{n}");
    assert_eq!(page.title(), issue.title, "#{n} title");
    let Some(PropertyValue::Title(title)) = page.property("Name") else {
        panic!("#{n} has no title")
    };
    // The link also records the body hash (`&body=…`), which this suite does not model.
    assert_eq!(
        title[0]
            .link
            .as_deref()
            .and_then(|l| l.split("&body=").next()),
        Some(format!("{url}#updated={}", iso(issue.updated_at)).as_str()),
        "#{n} title link"
    );
    assert_eq!(text(page, "Status").as_deref(), Some(status), "#{n} status");
    assert_eq!(text(page, "Type").as_deref(), Some(kind), "#{n} type");
    assert_eq!(
        text(page, "Repository").as_deref(),
        Some(repo),
        "#{n} repository"
    );
    assert_eq!(
        page.property("URL"),
        Some(&PropertyValue::Url(Some(url))),
        "#{n} url"
    );
    // Notion refuses commas in option names.
    let labels: Vec<String> = issue.labels.iter().map(|l| l.replace(',', "")).collect();
    assert_eq!(options(page, "Labels"), labels, "#{n} labels");
    assert_eq!(
        options(page, "Assignees"),
        issue.assignees,
        "#{n} assignees"
    );
    assert_eq!(
        text(page, "Author").as_deref(),
        Some(issue.author.as_str()),
        "#{n} author"
    );
    assert_eq!(
        page.property("Comments").and_then(PropertyValue::as_number),
        Some(issue.comments as f64),
        "#{n} comments"
    );
    let updated = page
        .property("Updated")
        .and_then(PropertyValue::as_date)
        .and_then(|d| OffsetDateTime::parse(&d.start, &Rfc3339).ok())
        .unwrap_or_else(|| panic!("#{n} has no Updated date"))
        .to_offset(UtcOffset::UTC);
    let minute = issue.updated_at.replace_second(0).expect("minute");
    assert_eq!(updated, minute, "#{n} Updated (to the minute)");
}
