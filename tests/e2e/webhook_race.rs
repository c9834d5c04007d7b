//! Direct mode under real concurrency: `opened`, `labeled` and `assigned` of one new issue sent
//! at once to three `github-webhook` processes against one rate-limited emulator, over many
//! seeds. Whatever the interleaving, one live page remains and it holds the NEWEST version
//! (GitHub's exact `updated_at`, all three inside one minute).

use relay_tests::emulator::{FaultConfig, RateLimit};

use crate::support::content::{content, text_of};
use crate::support::race::versions;
use crate::support::seeds::seeds;
use crate::support::webhook::{
    assert_no_secrets, assert_page, creates, deliver, describe, expected, page_id, title_link,
    undashed, Delivery, Stack,
};

const REPO: &str = "Codertocat/Hello-World";
const SEEDS: u64 = 12;
const BODY_SEEDS: u64 = 6;
const REDELIVERIES: usize = 4;

#[tokio::test]
async fn opened_labeled_assigned_at_once_in_three_containers_end_on_one_page_with_the_newest() {
    let stack = Stack::start().await;
    let db = stack.database();
    let functions = racing_containers(&stack, &db, 900).await;

    let mut raced = 0;
    for seed in seeds(SEEDS) {
        let mut rng = fastrand::Rng::with_seed(seed);
        let number = 500 + seed;
        let payloads = versions(number);
        let mut order: Vec<usize> = (0..3).collect();
        rng.shuffle(&mut order);
        let delays: Vec<u64> = (0..3).map(|_| rng.u64(0..40)).collect();
        stack.emulator.set_faults(FaultConfig {
            latency_ms: rng.u64(50..300),
            ..FaultConfig::default()
        });
        let mark = stack.mark();
        let send = |slot: usize| {
            let function = &functions[slot];
            let delivery = Delivery::json("issues", &payloads[order[slot]]);
            let delay = std::time::Duration::from_millis(delays[slot]);
            async move {
                tokio::time::sleep(delay).await;
                deliver(function, &delivery).await
            }
        };
        let (a, b, c) = tokio::join!(send(0), send(1), send(2));
        let answers = [a, b, c];
        stack.emulator.set_faults(FaultConfig::default());
        let records = stack.since(mark);

        for answer in &answers {
            assert_eq!(
                answer.status,
                200,
                "seed {seed}: {}\n{:?}",
                answer.body,
                describe(&records)
            );
        }
        let page = stack.page_for(&db, REPO, number);
        let newest = &payloads[2];
        assert_page(
            &page,
            &expected("issues", newest),
            &format!("seed {seed} (order {order:?}, {:?})", describe(&records)),
        );
        assert!(
            title_link(&page).is_some_and(|l| notion_relay::sync::title::recorded(&l).0
                == Some(time::macros::datetime!(2026-03-05 12:00:03 UTC))),
            "seed {seed}: {page:#}"
        );
        // An instance whose check saw only its own page answers with it; a later instance may
        // then settle on an older page (created in the same minute, smaller id) and archive it.
        let live = page["id"].as_str().map(undashed);
        let archived: Vec<String> = stack
            .emulator
            .pages_in(&db)
            .iter()
            .filter(|p| p["archived"] == true)
            .filter_map(|p| p["id"].as_str().map(undashed))
            .collect();
        for answer in &answers {
            let named = page_id(answer).map(|id| undashed(&id));
            assert!(
                named == live || named.as_ref().is_some_and(|id| archived.contains(id)),
                "seed {seed}: an answer names a page that is neither the live one nor archived: {}",
                answer.body
            );
        }
        if creates(&records) >= 2 {
            raced += 1;
        }
    }
    assert!(
        raced >= 2,
        "the latency should have made several containers create in at least two seeds ({raced})"
    );
    for function in &functions {
        assert_no_secrets(&function.logs());
    }
}

/// A body edited inside a race burst: the three versions carry three bodies, and the page kept
/// may hold the content of an older one (the content is not carried with the properties). Its
/// title then records that content's hash, so the next delivery of the issue — a label change
/// carrying the newest body — rewrites the content: in the end the page holds the newest body,
/// whichever container created first, over several seeds.
#[tokio::test]
async fn a_body_edited_inside_a_race_ends_as_the_newest_body_after_the_next_delivery() {
    let stack = Stack::start().await;
    let db = stack.database();
    let functions = racing_containers(&stack, &db, 950).await;
    let body = |version: usize| format!("Body of version {version}.");

    for seed in seeds(BODY_SEEDS) {
        let mut rng = fastrand::Rng::with_seed(100 + seed);
        let number = 600 + seed;
        let mut payloads = versions(number);
        for (i, payload) in payloads.iter_mut().enumerate() {
            payload["issue"]["body"] = body(i + 1).into();
        }
        let mut order: Vec<usize> = (0..3).collect();
        rng.shuffle(&mut order);
        stack.emulator.set_faults(FaultConfig {
            latency_ms: rng.u64(50..300),
            ..FaultConfig::default()
        });
        let deliveries: Vec<Delivery> = order
            .iter()
            .map(|&v| Delivery::json("issues", &payloads[v]))
            .collect();
        let send = |slot: usize| deliver_as_github(&functions[slot], &deliveries[slot]);
        let answers = tokio::join!(send(0), send(1), send(2));
        stack.emulator.set_faults(FaultConfig::default());
        for answer in [&answers.0, &answers.1, &answers.2] {
            assert_eq!(answer.status, 200, "seed {seed}: {}", answer.body);
        }

        let mut later = payloads[2].clone();
        later["action"] = "labeled".into();
        later["issue"]["updated_at"] = "2026-03-05T12:00:30Z".into();
        let answer = deliver_as_github(&functions[0], &Delivery::json("issues", &later)).await;
        assert_eq!(answer.status, 200, "seed {seed}: {}", answer.body);

        // Reading the content back is the test's, not the functions' budget.
        stack.emulator.set_rate_limit(RateLimit::off());
        let page = stack.page_for(&db, REPO, number);
        let id = page["id"].as_str().expect("page id");
        let texts: Vec<String> = content(&stack, id)
            .await
            .iter()
            .map(|(block, _)| text_of(block))
            .collect();
        assert_eq!(texts, [body(3)], "seed {seed} (order {order:?}): {page:#}");
        stack.emulator.set_rate_limit(RateLimit::notion());
    }
}

/// Delivers as GitHub does in this test's story: a 503 (Notion's budget spent past the answer
/// window, the burst's three containers sharing it) is sent again, the same delivery, as
/// scheduled-sync's redelivery would; anything else is the answer.
async fn deliver_as_github(
    function: &relay_tests::lambda::LambdaFunction,
    delivery: &Delivery,
) -> relay_tests::lambda::HttpResponse {
    let mut answer = deliver(function, delivery).await;
    for _ in 0..REDELIVERIES {
        if answer.status != 503 {
            break;
        }
        answer = deliver(function, delivery).await;
    }
    answer
}

/// Three warm `github-webhook` containers (secret and schema read, through issues `warm_from`..),
/// then Notion's rate limit: the race that follows is only about the page.
async fn racing_containers(
    stack: &Stack,
    db: &str,
    warm_from: u64,
) -> [relay_tests::lambda::LambdaFunction; 3] {
    let functions = [
        stack.function(db).await,
        stack.function(db).await,
        stack.function(db).await,
    ];
    for (i, function) in functions.iter().enumerate() {
        let warm = &versions(warm_from + i as u64)[0];
        let answer = deliver(function, &Delivery::json("issues", warm)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    stack.emulator.set_rate_limit(RateLimit::notion());
    functions
}
