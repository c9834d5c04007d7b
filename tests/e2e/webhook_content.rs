//! github-webhook (release binary) with the content real Notion refused (issue 9, "Why"), the
//! emulator enforcing Notion's limits: every case syncs and every write is accepted, under each
//! Notion-Version. Then the body kept current (the optional fields: `webhook_fields.rs`).

use serde_json::{json, Value};

use crate::support::content::{content, payload, sync, text_of};
use crate::support::expect::{multi_select, retarget, title_link};
use crate::support::webhook::Stack;

const VERSIONS: [&str; 3] = ["2022-06-28", "2025-09-03", "2026-03-11"];

fn object(payload: &mut Value) -> &mut Value {
    if payload.get("issue").is_some() {
        &mut payload["issue"]
    } else {
        &mut payload["pull_request"]
    }
}

/// `(creates, appends)` among `records`.
fn content_writes(records: &[relay_tests::emulator::RequestRecord]) -> (usize, usize) {
    let creates = records
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/v1/pages")
        .count();
    let appends = records
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.ends_with("/children"))
        .count();
    (creates, appends)
}

fn links(blocks: &[(Value, Vec<Value>)]) -> Vec<String> {
    blocks
        .iter()
        .flat_map(|(b, _)| {
            let kind = b["type"].as_str().unwrap_or_default().to_owned();
            b[kind]["rich_text"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|t| t["href"].as_str().map(str::to_owned))
        })
        .collect()
}

#[tokio::test]
async fn every_case_real_notion_refused_syncs_under_every_version() {
    for version in VERSIONS {
        let stack = Stack::start().await;
        let db = stack.database();
        let function = stack
            .function_with(&db, &[("NOTION_VERSION", version)])
            .await;

        // Relative, anchor, image and empty links in a PR description.
        let mut pr = payload("pull_request", "opened", 10, "2026-03-01T10:00:00Z");
        pr["pull_request"]["body"] = json!("See [setup](../docs/setup.md) and [top](#top), [x]() [js](javascript:void(0)).\n\n![shot](./screenshot.png)\n\nFixes #3, thanks @octocat.");
        let answer = sync(&stack, &function, "pull_request", &pr).await;
        let page = answer["page_id"].as_str().unwrap().to_owned();
        let blocks = content(&stack, &page).await;
        let repo = pr["repository"]["full_name"].as_str().unwrap();
        let branch = pr["repository"]["default_branch"].as_str().unwrap();
        assert_eq!(
            links(&blocks),
            [
                format!("https://github.com/{repo}/blob/{branch}/docs/setup.md"),
                format!("https://github.com/{repo}/pull/10#top"),
                format!("https://github.com/{repo}/issues/3"),
                "https://github.com/octocat".to_string(),
            ],
            "{version}"
        );
        assert!(
            text_of(&blocks[0].0).contains(" x js"),
            "unlinkable text kept"
        );
        let image = blocks
            .iter()
            .find(|(b, _)| b["type"] == "image")
            .expect("image block");
        assert_eq!(
            image.0["image"]["external"]["url"],
            format!("https://github.com/{repo}/blob/{branch}/screenshot.png?raw=true")
        );

        // owner/name of 140 characters and a label of 60 emoji (120 UTF-16 units).
        let long_repo = format!("{}/{}", "o".repeat(39), "n".repeat(100));
        let mut issue = payload("issues", "opened", 11, "2026-03-01T10:00:00Z");
        issue["repository"]["full_name"] = json!(long_repo);
        retarget(&mut issue, 11, "2026-03-01T10:00:00Z");
        issue["issue"]["labels"] = json!([{"name": "😀".repeat(60)}]);
        let first = sync(&stack, &function, "issues", &issue).await;
        assert_eq!(first["outcome"], "created", "{version}");
        issue["issue"]["title"] = json!("Renamed");
        issue["issue"]["updated_at"] = json!("2026-03-01T10:05:00Z");
        let second = sync(&stack, &function, "issues", &issue).await;
        assert_eq!(
            (second["outcome"].as_str(), second["page_id"].as_str()),
            (Some("updated"), first["page_id"].as_str()),
            "the key filter finds the page whose Repository was cut ({version})"
        );
        let cut: String = long_repo.chars().take(100).collect();
        let pages = stack.live_pages_for(&db, &cut, 11);
        assert_eq!(pages.len(), 1);
        assert_eq!(multi_select(&pages[0], "Labels"), ["😀".repeat(50)]);

        // A checklist of 100 steps with 15 sub-steps each: 1,600 blocks.
        let checklist: String = (0..100)
            .map(|i| {
                let subs: String = (0..15).map(|j| format!("  - [ ] step {i}.{j}\n")).collect();
                format!("- [ ] step {i}\n{subs}")
            })
            .collect();
        let mut issue = payload("issues", "opened", 12, "2026-03-01T10:00:00Z");
        issue["issue"]["body"] = json!(checklist);
        let mark = stack.mark();
        let answer = sync(&stack, &function, "issues", &issue).await;
        assert_eq!(
            content_writes(&stack.since(mark)),
            (1, 1),
            "{version}: create + 1 append"
        );
        let blocks = content(&stack, answer["page_id"].as_str().unwrap()).await;
        assert_eq!(blocks.len(), 100, "{version}");
        assert!(blocks
            .iter()
            .all(|(b, c)| b["type"] == "to_do" && c.len() == 15));

        // A 56,000-character CI report: 400 result lines and a 34,000-character log.
        let lines: String = (0..400)
            .map(|i| format!("| job {i:03} | failed | https://ci.example.com/runs/{i}/log |\n\n"))
            .collect();
        let log: String = (0..900)
            .map(|i| format!("{i:05} error: step failed, retrying …\n"))
            .collect();
        let report = format!("# CI report\n\n{lines}```text\n{log}```\n");
        assert!(
            report.chars().count() > 56_000,
            "{}",
            report.chars().count()
        );
        let mut issue = payload("issues", "opened", 13, "2026-03-01T10:00:00Z");
        issue["issue"]["body"] = json!(report);
        let mark = stack.mark();
        let answer = sync(&stack, &function, "issues", &issue).await;
        assert_eq!(
            content_writes(&stack.since(mark)),
            (1, 4),
            "{version}: 402 blocks, 100 a call"
        );
        let blocks = content(&stack, answer["page_id"].as_str().unwrap()).await;
        assert_eq!(blocks.len(), 402, "{version}: heading, 400 lines, the log");
        let code = &blocks[401].0;
        assert_eq!(code["type"], "code");
        assert_eq!(
            text_of(code).chars().count(),
            log.trim_end().chars().count(),
            "the log is whole"
        );

        // An html_url over 2,000 characters.
        let mut issue = payload("issues", "opened", 14, "2026-03-01T10:00:00Z");
        object(&mut issue)["html_url"] = json!(format!(
            "https://github.com/{repo}/issues/14?{}",
            "q".repeat(2100)
        ));
        let answer = sync(&stack, &function, "issues", &issue).await;
        assert_eq!(answer["outcome"], "created");
        let page = stack.page_for(&db, issue["repository"]["full_name"].as_str().unwrap(), 14);
        let link = title_link(&page).unwrap();
        assert!(link.encode_utf16().count() <= 2000);
        assert!(link.contains("/issues/14#updated="), "{link}");
    }
}

#[tokio::test]
async fn a_body_edit_replaces_the_content_and_a_property_edit_leaves_it_alone() {
    for version in VERSIONS {
        let stack = Stack::start().await;
        let db = stack.database();
        let function = stack
            .function_with(&db, &[("NOTION_VERSION", version)])
            .await;
        let mut issue = payload("issues", "opened", 20, "2026-03-01T10:00:00Z");
        issue["issue"]["body"] = json!("First.\n\nSecond.\n\n- a\n- b\n");
        let created = sync(&stack, &function, "issues", &issue).await;
        let page = created["page_id"].as_str().unwrap().to_owned();

        // A label edit: properties only, no block call.
        let mut labeled = issue.clone();
        labeled["action"] = json!("labeled");
        labeled["issue"]["labels"] = json!([{"name": "urgent"}]);
        labeled["issue"]["updated_at"] = json!("2026-03-01T10:01:00Z");
        let mark = stack.mark();
        assert_eq!(
            sync(&stack, &function, "issues", &labeled).await["outcome"],
            "updated"
        );
        let calls = stack.since(mark);
        assert!(
            calls.iter().all(|r| !r.path.starts_with("/v1/blocks/")),
            "{version}: {:?}",
            calls
                .iter()
                .map(|r| format!("{} {}", r.method, r.path))
                .collect::<Vec<_>>()
        );

        // A body edit: the content follows.
        let mut edited = labeled.clone();
        edited["action"] = json!("edited");
        edited["issue"]["body"] = json!("First.\n\nChanged.\n\n- a\n");
        edited["issue"]["updated_at"] = json!("2026-03-01T10:02:00Z");
        let mark = stack.mark();
        assert_eq!(
            sync(&stack, &function, "issues", &edited).await["outcome"],
            "updated"
        );
        // "First." is kept; "Second.", "a", "b" go to the trash (3 calls); one list, one append.
        let calls: Vec<String> = stack
            .since(mark)
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        let trashes = calls
            .iter()
            .filter(|c| c.starts_with("PATCH /v1/blocks/") && !c.ends_with("/children"))
            .count();
        let children = calls.iter().filter(|c| c.ends_with("/children")).count();
        assert_eq!((trashes, children), (3, 2), "{version}: {calls:?}");
        let texts: Vec<String> = content(&stack, &page)
            .await
            .iter()
            .map(|(b, _)| text_of(b))
            .collect();
        assert_eq!(texts, ["First.", "Changed.", "a"], "{version}");

        // An edit in the middle keeps the top and the bottom: one trash, one append after the
        // kept top (`after`, or `position` under 2026-03-11).
        let mut middle = edited.clone();
        middle["issue"]["body"] = json!("First.\n\nChanged again.\n\n- a\n");
        middle["issue"]["updated_at"] = json!("2026-03-01T10:02:30Z");
        let mark = stack.mark();
        sync(&stack, &function, "issues", &middle).await;
        let records = stack.since(mark);
        let trashes = records
            .iter()
            .filter(|r| {
                r.method == "PATCH"
                    && r.path.starts_with("/v1/blocks/")
                    && !r.path.ends_with("/children")
            })
            .count();
        let append = records
            .iter()
            .find(|r| r.method == "PATCH" && r.path.ends_with("/children"))
            .expect("an append");
        assert_eq!(trashes, 1, "{version}");
        let placed = if version == "2026-03-11" {
            append.body["position"]["after_block"]["id"].is_string()
        } else {
            append.body["after"].is_string()
        };
        assert!(placed, "{version}: {}", append.body);
        let texts: Vec<String> = content(&stack, &page)
            .await
            .iter()
            .map(|(b, _)| text_of(b))
            .collect();
        assert_eq!(texts, ["First.", "Changed again.", "a"], "{version}");
        let edited = middle;

        // Emptied (GitHub sends null): the content goes.
        let mut emptied = edited.clone();
        emptied["issue"]["body"] = Value::Null;
        emptied["issue"]["updated_at"] = json!("2026-03-01T10:03:00Z");
        sync(&stack, &function, "issues", &emptied).await;
        assert!(content(&stack, &page).await.is_empty(), "{version}");
        // The same again costs the key query only.
        let mark = stack.mark();
        assert_eq!(
            sync(&stack, &function, "issues", &emptied).await["outcome"],
            "unchanged"
        );
        assert_eq!(stack.since(mark).len(), 1);

        // Deleted on GitHub: archived with the version's own trash flag.
        let deleted = payload("issues", "deleted", 20, "2026-03-01T10:04:00Z");
        assert_eq!(
            sync(&stack, &function, "issues", &deleted).await["outcome"],
            "archived",
            "{version}"
        );
        assert!(stack
            .live_pages_for(&db, issue["repository"]["full_name"].as_str().unwrap(), 20)
            .is_empty());
    }
}
