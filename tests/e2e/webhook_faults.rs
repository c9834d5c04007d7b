//! Notion misbehaving: with 30 % of requests answered 429 and 10 % 5xx (seeded), three warm
//! containers deliver three versions each of nine issues and pull requests. Any delivery
//! answered 503 is redelivered as GitHub would (same body, same delivery id) until it gets 200.
//! In the end Notion holds exactly one live page per key, with the newest version's properties.

use std::collections::BTreeMap;

use relay_tests::emulator::FaultConfig;
use relay_tests::lambda::{HttpResponse, LambdaFunction};
use serde_json::Value;

use crate::support::webhook::{
    assert_no_secrets, assert_page, deliver, expected, fixture_json, outcome, retarget, Delivery,
    Stack,
};

const LANES: usize = 3;
const KEYS: u64 = 9;
const MAX_ROUNDS: usize = 10;

/// Three versions of one key, oldest first: an issue opened → labeled → closed, or a pull
/// request opened as draft → ready for review → merged.
fn versions(number: u64) -> Vec<(String, Value)> {
    let at = |s: u32| format!("2026-04-01T09:{:02}:{:02}Z", number, s);
    if number.is_multiple_of(3) {
        let mut draft = fixture_json("octokit/pull_request/opened.payload.json");
        retarget(&mut draft, number, &at(5));
        draft["pull_request"]["draft"] = true.into();
        let mut ready = fixture_json("octokit/pull_request/ready_for_review.payload.json");
        retarget(&mut ready, number, &at(25));
        let mut merged = fixture_json("octokit/pull_request/closed.payload.json");
        retarget(&mut merged, number, &at(50));
        merged["pull_request"]["merged"] = true.into();
        merged["pull_request"]["merged_at"] = at(50).into();
        ["pull_request"; 3]
            .iter()
            .map(|e| e.to_string())
            .zip([draft, ready, merged])
            .collect()
    } else {
        let mut opened = fixture_json("octokit/issues/opened.payload.json");
        retarget(&mut opened, number, &at(5));
        let mut labeled = fixture_json("octokit/issues/labeled.payload.json");
        retarget(&mut labeled, number, &at(25));
        labeled["issue"]["labels"]
            .as_array_mut()
            .expect("labels")
            .push(serde_json::json!({"name": format!("area, {number}")}));
        let mut closed = labeled.clone();
        retarget(&mut closed, number, &at(50));
        closed["action"] = "closed".into();
        closed["issue"]["state"] = "closed".into();
        ["issues"; 3]
            .iter()
            .map(|e| e.to_string())
            .zip([opened, labeled, closed])
            .collect()
    }
}

/// Delivers one lane's deliveries in order through one container.
async fn run_lane(
    function: &LambdaFunction,
    lane: &[(usize, Delivery)],
) -> Vec<(usize, HttpResponse)> {
    let mut answers = Vec::new();
    for (index, delivery) in lane {
        answers.push((*index, deliver(function, delivery).await));
    }
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_30_percent_429_and_10_percent_5xx_every_delivery_ends_exact() {
    let stack = Stack::start().await;
    let db = stack.database();
    let mut functions = Vec::new();
    for _ in 0..LANES {
        functions.push(stack.function(&db).await);
    }
    // Deliveries in GitHub's order per key; a key always goes to the same container.
    let mut deliveries: Vec<(u64, String, Value, Delivery)> = Vec::new();
    for number in 1..=KEYS {
        for (event, payload) in versions(number) {
            let delivery = Delivery::json(&event, &payload);
            deliveries.push((number, event, payload, delivery));
        }
    }
    let lane_of = |number: u64| (number as usize) % LANES;
    stack.emulator.set_faults(FaultConfig {
        seed: 4242,
        rate_limited: 0.30,
        internal_server_error: 0.025,
        bad_gateway: 0.025,
        service_unavailable: 0.025,
        gateway_timeout: 0.025,
        ..FaultConfig::default()
    });

    let mut final_answers: BTreeMap<usize, HttpResponse> = BTreeMap::new();
    let mut pending: Vec<usize> = (0..deliveries.len()).collect();
    let mut redelivered = 0;
    for round in 0..MAX_ROUNDS {
        if pending.is_empty() {
            break;
        }
        if round > 0 {
            redelivered += pending.len();
        }
        let mut lanes: Vec<Vec<(usize, Delivery)>> = vec![Vec::new(); LANES];
        for &i in &pending {
            lanes[lane_of(deliveries[i].0)].push((i, deliveries[i].3.clone()));
        }
        let (a, b, c) = tokio::join!(
            run_lane(&functions[0], &lanes[0]),
            run_lane(&functions[1], &lanes[1]),
            run_lane(&functions[2], &lanes[2]),
        );
        pending.clear();
        for (i, answer) in a.into_iter().chain(b).chain(c) {
            match answer.status {
                200 => {}
                // Notion unavailable past the time budget: GitHub records a failed delivery.
                503 => pending.push(i),
                other => panic!(
                    "delivery {i} got {other} (only 200 or 503 are acceptable): {}",
                    answer.body
                ),
            }
            final_answers.insert(i, answer);
        }
        pending.sort();
    }
    stack.emulator.set_faults(FaultConfig::default());

    assert!(
        pending.is_empty(),
        "still failing after {MAX_ROUNDS} rounds: {pending:?}"
    );
    let log = stack.emulator.requests();
    let limited = log.iter().filter(|r| r.status == 429).count();
    let server_errors = log.iter().filter(|r| r.status >= 500).count();
    eprintln!(
        "fault run: {} deliveries, {redelivered} redelivered after a 503, {} Notion requests, {limited} answered 429, {server_errors} answered 5xx",
        deliveries.len(),
        log.len()
    );
    assert!(limited > 0 && server_errors > 0, "faults were injected");
    for (i, answer) in &final_answers {
        let outcome = outcome(answer);
        assert!(
            ["created", "updated", "unchanged", "stale"].contains(&outcome.as_str()),
            "delivery {i}: {}",
            answer.body
        );
    }
    for number in 1..=KEYS {
        let (_, event, newest, _) = deliveries
            .iter()
            .rev()
            .find(|d| d.0 == number)
            .expect("versions");
        let repository = newest["repository"]["full_name"].as_str().expect("repo");
        let page = stack.page_for(&db, repository, number);
        assert_page(&page, &expected(event, newest), &format!("key {number}"));
    }
    let all = stack.emulator.pages_in(&db);
    assert_eq!(
        all.len(),
        KEYS as usize,
        "no page was created twice: {all:#?}"
    );
    for function in &functions {
        assert_no_secrets(&function.logs());
    }
}

/// Notion unreachable (nothing listens on its port): the delivery is answered 503, and both the
/// answer and the log line carry the whole cause down to the refused connection — not only
/// "transport error" — so CloudWatch says what happened.
#[tokio::test]
async fn an_unreachable_notion_is_a_503_whose_answer_and_log_name_the_refused_connection() {
    let stack = Stack::start().await;
    let db = stack.database();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let unreachable = format!("http://{}", closed.local_addr().expect("its address"));
    drop(closed);
    let function = stack
        .function_with(&db, &[("NOTION_API_URL", &unreachable)])
        .await;

    let payload = fixture_json("octokit/issues/opened.payload.json");
    let response = deliver(&function, &Delivery::json("issues", &payload)).await;

    let logs = function.logs();
    assert_eq!(response.status, 503, "{}\n{logs}", response.body);
    assert!(
        response.body.contains("transport error talking to Notion"),
        "{}",
        response.body
    );
    let refused = |text: &str| text.to_lowercase().contains("connection refused");
    assert!(
        refused(&response.body),
        "the cause is in the answer: {}",
        response.body
    );
    let failure_line = logs
        .lines()
        .find(|line| line.contains("Notion unavailable within the time budget"))
        .unwrap_or_else(|| panic!("a log line for the failure:\n{logs}"));
    assert!(
        refused(failure_line),
        "the cause is in the log: {failure_line}"
    );
    assert_no_secrets(&logs);
}
