//! `notion-emulator`: the Notion emulator as a process. Flags: `--port N`, `--token T`,
//! `--seed N`, `--rate-limit off|N` (requests/s; burst with `--burst N`), `--fault-429 P`,
//! `--fault-500 P`, `--fault-502 P`, `--fault-503 P`, `--fault-504 P`, `--fault-529 P`,
//! `--fault-409 P`, `--latency-ms N`, `--demo`. Prints one JSON line
//! `{"base_url","token","database_id","data_source_id"}` (ids only with `--demo`), then serves
//! until killed.

use std::io::Write;

use relay_tests::emulator::{Emulator, EmulatorConfig, RateLimit};

struct Options {
    config: EmulatorConfig,
    demo: bool,
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut config = EmulatorConfig {
        rate_limit: RateLimit::notion(),
        ..EmulatorConfig::default()
    };
    let mut demo = false;
    let mut burst: Option<u32> = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--demo" {
            demo = true;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let prob = || {
            value
                .parse::<f64>()
                .map_err(|_| format!("{flag}: `{value}` is not a probability"))
        };
        let int = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag}: `{value}` is not a number"))
        };
        let f = &mut config.faults;
        match flag.as_str() {
            "--port" => {
                config.port =
                    Some(u16::try_from(int()?).map_err(|_| format!("--port: {value} is too big"))?)
            }
            "--token" => config.token = value.clone(),
            "--seed" => {
                config.seed = int()?;
                f.seed = config.seed;
            }
            "--rate-limit" if value == "off" => config.rate_limit = RateLimit::off(),
            "--rate-limit" => {
                let rate = value
                    .parse::<f64>()
                    .map_err(|_| format!("--rate-limit: `{value}` is not off or a number"))?;
                config.rate_limit = RateLimit::per_second(rate, config.rate_limit.burst);
            }
            "--burst" => {
                burst = Some(
                    u32::try_from(int()?).map_err(|_| format!("--burst: {value} is too big"))?,
                )
            }
            "--fault-429" => f.rate_limited = prob()?,
            "--fault-500" => f.internal_server_error = prob()?,
            "--fault-502" => f.bad_gateway = prob()?,
            "--fault-503" => f.service_unavailable = prob()?,
            "--fault-504" => f.gateway_timeout = prob()?,
            "--fault-529" => f.service_overload = prob()?,
            "--fault-409" => f.conflict = prob()?,
            "--latency-ms" => f.latency_ms = int()?,
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if let Some(b) = burst {
        config.rate_limit.burst = b;
    }
    Ok(Options { config, demo })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = parse_args(&args).map_err(|e| format!("notion-emulator: {e}"))?;
    let emulator = Emulator::start(options.config).await?;
    let mut line = serde_json::json!({"base_url": emulator.base_url(), "token": emulator.token()});
    if options.demo {
        let db = emulator
            .create_demo_database()
            .map_err(|e| format!("notion-emulator: demo database: {}", e.message))?;
        line["database_id"] = serde_json::json!(db.database_id);
        line["data_source_id"] = serde_json::json!(db.data_source_id);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    drop(out);
    std::future::pending::<()>().await;
    Ok(())
}
