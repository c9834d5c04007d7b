//! `make bench`: queue mode (github-webhook → SQS FIFO on moto → sync-worker) next to direct mode.
//!
//! - ack latency p50 / p99 of the RELEASE github-webhook in queue mode (verify + one SendMessage
//!   to moto), 100 sequential deliveries after a warm-up;
//! - drain time of 100 queued deliveries (50 issues × opened + labeled) by 2 workers through the
//!   event-source-mapping harness, against the floor `Notion calls needed ÷ budget` (3 req/s, the
//!   emulator's limiter on: 3/s, burst 10), and the 429s Notion answered;
//! - Notion calls per create / update / redelivery in each mode (schema reads left out);
//! - the sync-worker bootstrap size and cold start (spawn → first `/next`, median of 5).
//!
//! Prints tables and writes `target/bench/queue.json`.

use std::error::Error;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use notion_relay::aws::sqs::SqsClient;
use notion_relay::github::webhook::sign;
use notion_relay::queue::{pace, RESERVED_PER_SECOND};
use relay_tests::emulator::{Emulator, RateLimit, RequestRecord};
use relay_tests::esm::{create_fifo_with_dlq, queue_depth, EsmConfig, EventSourceMapping};
use relay_tests::lambda::{release_binary, HttpRequest, HttpResponse, LambdaFunction};
use relay_tests::moto::MotoServer;
use relay_tests::report::print_table;
use serde_json::{json, Value};

type BoxError = Box<dyn Error + Send + Sync>;

const REPO: &str = "Codertocat/Hello-World";
const TOKEN: &str = "secret_bench_token";
const SECRET: &str = "bench-webhook-secret";
const BUDGET: f64 = 3.0;
const WORKERS: usize = 2;
const ACKS: usize = 100;
const DRAIN_ISSUES: u64 = 50;
const SPAWNS: usize = 5;
const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/fixtures/github/octokit/issues/opened.payload.json"
);

struct Bench {
    emulator: Emulator,
    moto: MotoServer,
    db: String,
    sqs: SqsClient,
    template: Value,
}

impl Bench {
    fn env(&self, extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = [
            ("NOTION_API_URL", self.emulator.base_url()),
            ("NOTION_DATABASE_ID", self.db.clone()),
            ("NOTION_TOKEN", TOKEN.to_string()),
            ("GITHUB_WEBHOOK_SECRET", SECRET.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        env.extend(self.moto.aws_env());
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        env
    }

    /// The fixture as issue `number`, updated `second` seconds after 2026-04-01T10:00:00Z.
    fn payload(&self, number: u64, second: u32, labels: &[&str]) -> Vec<u8> {
        let mut p = self.template.clone();
        let at = time::macros::datetime!(2026-04-01 10:00:00 UTC)
            + time::Duration::seconds(i64::from(second));
        p["issue"]["number"] = number.into();
        p["issue"]["updated_at"] = at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
            .into();
        p["issue"]["html_url"] = format!("https://github.com/{REPO}/issues/{number}").into();
        p["issue"]["labels"] = labels
            .iter()
            .map(|l| json!({"id": 1, "name": l, "color": "d73a4a", "default": false}))
            .collect();
        p.to_string().into_bytes()
    }

    async fn mapping(&self, queue: &str) -> Result<EventSourceMapping, BoxError> {
        let rate = pace(BUDGET, WORKERS as u32, RESERVED_PER_SECOND).to_string();
        let config = EsmConfig {
            queue_url: queue.to_string(),
            binary: release_binary("sync-worker"),
            env: self.env(&[("NOTION_REQUESTS_PER_SECOND", &rate)]),
            max_concurrency: WORKERS,
            batch_size: 10,
            function_timeout: Duration::from_secs(60),
            visibility_timeout: 60,
        };
        Ok(EventSourceMapping::start(self.sqs.clone(), config).await?)
    }

    /// Waits until the queue is empty and `pages` live rows exist.
    async fn drained(&self, queue: &str, pages: usize) -> Result<(), BoxError> {
        let start = Instant::now();
        loop {
            let live = self
                .emulator
                .pages_in(&self.db)
                .iter()
                .filter(|p| p["archived"] != true)
                .count();
            if live >= pages && queue_depth(&self.sqs, queue).await? == 0 {
                return Ok(());
            }
            if start.elapsed() > Duration::from_secs(300) {
                return Err("the queue did not drain in 5 minutes".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

async fn send(function: &LambdaFunction, body: &[u8], id: &str) -> Result<HttpResponse, BoxError> {
    let request = HttpRequest::post("/")
        .header("content-type", "application/json")
        .header("x-github-event", "issues")
        .header("x-github-delivery", id)
        .header("x-hub-signature-256", &sign(SECRET, body))
        .body(body.to_vec());
    Ok(function.invoke_http(request).await?)
}

/// Notion calls that do the work: no schema reads, no answered 429s.
fn work_calls(log: &[RequestRecord]) -> usize {
    log.iter()
        .filter(|r| r.status != 429 && (r.method != "GET" || r.path.ends_with("/query")))
        .count()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let (emulator, db) = Emulator::with_demo_database(TOKEN).await?;
    let moto = MotoServer::start().await?;
    let aws = moto.aws_env();
    let sqs =
        SqsClient::from_env(&|k: &str| aws.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))?;
    let template: Value = serde_json::from_slice(&std::fs::read(FIXTURE)?)?;
    let bench = Bench {
        emulator,
        moto,
        db,
        sqs,
        template,
    };
    let mut report = json!({});

    // ---- ack latency -----------------------------------------------------------------------
    let (ack_queue, _) = create_fifo_with_dlq(&bench.sqs, "bench-ack", 5, 60).await?;
    let webhook = LambdaFunction::spawn(
        &release_binary("github-webhook"),
        &bench.env(&[("DELIVERY_QUEUE_URL", &ack_queue)]),
    )
    .await?;
    send(&webhook, &bench.payload(1, 0, &[]), "warm-up").await?;
    let mut acks = Vec::new();
    for i in 0..ACKS {
        let body = bench.payload(100 + i as u64, 1, &["bug"]);
        let started = Instant::now();
        let answer = send(&webhook, &body, &format!("ack-{i}")).await?;
        acks.push(started.elapsed());
        if answer.status != 202 {
            return Err(format!("ack {i}: {} {}", answer.status, answer.body).into());
        }
    }
    acks.sort();
    let (p50, p99) = (percentile(&acks, 0.5), percentile(&acks, 0.99));
    print_table(
        &["queue mode ack (100 deliveries)", "p50", "p99"],
        &[vec![
            "verify + SendMessage (moto)".into(),
            format!("{:.1} ms", p50.as_secs_f64() * 1e3),
            format!("{:.1} ms", p99.as_secs_f64() * 1e3),
        ]],
    );
    report["ack_ms"] = json!({"p50": p50.as_secs_f64() * 1e3, "p99": p99.as_secs_f64() * 1e3});
    drop(webhook);

    // ---- calls per delivery, each mode ------------------------------------------------------
    let (cost_queue, _) = create_fifo_with_dlq(&bench.sqs, "bench-cost", 5, 60).await?;
    let direct = LambdaFunction::spawn(&release_binary("github-webhook"), &bench.env(&[])).await?;
    let queued = LambdaFunction::spawn(
        &release_binary("github-webhook"),
        &bench.env(&[("DELIVERY_QUEUE_URL", &cost_queue)]),
    )
    .await?;
    let esm = bench.mapping(&cost_queue).await?;
    // The update comes 2 minutes later (outside a burst); the burst update 5 s after that.
    let cases = [
        ("create", 0u32, &[][..], "c"),
        ("redelivery", 0, &[][..], "c"),
        ("update", 120, &["bug"][..], "u"),
        ("update inside a burst", 125, &["bug", "docs"][..], "b"),
    ];
    let mut rows = Vec::new();
    let mut costs = Vec::new();
    for (mode, function, number) in [("direct", &direct, 9_001u64), ("queue", &queued, 9_002)] {
        let mut live = bench.emulator.pages_in(&bench.db).len();
        for (case, second, labels, id) in cases {
            let body = bench.payload(number, second, labels);
            let mark = bench.emulator.request_count();
            let answer = send(function, &body, &format!("{mode}-{number}-{id}")).await?;
            if mode == "queue" {
                if case == "create" {
                    live += 1;
                }
                // A redelivery with the same delivery id is dropped by SQS itself.
                bench.drained(&cost_queue, live).await?;
                let wait = Instant::now();
                while work_calls(&bench.emulator.requests().split_off(mark)) == 0
                    && case != "redelivery"
                    && wait.elapsed() < Duration::from_secs(30)
                {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            let calls = work_calls(&bench.emulator.requests().split_off(mark));
            rows.push(vec![
                mode.to_string(),
                case.to_string(),
                answer.status.to_string(),
                calls.to_string(),
            ]);
            costs.push(json!({"mode": mode, "delivery": case, "status": answer.status, "notion_calls": calls}));
        }
    }
    print_table(&["mode", "delivery", "answer", "Notion calls"], &rows);
    println!("(queue-mode redelivery: same X-GitHub-Delivery; real SQS drops it within its 5-minute deduplication window (0 calls); moto forgets the id once the first message is deleted, so here it costs the key query)");
    report["calls_per_delivery"] = json!(costs);
    esm.stop().await;
    drop((direct, queued));

    // ---- drain of 100 queued deliveries -----------------------------------------------------
    bench.emulator.set_rate_limit(RateLimit::notion());
    let (drain_queue, drain_dlq) = create_fifo_with_dlq(&bench.sqs, "bench-drain", 5, 60).await?;
    let webhook = LambdaFunction::spawn(
        &release_binary("github-webhook"),
        &bench.env(&[("DELIVERY_QUEUE_URL", &drain_queue)]),
    )
    .await?;
    let before_pages = bench.emulator.pages_in(&bench.db).len();
    for i in 0..DRAIN_ISSUES {
        let number = 20_000 + i;
        send(
            &webhook,
            &bench.payload(number, 10, &[]),
            &format!("drain-{i}-o"),
        )
        .await?;
        send(
            &webhook,
            &bench.payload(number, 11, &["bug"]),
            &format!("drain-{i}-l"),
        )
        .await?;
    }
    let mark = bench.emulator.request_count();
    let started = Instant::now();
    let esm = bench.mapping(&drain_queue).await?;
    bench
        .drained(&drain_queue, before_pages + DRAIN_ISSUES as usize)
        .await?;
    let drain = started.elapsed();
    let log = bench.emulator.requests().split_off(mark);
    let limited = log.iter().filter(|r| r.status == 429).count();
    let needed = log.len() - limited;
    let floor = needed as f64 / BUDGET;
    let stats = esm.stats();
    esm.stop().await;
    let dead = queue_depth(&bench.sqs, &drain_dlq).await?;
    print_table(
        &["drain 100 deliveries (50 issues)", "value"],
        &[
            vec![
                "drain time (workers' cold start included)".into(),
                format!("{:.1} s", drain.as_secs_f64()),
            ],
            vec![
                "Notion calls (all, schema reads included)".into(),
                needed.to_string(),
            ],
            vec![
                format!("budget floor (calls ÷ {BUDGET}/s)"),
                format!("{floor:.1} s"),
            ],
            vec![
                "Notion 429s".into(),
                format!(
                    "{limited} ({:.1} %)",
                    100.0 * limited as f64 / log.len().max(1) as f64
                ),
            ],
            vec![
                "batches / records / largest batch".into(),
                format!(
                    "{} / {} / {}",
                    stats.batches, stats.records, stats.largest_batch
                ),
            ],
            vec!["dead-lettered".into(), dead.to_string()],
        ],
    );
    report["drain"] = json!({"seconds": drain.as_secs_f64(), "notion_calls": needed, "floor_seconds": floor, "answered_429": limited, "batches": stats.batches, "dead_lettered": dead});

    // ---- worker size and cold start -----------------------------------------------------------
    let binary = release_binary("sync-worker");
    let size = std::fs::metadata(&binary)?.len();
    let lambda =
        PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()))
            .join("lambda/sync-worker/bootstrap");
    let lambda_size = std::fs::metadata(&lambda).map(|m| m.len()).ok();
    let mut starts = Vec::new();
    for _ in 0..SPAWNS {
        let function = LambdaFunction::spawn(&binary, &bench.env(&[])).await?;
        starts.push(function.first_ready(Duration::from_secs(10)).await?);
    }
    starts.sort();
    let cold = starts[SPAWNS / 2];
    print_table(
        &["sync-worker", "value"],
        &[
            vec!["release binary (host)".into(), format!("{size} bytes")],
            vec![
                "target/lambda bootstrap (arm64)".into(),
                lambda_size.map_or("not built (make build)".into(), |s| format!("{s} bytes")),
            ],
            vec![
                format!("cold start, spawn → first /next (median of {SPAWNS})"),
                format!("{:.1} ms", cold.as_secs_f64() * 1e3),
            ],
        ],
    );
    report["worker"] = json!({"binary_bytes": size, "lambda_bootstrap_bytes": lambda_size, "cold_start_ms": cold.as_secs_f64() * 1e3});

    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&out)?;
    std::fs::write(
        out.join("queue.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    Ok(())
}
