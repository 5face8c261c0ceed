//! The tool's own failures: one message that says what happened and what to
//! do, printed on one line (never a backtrace), and the exit status that
//! tells a script which kind of failure it was ([`Exit`]).

use std::fmt;
use std::io::Write;

/// The exit statuses, one per kind of outcome (the table in the CLI's
/// README). 0 and 2 keep their meaning from `enrich`'s first release; the
/// failure kinds follow `parallel-cli`'s table, moved where it would clash
/// (its 2 is a usage error; here 2 means "some rows failed", so a usage
/// error is 64, `EX_USAGE` of `sysexits.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// The command did what it was asked (every row completed).
    Done = 0,
    /// The tool's own failure: a file, the journal, standard output.
    Tool = 1,
    /// `enrich`: some rows failed; they are in the output with their error.
    RowsFailed = 2,
    /// The API refused the key (HTTP 401/403).
    Authentication = 3,
    /// The API answered with an error or could not be reached (after the
    /// retries), or its answer could not be used; a FindAll run ended
    /// `failed` or `cancelled`.
    Api = 4,
    /// A wait ran out (`--max-wait`), or a request timed out.
    Timeout = 5,
    /// The command line, a config or an input that the tool refuses before
    /// sending anything.
    Usage = 64,
}

impl Exit {
    /// The process exit status.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// A failure of the tool itself (as opposed to rows whose runs failed).
#[derive(Debug)]
pub struct Failure {
    /// What happened and what to do, on one line.
    pub message: String,
    /// Which kind of failure, for the exit status.
    pub exit: Exit,
}

/// Results of the tool's own steps.
pub type Result<T, E = Failure> = std::result::Result<T, E>;

impl Failure {
    /// A failure of the tool's own (exit status 1) with this message.
    pub fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            exit: Exit::Tool,
        }
    }

    /// A command line, config or input refused before anything is sent
    /// (exit status 64).
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            exit: Exit::Usage,
        }
    }

    /// No usable API key (exit status 3).
    pub fn authentication(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            exit: Exit::Authentication,
        }
    }

    /// Prefixes the message with what was being done.
    pub fn context(self, what: impl fmt::Display) -> Failure {
        Failure {
            message: format!("{what}: {}", self.message),
            exit: self.exit,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
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
    Failure::new(format!(
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
        Failure {
            message: chain(&e),
            exit: exit_of(&e),
        }
    }
}

/// The exit status for an SDK error.
fn exit_of(e: &parallel_web::Error) -> Exit {
    use parallel_web::Error as E;
    match e {
        E::Authentication(_) => Exit::Authentication,
        E::Timeout { .. } | E::RequestTimeout { .. } | E::WaitTimeout(_) => Exit::Timeout,
        // Refused by the SDK before sending: the user's input or settings.
        E::InvalidInput { .. } | E::Config(_) => Exit::Usage,
        _ => Exit::Api,
    }
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Failure {
        Failure::new(format!("journal: {}", chain(&e)))
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::new(chain(&e))
    }
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Failure {
        Failure::new(format!("JSON: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_statuses_are_distinct_and_keep_zero_and_two() {
        let all = [
            Exit::Done,
            Exit::Tool,
            Exit::RowsFailed,
            Exit::Authentication,
            Exit::Api,
            Exit::Timeout,
            Exit::Usage,
        ];
        let codes: std::collections::BTreeSet<u8> = all.iter().map(|e| e.code()).collect();
        assert_eq!(codes.len(), all.len());
        assert_eq!(Exit::Done.code(), 0);
        assert_eq!(Exit::RowsFailed.code(), 2);
        assert_eq!(Exit::Usage.code(), 64);
    }

    #[test]
    fn sdk_errors_map_to_their_kind() {
        let config = parallel_web::Error::Config("no key".into());
        assert_eq!(Failure::from(config).exit, Exit::Usage);
        assert_eq!(Failure::new("x").exit, Exit::Tool);
        assert_eq!(Failure::usage("x").context("y").exit, Exit::Usage);
    }
}
