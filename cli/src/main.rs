//! `notion-relay`: the operator CLI. Sets up the Notion database (`init`), says what is wrong with
//! a deployment and how to fix it (`check`), edits the Secrets Manager secret one key at a time
//! (`secret`), runs the reconcile from a laptop (`backfill`) and sends sample deliveries
//! (`replay`). It reads the same environment variables as the functions; flags override them.
//!
//! All the work goes through the shared crate's clients (Notion send path, GitHub REST client,
//! Secrets Manager client, reconciler); this crate only parses arguments and prints.

/// `println!` that ignores a closed stdout (`notion-relay check | head -3` must not panic).
macro_rules! say {
    () => {
        say!("")
    };
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod args;
mod backfill;
mod check;
mod context;
mod error;
mod init;
mod progress;
mod replay;
mod schema;
mod secret;
mod sqs;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command, SecretCommand};
use crate::context::Context;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.global.verbose);
    let ctx = Context::new(&cli.global);
    let result = match cli.command {
        Command::Init(args) => init::run(&ctx, args).await,
        Command::Check(args) => check::run(&ctx, args).await,
        Command::Secret(SecretCommand::Set(args)) => secret::set(&ctx, args).await,
        Command::Secret(SecretCommand::Show(args)) => secret::show(&ctx, args).await,
        Command::Backfill(args) => backfill::run(&ctx, args).await,
        Command::Replay(args) => replay::run(&ctx, args).await,
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", error::chain(&error));
            ExitCode::FAILURE
        }
    }
}

/// Warnings of the shared crate go to stderr (`-v`: info, `-vv`: its debug lines too, e.g. each
/// Notion call). The progress counter listens to the send path's debug events whatever the level.
fn init_logging(verbose: u8) {
    use tracing_subscriber::filter::{EnvFilter, LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;

    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    let fmt = tracing_subscriber::fmt::layer()
        .with_target(false)
        .without_time()
        .with_writer(std::io::stderr)
        .with_filter(filter);
    let counter = progress::WriteCounter
        .with_filter(Targets::new().with_target("notion_relay::notion", LevelFilter::DEBUG));
    let _ = tracing_subscriber::registry()
        .with(fmt)
        .with(counter)
        .try_init();
}
