//! The tool's own failure: one message that says what happened and what to
//! do, printed on one line (never a backtrace), exit status 1.

use std::fmt;
use std::io::Write;

/// A failure of the tool itself (as opposed to rows whose runs failed).
#[derive(Debug)]
pub struct Failure(pub String);

/// Results of the tool's own steps.
pub type Result<T, E = Failure> = std::result::Result<T, E>;

impl Failure {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Failure {
        Failure(message.into())
    }

    /// Prefixes the message with what was being done.
    pub fn context(self, what: impl fmt::Display) -> Failure {
        Failure(format!("{what}: {}", self.0))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Writes to standard output with `write`, then flushes. A failure (the
/// reading end of a pipe closed early, a full disk) is a message naming
/// standard output, never a panic as with `println!`.
pub fn to_stdout(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    write(&mut out)
        .and_then(|()| out.flush())
        .map_err(stdout_failure)
}

/// A failed write to standard output, said as such.
pub fn stdout_failure(e: std::io::Error) -> Failure {
    Failure(format!(
        "cannot write to standard output: {e}; if it is a pipe, its reader stopped before the end"
    ))
}

/// `error` and its sources, joined on one line.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

impl From<parallel_web::Error> for Failure {
    fn from(e: parallel_web::Error) -> Failure {
        Failure(chain(&e))
    }
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Failure {
        Failure(format!("journal: {}", chain(&e)))
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure(chain(&e))
    }
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Failure {
        Failure(format!("JSON: {e}"))
    }
}
