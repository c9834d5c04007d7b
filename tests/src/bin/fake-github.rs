//! Serves the fake GitHub REST API (`relay_tests::fake_github`) on a port, for `make demo` and
//! manual runs. Prints one JSON line (`{"base_url": ...}`) once it is listening, then serves until
//! killed.
//!
//! Usage: `fake-github [--port N] [--seed-demo N] [--repo owner/name] [--token T]`.
//! `--seed-demo N` adds N generated issues and pull requests (updated over the last N minutes)
//! and a few webhook deliveries on hook 1, one of them failed (for redelivery).

use std::net::SocketAddr;
use std::process::ExitCode;

use relay_tests::fake_github::{Delivery, FakeGitHub};
use serde_json::json;
use time::{Duration, OffsetDateTime};

const DEMO_HOOK: u64 = 1;

struct Args {
    port: u16,
    seed: usize,
    repo: String,
    token: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 0,
        seed: 0,
        repo: "acme/roadmap".into(),
        token: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => args.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--seed-demo" => {
                args.seed = value()?.parse().map_err(|e| format!("--seed-demo: {e}"))?
            }
            "--repo" => args.repo = value()?,
            "--token" => args.token = Some(value()?),
            "-h" | "--help" => {
                return Err(
                    "usage: fake-github [--port N] [--seed-demo N] [--repo owner/name] [--token T]"
                        .into(),
                )
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn seed(github: &FakeGitHub, repo: &str, n: usize) {
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or(OffsetDateTime::now_utc());
    let start = now - Duration::minutes(n as i64);
    github.generate(repo, n, start);
    let delivered = |minutes: i64| now - Duration::minutes(minutes);
    github.add_delivery(
        repo,
        DEMO_HOOK,
        Delivery::new("demo-guid-1", "issues", Some("opened"), 200, delivered(30)),
    );
    github.add_delivery(
        repo,
        DEMO_HOOK,
        Delivery::new("demo-guid-2", "issues", Some("edited"), 503, delivered(20)),
    );
    github.add_delivery(
        repo,
        DEMO_HOOK,
        Delivery::new("demo-guid-3", "ping", None, 200, delivered(10)),
    );
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("fake-github: {message}");
            return ExitCode::from(2);
        }
    };
    let github = match FakeGitHub::start_on(SocketAddr::from(([127, 0, 0, 1], args.port))).await {
        Ok(github) => github,
        Err(e) => {
            eprintln!("fake-github: cannot listen on port {}: {e}", args.port);
            return ExitCode::FAILURE;
        }
    };
    github.set_token(args.token.as_deref());
    if args.seed > 0 {
        seed(&github, &args.repo, args.seed);
    }
    let ready = json!({
        "base_url": github.base_url(),
        "repo": args.repo,
        "hook_id": DEMO_HOOK,
        "issues": args.seed,
    });
    println!("{ready}");
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}
