//! `parallel-web-emulator`: run the emulator as a local server.

use clap::Parser;
use parallel_web_emulator::{
    DEFAULT_API_KEY, DEFAULT_RATE_LIMIT, DEFAULT_WEBHOOK_SECRET, Emulator, Fault, MAX_TIME_SCALE,
};
use std::io::Write;
use std::net::SocketAddr;

/// A local emulator of the Parallel Task Group and Task Run API.
#[derive(Parser)]
// Negative numbers parse as values, so `--time-scale -1` gets a range error
// instead of a confusing "unexpected argument".
#[command(version, about, allow_negative_numbers = true)]
struct Args {
    /// Address to bind; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8787")]
    addr: SocketAddr,
    /// Accepted x-api-key (default: env PARALLEL_API_KEY, else a built-in test key).
    #[arg(long, env = "PARALLEL_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Multiplier on documented latencies (0 = runs finish at once).
    #[arg(long, default_value_t = 1.0, value_parser = parse_time_scale)]
    time_scale: f64,
    /// Seed for ids, timings, failures, outputs and faults.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Share of runs that fail (0..=1).
    #[arg(long, default_value_t = 0.0, value_parser = parse_share)]
    failure_rate: f64,
    /// Most runs executing at once (0 = unlimited).
    #[arg(long, default_value_t = 0)]
    max_running: usize,
    /// Run-creating POSTs per minute (0 = unlimited), or per --rate-window-ms.
    #[arg(long, default_value_t = DEFAULT_RATE_LIMIT)]
    rate_limit: u32,
    /// The window --rate-limit counts over, in ms (default: one minute, as documented).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    rate_window_ms: Option<u64>,
    /// Fault to inject, e.g. `drop-stream:after=5`, `status:code=429,rate=0.2,retry-after-ms=100,times=3`,
    /// `ambiguous-add-runs:times=1`, `latency:ms=50`, `late-commit:ms=1500`. Repeatable.
    #[arg(long = "fault", value_name = "SPEC")]
    faults: Vec<Fault>,
    /// Secret that webhook deliveries are signed with, keyed as given
    /// (default: env PARALLEL_WEBHOOK_SECRET, else a built-in test secret).
    #[arg(long, env = "PARALLEL_WEBHOOK_SECRET", hide_env_values = true)]
    webhook_secret: Option<String>,
}

/// A number in `lo..=hi`, or a message saying which range is allowed.
fn parse_in_range(text: &str, lo: f64, hi: f64) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if (lo..=hi).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is outside {lo}..={hi}"))
    }
}

fn parse_time_scale(text: &str) -> Result<f64, String> {
    parse_in_range(text, 0.0, MAX_TIME_SCALE)
}

fn parse_share(text: &str) -> Result<f64, String> {
    parse_in_range(text, 0.0, 1.0)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let args = Args::parse();
    let mut builder = Emulator::builder()
        .addr(args.addr)
        .time_scale(args.time_scale)
        .seed(args.seed)
        .failure_rate(args.failure_rate)
        .max_running(args.max_running)
        .rate_limit(args.rate_limit);
    if let Some(ms) = args.rate_window_ms {
        builder = builder.rate_window(std::time::Duration::from_millis(ms));
    }
    match args.api_key {
        Some(key) => builder = builder.api_key(key),
        None => eprintln!("no API key given; accepting the default key: {DEFAULT_API_KEY}"),
    }
    match args.webhook_secret {
        Some(secret) => builder = builder.webhook_secret(secret),
        None => eprintln!("webhooks are signed with the default secret: {DEFAULT_WEBHOOK_SECRET}"),
    }
    for f in args.faults {
        builder = builder.fault(f);
    }
    let handle = builder.start().await?;
    // Listen for signals before the address is printed: a caller that sends
    // SIGTERM as soon as it reads the address must get a clean shutdown.
    let stop = shutdown_signal();
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", handle.base_url())?;
        out.flush()?;
    }
    stop.await;
    handle.shutdown().await;
    Ok(())
}

/// Registers for SIGTERM and SIGINT at once and returns a future that ends
/// at the first of them.
#[cfg(unix)]
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{Signal, SignalKind, signal};
    async fn first(signal: Option<Signal>) {
        match signal {
            Some(mut s) => {
                s.recv().await;
            }
            None => std::future::pending().await,
        }
    }
    let term = signal(SignalKind::terminate()).ok();
    let interrupt = signal(SignalKind::interrupt()).ok();
    async move {
        tokio::select! {
            _ = first(term) => {}
            _ = first(interrupt) => {}
        }
    }
}

/// Ctrl-C, where there are no Unix signals.
#[cfg(not(unix))]
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
