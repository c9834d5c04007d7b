//! Queue mode end to end: several release `github-webhook` processes enqueue into a `moto_server`
//! SQS FIFO queue, the event-source-mapping harness (`relay_tests::esm`) feeds release
//! `sync-worker` processes, and one rate-limited Notion emulator holds the result.

use std::sync::Arc;
use std::time::{Duration, Instant};

use notion_relay::aws::sqs::FifoMessage;
use notion_relay::github::{ItemKind, ItemState, WorkItem};
use notion_relay::queue::{group_id, QueuedWork, WorkOp};
use relay_tests::emulator::RateLimit;
use relay_tests::esm::queue_depth;
use relay_tests::lambda::LambdaFunction;
use serde_json::Value;
use time::OffsetDateTime;

use crate::support::queue::{
    busiest_window, QueueStack, BUDGET, DRAIN_WITHIN, POLL, REPO, WORKERS,
};
use crate::support::race::versions;
use crate::support::seeds::seeds;
use crate::support::webhook::{
    assert_no_secrets, assert_page, deliver, expected, select, Delivery,
};

/// Seeds of the burst: one in `make test` (~1 min each), more under `make test-long`.
const BURST_SEEDS: u64 = 1;

#[tokio::test]
async fn a_burst_of_deliveries_to_four_webhooks_ends_exact_within_the_notion_budget() {
    for seed in seeds(BURST_SEEDS) {
        burst(8 + seed).await;
    }
}

/// One burst, shuffled by `seed`, on a stack of its own (fresh queues, emulator and budget).
async fn burst(seed: u64) {
    eprintln!("burst seed {seed}");
    let qs = QueueStack::start(&format!("burst{seed}"), 60).await;
    qs.stack.emulator.set_rate_limit(RateLimit::notion());
    let webhooks: Vec<Arc<LambdaFunction>> = {
        let mut w = Vec::new();
        for _ in 0..4 {
            w.push(Arc::new(qs.webhook().await));
        }
        w
    };
    let esm = qs.mapping(WORKERS, Duration::from_secs(30)).await;

    // 30 issues x opened/labeled/assigned, a GitHub redelivery (same id) of every third
    // issue's `labeled`, and a stale `opened` (new id) of every third issue sent again.
    let issues: Vec<(u64, Vec<Value>)> = (0..30).map(|i| (1000 + i, versions(1000 + i))).collect();
    let mut deliveries: Vec<Delivery> = Vec::new();
    for (i, (_, payloads)) in issues.iter().enumerate() {
        let mut own: Vec<Delivery> = payloads
            .iter()
            .map(|p| Delivery::json("issues", p))
            .collect();
        if i % 3 == 0 {
            own.push(own[1].clone());
        }
        if i % 3 == 1 {
            own.push(Delivery::json("issues", &payloads[0]));
        }
        deliveries.extend(own);
    }
    let mut rng = fastrand::Rng::with_seed(seed);
    rng.shuffle(&mut deliveries);
    let total = deliveries.len();
    assert!(total >= 60);

    let mark = qs.stack.mark();
    let mut senders = tokio::task::JoinSet::new();
    for (slot, chunk) in deliveries.chunks(total.div_ceil(8)).enumerate() {
        let webhook = webhooks[slot % webhooks.len()].clone();
        let chunk = chunk.to_vec();
        senders.spawn(async move {
            let mut answers = Vec::new();
            for delivery in chunk {
                let answer = deliver(&webhook, &delivery).await;
                answers.push((delivery.event.clone(), answer.status, answer.body));
            }
            answers
        });
    }
    let mut answers = Vec::new();
    while let Some(done) = senders.join_next().await {
        answers.extend(done.expect("a sender"));
    }
    assert_eq!(answers.len(), total);
    for (event, status, body) in &answers {
        assert!((200..300).contains(status), "{event}: {status} {body}");
        let queued: Value = serde_json::from_str(body).unwrap_or_default();
        assert!(
            queued["queued"].as_str().is_some_and(|id| !id.is_empty()),
            "{body}"
        );
    }

    qs.wait_until(&esm, "every issue at its newest version", || {
        issues.iter().all(|(n, p)| qs.holds(*n, &p[2]))
    })
    .await;

    for (number, payloads) in &issues {
        let page = qs.stack.page_for(&qs.db, REPO, *number);
        assert_page(&page, &expected("issues", &payloads[2]), "after the drain");
    }
    let records = qs.stack.since(mark);
    let limited = records.iter().filter(|r| r.status == 429).count();
    assert!(
        limited * 50 <= records.len(),
        "429s: {limited} of {} Notion calls (more than 2 %)",
        records.len()
    );
    let busiest = busiest_window(&records, Duration::from_secs(10));
    eprintln!(
        "seed {seed}: {total} deliveries: {} Notion calls, {limited} answered 429, busiest 10 s window {busiest}",
        records.len()
    );
    assert!(
        busiest as f64 <= BUDGET * 10.0,
        "{busiest} Notion calls in one 10 s window, over the budget of {}",
        BUDGET * 10.0
    );
    assert_eq!(
        queue_depth(&qs.sqs, &qs.dlq).await.unwrap(),
        0,
        "nothing in the DLQ"
    );
    let logs = esm.logs();
    esm.stop().await;
    assert_no_secrets(&logs);
    for webhook in &webhooks {
        assert_no_secrets(&webhook.logs());
    }
}

/// A `WorkItem` Notion refuses whatever we do: its repository is 140 characters (GitHub allows
/// owner 39 + name 100; the sync cuts it to Notion's 100), and its URL is relative, which Notion
/// refuses as a title link ("Invalid URL for link."). It is not what the webhook would send; it stands for any
/// message Notion answers 400 to.
fn poison() -> WorkItem {
    WorkItem {
        repository: format!("{}/{}", "o".repeat(39), "n".repeat(100)),
        number: 1,
        kind: ItemKind::Issue,
        title: "poison".into(),
        state: Some(ItemState::Open),
        labels: None,
        assignees: None,
        author: None,
        url: "../issues/1".into(),
        body: None,
        comments: None,
        updated_at: OffsetDateTime::now_utc(),
        default_branch: None,
        milestone: None,
        issue_type: None,
        parent: None,
        reviewers: None,
        created_at: None,
        closed_at: None,
    }
}

#[tokio::test]
async fn a_poison_message_goes_to_the_dlq_after_five_receives_and_holds_back_no_other_issue() {
    let qs = QueueStack::start("poison", 60).await;
    let item = poison();
    let body = QueuedWork {
        delivery: "poison-1".into(),
        op: WorkOp::Upsert { item: item.clone() },
    }
    .to_body();
    let group = group_id(&item.repository, item.number);
    qs.sqs
        .send_fifo(
            &qs.queue,
            &FifoMessage {
                body: &body,
                group_id: &group,
                deduplication_id: "poison-1",
            },
            None,
        )
        .await
        .expect("the poison is queued");
    // Three good issues behind it, so they share its batches.
    let webhook = qs.webhook().await;
    let good: Vec<(u64, Value)> = (0..3)
        .map(|i| (2000 + i, versions(2000 + i).remove(2)))
        .collect();
    for (_, payload) in &good {
        let answer = deliver(&webhook, &Delivery::json("issues", payload)).await;
        assert_eq!(answer.status, 202, "{}", answer.body);
    }

    let esm = qs.mapping(WORKERS, Duration::from_secs(30)).await;
    qs.wait_until(&esm, "the good issues synced and the poison moved", || {
        good.iter().all(|(n, p)| qs.holds(*n, p))
    })
    .await;
    let start = Instant::now();
    while queue_depth(&qs.sqs, &qs.dlq).await.unwrap() < 1 {
        assert!(
            start.elapsed() < DRAIN_WITHIN,
            "the poison never reached the DLQ"
        );
        tokio::time::sleep(POLL).await;
    }

    let stats = esm.stats();
    assert!(stats.failed >= 5, "received and failed 5 times: {stats:?}");
    assert_eq!(queue_depth(&qs.sqs, &qs.dlq).await.unwrap(), 1);
    let dead = qs.sqs.receive(&qs.dlq, 10, 0, None).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        QueuedWork::parse(&dead[0].body).unwrap().delivery,
        "poison-1"
    );
    for (number, payload) in &good {
        assert_page(
            &qs.stack.page_for(&qs.db, REPO, *number),
            &expected("issues", payload),
            "next to the poison",
        );
    }
    let refused = qs
        .stack
        .emulator
        .requests()
        .iter()
        .filter(|r| r.status == 400)
        .count();
    assert!(
        refused >= 5,
        "Notion refused the poison each time ({refused})"
    );
    let logs = esm.logs();
    esm.stop().await;
    assert_no_secrets(&logs);
}

#[tokio::test]
async fn a_queue_that_refuses_gets_503_while_ping_and_ignored_events_are_answered_directly() {
    let qs = QueueStack::start("refusing", 60).await;
    let missing = format!("{}-missing.fifo", qs.queue.trim_end_matches(".fifo"));
    let webhook = qs
        .stack
        .function_with(&qs.db, &[("DELIVERY_QUEUE_URL", &missing)])
        .await;
    let opened = versions(4000).remove(0);
    let refused = deliver(&webhook, &Delivery::json("issues", &opened)).await;
    let ping = deliver(
        &webhook,
        &Delivery::json(
            "ping",
            &serde_json::json!({"zen": "Design for failure.", "hook_id": 1}),
        ),
    )
    .await;
    let push = deliver(
        &webhook,
        &Delivery::json("push", &serde_json::json!({"ref": "refs/heads/main"})),
    )
    .await;

    assert_eq!(refused.status, 503, "{}", refused.body);
    assert_eq!(ping.status, 200, "{}", ping.body);
    assert_eq!(push.status, 202, "{}", push.body);
    assert!(push.body.contains("not synced"), "{}", push.body);
    assert_eq!(queue_depth(&qs.sqs, &qs.queue).await.unwrap(), 0);
    assert_eq!(
        qs.stack.emulator.request_count(),
        0,
        "queue mode never calls Notion from the webhook"
    );
    assert_no_secrets(&webhook.logs());
}

#[tokio::test]
async fn a_worker_killed_mid_batch_loses_nothing() {
    // A short visibility timeout, so the killed batch comes back soon.
    let qs = QueueStack::start("killed", 4).await;
    let webhook = qs.webhook().await;
    let issues: Vec<(u64, Value)> = (0..10)
        .map(|i| (3000 + i, versions(3000 + i).remove(2)))
        .collect();
    for (_, payload) in &issues {
        let answer = deliver(&webhook, &Delivery::json("issues", payload)).await;
        assert_eq!(answer.status, 202, "{}", answer.body);
    }
    // Slow Notion, so the batch is still in flight when the kill lands.
    qs.stack
        .emulator
        .set_faults(relay_tests::emulator::FaultConfig {
            latency_ms: 150,
            ..Default::default()
        });
    let esm = qs.mapping(1, Duration::from_secs(30)).await;

    let start = Instant::now();
    while !qs
        .stack
        .emulator
        .requests()
        .iter()
        .any(|r| r.method == "POST" && r.path == "/v1/pages")
    {
        assert!(
            start.elapsed() < DRAIN_WITHIN,
            "the worker never wrote:\n{}",
            esm.logs()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    esm.kill_worker(0);
    qs.wait_until(&esm, "every issue synced after the kill", || {
        issues.iter().all(|(n, p)| qs.holds(*n, p))
    })
    .await;

    assert_eq!(esm.stats().killed, 1, "{:?}", esm.stats());
    for (number, payload) in &issues {
        let page = qs.stack.page_for(&qs.db, REPO, *number);
        assert_page(&page, &expected("issues", payload), "after the kill");
        assert_eq!(select(&page, "Repository").as_deref(), Some(REPO));
    }
    assert_eq!(queue_depth(&qs.sqs, &qs.dlq).await.unwrap(), 0);
}

#[tokio::test]
async fn in_queue_mode_a_late_edit_after_a_delete_does_not_bring_the_page_back() {
    let qs = QueueStack::start("tombstone", 60).await;
    let webhook = qs.webhook().await;
    let esm = qs.mapping(1, Duration::from_secs(30)).await;
    let opened = versions(5000).remove(0);
    let answer = deliver(&webhook, &Delivery::json("issues", &opened)).await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    qs.wait_until(&esm, "the page created", || qs.holds(5000, &opened))
        .await;

    let mut deleted = crate::support::webhook::fixture_json("octokit/issues/deleted.payload.json");
    crate::support::webhook::retarget(&mut deleted, 5000, "2026-03-05T12:10:00Z");
    let answer = deliver(&webhook, &Delivery::json("issues", &deleted)).await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    qs.wait_until(&esm, "the page archived", || {
        qs.stack.live_pages_for(&qs.db, REPO, 5000).is_empty()
    })
    .await;
    qs.stack.github.delete_issue(REPO, 5000);

    let late = versions(5000).remove(1);
    let answer = deliver(&webhook, &Delivery::json("issues", &late)).await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    qs.wait_until(&esm, "the late edit applied", || true).await;

    assert!(
        qs.stack.live_pages_for(&qs.db, REPO, 5000).is_empty(),
        "the deleted issue came back:\n{}",
        esm.logs()
    );
    assert!(
        esm.logs().contains("not re-creating its page"),
        "{}",
        esm.logs()
    );
    esm.stop().await;
}
