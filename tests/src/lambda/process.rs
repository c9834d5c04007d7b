//! Starting a function binary the way Lambda does — a clean environment holding only the standard
//! Lambda variables plus what the test passes — and watching it until it exits.
//!
//! Entry point: [`start`].

use std::net::SocketAddr;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

use tokio::process::Command;
use tokio::sync::oneshot;

use super::runtime_api::{Death, Shared};
use super::Error;

/// Memory Lambda reports to the function (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`).
pub const MEMORY_MB: u32 = 128;
pub const REGION: &str = "us-east-1";
pub const ACCOUNT_ID: &str = "123456789012";

/// How long the watcher waits for the output pipes to drain after the process exits, so an
/// error can quote the last lines. Grandchildren holding the pipe open must not hang it.
const DRAIN_BOUND: Duration = Duration::from_secs(2);

/// The environment Lambda gives a `provided.al2023` function, before the function's own variables.
pub fn lambda_env(
    function_name: &str,
    runtime_api: SocketAddr,
    task_root: &Path,
) -> Vec<(String, String)> {
    let stream = format!("2026/01/01/[$LATEST]{:032x}", fastrand::u128(..));
    let pairs = [
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", function_name.to_string()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", MEMORY_MB.to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_string()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{function_name}"),
        ),
        ("AWS_LAMBDA_LOG_STREAM_NAME", stream),
        ("AWS_LAMBDA_LOG_FORMAT", "JSON".to_string()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_string()),
        (
            "AWS_EXECUTION_ENV",
            "AWS_Lambda_provided.al2023".to_string(),
        ),
        ("AWS_REGION", REGION.to_string()),
        ("AWS_DEFAULT_REGION", REGION.to_string()),
        ("LAMBDA_TASK_ROOT", task_root.display().to_string()),
        ("LAMBDA_RUNTIME_DIR", "/var/runtime".to_string()),
        ("_HANDLER", "bootstrap".to_string()),
        ("LANG", "en_US.UTF-8".to_string()),
        ("TZ", ":UTC".to_string()),
    ];
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// A running function process.
pub struct Started {
    pub pid: Option<u32>,
    /// Dropping this kills the process (the watcher treats a closed channel as "kill").
    pub kill: oneshot::Sender<()>,
}

/// Spawns the binary with a cleared environment (only `PATH`, the Lambda variables and `env`, so
/// the developer's settings never leak in), captures its output into `shared.logs`, and marks the
/// function dead in `shared` when it exits.
pub fn start(
    binary: &Path,
    lambda_env: &[(String, String)],
    env: &[(String, String)],
    shared: Arc<Shared>,
) -> Result<Started, Error> {
    let mut command = Command::new(binary);
    command
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Belt and braces: if the watcher task is dropped with its runtime, the child dies too.
        .kill_on_drop(true);
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command.envs(lambda_env.iter().map(|(k, v)| (k, v)));
    command.envs(env.iter().map(|(k, v)| (k, v)));
    if let Some(dir) = binary.parent() {
        command.current_dir(dir);
    }
    let mut child = command.spawn().map_err(|source| Error::Spawn {
        binary: binary.to_path_buf(),
        source,
    })?;
    let pid = child.id();
    let readers = [
        child.stdout.take().map(|p| shared.logs.capture(p)),
        child.stderr.take().map(|p| shared.logs.capture(p)),
    ];
    let (kill, kill_rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let status = tokio::select! {
            status = child.wait() => status,
            _ = kill_rx => {
                let _ = child.start_kill();
                child.wait().await
            }
        };
        for reader in readers.into_iter().flatten() {
            let _ = tokio::time::timeout(DRAIN_BOUND, reader).await;
        }
        shared.die(Death::Exited(describe(status)));
    });
    Ok(Started { pid, kill })
}

fn describe(status: std::io::Result<ExitStatus>) -> String {
    match status {
        Ok(status) => status.to_string(),
        Err(e) => format!("unknown exit status ({e})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_env_names_the_runtime_api_and_the_function() {
        let addr: SocketAddr = "127.0.0.1:9001".parse().unwrap();
        let env = lambda_env("github-webhook", addr, Path::new("/var/task"));
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("AWS_LAMBDA_RUNTIME_API"), Some("127.0.0.1:9001"));
        assert_eq!(get("AWS_LAMBDA_FUNCTION_NAME"), Some("github-webhook"));
        assert_eq!(get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), Some("128"));
        assert_eq!(get("AWS_REGION"), Some("us-east-1"));
        assert_eq!(get("AWS_LAMBDA_LOG_FORMAT"), Some("JSON"));
        assert_eq!(get("AWS_ACCESS_KEY_ID"), None);
    }
}
