//! `notion-relay check` against the emulator, the fake GitHub and moto: a good setup passes with
//! exit 0; each broken one (wrong Notion token, unshared database, missing property, wrong type,
//! missing secret key, bad GitHub token, missing scope, hook without secret) gets a ✗ line with
//! its fix and exit 1; `--fix` adds the missing properties and the next check passes.

use relay_tests::emulator::demo_properties;
use relay_tests::fake_github::{FakeGitHub, Hook};
use serde_json::{json, Value};

use crate::support::cli::{notion_relay, CliRun};
use crate::support::webhook::{Stack, GITHUB_TOKEN, NOTION_TOKEN, WEBHOOK_SECRET};

const REPO: &str = "octo-org/api";
const HOOK: &str = "42";

struct Setup {
    stack: Stack,
    github: FakeGitHub,
    database: String,
}

impl Setup {
    async fn start() -> Setup {
        let stack = Stack::start().await;
        let github = FakeGitHub::start().await.expect("fake GitHub binds");
        github.set_token(Some(GITHUB_TOKEN));
        github.add_hook(
            REPO,
            42,
            Hook::relay("https://example.lambda-url.us-east-1.on.aws/"),
        );
        let database = stack.database();
        Setup {
            stack,
            github,
            database,
        }
    }

    /// The deployed functions' variables, as a user exports them for `check`.
    fn env(&self, extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut env = self.stack.env(&self.database);
        env.retain(|(k, _)| k != "AWS_LAMBDA_LOG_FORMAT");
        env.push(("GITHUB_API_URL".into(), self.github.base_url().to_string()));
        env.push(("GITHUB_HOOK_ID".into(), HOOK.into()));
        env.push(("REPOSITORIES".into(), REPO.into()));
        for (k, v) in extra {
            env.retain(|(name, _)| name != k);
            env.push((k.to_string(), v.to_string()));
        }
        env
    }

    async fn check(&self, args: &[&str], extra: &[(&str, &str)]) -> CliRun {
        let mut all = vec!["check"];
        all.extend_from_slice(args);
        notion_relay(&all, &self.env(extra), None).await
    }

    /// A database with the product schema changed by `edit` (a property removed or retyped).
    fn database_with(&self, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
        let mut properties = demo_properties();
        edit(properties.as_object_mut().expect("an object"));
        self.stack
            .emulator
            .create_database("Edited", properties)
            .expect("database")
            .database_id
    }
}

/// The one ✗ line about `item`, which must name a fix.
fn failure<'a>(run: &'a CliRun, item: &str) -> &'a str {
    let lines: Vec<&str> = run
        .lines("✗")
        .into_iter()
        .filter(|l| l.starts_with(&format!("✗ {item}:")))
        .collect();
    assert_eq!(lines.len(), 1, "one ✗ {item} line:\n{run}");
    assert!(lines[0].contains("→ fix: "), "{}", lines[0]);
    lines[0]
}

#[tokio::test]
async fn a_good_setup_passes_every_item() {
    let setup = Setup::start().await;
    let run = setup.check(&[], &[]).await;
    assert!(run.ok(), "{run}");
    assert!(run.lines("✗").is_empty(), "{run}");
    for item in [
        "✓ Notion token: valid",
        "✓ Notion database:",
        "✓ schema: all 11 properties",
        "✓ GitHub token: valid (relay-operator), scopes: repo, admin:repo_hook",
        "✓ GitHub webhook: hook 42 on octo-org/api: active, secret set",
        "✓ secret:",
        "– delivery queue: skipped (no queue configured",
    ] {
        assert!(run.stdout.contains(item), "{item}:\n{run}");
    }
    assert!(run.stdout.contains("all checks passed"));
    assert!(!run.stdout.contains(NOTION_TOKEN) && !run.stdout.contains(GITHUB_TOKEN));
    assert!(!run.stdout.contains(WEBHOOK_SECRET));
}

#[tokio::test]
async fn each_broken_setup_gets_its_fix_and_a_failing_exit() {
    let setup = Setup::start().await;

    let run = setup.check(&[], &[("NOTION_TOKEN", "secret_wrong")]).await;
    assert_eq!(run.code, Some(1), "{run}");
    let line = failure(&run, "Notion token");
    assert!(
        line.contains("401") && line.contains("my-integrations"),
        "{line}"
    );

    let unshared = "0123456789abcdef0123456789abcdef";
    let run = setup.check(&[], &[("NOTION_DATABASE_ID", unshared)]).await;
    assert_eq!(run.code, Some(1), "{run}");
    let line = failure(&run, "Notion database");
    assert!(
        line.contains("not shared with the integration") && line.contains("Connections"),
        "{line}"
    );

    let wrong_type = setup.database_with(|p| {
        p.insert("Labels".into(), json!({"checkbox": {}}));
    });
    let run = setup
        .check(&[], &[("NOTION_DATABASE_ID", wrong_type.as_str())])
        .await;
    assert_eq!(run.code, Some(1), "{run}");
    let line = failure(&run, "schema");
    assert!(
        line.contains("\"Labels\" is checkbox, the functions need multi_select")
            && line.contains("PROPERTY_LABELS"),
        "{line}"
    );

    let mut secret = json!({"notion_token": NOTION_TOKEN, "github_webhook_secret": WEBHOOK_SECRET});
    setup
        .stack
        .moto
        .put_secret_value(&setup.stack.secret_arn, &secret.to_string())
        .await
        .unwrap();
    let run = setup.check(&[], &[]).await;
    assert_eq!(run.code, Some(1), "{run}");
    let line = failure(&run, "secret");
    assert!(
        line.contains("github_token") && line.contains("notion-relay secret set github_token"),
        "{line}"
    );
    secret["github_token"] = json!(GITHUB_TOKEN);
    setup
        .stack
        .moto
        .put_secret_value(&setup.stack.secret_arn, &secret.to_string())
        .await
        .unwrap();

    let run = setup.check(&[], &[("GITHUB_TOKEN", "ghp_revoked")]).await;
    assert_eq!(run.code, Some(1), "{run}");
    let line = failure(&run, "GitHub token");
    assert!(
        line.contains("401") && line.contains("secret set github_token"),
        "{line}"
    );

    setup.github.set_scopes(Some("read:org"));
    let run = setup.check(&[], &[]).await;
    assert_eq!(run.code, Some(1), "{run}");
    let line = failure(&run, "GitHub token");
    assert!(
        line.contains("lack repo") && line.contains("admin:repo_hook"),
        "{line}"
    );
    setup.github.set_scopes(None);
    let run = setup.check(&[], &[]).await;
    assert!(run.ok(), "a fine-grained token passes, with a note:\n{run}");
    assert!(
        run.stdout.contains("GitHub does not show its permissions"),
        "{run}"
    );

    let mut hook = Hook::relay("https://example.lambda-url.us-east-1.on.aws/");
    hook.has_secret = false;
    setup.github.add_hook(REPO, 42, hook);
    let run = setup.check(&[], &[]).await;
    assert_eq!(run.code, Some(1), "{run}");
    let line = failure(&run, "GitHub webhook");
    assert!(
        line.contains("has no secret") && line.contains("github_webhook_secret"),
        "{line}"
    );
}

#[tokio::test]
async fn fix_adds_the_missing_properties_and_the_next_check_passes() {
    let setup = Setup::start().await;
    let database = setup.database_with(|p| {
        p.remove("Comments");
        p.remove("Issue #");
    });
    let db = [("NOTION_DATABASE_ID", database.as_str())];

    let run = setup.check(&[], &db).await;
    assert_eq!(run.code, Some(1), "{run}");
    let schema: Vec<&str> = run
        .lines("✗ schema:")
        .into_iter()
        .filter(|l| l.contains("→ fix: `notion-relay check --fix` adds it"))
        .collect();
    assert_eq!(schema.len(), 2, "{run}");
    assert!(
        run.stdout.contains("\"Issue #\" (number) is missing"),
        "{run}"
    );
    assert!(
        run.stdout.contains("\"Comments\" (number) is missing"),
        "{run}"
    );
    let updates_before = setup.stack.emulator.count("PATCH", "/v1/databases/");

    let run = setup.check(&["--fix"], &db).await;
    assert!(run.ok(), "{run}");
    assert!(
        run.stdout.contains("✓ schema fix: added Issue #, Comments"),
        "{run}"
    );
    assert_eq!(
        setup.stack.emulator.count("PATCH", "/v1/databases/"),
        updates_before + 1,
        "one database update"
    );

    let run = setup.check(&[], &db).await;
    assert!(run.ok(), "{run}");
}

#[tokio::test]
async fn fix_works_through_the_data_source_under_2025_09_03() {
    let setup = Setup::start().await;
    let database = setup.database_with(|p| {
        p.remove("Assignees");
    });
    let extra = [
        ("NOTION_DATABASE_ID", database.as_str()),
        ("NOTION_VERSION", "2025-09-03"),
    ];
    let run = setup.check(&["--fix"], &extra).await;
    assert!(run.ok(), "{run}");
    assert!(run.stdout.contains("added Assignees"), "{run}");
    assert_eq!(setup.stack.emulator.count("PATCH", "/v1/data_sources/"), 1);
    assert!(setup.check(&[], &extra).await.ok());
}

/// One SQS JSON-protocol call to moto (it does not check signatures, only the scope's service).
async fn sqs(endpoint: &str, action: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{endpoint}/"))
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", format!("AmazonSQS.{action}"))
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0",
        )
        .body(body.to_string())
        .send()
        .await
        .expect("moto answers");
    assert!(response.status().is_success(), "{action}: {response:?}");
    response.json().await.expect("JSON")
}

#[tokio::test]
async fn queue_depths_are_read_and_dead_letters_fail_the_check() {
    let setup = Setup::start().await;
    let endpoint = setup.stack.moto.endpoint().to_string();
    let mut urls = Vec::new();
    for name in ["relay-deliveries.fifo", "relay-dlq"] {
        let mut body = json!({"QueueName": name});
        if name.ends_with(".fifo") {
            body["Attributes"] = json!({"FifoQueue": "true", "ContentBasedDeduplication": "true"});
        }
        let created = sqs(&endpoint, "CreateQueue", body).await;
        urls.push(created["QueueUrl"].as_str().unwrap().to_string());
    }
    let queues = [
        ("DELIVERY_QUEUE_URL", urls[0].as_str()),
        ("DEAD_LETTER_QUEUE_URL", urls[1].as_str()),
    ];
    let run = setup.check(&[], &queues).await;
    assert!(run.ok(), "{run}");
    assert!(
        run.stdout
            .contains("✓ delivery queue: 0 waiting, 0 in flight"),
        "{run}"
    );
    assert!(
        run.stdout
            .contains("✓ dead-letter queue: 0 waiting, 0 in flight"),
        "{run}"
    );

    for n in 0..2 {
        sqs(
            &endpoint,
            "SendMessage",
            json!({"QueueUrl": urls[1], "MessageBody": format!("failed {n}")}),
        )
        .await;
    }
    let run = setup.check(&[], &queues).await;
    assert_eq!(run.code, Some(1), "{run}");
    let line = failure(&run, "dead-letter queue");
    assert!(
        line.contains("2 message(s)") && line.contains("start-message-move-task"),
        "{line}"
    );
}

#[tokio::test]
async fn a_webhook_only_setup_needs_no_github_token() {
    let setup = Setup::start().await;
    let secret = json!({"notion_token": NOTION_TOKEN, "github_webhook_secret": WEBHOOK_SECRET, "github_token": ""});
    setup
        .stack
        .moto
        .put_secret_value(&setup.stack.secret_arn, &secret.to_string())
        .await
        .unwrap();
    let mut env = setup.env(&[]);
    env.retain(|(k, _)| k != "REPOSITORIES" && k != "GITHUB_HOOK_ID");
    let run = notion_relay(&["check"], &env, None).await;
    assert!(run.ok(), "{run}");
    assert!(
        run.stdout
            .contains("– GitHub token: skipped (not set, and not needed"),
        "{run}"
    );
    assert!(
        run.stdout
            .contains("holds notion_token, github_webhook_secret\n"),
        "{run}"
    );
}
