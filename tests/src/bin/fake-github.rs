//! Serves the fake GitHub REST API (`relay_tests::fake_github`) on a port, for `make demo` and
//! manual runs. Prints one JSON line (`{"base_url", "repo", "hook_id", "issues"}`) once it is
//! listening, then serves until killed. `--help` lists the flags.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use relay_tests::fake_github::{Delivery, FakeGitHub};
use serde_json::json;
use time::{Duration, OffsetDateTime};

const DEMO_HOOK: u64 = 1;

#[derive(Debug, Parser)]
#[command(
    name = "fake-github",
    version,
    about = "A fake GitHub REST API: issues and pull requests (since + Link pagination), webhooks and their deliveries, redelivery, token and User-Agent checks, rate-limit headers."
)]
struct Args {
    /// Port on 127.0.0.1; 0 picks a free one
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Add N generated issues and pull requests (updated over the last N minutes) and a few
    /// deliveries on hook 1, one of them failed (for redelivery)
    #[arg(long = "seed-demo", value_name = "N", default_value_t = 0)]
    seed: usize,
    /// The repository the generated items belong to
    #[arg(long, value_name = "OWNER/NAME", default_value = "acme/roadmap")]
    repo: String,
    /// Require this token (Bearer or `token`); without it anonymous requests are accepted
    #[arg(long)]
    token: Option<String>,
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
    let args = Args::parse();
    if !notion_relay::config::is_repository_name(&args.repo) {
        eprintln!("fake-github: --repo {:?} is not owner/name", args.repo);
        return ExitCode::from(2);
    }
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
