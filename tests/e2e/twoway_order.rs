//! Two-way sync under Notion's delivery behaviour, over many seeds: several edits of one page by a
//! person, their events delivered late, shuffled and repeated (Notion retries up to 8 times), to
//! one warm notion-webhook container, then GitHub's resulting deliveries through github-webhook in
//! the order GitHub sends them. GitHub must end holding exactly what Notion shows, with at most one
//! PATCH per distinct event and none for a repeat; Notion must end as the person left it.

use serde_json::{json, Value};

use crate::support::seeds::seeds;
use crate::support::twoway::{
    answer, assignees, issue, labels, multi, select, title_keeping_link, TwoWay,
};
use crate::support::webhook::{multi_select, title};

const SEEDS: u64 = 6;
const PEOPLE: [&str; 4] = ["ana", "ben", "cy", "dee"];
const LABELS: [&str; 5] = ["bug", "docs", "p1", "needs triage, urgent", "ux"];

/// One random edit of an editable property.
fn edit(rng: &mut fastrand::Rng, page: &Value, step: usize) -> Value {
    let pick = |rng: &mut fastrand::Rng, from: &[&'static str]| -> Vec<&'static str> {
        from.iter().copied().filter(|_| rng.bool()).collect()
    };
    match rng.usize(..4) {
        0 => json!({"Status": select(if rng.bool() { "Closed" } else { "Open" })}),
        1 => {
            // Notion shows GitHub's "needs triage, urgent" without its comma.
            let names: Vec<String> = pick(rng, &LABELS)
                .into_iter()
                .map(|l| l.replace(',', ""))
                .collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            json!({"Labels": multi(&names)})
        }
        2 => json!({"Assignees": multi(&pick(rng, &PEOPLE))}),
        _ => json!({"Name": title_keeping_link(page, &format!("Fix the parser, take {step}"))}),
    }
}

#[tokio::test]
async fn shuffled_repeated_events_of_several_edits_leave_github_equal_to_notion_over_many_seeds() {
    let two = TwoWay::start().await;
    for seed in seeds(SEEDS) {
        let mut rng = fastrand::Rng::with_seed(seed);
        let number = 100 + seed;
        let page_id = two
            .sync_new(issue(number, "Fix the parser").label("needs triage, urgent"))
            .await;
        let edits = 2 + rng.usize(..4);
        for step in 0..edits {
            let page = two.page(&page_id);
            two.person_edits(&page_id, edit(&mut rng, &page, step));
        }
        let intended = two.page(&page_id);
        let mut events = two.stack.emulator.take_webhook_events();
        let distinct = events.len();
        for _ in 0..rng.usize(..3) {
            let again = events[rng.usize(..distinct)].clone();
            events.push(again);
        }
        rng.shuffle(&mut events);
        let patches_before = two.patches();

        for event in &events {
            let sent = two.stack.emulator.send_webhook_event(event).await;
            assert!(
                sent.status == 200 || sent.status == 202,
                "seed {seed}: {} {}\n{}",
                sent.status,
                sent.answer,
                two.notion_webhook.logs()
            );
            let outcome = answer(&sent)["outcome"].clone();
            assert_ne!(
                outcome, "stale",
                "seed {seed}: our own write-back is not a newer GitHub edit"
            );
        }
        for delivery in two.flush_github().await {
            assert_eq!(delivery.status, 200, "seed {seed}: {delivery:?}");
        }
        // Our writes of GitHub's snapshots raise events of our own: free, and nothing pending after.
        for sent in two.flush_notion().await {
            assert_eq!(
                answer(&sent)["outcome"],
                "own_write",
                "seed {seed}: {}",
                sent.answer
            );
        }

        let page = two.page(&page_id);
        assert_eq!(
            title(&page),
            title(&intended),
            "seed {seed}: the title as the person left it"
        );
        for name in ["Status", "Labels", "Assignees"] {
            assert_eq!(
                page["properties"][name], intended["properties"][name],
                "seed {seed}: Notion ends as the person left it ({name})"
            );
        }
        let patches = two.patches() - patches_before;
        assert!(
            patches <= distinct,
            "seed {seed}: {patches} PATCHes for {distinct} events"
        );
        let on_github = two.issue(number);
        let status = crate::support::webhook::select(&page, "Status").unwrap_or_default();
        let github_status = if on_github["state"] == "open" {
            "Open"
        } else {
            "Closed"
        };
        assert_eq!(status, github_status, "seed {seed}");
        assert_eq!(
            title(&page),
            on_github["title"].as_str().unwrap_or_default(),
            "seed {seed}"
        );
        let shown_labels: Vec<String> = labels(&on_github)
            .iter()
            .map(|l| l.replace(',', ""))
            .collect();
        let mut shown_labels = shown_labels;
        shown_labels.sort();
        assert_eq!(multi_select(&page, "Labels"), shown_labels, "seed {seed}");
        assert_eq!(
            multi_select(&page, "Assignees"),
            assignees(&on_github),
            "seed {seed}"
        );
        assert!(
            labels(&on_github)
                .iter()
                .all(|l| l != "needs triage urgent"),
            "seed {seed}: a label shown without its comma keeps its GitHub name: {on_github}"
        );
    }
}

/// Two containers at once, over several seeds: each receives the events of its own pages, and
/// one event is repeated to both at the same moment (a Notion retry racing the first attempt).
/// Every page's edit reaches GitHub exactly; the racing repeat writes the same values at most
/// twice (no shared lock exists between containers: see README), never a different value.
#[tokio::test]
async fn two_containers_at_once_write_each_edit_and_a_racing_repeat_never_writes_another_value() {
    let two = TwoWay::start().await;
    let other = two.another_notion_webhook().await;
    for seed in 0..3u64 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let base = 200 + seed * 10;
        let mut pages = Vec::new();
        for i in 0..4 {
            let page_id = two.sync_new(issue(base + i, "Fix the parser")).await;
            pages.push((base + i, page_id));
        }
        for (i, (_, page_id)) in pages.iter().enumerate() {
            let status = if rng.bool() { "Closed" } else { "Open" };
            let label = LABELS[1 + i % (LABELS.len() - 1)].replace(',', "");
            two.person_edits(
                page_id,
                json!({"Status": select(status), "Labels": multi(&["bug", &label])}),
            );
        }
        let events = two.stack.emulator.take_webhook_events();
        let patches_before = two.patches();
        let urls = [two.notion_webhook.url.url(), other.url.url()];
        let token = two.subscription.verification_token.clone();
        let post = |url: String, event: Value| {
            let token = token.clone();
            async move {
                let body = event.to_string();
                reqwest::Client::new()
                    .post(url)
                    .header(
                        "x-notion-signature",
                        crate::support::twoway::sign(&token, body.as_bytes()),
                    )
                    .body(body)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0)
            }
        };
        let mut sends = Vec::new();
        for (i, event) in events.iter().enumerate() {
            sends.push(post(urls[i % 2].clone(), event.clone()));
        }
        let raced = events[rng.usize(..events.len())].clone();
        sends.push(post(urls[0].clone(), raced.clone()));
        sends.push(post(urls[1].clone(), raced));
        let statuses = futures_join_all(sends).await;
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 202),
            "seed {seed}: {statuses:?}"
        );

        for (number, page_id) in &pages {
            let page = two.page(page_id);
            let on_github = two.issue(*number);
            let status = crate::support::webhook::select(&page, "Status").unwrap_or_default();
            let github_status = if on_github["state"] == "open" {
                "Open"
            } else {
                "Closed"
            };
            assert_eq!(status, github_status, "seed {seed} #{number}");
            assert_eq!(
                multi_select(&page, "Labels"),
                labels(&on_github),
                "seed {seed} #{number}"
            );
        }
        let patches = two.patches() - patches_before;
        assert!(
            patches <= pages.len() + 1,
            "seed {seed}: {patches} PATCHes for {} edits and one racing repeat",
            pages.len()
        );
        two.flush_github().await;
        two.flush_notion().await;
    }
}

/// Two edits of one page, their events handled by two containers one after the other: the
/// second container sees GitHub updated after its edit — by the first container's write-back —
/// and must not take that for a newer GitHub edit of its field.
#[tokio::test]
async fn another_containers_write_back_is_not_mistaken_for_a_newer_github_edit() {
    let two = TwoWay::start().await;
    let other = two.another_notion_webhook().await;
    let page_id = two.sync_new(issue(300, "Fix the parser")).await;
    two.person_edits(&page_id, json!({"Labels": multi(&["bug", "p1"])}));
    two.person_edits(&page_id, json!({"Status": select("Closed")}));
    let events = two.stack.emulator.take_webhook_events();
    assert_eq!(events.len(), 2);
    let labels_first = two.stack.emulator.send_webhook_event(&events[0]).await;
    assert_eq!(
        answer(&labels_first)["outcome"],
        "patched",
        "{}",
        labels_first.answer
    );
    // GitHub's updated_at is now after the Status edit; make sure it is, whatever the clock.
    let later = time::OffsetDateTime::now_utc() + time::Duration::seconds(2);
    assert!(two
        .github
        .update_issue(crate::support::twoway::REPO, 300, |i| i.updated_at = later));
    two.github
        .record_issue_event(crate::support::twoway::REPO, 300, "labeled", later);

    let body = events[1].to_string();
    let signature =
        crate::support::twoway::sign(&two.subscription.verification_token, body.as_bytes());
    let response = reqwest::Client::new()
        .post(other.url.url())
        .header("x-notion-signature", signature)
        .body(body)
        .send()
        .await
        .expect("answer");
    let status_second: Value = response.json().await.expect("JSON");

    assert_eq!(
        status_second["outcome"],
        "patched",
        "{status_second}\n{}",
        other.logs()
    );
    let on_github = two.issue(300);
    assert_eq!(on_github["state"], "closed");
    assert_eq!(labels(&on_github), ["bug", "p1"]);
}

/// Runs the futures concurrently on this task and collects their outputs in order.
async fn futures_join_all<F: std::future::Future<Output = u16>>(futures: Vec<F>) -> Vec<u16> {
    let handles: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs = vec![0; handles.len()];
    let mut pending: Vec<(usize, _)> = handles.into_iter().enumerate().collect();
    std::future::poll_fn(|cx| {
        pending.retain_mut(|(i, fut)| match fut.as_mut().poll(cx) {
            std::task::Poll::Ready(v) => {
                outputs[*i] = v;
                false
            }
            std::task::Poll::Pending => true,
        });
        if pending.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs
}
