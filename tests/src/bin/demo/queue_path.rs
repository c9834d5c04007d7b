//! The queue-mode part of `make demo`: a burst of deliveries → github-webhook (queue mode) →
//! SQS FIFO on `moto_server` → 2 sync-worker processes through the event-source-mapping harness
//! → rows, with each delivery's ack time. Emulator only (it needs a local SQS).

use std::time::{Duration, Instant};

use notion_relay::aws::sqs::SqsClient;
use notion_relay::github::webhook::sign;
use notion_relay::queue::{pace, RESERVED_PER_SECOND};
use relay_tests::emulator::{Emulator, RateLimit};
use relay_tests::esm::{create_fifo_with_dlq, queue_depth, EsmConfig, EventSourceMapping};
use relay_tests::lambda::{release_binary, HttpRequest, LambdaFunction};
use relay_tests::moto::MotoServer;
use relay_tests::report::print_table;
use serde_json::{json, Value};

use super::BoxError;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/fixtures/github/octokit/issues"
);
const SECRET: &str = "demo-queue-secret";
const ISSUES: u64 = 4;

fn payload(action: &str, number: u64, second: u32) -> Result<Value, BoxError> {
    let mut p: Value =
        serde_json::from_slice(&std::fs::read(format!("{FIXTURES}/{action}.payload.json"))?)?;
    let issue = &mut p["issue"];
    issue["number"] = number.into();
    issue["updated_at"] = format!("2026-04-02T09:00:{second:02}Z").into();
    issue["html_url"] = format!("https://github.com/Codertocat/Hello-World/issues/{number}").into();
    issue["title"] = format!("Queue demo #{number}").into();
    if action == "opened" {
        issue["labels"] = json!([]);
        issue["assignees"] = json!([]);
    }
    Ok(p)
}

/// Runs the queue path against `emulator`; prints acks, the worker's work and the rows.
pub async fn run(emulator: &Emulator) -> Result<(), BoxError> {
    let moto = match MotoServer::start().await {
        Ok(moto) => moto,
        Err(e) => {
            println!("skipped: {e}");
            return Ok(());
        }
    };
    let db = emulator
        .create_demo_database()
        .map_err(|e| format!("{e:?}"))?
        .database_id;
    emulator.set_rate_limit(RateLimit::notion());
    let aws = moto.aws_env();
    let sqs =
        SqsClient::from_env(&|k: &str| aws.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))?;
    let (queue, dlq) = create_fifo_with_dlq(&sqs, "demo-deliveries", 5, 60).await?;
    let mut env: Vec<(String, String)> = vec![
        ("NOTION_API_URL".into(), emulator.base_url()),
        ("NOTION_TOKEN".into(), emulator.token()),
        ("NOTION_DATABASE_ID".into(), db.clone()),
        ("GITHUB_WEBHOOK_SECRET".into(), SECRET.into()),
    ];
    env.extend(aws.iter().cloned());
    let mut webhook_env = env.clone();
    webhook_env.push(("DELIVERY_QUEUE_URL".into(), queue.clone()));
    let webhook = LambdaFunction::spawn(&release_binary("github-webhook"), &webhook_env).await?;
    println!("queue {queue} (moto), dead-letter queue {dlq}");

    let mut rows = Vec::new();
    let mark = emulator.request_count();
    for number in 1..=ISSUES {
        for (second, action) in ["opened", "labeled", "assigned"].iter().enumerate() {
            let body = payload(action, 700 + number, second as u32 + 1)?
                .to_string()
                .into_bytes();
            let request = HttpRequest::post("/")
                .header("content-type", "application/json")
                .header("x-github-event", "issues")
                .header("x-github-delivery", &format!("demo-{number}-{action}"))
                .header("x-hub-signature-256", &sign(SECRET, &body))
                .body(body);
            let started = Instant::now();
            let answer = webhook.invoke_http(request).await?;
            rows.push(vec![
                format!("#{} {action}", 700 + number),
                answer.status.to_string(),
                answer.body.chars().take(60).collect(),
                format!("{:.1} ms", started.elapsed().as_secs_f64() * 1e3),
            ]);
        }
    }
    print_table(&["delivery", "answer", "body", "ack"], &rows);
    println!(
        "Notion calls by the webhook in queue mode: {}",
        emulator.request_count() - mark
    );

    let mut worker_env = env;
    let rate = pace(3.0, 2, RESERVED_PER_SECOND);
    worker_env.push(("NOTION_REQUESTS_PER_SECOND".into(), rate.to_string()));
    println!(
        "2 sync-worker processes, {rate} Notion requests/s each (budget 3/s less 0.5 reserved)"
    );
    let started = Instant::now();
    let esm = EventSourceMapping::start(
        sqs.clone(),
        EsmConfig {
            queue_url: queue.clone(),
            binary: release_binary("sync-worker"),
            env: worker_env,
            max_concurrency: 2,
            batch_size: 10,
            function_timeout: Duration::from_secs(60),
            visibility_timeout: 60,
        },
    )
    .await?;
    let live = |db: &str| {
        emulator
            .pages_in(db)
            .into_iter()
            .filter(|p| p["archived"] != true)
            .collect::<Vec<Value>>()
    };
    while live(&db).len() < ISSUES as usize || queue_depth(&sqs, &queue).await? > 0 {
        if started.elapsed() > Duration::from_secs(120) {
            return Err("the queue did not drain in 2 minutes".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let stats = esm.stats();
    esm.stop().await;
    println!(
        "drained in {:.1?}: {} batches, {} records, {} Notion calls in all (schema reads included)",
        started.elapsed(),
        stats.batches,
        stats.records,
        emulator.request_count() - mark
    );
    let mut pages: Vec<Vec<String>> = live(&db)
        .iter()
        .map(|p| {
            let props = &p["properties"];
            let names = |key: &str| {
                props[key]["multi_select"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|o| o["name"].as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default()
            };
            let title = &props["Name"]["title"][0];
            vec![
                props["Issue #"]["number"].to_string(),
                title["plain_text"].as_str().unwrap_or_default().to_string(),
                names("Labels"),
                names("Assignees"),
                title["href"]
                    .as_str()
                    .and_then(|h| h.rsplit_once('#').map(|(_, f)| f.to_string()))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    pages.sort();
    print_table(
        &[
            "Issue #",
            "Name",
            "Labels",
            "Assignees",
            "version (title link)",
        ],
        &pages,
    );
    Ok(())
}
