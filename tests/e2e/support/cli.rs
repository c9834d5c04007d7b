//! Running the RELEASE `notion-relay` binary in the end-to-end tests: a clean environment (only
//! what a test passes, plus PATH), its exit code, stdout and stderr.

use std::process::Stdio;
use std::time::Duration;

use relay_tests::lambda::release_binary;
use tokio::io::AsyncWriteExt;

/// What one run printed and how it ended.
#[derive(Debug)]
pub struct CliRun {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl CliRun {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }

    /// The lines of stdout starting with `mark` (`✓`, `✗`, `–`).
    pub fn lines(&self, mark: &str) -> Vec<&str> {
        self.stdout
            .lines()
            .filter(|l| l.starts_with(mark))
            .collect()
    }

    /// The value of a `NAME=value` line on stdout.
    pub fn value(&self, name: &str) -> Option<String> {
        let prefix = format!("{name}=");
        self.stdout
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .map(str::to_owned)
    }
}

impl std::fmt::Display for CliRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `notion-relay args…` with exactly `env` (and PATH), feeding `stdin` if given.
pub async fn notion_relay(args: &[&str], env: &[(String, String)], stdin: Option<&str>) -> CliRun {
    let mut command = tokio::process::Command::new(release_binary("notion-relay"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().expect("notion-relay starts");
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).await.expect("stdin");
        drop(pipe);
    }
    // A bound only so a hung binary fails the test instead of hanging it.
    let output = tokio::time::timeout(Duration::from_secs(240), child.wait_with_output())
        .await
        .expect("notion-relay finishes")
        .expect("output");
    CliRun {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `(name, value)` pairs as the env list `notion_relay` takes.
pub fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Starts `notion-relay args…` in the background (for tests that interrupt it).
pub fn spawn_notion_relay(args: &[&str], env: &[(String, String)]) -> tokio::process::Child {
    tokio::process::Command::new(release_binary("notion-relay"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("notion-relay starts")
}
