//! Capturing what a `tracing` subscriber writes, to search it for secrets.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use tracing_subscriber::fmt::format::FmtSpan;

/// Collects everything a subscriber writes; clones share one buffer.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// What was written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

/// A TRACE-level subscriber writing every event and span (opened, entered,
/// closed, with fields) into `out`, without colours.
///
/// ```
/// use parallel_web_test_support::trace::{Captured, trace_everything};
/// let out = Captured::default();
/// tracing::dispatcher::with_default(&trace_everything(&out), || {
///     tracing::info!(answer = 42, "hello");
/// });
/// assert!(out.text().contains("answer=42"));
/// ```
pub fn trace_everything(out: &Captured) -> tracing::Dispatch {
    share_callsite_interest();
    let writer = out.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::Dispatch::new(subscriber)
}

/// `tracing` caches, per callsite, whether any subscriber wants it. While
/// only one scoped subscriber exists, it asks the subscriber of the thread
/// that reaches the callsite first: a callsite first reached by another
/// test (which has none) would stay off for ours. With a second one that
/// lives as long as the process, it asks every live subscriber instead.
fn share_callsite_interest() {
    static FOREVER: OnceLock<tracing::Dispatch> = OnceLock::new();
    FOREVER.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
}
