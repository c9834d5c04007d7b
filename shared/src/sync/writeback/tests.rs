use super::*;
use crate::github::payload::{Label, User};
use crate::github::rest::issues::{Milestone, PullLink};
use crate::sync::fixtures;

fn schema() -> BoundSchema {
    fixtures::schema("Name, Issue #, Status, Labels, Repository, Assignees, Milestone")
}

fn issue() -> IssueState {
    IssueState {
        number: 7,
        title: "Fix the parser".into(),
        state: "open".into(),
        labels: vec![
            Label { name: "bug".into() },
            Label {
                name: "needs triage, urgent".into(),
            },
        ],
        assignees: vec![User {
            login: "ana".into(),
            id: None,
        }],
        updated_at: "2026-06-27T18:01:15Z".into(),
        ..IssueState::default()
    }
}

/// The page github-webhook would have written for `issue`, then `edit`ed by a person.
fn page(edit: impl FnOnce(&mut Page)) -> Page {
    let properties = [
        ("Name".to_owned(), PropertyValue::title("Fix the parser")),
        ("Issue #".to_owned(), PropertyValue::number(7.0)),
        ("Status".to_owned(), PropertyValue::select("Open")),
        (
            "Labels".to_owned(),
            PropertyValue::multi_select(["bug", "needs triage, urgent"]),
        ),
        ("Repository".to_owned(), PropertyValue::select("octo/repo")),
        ("Assignees".to_owned(), PropertyValue::multi_select(["ana"])),
        ("Milestone".to_owned(), PropertyValue::Select(None)),
    ];
    let mut page = Page {
        created_by: Some("bot".into()),
        last_edited_by: Some("person".into()),
        ..fixtures::page("p1", properties.into_iter().collect())
    };
    edit(&mut page);
    page
}

fn plan_for(page: &Page, issue: &IssueState) -> Plan {
    let schema = schema();
    let bindings = Bindings {
        schema: &schema,
        milestone: Some("Milestone"),
    };
    plan(page, &bindings, None, issue)
}

fn set(page: &mut Page, name: &str, value: PropertyValue) {
    page.properties.insert(name.into(), value);
}

#[test]
fn an_unedited_page_asks_nothing() {
    let plan = plan_for(&page(|_| {}), &issue());
    assert!(plan.patch.is_empty(), "{plan:?}");
    assert!(plan.refused.is_empty() && plan.milestone_title.is_none());
}

#[test]
fn closing_an_issue_sends_state_and_reason_completed_and_reopening_reopened() {
    let closed = page(|p| set(p, "Status", PropertyValue::select("Closed")));
    let plan = plan_for(&closed, &issue());
    assert_eq!(
        plan.patch,
        IssuePatch {
            state: Some("closed".into()),
            state_reason: Some("completed".into()),
            ..IssuePatch::default()
        }
    );
    let mut closed_issue = issue();
    closed_issue.state = "closed".into();
    let plan = plan_for(&page(|_| {}), &closed_issue);
    assert_eq!(plan.patch.state.as_deref(), Some("open"));
    assert_eq!(plan.patch.state_reason.as_deref(), Some("reopened"));
}

#[test]
fn labels_keep_their_github_spelling_and_order_does_not_count() {
    let reordered = page(|p| {
        set(
            p,
            "Labels",
            PropertyValue::multi_select(["needs triage urgent", "bug"]),
        )
    });
    assert!(plan_for(&reordered, &issue()).patch.is_empty());
    let added = page(|p| {
        set(
            p,
            "Labels",
            PropertyValue::multi_select(["bug", "needs triage urgent", "docs"]),
        )
    });
    assert_eq!(
        plan_for(&added, &issue()).patch.labels,
        Some(vec![
            "bug".to_owned(),
            "needs triage, urgent".to_owned(),
            "docs".to_owned()
        ])
    );
    let cleared = page(|p| set(p, "Labels", PropertyValue::MultiSelect(vec![])));
    assert_eq!(plan_for(&cleared, &issue()).patch.labels, Some(vec![]));
}

#[test]
fn assignees_and_title_are_sent_when_they_differ() {
    let edited = page(|p| {
        set(p, "Assignees", PropertyValue::multi_select(["ben", "ana"]));
        set(p, "Name", PropertyValue::title("Fix the lexer"));
    });
    let plan = plan_for(&edited, &issue());
    assert_eq!(
        plan.patch.assignees,
        Some(vec!["ben".to_owned(), "ana".to_owned()])
    );
    assert_eq!(plan.patch.title.as_deref(), Some("Fix the lexer"));
    assert_eq!(plan.patch.fields(), vec!["title", "assignees"]);
}

#[test]
fn an_empty_title_is_refused_not_sent() {
    let emptied = page(|p| set(p, "Name", PropertyValue::Title(vec![])));
    let plan = plan_for(&emptied, &issue());
    assert!(plan.patch.title.is_none());
    assert_eq!(plan.refused.len(), 1);
}

#[test]
fn only_touched_properties_are_compared() {
    let edited = page(|p| {
        set(p, "Status", PropertyValue::select("Closed"));
        set(p, "Labels", PropertyValue::multi_select(["stale view"]));
    });
    let schema = schema();
    let bindings = Bindings {
        schema: &schema,
        milestone: None,
    };
    let touched: BTreeSet<Editable> = [Editable::Status].into();
    let plan = plan(&edited, &bindings, Some(&touched), &issue());
    assert_eq!(plan.patch.state.as_deref(), Some("closed"));
    assert!(plan.patch.labels.is_none(), "labels were not edited");
}

#[test]
fn merged_and_draft_are_refused_for_pull_requests_and_issues() {
    let mut pull = issue();
    pull.pull_request = Some(PullLink { merged_at: None });
    let merged = page(|p| set(p, "Status", PropertyValue::select("Merged")));
    let plan = plan_for(&merged, &pull);
    assert!(plan.patch.is_empty());
    assert!(
        plan.refused[0].contains("cannot be set to Merged"),
        "{plan:?}"
    );
    let draft = page(|p| set(p, "Status", PropertyValue::select("Draft")));
    assert!(plan_for(&draft, &issue()).refused[0].contains("only for pull requests"));
    let closed = page(|p| set(p, "Status", PropertyValue::select("Closed")));
    let plan = plan_for(&closed, &pull);
    assert_eq!(plan.patch.state.as_deref(), Some("closed"));
    assert_eq!(
        plan.patch.state_reason, None,
        "no state_reason on pull requests"
    );
}

#[test]
fn a_merged_pull_request_is_not_reopened() {
    let mut pull = issue();
    pull.state = "closed".into();
    pull.pull_request = Some(PullLink {
        merged_at: Some("2026-06-27T18:01:15Z".into()),
    });
    let open = page(|p| set(p, "Status", PropertyValue::select("Open")));
    let plan = plan_for(&open, &pull);
    assert!(plan.patch.is_empty());
    assert!(plan.refused[0].contains("merged pull request"));
    let unchanged = page(|p| set(p, "Status", PropertyValue::select("Merged")));
    assert!(plan_for(&unchanged, &pull).refused.is_empty());
}

#[test]
fn a_milestone_is_looked_up_by_title_or_cleared() {
    let set_it = page(|p| set(p, "Milestone", PropertyValue::select("v1.0, beta")));
    let plan = plan_for(&set_it, &issue());
    assert_eq!(plan.milestone_title.as_deref(), Some("v1.0 beta"));
    let milestones = [
        Milestone {
            number: 1,
            title: "v0.9".into(),
        },
        Milestone {
            number: 4,
            title: "v1.0, beta".into(),
        },
    ];
    assert_eq!(find_milestone(&milestones, "v1.0 beta"), Some(4));
    assert_eq!(find_milestone(&milestones, "v2"), None);
    let mut with_milestone = issue();
    with_milestone.milestone = Some(Milestone {
        number: 1,
        title: "v0.9".into(),
    });
    let plan = plan_for(&page(|_| {}), &with_milestone);
    assert_eq!(plan.patch.milestone, Some(None));
}

#[test]
fn the_key_is_read_from_repository_and_number() {
    let schema = schema();
    let bindings = Bindings {
        schema: &schema,
        milestone: None,
    };
    assert_eq!(bindings.key(&page(|_| {})), Some(("octo/repo".into(), 7)));
    let no_number = page(|p| set(p, "Issue #", PropertyValue::Number(None)));
    assert_eq!(bindings.key(&no_number), None);
}

#[test]
fn a_draft_pull_request_set_to_open_is_refused_not_silently_dropped() {
    let mut pull = issue();
    pull.pull_request = Some(PullLink { merged_at: None });
    pull.draft = Some(true);
    let open = page(|p| set(p, "Status", PropertyValue::select("Open")));
    let plan = plan_for(&open, &pull);
    assert!(plan.patch.is_empty());
    assert!(
        plan.refused[0].contains("cannot be marked ready"),
        "{plan:?}"
    );
    let draft = page(|p| set(p, "Status", PropertyValue::select("Draft")));
    assert!(
        plan_for(&draft, &pull).refused.is_empty(),
        "already a draft"
    );
}

#[test]
fn only_github_events_on_the_fields_being_written_conflict() {
    let closed = page(|p| set(p, "Status", PropertyValue::select("Closed")));
    let plan = plan_for(&closed, &issue());
    assert!(conflicts(&plan, "reopened"));
    assert!(conflicts(&plan, "closed"));
    assert!(!conflicts(&plan, "labeled"), "another field");
    assert!(!conflicts(&plan, "commented"));
    assert!(!conflicts(&plan, "subscribed"));
    let labelled = page(|p| set(p, "Labels", PropertyValue::multi_select(["docs"])));
    assert!(conflicts(&plan_for(&labelled, &issue()), "unlabeled"));
}
