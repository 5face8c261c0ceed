//! `parallel-web-bench`: the benchmark harness.
//!
//! ```text
//! cargo run --release -p parallel-web-bench -- [--quick] [--repeats N] [--out bench/REPORT.md]
//! ```
//!
//! Builds the release emulator and client binaries, installs or finds the
//! official Python and TypeScript SDKs, makes the stream fixtures once,
//! serves them from memory on loopback, times every client's whole process
//! on every workload (`wait4`: wall, CPU, peak RSS), and writes the report
//! with its plots. See `bench/README.md` for what is measured and why.

mod clients;
mod emulator;
mod enrich;
mod findall_fixture;
mod fixtures;
mod monitor_fixture;
mod report;
mod static_sse;
mod svg;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use bytes::Bytes;
use clap::Parser;

use clients::{Client, Kind, Tools, WebhookNs, Workload};
use emulator::Emulator;
use parallel_web_bench::measure;
use report::{Context, Measured, WorkloadResult};

/// Time this SDK, the official Python and TypeScript SDKs and curl on the same
/// loopback fixtures, and write a report with ratios and plots.
#[derive(Parser)]
struct Args {
    /// One sample per client and workload, and no Python or TypeScript on
    /// the 1M-run stream (minutes instead of most of an hour).
    #[arg(long)]
    quick: bool,
    /// Samples per client and workload (default 5, or 1 with --quick).
    #[arg(long)]
    repeats: Option<usize>,
    /// Where to write the report; plots go to `plots/` beside it.
    #[arg(long, default_value = "bench/REPORT.md")]
    out: PathBuf,
    /// Only these workloads (by id: stream-100k, stream-1m,
    /// submit-100k-per-500, submit-100k-one-call, search-1k, extract-1k,
    /// chat-100k, chat-1m, findall-events-100k, monitor-events-100k,
    /// webhook-verify-100k, enrich-1m, enrich-50k-vs-parallel-cli). Repeatable.
    #[arg(long = "workload", value_name = "ID")]
    only: Vec<String>,
    /// Only these clients (rust, python, typescript, curl, parallel-web,
    /// parallel-cli). Repeatable.
    #[arg(long = "client", value_name = "NAME")]
    clients: Vec<String>,
    /// Tokio runtime of the Rust client binaries.
    #[arg(long, value_parser = ["current", "multi"], default_value = "current")]
    runtime: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("parallel-web-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    // reqwest is built without a default TLS provider in this workspace.
    parallel_web::install_tls_provider();
    // Work from the repository root so every path here is relative to it.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::env::set_current_dir(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    let repeats = args
        .repeats
        .unwrap_or(if args.quick { 1 } else { 5 })
        .max(1);
    let workloads: Vec<Workload> = clients::workloads()
        .into_iter()
        .filter(|w| args.only.is_empty() || args.only.iter().any(|o| o == w.slug))
        .collect();
    if workloads.is_empty() {
        return Err(format!("no workload matches {:?}", args.only));
    }

    let bin_dir = build()?;
    let load_before = load_average();
    let emulator_bin = bin_dir.join("parallel-web-emulator");
    let wanted = |c: &Client| args.clients.is_empty() || args.clients.iter().any(|n| n == c.name());
    let runs: Vec<(Client, Kind)> = workloads
        .iter()
        .flat_map(|w| Client::all_for(w.kind).into_iter().map(|c| (c, w.kind)))
        .filter(|(c, _)| wanted(c))
        .collect();
    let tools = Tools::discover(bin_dir, args.runtime.clone(), &runs);
    let logs = PathBuf::from("target/bench-logs");
    std::fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    // Stream fixtures, made once, then held in memory by the static server.
    let mut bodies = HashMap::new();
    let mut sizes = HashMap::new();
    let mut chat_sizes = HashMap::new();
    for w in &workloads {
        if let Kind::Stream { runs } = w.kind {
            let dir = Path::new("target/bench-fixtures");
            let f = rt.block_on(fixtures::ensure(dir, runs, &emulator_bin, &logs))?;
            let body = std::fs::read(&f.path).map_err(|e| format!("{}: {e}", f.path.display()))?;
            bodies.insert(group_id(runs), Bytes::from(body));
            sizes.insert(runs, f.bytes);
        }
        // Chat fixtures are made in memory (no server work to reproduce).
        if let Kind::Chat { chunks } = w.kind {
            let body = fixtures::chat_stream(chunks);
            chat_sizes.insert(chunks, body.len() as u64);
            bodies.insert(chat_model(chunks), body);
        }
        if let Kind::FindAllEvents { events } = w.kind {
            let body = findall_fixture::findall_events(events);
            chat_sizes.insert(events, body.len() as u64);
            bodies.insert(findall_id(events), body);
        }
    }
    let static_url = rt
        .block_on(static_sse::start(bodies))
        .map_err(|e| format!("static SSE server: {e}"))?;

    let mut notes = Vec::new();
    let mut results = Vec::new();
    for w in workloads {
        let mut rows: Vec<Measured> = Client::all_for(w.kind)
            .into_iter()
            .filter(wanted)
            .map(|client| Measured {
                client,
                result: Ok(Vec::new()),
            })
            .collect();
        if args.quick
            && matches!(w.kind, Kind::Stream { runs } | Kind::Chat { chunks: runs } if runs >= 1_000_000)
        {
            for m in &mut rows {
                if matches!(m.client, Client::Python | Client::TypeScript) {
                    m.result = Err("skipped with --quick".into());
                }
            }
            notes.push(format!(
                "`--quick` skipped Python and TypeScript on \"{}\".",
                w.title
            ));
        }
        let fixture_bytes = match w.kind {
            Kind::Stream { runs } => sizes.get(&runs).copied(),
            Kind::Chat { chunks } | Kind::FindAllEvents { events: chunks } => {
                chat_sizes.get(&chunks).copied()
            }
            Kind::Submit { .. }
            | Kind::Calls { .. }
            | Kind::MonitorEvents { .. }
            | Kind::WebhookVerify { .. }
            | Kind::Enrich { .. } => None,
        };
        // Monitor paging: one fresh emulator for the workload, filled once
        // (paging only reads it), kept until its samples are done.
        let monitor = match w.kind {
            Kind::MonitorEvents { events, .. } => {
                let log = logs.join(format!("{}-emulator.err", w.slug));
                let emulator = Emulator::start(&emulator_bin, &log)?;
                eprintln!("making a monitor with {events} events (triggered checks)");
                let (id, listed) =
                    rt.block_on(monitor_fixture::make(&emulator.base_url, events))?;
                notes.push(format!(
                    "\"{}\": the monitor lists {listed} events; the clients read the newest {events}.",
                    w.title
                ));
                Some((emulator, id))
            }
            _ => None,
        };
        let monitor = monitor
            .as_ref()
            .map(|(e, id)| (e.base_url.as_str(), id.as_str()));
        // Enrich: one input table for the workload, in a scratch directory.
        let enrich_dir = match w.kind {
            Kind::Enrich { rows, .. } => {
                let dir = std::env::temp_dir().join(format!(
                    "parallel-web-bench-{}-{}",
                    w.slug,
                    std::process::id()
                ));
                std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                enrich::write_input(&dir.join("in.csv"), rows)?;
                Some(dir)
            }
            _ => None,
        };
        let mut enrich_outcomes = Vec::new();
        let mut webhook = Vec::new();
        let mut checksum: Option<(Client, u64)> = None;
        // Round-robin over the clients, so slow drift of the machine hits all alike.
        for rep in 1..=repeats {
            for m in &mut rows {
                let Ok(samples) = &mut m.result else { continue };
                let log = logs.join(format!("{}-{}-{rep}", w.slug, m.client.name()));
                if let (Kind::Enrich { .. }, Some(dir)) = (w.kind, &enrich_dir) {
                    match sample_enrich(&tools, m.client, &w, dir, &emulator_bin, &log) {
                        Ok((s, outcome)) => {
                            eprintln!(
                                "{:<22} {:<12} #{rep}: wall {:8.3} s  cpu {:8.3} s  rss {:7.1} MiB  \
                                 exit {}  rows {} (in order: {})  emulator cpu {:.3} s",
                                w.slug,
                                m.client.name(),
                                s.wall,
                                s.cpu,
                                s.rss_mib,
                                outcome.exit,
                                outcome.kept.rows,
                                outcome.kept.in_order,
                                outcome.emulator_cpu.unwrap_or(f64::NAN),
                            );
                            samples.push(s);
                            enrich_outcomes.push(outcome);
                        }
                        Err(e) => {
                            eprintln!(
                                "{:<22} {:<12} #{rep}: not measured: {e}",
                                w.slug,
                                m.client.name()
                            );
                            m.result = Err(e);
                        }
                    }
                    continue;
                }
                let outcome = sample(
                    &tools,
                    m.client,
                    &w,
                    &static_url,
                    &emulator_bin,
                    &log,
                    fixture_bytes,
                    monitor,
                );
                match outcome {
                    Ok((s, sum, stdout)) => {
                        if let Kind::WebhookVerify { .. } = w.kind {
                            webhook.extend(
                                stdout
                                    .lines()
                                    .rev()
                                    .find_map(|l| serde_json::from_str(l).ok())
                                    .and_then(|v| WebhookNs::parse(&v)),
                            );
                        }
                        eprintln!(
                            "{:<22} {:<10} #{rep}: wall {:8.3} s  cpu {:8.3} s  rss {:7.1} MiB",
                            w.slug,
                            m.client.name(),
                            s.wall,
                            s.cpu,
                            s.rss_mib
                        );
                        match (sum, checksum) {
                            (Some(sum), Some((first, expected))) if sum != expected => {
                                m.result = Err(format!(
                                    "read other data than {} (checksum {sum} vs {expected})",
                                    first.name()
                                ));
                                continue;
                            }
                            (Some(sum), None) => checksum = Some((m.client, sum)),
                            _ => {}
                        }
                        samples.push(s);
                    }
                    Err(e) => {
                        eprintln!(
                            "{:<22} {:<10} #{rep}: not measured: {e}",
                            w.slug,
                            m.client.name()
                        );
                        m.result = Err(e);
                    }
                }
            }
        }
        if let Some(dir) = enrich_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        results.push(WorkloadResult {
            workload: w,
            fixture_bytes,
            rows,
            webhook,
            enrich: enrich_outcomes,
        });
    }

    notes.push(
        "\"One add_runs call\" for the official SDKs: they send each call as one POST and the API \
         takes at most 1,000 inputs per POST, so their scripts loop over 1,000-input calls, one at a \
         time. The Rust SDK's single call splits the inputs itself and keeps up to 4 POSTs in flight."
            .into(),
    );
    let mut machine = machine(&tools);
    machine.push((
        "load average (1 min)".into(),
        format!(
            "{load_before} before the runs, {} after (other work on the machine shows here)",
            load_average()
        ),
    ));
    let ctx = Context {
        date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        command: command_line(),
        machine,
        repeats,
        notes,
    };
    report::write(&args.out, &ctx, &results)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

/// The model name that picks the `chunks`-chunk chat fixture on the static server.
fn chat_model(chunks: usize) -> String {
    format!("bench-{chunks}")
}

/// The static server's FindAll run id of the `events`-event fixture.
fn findall_id(events: usize) -> String {
    format!("findall_bench{events}")
}

/// The static server's group id of the `runs`-run fixture.
fn group_id(runs: usize) -> String {
    format!("tgrp_bench{runs}")
}

/// One measured run of `client` on `w`: its cost, the stream checksum it
/// printed and its stdout. `monitor` is the emulator's URL and monitor id of
/// a monitor workload.
#[allow(clippy::too_many_arguments)]
fn sample(
    tools: &Tools,
    client: Client,
    w: &Workload,
    static_url: &str,
    emulator_bin: &Path,
    log: &Path,
    fixture_bytes: Option<u64>,
    monitor: Option<(&str, &str)>,
) -> Result<(measure::Sample, Option<u64>, String), String> {
    // A fresh emulator for each submission (so every client adds to an
    // empty one) and each series of calls.
    let emulator = match w.kind {
        Kind::Submit { .. } | Kind::Calls { .. } => Some(Emulator::start(
            emulator_bin,
            &log.with_extension("emulator.err"),
        )?),
        Kind::Stream { .. }
        | Kind::Chat { .. }
        | Kind::FindAllEvents { .. }
        | Kind::MonitorEvents { .. }
        | Kind::WebhookVerify { .. }
        | Kind::Enrich { .. } => None,
    };
    let (base, group) = match (&emulator, w.kind) {
        (Some(e), _) => (e.base_url.clone(), String::new()),
        (None, Kind::Stream { runs }) => (static_url.to_string(), group_id(runs)),
        (None, Kind::Chat { chunks }) => (static_url.to_string(), chat_model(chunks)),
        (None, Kind::FindAllEvents { events }) => (static_url.to_string(), findall_id(events)),
        (None, Kind::MonitorEvents { .. }) => {
            let (base, id) = monitor.ok_or("no monitor fixture")?;
            (base.to_string(), id.to_string())
        }
        (None, Kind::WebhookVerify { .. }) => (String::new(), String::new()),
        (None, Kind::Submit { .. } | Kind::Calls { .. }) => {
            unreachable!("submissions and calls start an emulator")
        }
        (None, Kind::Enrich { .. }) => {
            return Err("enrich samples are taken by sample_enrich".into());
        }
    };
    let cmd = tools.command(client, w.kind, &base, &group)?;
    let launcher = tools.bin_dir.join("rusage_exec");
    let (s, stdout) = measure::run(&launcher, &cmd, log)?;
    drop(emulator);
    let sum = clients::check_output(client, w.kind, &stdout, fixture_bytes.unwrap_or(0))?;
    Ok((s, sum, stdout))
}

/// One measured run of the CLI `client` enriching `dir/in.csv` against a
/// fresh emulator (with the workload's share of failing runs): its cost,
/// exit code, what its output kept, and the emulator's CPU. Exit 0 is
/// accepted, and 2 ("some rows failed") when runs fail.
fn sample_enrich(
    tools: &Tools,
    client: Client,
    w: &Workload,
    dir: &Path,
    emulator_bin: &Path,
    log: &Path,
) -> Result<(measure::Sample, enrich::Outcome), String> {
    let Kind::Enrich {
        rows,
        failing_percent,
    } = w.kind
    else {
        return Err(format!("{} is not an enrich workload", w.slug));
    };
    let rate = format!("{}", f64::from(failing_percent) / 100.0);
    let emulator = Emulator::start_with(
        emulator_bin,
        &log.with_extension("emulator.err"),
        &["--failure-rate", &rate],
    )?;
    // A fresh output each time: `parallel-web` would resume from its journal.
    // (Its journal and the journal's SQLite files share the output's name.)
    let stem = format!("out-{}", client.name());
    let output = dir.join(format!("{stem}.csv"));
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(&stem))
        {
            let _ = std::fs::remove_file(path);
        }
    }
    let cmd = tools.enrich_command(
        client,
        dir,
        &dir.join("in.csv"),
        &output,
        &emulator.base_url,
    )?;
    let launcher = tools.bin_dir.join("rusage_exec");
    let ok: &[i32] = if failing_percent > 0 { &[0, 2] } else { &[0] };
    let (s, _, exit) = measure::run_allowing(&launcher, &cmd, log, ok)?;
    let emulator_cpu = emulator.cpu_seconds();
    drop(emulator);
    let kept = enrich::check_output(&output)?;
    // Ours must keep every row in input order; a CLI that drops rows is
    // measured as it is and the report says how many it kept.
    if client == Client::Cli && (kept.rows != rows || !kept.in_order) {
        return Err(format!(
            "kept {} of {rows} rows (in input order: {})",
            kept.rows, kept.in_order
        ));
    }
    Ok((
        s,
        enrich::Outcome {
            client,
            exit,
            kept,
            emulator_cpu,
        },
    ))
}

/// Builds the release emulator and this package's binaries; returns their directory.
fn build() -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("building the release emulator and client binaries");
    // One package per build: built together, their dependencies' features
    // would unify differently from `cargo run -p parallel-web-bench` and every
    // run would rebuild them.
    for package in [
        "parallel-web-emulator",
        "parallel-web-cli",
        "parallel-web-bench",
    ] {
        let ok = Command::new(&cargo)
            .args(["build", "--release", "-q", "--bins", "-p", package])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err(format!("cargo build --release -p {package} failed"));
        }
    }
    // This executable is <target>/<profile>/parallel-web-bench.
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let target = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("cannot locate the target directory")?;
    Ok(target.join("release"))
}

fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        "cargo run --release -p parallel-web-bench".into()
    } else {
        format!(
            "cargo run --release -p parallel-web-bench -- {}",
            args.join(" ")
        )
    }
}

/// The 1-minute load average, as the kernel prints it.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

/// First line of `program args`' output, if it runs.
fn version_of(program: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = if out.stdout.is_empty() {
        out.stderr
    } else {
        out.stdout
    };
    String::from_utf8_lossy(&text)
        .lines()
        .next()
        .map(str::to_string)
}

fn machine(tools: &Tools) -> Vec<(String, String)> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")?
                .split_once(':')
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or("unknown".into(), |kib| {
            format!("{:.1} GiB", kib / 1048576.0)
        });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let git = version_of(Path::new("git"), &["describe", "--always", "--dirty"])
        .map_or("an unknown commit".into(), |g| format!("`{g}`"));
    let missing = |e: &String| format!("not measured: {e}");
    let mut m = vec![
        ("CPU".into(), format!("{cores} × {model}")),
        ("memory".into(), mem_gib),
        ("kernel".into(), format!("Linux {}", kernel.trim())),
        (
            "rustc".into(),
            version_of(Path::new("rustc"), &["--version"]).unwrap_or_default(),
        ),
        (
            "Rust SDK".into(),
            format!(
                "parallel-web {} at {git}, tokio {}-thread runtime",
                env!("CARGO_PKG_VERSION"),
                tools.runtime
            ),
        ),
    ];
    m.push((
        "Python SDK".into(),
        match &tools.python {
            Ok(p) => format!(
                "parallel-web {} on {} (sync client)",
                clients::PYTHON_SDK,
                version_of(p, &["--version"]).unwrap_or_default()
            ),
            Err(e) => missing(e),
        },
    ));
    m.push((
        "TypeScript SDK".into(),
        match &tools.node {
            Ok((node, _)) => format!(
                "parallel-web {} (npm) on node {}",
                clients::TYPESCRIPT_SDK,
                version_of(node, &["--version"]).unwrap_or_default()
            ),
            Err(e) => missing(e),
        },
    ));
    m.push((
        "curl".into(),
        match &tools.curl {
            Ok(c) => version_of(c, &["--version"])
                .and_then(|v| {
                    v.split_whitespace()
                        .take(2)
                        .map(str::to_string)
                        .reduce(|a, b| a + " " + &b)
                })
                .unwrap_or_default(),
            Err(e) => missing(e),
        },
    ));
    m
}
