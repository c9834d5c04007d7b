//! `notion-relay init` against the emulator: the database it creates is one the release
//! `github-webhook` binary syncs into without a single warning, under both Notion-Versions; a
//! page not shared with the integration gets how to share it.

use crate::support::cli::{env, notion_relay};
use crate::support::webhook::{
    deliver, fixture, outcome, Delivery, Stack, NOTION_TOKEN, WEBHOOK_SECRET,
};

#[tokio::test]
async fn init_creates_a_database_github_webhook_syncs_into_without_a_warning() {
    let stack = Stack::start().await;
    for version in ["2022-06-28", "2025-09-03"] {
        let parent = stack.emulator.create_root_page("Engineering");
        let url = format!(
            "https://www.notion.so/acme/Engineering-{}?pvs=4",
            parent.replace('-', "")
        );
        let base = stack.emulator.base_url();
        let run = notion_relay(
            &[
                "init",
                "--parent",
                &url,
                "--with",
                "milestone,created,closed,parent",
            ],
            &env(&[
                ("NOTION_API_URL", &base),
                ("NOTION_TOKEN", NOTION_TOKEN),
                ("NOTION_VERSION", version),
            ]),
            None,
        )
        .await;
        assert!(run.ok(), "{version}: {run}");
        let database = run.value("NOTION_DATABASE_ID").expect("the id is printed");
        let undashed = database.replace('-', "");
        assert!(
            run.stdout.contains(&format!(
                "sam deploy --guided --parameter-overrides NotionDatabaseId={undashed} NotionVersion={version}"
            )),
            "{run}"
        );
        let function = stack
            .function_with(&database, &[("NOTION_VERSION", version)])
            .await;
        let response = deliver(
            &function,
            &Delivery::signed(
                WEBHOOK_SECRET,
                "issues",
                fixture("octokit/issues/opened.payload.json"),
            ),
        )
        .await;
        assert_eq!(response.status, 200, "{version}: {}", response.body);
        assert_eq!(outcome(&response), "created");
        let logs = function.logs();
        assert!(
            !logs.contains("\"level\":\"WARN\"") && !logs.contains("\"level\":\"ERROR\""),
            "{version}: the function warned:\n{logs}"
        );
        let pages = stack.live_pages(&database);
        assert_eq!(pages.len(), 1, "{version}");
        let properties = &pages[0]["properties"];
        for name in [
            "Name",
            "Issue #",
            "Status",
            "Labels",
            "URL",
            "Repository",
            "Type",
            "Updated",
            "Assignees",
            "Author",
            "Comments",
            "Milestone",
            "Parent",
        ] {
            assert!(properties.get(name).is_some(), "{version}: {name} missing");
        }
        assert_eq!(properties["Status"]["select"]["name"], "Open");
        assert_eq!(properties["Status"]["select"]["color"], "green");
    }
}

#[tokio::test]
async fn init_under_a_page_not_shared_with_the_integration_says_how_to_share_it() {
    let stack = Stack::start().await;
    let run = notion_relay(
        &["init", "--parent", "0123456789abcdef0123456789abcd00"],
        &env(&[
            ("NOTION_API_URL", &stack.emulator.base_url()),
            ("NOTION_TOKEN", NOTION_TOKEN),
        ]),
        None,
    )
    .await;
    assert_eq!(run.code, Some(1), "{run}");
    assert!(
        run.stderr.contains("not shared with the integration")
            && run.stderr.contains("Connections"),
        "{run}"
    );
    assert_eq!(
        stack.emulator.count("POST", "/v1/databases"),
        1,
        "one refused create"
    );
}

#[tokio::test]
async fn init_refuses_a_parent_without_an_id_before_calling_notion() {
    let stack = Stack::start().await;
    let run = notion_relay(
        &["init", "--parent", "https://www.notion.so/acme/Roadmap"],
        &env(&[
            ("NOTION_API_URL", &stack.emulator.base_url()),
            ("NOTION_TOKEN", NOTION_TOKEN),
        ]),
        None,
    )
    .await;
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("Copy link"), "{run}");
    assert_eq!(stack.emulator.request_count(), 0);
}

#[tokio::test]
async fn every_subcommand_answers_help() {
    for args in [
        vec!["--help"],
        vec!["init", "--help"],
        vec!["check", "--help"],
        vec!["secret", "--help"],
        vec!["secret", "set", "--help"],
        vec!["secret", "show", "--help"],
        vec!["backfill", "--help"],
        vec!["replay", "--help"],
    ] {
        let run = notion_relay(&args, &[], None).await;
        assert!(run.ok(), "{args:?}: {run}");
        assert!(
            run.stdout.contains("Usage: notion-relay"),
            "{args:?}: {run}"
        );
    }
    let run = notion_relay(&["init"], &[], None).await;
    assert_eq!(
        run.code,
        Some(2),
        "a missing --parent is a usage error: {run}"
    );
    assert!(run.stderr.contains("--parent"), "{run}");
}
