//! Debug logging on stderr, switched on by the user: `-v`/`-vv`/`-vvv` or
//! `PARALLEL_LOG` (an `EnvFilter` string, which wins over `-v`). The SDK
//! only emits `tracing` spans and events; this is the one place that
//! installs a subscriber. Nothing the SDK logs carries the API key.

use tracing_subscriber::EnvFilter;

/// The environment variable holding a filter, e.g. `parallel_web=debug`.
pub const LOG_ENV: &str = "PARALLEL_LOG";

/// The filter for `-v` repeated `verbosity` times, `None` for no logging.
fn filter_for(verbosity: u8) -> Option<&'static str> {
    match verbosity {
        0 => None,
        // Requests (the `parallel.request` span closing), retries, fallbacks.
        1 => Some("parallel_web=info,parallel_web_cli=info"),
        // Stream reconnects and resumes as well.
        2 => Some("parallel_web=debug,parallel_web_api=debug,parallel_web_cli=debug"),
        // Everything, including the HTTP stack.
        _ => Some("trace"),
    }
}

/// Installs the stderr subscriber that `verbosity` and `PARALLEL_LOG` ask
/// for, or none. A `PARALLEL_LOG` that does not parse is an error that says
/// so, not silently ignored.
pub fn init(verbosity: u8) -> Result<(), String> {
    let filter = match std::env::var(LOG_ENV) {
        Ok(text) if !text.trim().is_empty() => EnvFilter::try_new(&text).map_err(|e| {
            format!(
                "{LOG_ENV}={text:?} is not a valid filter ({e}); use e.g. `parallel_web=debug` or `info`"
            )
        })?,
        _ => match filter_for(verbosity) {
            Some(directives) => EnvFilter::new(directives),
            None => return Ok(()),
        },
    };
    let stderr = std::io::stderr();
    let ansi = std::io::IsTerminal::is_terminal(&stderr);
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        // A request's span closes with its status and duration.
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .try_init()
        .map_err(|e| format!("cannot install the logger: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_v_adds_detail_and_none_means_no_logging() {
        assert_eq!(filter_for(0), None);
        for v in 1..=3 {
            let directives = filter_for(v).unwrap();
            assert!(EnvFilter::try_new(directives).is_ok(), "{directives}");
        }
        assert!(filter_for(1).unwrap().contains("parallel_web=info"));
        assert!(filter_for(2).unwrap().contains("parallel_web=debug"));
        // Three and more: everything, every crate at trace.
        assert_eq!(filter_for(3), Some("trace"));
        assert_eq!(filter_for(9), Some("trace"));
    }
}
