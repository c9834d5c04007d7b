//! `notion-emulator`: the Notion emulator as a process, for demos and manual runs. Prints one
//! JSON line `{"base_url","token","database_id","data_source_id","page_id"}` (ids only with
//! `--demo`) once it listens, then serves until killed. `--help` lists the flags.
//!
//! `--demo` serves the workspace `events/env.json` expects out of the box: port 8787, token
//! `secret_dev_token`, the "GitHub Issues" database `0123456789abcdef0123456789abcdef` under the
//! page `…cdee` (see `relay_tests::emulator::DEMO_*`, and `scripts/gen_events.py`).

use std::io::Write;

use clap::Parser;
use relay_tests::emulator::{
    Emulator, EmulatorConfig, RateLimit, DEMO_DATABASE_ID, DEMO_PORT, DEMO_TOKEN,
};

#[derive(Debug, Parser)]
#[command(
    name = "notion-emulator",
    version,
    about = "A local Notion API (2022-06-28 and 2025-09-03) with Notion's validation, limits, errors, rate limiter and seeded faults."
)]
struct Args {
    /// Port on 127.0.0.1; 0 picks a free one [default: 0, or 8787 with --demo]
    #[arg(long)]
    port: Option<u16>,
    /// The bearer token requests must send [default: secret_emulator_token, or secret_dev_token
    /// with --demo]
    #[arg(long)]
    token: Option<String>,
    /// Seeds ids and fault draws, so a run is reproducible
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Requests per second before 429 rate_limited, or `off` [default: 3, Notion's average]
    #[arg(long, value_name = "N|off", value_parser = parse_rate)]
    rate_limit: Option<Rate>,
    /// Requests allowed at once after an idle spell [default: 10]
    #[arg(long)]
    burst: Option<u32>,
    /// Probability of a 429 rate_limited answer
    #[arg(long = "fault-429", value_name = "P", value_parser = parse_probability)]
    fault_429: Option<f64>,
    /// Probability of a 500 internal_server_error
    #[arg(long = "fault-500", value_name = "P", value_parser = parse_probability)]
    fault_500: Option<f64>,
    /// Probability of a 502 (HTML, from Notion's edge)
    #[arg(long = "fault-502", value_name = "P", value_parser = parse_probability)]
    fault_502: Option<f64>,
    /// Probability of a 503 service_unavailable
    #[arg(long = "fault-503", value_name = "P", value_parser = parse_probability)]
    fault_503: Option<f64>,
    /// Probability of a 504 (HTML)
    #[arg(long = "fault-504", value_name = "P", value_parser = parse_probability)]
    fault_504: Option<f64>,
    /// Probability of a 529 service_overload
    #[arg(long = "fault-529", value_name = "P", value_parser = parse_probability)]
    fault_529: Option<f64>,
    /// Probability of a 409 conflict_error
    #[arg(long = "fault-409", value_name = "P", value_parser = parse_probability)]
    fault_409: Option<f64>,
    /// Added to every /v1 request
    #[arg(long, value_name = "MS")]
    latency_ms: Option<u64>,
    /// Serve the demo workspace events/env.json names (fixed database id, token and port)
    #[arg(long)]
    demo: bool,
}

#[derive(Debug, Clone, Copy)]
enum Rate {
    Off,
    PerSecond(f64),
}

fn parse_rate(raw: &str) -> Result<Rate, String> {
    if raw == "off" {
        return Ok(Rate::Off);
    }
    match raw.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(Rate::PerSecond(rate)),
        _ => Err(format!("`{raw}` is not off or a positive number")),
    }
}

fn parse_probability(raw: &str) -> Result<f64, String> {
    match raw.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("`{raw}` is not a probability between 0 and 1")),
    }
}

fn config(args: &Args) -> EmulatorConfig {
    let mut config = EmulatorConfig {
        rate_limit: RateLimit::notion(),
        port: args.port.or(args.demo.then_some(DEMO_PORT)),
        seed: args.seed,
        ..EmulatorConfig::default()
    };
    if let Some(token) = &args.token {
        config.token = token.clone();
    } else if args.demo {
        config.token = DEMO_TOKEN.to_string();
    }
    config.faults.seed = args.seed;
    match args.rate_limit {
        Some(Rate::Off) => config.rate_limit = RateLimit::off(),
        Some(Rate::PerSecond(rate)) => {
            config.rate_limit = RateLimit::per_second(rate, config.rate_limit.burst)
        }
        None => {}
    }
    if let Some(burst) = args.burst {
        config.rate_limit.burst = burst;
    }
    let f = &mut config.faults;
    let set = |slot: &mut f64, value: Option<f64>| {
        if let Some(p) = value {
            *slot = p;
        }
    };
    set(&mut f.rate_limited, args.fault_429);
    set(&mut f.internal_server_error, args.fault_500);
    set(&mut f.bad_gateway, args.fault_502);
    set(&mut f.service_unavailable, args.fault_503);
    set(&mut f.gateway_timeout, args.fault_504);
    set(&mut f.service_overload, args.fault_529);
    set(&mut f.conflict, args.fault_409);
    if let Some(ms) = args.latency_ms {
        f.latency_ms = ms;
    }
    config
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let emulator = Emulator::start(config(&args))
        .await
        .map_err(|e| format!("notion-emulator: cannot listen: {e}"))?;
    let mut line = serde_json::json!({"base_url": emulator.base_url(), "token": emulator.token()});
    if args.demo {
        let db = emulator
            .create_fixed_demo_database()
            .map_err(|e| format!("notion-emulator: demo database: {}", e.message))?;
        // As events/env.json spells it (undashed); Notion accepts both forms.
        line["database_id"] = serde_json::json!(DEMO_DATABASE_ID);
        debug_assert_eq!(db.database_id.replace('-', ""), DEMO_DATABASE_ID);
        line["data_source_id"] = serde_json::json!(db.data_source_id);
        line["page_id"] = serde_json::json!(relay_tests::emulator::DEMO_PAGE_ID);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    drop(out);
    std::future::pending::<()>().await;
    Ok(())
}
