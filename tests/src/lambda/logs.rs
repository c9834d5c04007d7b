//! The captured output of a function process: stdout and stderr lines, in arrival order, in one
//! buffer that tests read with [`super::LambdaFunction::logs`] and errors quote.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::task::JoinHandle;

/// A cheaply clonable, shared line buffer.
#[derive(Clone, Debug, Default)]
pub(crate) struct Logs(Arc<Mutex<Buffer>>);

#[derive(Debug, Default)]
struct Buffer {
    text: String,
    /// When set, each new line is also printed to stderr with this prefix (for demos).
    echo: Option<String>,
}

impl Logs {
    fn lock(&self) -> MutexGuard<'_, Buffer> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn push_line(&self, line: &str) {
        let mut buf = self.lock();
        buf.text.push_str(line);
        buf.text.push('\n');
        if let Some(prefix) = &buf.echo {
            eprintln!("{prefix}{line}");
        }
    }

    pub fn snapshot(&self) -> String {
        self.lock().text.clone()
    }

    pub fn set_echo(&self, prefix: Option<String>) {
        self.lock().echo = prefix;
    }

    /// Copies a pipe into the buffer line by line until it closes. Lines need not be UTF-8:
    /// a binary that prints garbage must not stop the capture.
    pub fn capture(&self, pipe: impl AsyncRead + Unpin + Send + 'static) -> JoinHandle<()> {
        let logs = self.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(pipe);
            let mut line = Vec::new();
            loop {
                line.clear();
                match reader.read_until(b'\n', &mut line).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let text = String::from_utf8_lossy(&line);
                        logs.push_line(text.trim_end_matches(['\n', '\r']));
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn capture_keeps_every_line_including_invalid_utf8() {
        let logs = Logs::default();
        let pipe: &'static [u8] = b"one\r\ntwo \xff\nthree";
        logs.capture(pipe).await.unwrap();
        assert_eq!(logs.snapshot(), "one\ntwo \u{fffd}\nthree\n");
    }
}
