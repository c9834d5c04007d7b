//! The command line: global options (each overrides the environment variable of the same
//! meaning the functions read) and one subcommand per job.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "notion-relay",
    version,
    about = "Set up and operate notion-relay: create the Notion database, check a deployment, edit the secret, backfill, replay deliveries.",
    long_about = "Set up and operate notion-relay.\n\nEvery option below can also come from the environment variable the functions read (named in brackets); an option given on the command line wins. Tokens are best passed through the environment or the secret (SECRET_ID), not on the command line, where other users of the machine can see them."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Notion base URL [env: NOTION_API_URL; default https://api.notion.com]
    #[arg(long, global = true, value_name = "URL")]
    pub notion_api_url: Option<String>,
    /// Notion-Version: 2022-06-28 or 2025-09-03 [env: NOTION_VERSION; default 2022-06-28]
    #[arg(long, global = true, value_name = "VERSION")]
    pub notion_version: Option<String>,
    /// Notion integration token [env: NOTION_TOKEN; else notion_token in the secret]
    #[arg(long, global = true, value_name = "TOKEN")]
    pub notion_token: Option<String>,
    /// The database of issue pages [env: NOTION_DATABASE_ID]
    #[arg(long, global = true, value_name = "ID")]
    pub database_id: Option<String>,
    /// Secrets Manager secret (name or ARN) [env: SECRET_ID]
    #[arg(long, global = true, value_name = "NAME|ARN")]
    pub secret_id: Option<String>,
    /// AWS endpoint override, e.g. a local moto_server [env: AWS_ENDPOINT_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub aws_endpoint_url: Option<String>,
    /// GitHub REST base URL [env: GITHUB_API_URL; default https://api.github.com]
    #[arg(long, global = true, value_name = "URL")]
    pub github_api_url: Option<String>,
    /// GitHub token [env: GITHUB_TOKEN; else github_token in the secret]
    #[arg(long, global = true, value_name = "TOKEN")]
    pub github_token: Option<String>,
    /// More output on stderr (-v info, -vv every Notion and GitHub call)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the Notion database (every property the functions write) under a page, and print
    /// the `sam deploy` line that uses it.
    Init(InitArgs),
    /// Check a setup item by item (tokens, database, schema, hook, secret, queues); exit 0 only
    /// when everything holds.
    Check(CheckArgs),
    /// Read or change one key of the Secrets Manager secret, keeping the others.
    #[command(subcommand)]
    Secret(SecretCommand),
    /// Reconcile repositories into Notion from this machine (what scheduled-sync does), with
    /// progress and a summary. Resumable: run it again after an interruption.
    Backfill(BackfillArgs),
    /// Send a sample event (events/*.json) or a saved GitHub delivery to a Function URL or a
    /// local runtime, signed, and print the answer.
    Replay(ReplayArgs),
}

/// Optional properties `init --with` can add.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OptionalProperty {
    /// Milestone (select)
    Milestone,
    /// Reviewers (multi_select, pull requests)
    Reviewers,
    /// Created (date)
    Created,
    /// Closed (date)
    Closed,
    /// Issue type (select, GitHub issue types)
    IssueType,
    /// Parent (relation to the parent issue's page, sub-issues)
    Parent,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The Notion page to create the database under: its URL (copy link) or its id
    #[arg(long, value_name = "URL|ID")]
    pub parent: String,
    /// The database's title
    #[arg(long, default_value = "GitHub Issues")]
    pub title: String,
    /// Optional properties to add too, comma separated
    #[arg(long, value_enum, value_delimiter = ',', value_name = "PROPERTY,...")]
    pub with: Vec<OptionalProperty>,
    /// Repositories (owner/name) for the printed `sam deploy` line [env: REPOSITORIES]
    #[arg(long, value_name = "OWNER/NAME,...")]
    pub repositories: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Add the properties the database lacks (a database update); wrong-typed ones are reported,
    /// never changed
    #[arg(long)]
    pub fix: bool,
    /// The webhook to check [env: GITHUB_HOOK_ID]
    #[arg(long, value_name = "ID")]
    pub hook_id: Option<String>,
    /// The repository that owns the webhook [env: GITHUB_HOOK_REPOSITORY; else the first of
    /// REPOSITORIES]
    #[arg(long, value_name = "OWNER/NAME")]
    pub hook_repository: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Set KEY in the secret (SECRET_ID) to VALUE, keeping every other key
    Set(SecretSetArgs),
    /// Show KEY of the secret, masked unless --reveal
    Show(SecretShowArgs),
}

#[derive(Debug, Args)]
pub struct SecretSetArgs {
    /// The JSON key, e.g. notion_token, github_webhook_secret, github_token
    pub key: String,
    /// The value; `-` or nothing reads it from stdin (so it stays out of your shell history)
    pub value: Option<String>,
}

#[derive(Debug, Args)]
pub struct SecretShowArgs {
    /// The JSON key
    pub key: String,
    /// Print the value itself
    #[arg(long)]
    pub reveal: bool,
}

#[derive(Debug, Args)]
pub struct BackfillArgs {
    /// Repositories (owner/name) to reconcile [default: REPOSITORIES]
    #[arg(value_name = "OWNER/NAME")]
    pub repositories: Vec<String>,
    /// Notion requests per second for this run (Notion allows about 3 per integration, shared
    /// with the deployed functions)
    #[arg(long, default_value_t = 3.0, value_name = "N")]
    pub rate: f64,
    /// Progress display
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    /// A live line on a terminal, a line every few seconds otherwise
    Auto,
    /// Always a live line
    Bar,
    /// A plain line every few seconds
    Lines,
    /// Only the summary
    Off,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A Function URL event (events/*.json) or a saved GitHub delivery body (raw JSON)
    pub file: PathBuf,
    /// Where to send it: a Function URL, or a local runtime such as `cargo lambda watch`
    #[arg(long, value_name = "URL", default_value = DEFAULT_REPLAY_URL)]
    pub to: String,
    /// The X-GitHub-Event of a saved delivery (issues, pull_request, issue_comment, ping, ...);
    /// not needed for events/*.json
    #[arg(long, value_name = "EVENT")]
    pub event: Option<String>,
    /// The X-GitHub-Delivery to send with a saved delivery [default: a new one]
    #[arg(long, value_name = "GUID")]
    pub delivery: Option<String>,
    /// Sign a saved delivery with this secret [env: GITHUB_WEBHOOK_SECRET; else
    /// github_webhook_secret in the secret]
    #[arg(long, value_name = "SECRET")]
    pub secret: Option<String>,
}

/// Where `cargo lambda watch` serves the github-webhook function.
pub const DEFAULT_REPLAY_URL: &str = "http://127.0.0.1:9000/lambda-url/github-webhook/";

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn init_takes_optional_properties_comma_separated() {
        let cli = Cli::try_parse_from([
            "notion-relay",
            "init",
            "--parent",
            "x",
            "--with",
            "milestone,issue-type,parent",
        ])
        .unwrap();
        let Command::Init(args) = cli.command else {
            panic!("init")
        };
        assert_eq!(
            args.with,
            [
                OptionalProperty::Milestone,
                OptionalProperty::IssueType,
                OptionalProperty::Parent
            ]
        );
    }

    #[test]
    fn global_options_may_follow_the_subcommand() {
        let cli =
            Cli::try_parse_from(["notion-relay", "check", "--database-id", "d", "--fix"]).unwrap();
        assert_eq!(cli.global.database_id.as_deref(), Some("d"));
    }
}
