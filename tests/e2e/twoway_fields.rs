//! Two-way sync, field by field: labels, assignees and the title round-trip in one PATCH; a
//! milestone named in Notion is set by number; a pull request's Merged is refused. Each through
//! the release notion-webhook and github-webhook binaries.

use serde_json::json;

use crate::support::twoway::{
    answer, assignees, issue, labels, multi, select, title_keeping_link, TwoWay, REPO,
};
use crate::support::webhook::{describe, writes};

#[tokio::test]
async fn labels_assignees_and_title_round_trip_in_one_patch() {
    let two = TwoWay::start().await;
    let page_id = two.sync_new(issue(8, "Fix the parser")).await;
    let page = two.page(&page_id);

    two.person_edits(
        &page_id,
        json!({
            "Labels": multi(&["bug", "docs"]),
            "Assignees": multi(&["ana", "ben"]),
            "Name": title_keeping_link(&page, "Fix the lexer"),
        }),
    );
    let sent = two.flush_notion().await;

    assert_eq!(sent.len(), 1);
    assert_eq!(answer(&sent[0])["outcome"], "patched", "{}", sent[0].answer);
    let on_github = two.issue(8);
    assert_eq!(on_github["title"], "Fix the lexer");
    assert_eq!(labels(&on_github), ["bug", "docs"]);
    assert_eq!(assignees(&on_github), ["ana", "ben"]);
    assert_eq!(two.patches(), 1);
    let patch = &two.github.patches()[0].2;
    assert!(
        patch.get("state").is_none(),
        "state was not edited: {patch}"
    );

    let mark = two.stack.mark();
    let echoes = two.flush_github().await;
    let actions: Vec<&str> = echoes.iter().map(|d| d.action.as_str()).collect();
    assert_eq!(actions, ["edited", "labeled", "assigned"]);
    for echo in &echoes {
        assert_eq!(echo.answer["outcome"], "unchanged", "{echo:?}");
    }
    let echo_calls = two.stack.since(mark);
    assert_eq!(writes(&echo_calls), 0, "{:?}", describe(&echo_calls));
    assert_eq!(echo_calls.len(), echoes.len(), "one key query per delivery");
}

#[tokio::test]
async fn a_merged_edit_on_a_pull_request_is_refused_and_nothing_is_written() {
    let two = TwoWay::start().await;
    let pull = relay_tests::fake_github::Issue::pull_request(
        9,
        "Add the lexer",
        time::OffsetDateTime::now_utc() - time::Duration::minutes(10),
    );
    let page_id = two.sync_new(pull).await;
    let github_mark = two.github.requests().len();

    two.person_edits(&page_id, json!({"Status": select("Merged")}));
    let sent = two.flush_notion().await;

    assert_eq!(sent[0].status, 200, "{}", sent[0].answer);
    let body = answer(&sent[0]);
    assert_eq!(body["outcome"], "refused");
    assert!(
        body["refused"][0]
            .as_str()
            .is_some_and(|r| r.contains("cannot be set to Merged")),
        "{body}"
    );
    assert_eq!(two.patches(), 0, "nothing written");
    let calls = two.github_since(github_mark);
    assert!(calls.iter().all(|r| r.method == "GET"), "{calls:?}");
    assert!(two
        .notion_webhook
        .logs()
        .contains("a pull request cannot be set to Merged from Notion"));
    assert_eq!(two.issue(9)["state"], "open");
}

#[tokio::test]
async fn a_milestone_named_in_notion_is_set_by_number_and_an_unknown_one_is_refused() {
    let two = TwoWay::start().await;
    two.github.add_milestone(REPO, 3, "v1.0, beta");
    let page_id = two.sync_new(issue(15, "Fix the parser")).await;

    two.person_edits(&page_id, json!({"Milestone": select("v1.0 beta")}));
    let sent = two.flush_notion().await;

    assert_eq!(answer(&sent[0])["outcome"], "patched", "{}", sent[0].answer);
    assert_eq!(two.github.patches()[0].2, json!({"milestone": 3}));
    assert_eq!(two.issue(15)["milestone"]["number"], 3);
    let echo = two.flush_github().await;
    assert_eq!(echo[0].action, "milestoned");
    assert_eq!(echo[0].answer["outcome"], "unchanged", "{echo:?}");

    two.person_edits(&page_id, json!({"Milestone": select("v9")}));
    let sent = two.flush_notion().await;
    assert_eq!(answer(&sent[0])["outcome"], "refused", "{}", sent[0].answer);
    assert_eq!(
        two.patches(),
        1,
        "nothing written for a milestone GitHub does not have"
    );
}
