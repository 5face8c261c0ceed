//! Writing `REPORT.md` and its plots from the medians: one table per
//! workload with ratios to the official Python SDK, the goals with met /
//! not met, and one SVG per workload under `plots/` next to the report.

use std::fmt::Write;
use std::path::Path;

use crate::clients::{Client, Kind, WebhookNs, Workload};
use crate::enrich::Outcome;
use crate::svg;
use parallel_web_bench::measure::{Sample, median};

/// One client's samples on one workload, or why there are none.
pub struct Measured {
    /// The client.
    pub client: Client,
    /// Its samples, or why it was not measured.
    pub result: Result<Vec<Sample>, String>,
}

impl Measured {
    fn median(&self) -> Option<Sample> {
        self.result
            .as_ref()
            .ok()
            .filter(|s| !s.is_empty())
            .map(|s| median(s))
    }
}

/// Every client's figures on one workload.
pub struct WorkloadResult {
    /// The workload.
    pub workload: Workload,
    /// What the workload read (stream fixtures): bytes.
    pub fixture_bytes: Option<u64>,
    /// One entry per client.
    pub rows: Vec<Measured>,
    /// Webhook verification: each run's own figures per delivery.
    pub webhook: Vec<WebhookNs>,
    /// Enrich: each sample's exit code, rows kept and emulator CPU.
    pub enrich: Vec<Outcome>,
}

/// Everything about the run that is not a measurement.
pub struct Context {
    /// When (UTC).
    pub date: String,
    /// The command line that made the report.
    pub command: String,
    /// Machine and tool versions, as (what, value).
    pub machine: Vec<(String, String)>,
    /// Samples per client and workload.
    pub repeats: usize,
    /// Extra lines for the method section (e.g. what --quick skipped).
    pub notes: Vec<String>,
}

fn find(results: &[WorkloadResult], slug: &str, client: Client) -> Option<Sample> {
    results
        .iter()
        .find(|r| r.workload.slug == slug)?
        .rows
        .iter()
        .find(|m| m.client == client)?
        .median()
}

/// One goal's line in the report.
struct Goal {
    what: &'static str,
    target: &'static str,
    measured: String,
    met: Option<bool>,
}

fn goals(results: &[WorkloadResult]) -> Vec<Goal> {
    let mut goals = Vec::new();
    let rust100k = find(results, "stream-100k", Client::Rust);
    let py100k = find(results, "stream-100k", Client::Python);
    let rust1m = find(results, "stream-1m", Client::Rust);
    goals.push(match (rust100k, py100k) {
        (Some(r), Some(p)) => Goal {
            what: "Typed stream of 100k runs: Rust wall time vs Python",
            target: "≤ 0.10×",
            measured: format!(
                "{:.3}× ({:.2} s vs {:.2} s); CPU {:.3}×",
                r.wall / p.wall,
                r.wall,
                p.wall,
                r.cpu / p.cpu
            ),
            met: Some(r.wall / p.wall <= 0.10),
        },
        _ => Goal {
            what: "Typed stream of 100k runs: Rust wall time vs Python",
            target: "≤ 0.10×",
            measured: "not measured".into(),
            met: None,
        },
    });
    let peak = [rust100k, rust1m]
        .iter()
        .flatten()
        .map(|s| s.rss_mib)
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
    goals.push(Goal {
        what: "Typed stream: Rust peak RSS at 100k and 1M runs",
        target: "≤ 20 MiB",
        measured: match (rust100k, rust1m) {
            (Some(a), Some(b)) => format!("{:.1} MiB / {:.1} MiB", a.rss_mib, b.rss_mib),
            (Some(a), None) => format!("{:.1} MiB / 1M not measured", a.rss_mib),
            _ => "not measured".into(),
        },
        met: match (rust100k, rust1m) {
            (Some(_), Some(_)) => peak.map(|p| p <= 20.0),
            _ => None,
        },
    });
    goals.push(match (rust100k, rust1m) {
        (Some(a), Some(b)) => {
            let slack = (a.rss_mib * 0.10).max(2.0);
            Goal {
                what: "Typed stream: Rust peak RSS flat from 100k to 1M runs",
                target: "1M ≤ 100k + max(10 %, 2 MiB)",
                measured: format!("{:+.1} MiB", b.rss_mib - a.rss_mib),
                met: Some(b.rss_mib <= a.rss_mib + slack),
            }
        }
        _ => Goal {
            what: "Typed stream: Rust peak RSS flat from 100k to 1M runs",
            target: "1M ≤ 100k + max(10 %, 2 MiB)",
            measured: "not measured".into(),
            met: None,
        },
    });
    let per_run = |s: Option<Sample>| s.map(|s| s.cpu / 100_000.0 * 1e6);
    let rust_submit = per_run(find(results, "submit-100k-per-500", Client::Rust));
    let py_submit = per_run(find(results, "submit-100k-per-500", Client::Python));
    goals.push(Goal {
        what: "Submit 100k inputs, 500 per add_runs call: Rust client CPU per run",
        target: "≤ 3 µs/run",
        measured: match (rust_submit, py_submit) {
            (Some(r), Some(p)) => format!("{r:.2} µs/run (Python {p:.1} µs/run)"),
            (Some(r), None) => format!("{r:.2} µs/run"),
            _ => "not measured".into(),
        },
        met: rust_submit.map(|r| r <= 3.0),
    });
    for (slug, what) in [
        (
            "search-1k",
            "1,000 sequential search calls: Rust client CPU per call vs Python",
        ),
        (
            "extract-1k",
            "1,000 sequential extract calls of 10 URLs: Rust client CPU per call vs Python",
        ),
    ] {
        let (rust, py) = (
            find(results, slug, Client::Rust),
            find(results, slug, Client::Python),
        );
        goals.push(Goal {
            what,
            target: "≤ 0.10×",
            measured: match (rust, py) {
                (Some(r), Some(p)) => format!(
                    "{:.3}× ({:.0} µs vs {:.0} µs per call)",
                    r.cpu / p.cpu,
                    r.cpu / 1000.0 * 1e6,
                    p.cpu / 1000.0 * 1e6
                ),
                _ => "not measured".into(),
            },
            met: rust.zip(py).map(|(r, p)| r.cpu / p.cpu <= 0.10),
        });
    }
    let one_call = find(results, "submit-100k-one-call", Client::Rust);
    goals.push(Goal {
        what: "One add_runs call of 100k inputs: Rust peak RSS",
        target: "≤ 60 MiB",
        measured: one_call.map_or("not measured".into(), |s| format!("{:.1} MiB", s.rss_mib)),
        met: one_call.map(|s| s.rss_mib <= 60.0),
    });
    goals.extend(chat_goals(results));
    goals.extend(findall_goals(results));
    goals.push(monitor_goal(results));
    goals.extend(webhook_goals(results));
    goals.extend(enrich_goals(results));
    goals
}

/// The enrich goals (issue 17): 1M CSV rows end to end in ≤ 30 s wall and
/// ≤ 32 MiB peak RSS; on 50k rows with 5 % of runs failing, every row kept
/// in input order and exit 2 (the samples' worst case is reported).
fn enrich_goals(results: &[WorkloadResult]) -> Vec<Goal> {
    let big = find(results, "enrich-1m", Client::Cli);
    let wall = Goal {
        what: "Enrich 1M CSV rows with `parallel-web enrich`: wall time",
        target: "≤ 30 s",
        measured: big.map_or("not measured".into(), |s| {
            format!("{:.1} s ({:.1} s CPU)", s.wall, s.cpu)
        }),
        met: big.map(|s| s.wall <= 30.0),
    };
    let rss = Goal {
        what: "Enrich 1M CSV rows with `parallel-web enrich`: peak RSS",
        target: "≤ 32 MiB",
        measured: big.map_or("not measured".into(), |s| format!("{:.1} MiB", s.rss_mib)),
        met: big.map(|s| s.rss_mib <= 32.0),
    };
    let small = results
        .iter()
        .find(|r| r.workload.slug == "enrich-50k-vs-parallel-cli");
    let ours: Vec<&Outcome> = small.map_or(Vec::new(), |r| {
        r.enrich
            .iter()
            .filter(|o| o.client == Client::Cli)
            .collect()
    });
    let rows = small.map_or(0, |r| r.workload.units());
    let kept = Goal {
        what: "Enrich 50k CSV rows, 5 % of runs failing: `parallel-web enrich` keeps every row",
        target: "all rows, input order, exit 2",
        measured: if ours.is_empty() {
            "not measured".into()
        } else {
            let fewest = ours.iter().map(|o| o.kept.rows).min().unwrap_or(0);
            let ordered = ours.iter().all(|o| o.kept.in_order);
            format!(
                "{fewest} of {rows} rows (fewest of {} runs), {}in input order, exit {}",
                ours.len(),
                if ordered { "" } else { "not " },
                exits(&ours)
            )
        },
        met: (!ours.is_empty()).then(|| {
            ours.iter()
                .all(|o| o.kept.rows == rows && o.kept.in_order && o.exit == 2)
        }),
    };
    vec![wall, rss, kept]
}

/// The distinct exit codes of `outcomes`, e.g. `2` or `0, 2`.
fn exits(outcomes: &[&Outcome]) -> String {
    let mut codes: Vec<i32> = outcomes.iter().map(|o| o.exit).collect();
    codes.sort_unstable();
    codes.dedup();
    codes
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Monitor paging (issue 16): Rust CPU ≤ 0.10× the Python SDK's.
fn monitor_goal(results: &[WorkloadResult]) -> Goal {
    let rust = find(results, "monitor-events-100k", Client::Rust);
    let py = find(results, "monitor-events-100k", Client::Python);
    Goal {
        what: "Paging 100k monitor events, 100 per page: Rust CPU vs the Python SDK",
        target: "≤ 0.10×",
        measured: match (rust, py) {
            (Some(r), Some(p)) => format!(
                "{:.3}× ({:.2} s vs {:.2} s CPU); wall {:.3}×",
                r.cpu / p.cpu,
                r.cpu,
                p.cpu,
                r.wall / p.wall
            ),
            _ => "not measured".into(),
        },
        met: rust.zip(py).map(|(r, p)| r.cpu / p.cpu <= 0.10),
    }
}

/// A webhook mode's name, what it includes, and its figure.
type WebhookMode = (&'static str, &'static str, fn(&WebhookNs) -> f64);

/// The median over runs of one mode's ns per delivery.
fn webhook_median(runs: &[WebhookNs], mode: fn(&WebhookNs) -> f64) -> Option<f64> {
    let mut v: Vec<f64> = runs.iter().map(mode).collect();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

/// Webhook verification (issue 16): ≤ 2 µs per delivery, for the signature
/// check alone and for the signature check with the typed decode.
fn webhook_goals(results: &[WorkloadResult]) -> Vec<Goal> {
    let runs = results
        .iter()
        .find(|r| r.workload.slug == "webhook-verify-100k")
        .map_or(&[][..], |r| &r.webhook[..]);
    let goal = |what, mode: fn(&WebhookNs) -> f64| {
        let ns = webhook_median(runs, mode);
        Goal {
            what,
            target: "≤ 2 µs",
            measured: ns.map_or("not measured".into(), |ns| {
                format!("{:.2} µs CPU per delivery", ns / 1000.0)
            }),
            met: ns.map(|ns| ns <= 2000.0),
        }
    };
    vec![
        goal(
            "Verify 100k webhook deliveries: signature check (size, timestamp, HMAC-SHA256)",
            |w| w.authenticate,
        ),
        goal(
            "Verify 100k webhook deliveries: signature check from a HeaderMap + typed decode",
            |w| w.verify,
        ),
    ]
}

/// The FindAll workload's goals (issue 16): Rust CPU ≤ 0.10× the Python
/// SDK's on 100k events; Rust peak RSS ≤ 20 MiB.
fn findall_goals(results: &[WorkloadResult]) -> Vec<Goal> {
    let rust = find(results, "findall-events-100k", Client::Rust);
    let py = find(results, "findall-events-100k", Client::Python);
    let cpu = Goal {
        what: "FindAll event stream of 100k events: Rust CPU vs the Python SDK",
        target: "≤ 0.10×",
        measured: match (rust, py) {
            (Some(r), Some(p)) => format!(
                "{:.3}× ({:.2} s vs {:.2} s CPU); wall {:.3}×",
                r.cpu / p.cpu,
                r.cpu,
                p.cpu,
                r.wall / p.wall
            ),
            _ => "not measured".into(),
        },
        met: match (rust, py) {
            (Some(r), Some(p)) => Some(r.cpu / p.cpu <= 0.10),
            _ => None,
        },
    };
    let rss = Goal {
        what: "FindAll event stream of 100k events: Rust peak RSS",
        target: "≤ 20 MiB",
        measured: rust.map_or("not measured".into(), |s| format!("{:.1} MiB", s.rss_mib)),
        met: rust.map(|s| s.rss_mib <= 20.0),
    };
    vec![cpu, rss]
}

/// The chat workloads' goals (issue 15): Rust CPU ≤ 0.10× OpenAI's Python
/// SDK on 100k chunks; Rust peak RSS ≤ 20 MiB and flat from 100k to 1M.
fn chat_goals(results: &[WorkloadResult]) -> Vec<Goal> {
    let rust100k = find(results, "chat-100k", Client::Rust);
    let py100k = find(results, "chat-100k", Client::Python);
    let rust1m = find(results, "chat-1m", Client::Rust);
    let cpu = match (rust100k, py100k) {
        (Some(r), Some(p)) => Goal {
            what: "Chat stream of 100k chunks: Rust CPU vs OpenAI's Python SDK",
            target: "≤ 0.10×",
            measured: format!(
                "{:.3}× ({:.2} s vs {:.2} s CPU); wall {:.3}×",
                r.cpu / p.cpu,
                r.cpu,
                p.cpu,
                r.wall / p.wall
            ),
            met: Some(r.cpu / p.cpu <= 0.10),
        },
        _ => Goal {
            what: "Chat stream of 100k chunks: Rust CPU vs OpenAI's Python SDK",
            target: "≤ 0.10×",
            measured: "not measured".into(),
            met: None,
        },
    };
    let rss = Goal {
        what: "Chat stream: Rust peak RSS at 100k and 1M chunks",
        target: "≤ 20 MiB",
        measured: match (rust100k, rust1m) {
            (Some(a), Some(b)) => format!("{:.1} MiB / {:.1} MiB", a.rss_mib, b.rss_mib),
            (Some(a), None) => format!("{:.1} MiB / 1M not measured", a.rss_mib),
            _ => "not measured".into(),
        },
        met: match (rust100k, rust1m) {
            (Some(a), Some(b)) => Some(a.rss_mib.max(b.rss_mib) <= 20.0),
            _ => None,
        },
    };
    let flat = match (rust100k, rust1m) {
        (Some(a), Some(b)) => Goal {
            what: "Chat stream: Rust peak RSS flat from 100k to 1M chunks",
            target: "1M ≤ 100k + max(10 %, 2 MiB)",
            measured: format!("{:+.1} MiB", b.rss_mib - a.rss_mib),
            met: Some(b.rss_mib <= a.rss_mib + (a.rss_mib * 0.10).max(2.0)),
        },
        _ => Goal {
            what: "Chat stream: Rust peak RSS flat from 100k to 1M chunks",
            target: "1M ≤ 100k + max(10 %, 2 MiB)",
            measured: "not measured".into(),
            met: None,
        },
    };
    vec![cpu, rss, flat]
}

/// The enrich workloads' second table: per CLI, its exit codes, the rows
/// its output kept, whether in input order, and the emulator's CPU.
fn enrich_table(md: &mut String, r: &WorkloadResult) {
    let rows = r.workload.units();
    let _ = writeln!(
        md,
        "\n| client | exit code | rows in the output (of {rows}) | kept rows in input order | emulator CPU (s) |\n\
         |---|---|---:|---|---:|"
    );
    for m in &r.rows {
        let ours: Vec<&Outcome> = r.enrich.iter().filter(|o| o.client == m.client).collect();
        if ours.is_empty() {
            continue;
        }
        let (fewest, most) = ours.iter().fold((usize::MAX, 0), |(lo, hi), o| {
            (lo.min(o.kept.rows), hi.max(o.kept.rows))
        });
        let kept = if fewest == most {
            fewest.to_string()
        } else {
            format!("{fewest}–{most}")
        };
        let ordered = match ours.iter().filter(|o| o.kept.in_order).count() {
            n if n == ours.len() => "yes",
            0 => "no",
            _ => "in some runs",
        };
        let cpu: Vec<Sample> = ours
            .iter()
            .filter_map(|o| o.emulator_cpu)
            .map(|cpu| Sample {
                wall: 0.0,
                cpu,
                rss_mib: 0.0,
            })
            .collect();
        let cpu = if cpu.is_empty() {
            "–".into()
        } else {
            format!("{:.2}", median(&cpu).cpu)
        };
        let _ = writeln!(
            md,
            "| {} | {} | {kept} | {ordered} | {cpu} |",
            m.client.name(),
            exits(&ours)
        );
    }
}

fn ratio(v: f64, base: Option<f64>) -> String {
    match base {
        Some(b) if b > 0.0 => format!("{:.3}×", v / b),
        _ => "–".into(),
    }
}

/// Writes the report to `out` and its plots to `plots/` beside it.
pub fn write(out: &Path, ctx: &Context, results: &[WorkloadResult]) -> Result<(), String> {
    let dir = out.parent().unwrap_or(Path::new("."));
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots).map_err(|e| format!("{}: {e}", plots.display()))?;
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Benchmark report: the Rust SDK against the official SDKs\n"
    );
    let _ = writeln!(
        md,
        "Generated {} by the harness in [`bench/`](README.md) (method there), with:\n\n```sh\n{}\n```\n",
        ctx.date, ctx.command
    );
    let _ = writeln!(md, "## Machine\n\n| | |\n|---|---|");
    for (what, value) in &ctx.machine {
        let _ = writeln!(md, "| {what} | {value} |");
    }

    let _ = writeln!(
        md,
        "\n## Goals\n\n| goal | target | measured | status |\n|---|---|---|---|"
    );
    for g in goals(results) {
        let status = match g.met {
            Some(true) => "**met**",
            Some(false) => "**not met**",
            None => "not measured",
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {status} |",
            g.what, g.target, g.measured
        );
    }

    let _ = writeln!(
        md,
        "\n## Results\n\nEach figure is the median of {} run(s) of the whole client process, from \
         spawn to exit, start-up included; each measure's median is taken on its own. CPU is user + \
         system time and peak RSS the maximum resident set size, both from `wait4(2)`. The ratio \
         columns divide by the official Python SDK's median.",
        ctx.repeats
    );
    for r in results {
        let units = r.workload.units();
        let _ = writeln!(md, "\n### {}\n", r.workload.title);
        match (r.workload.kind, r.fixture_bytes) {
            (Kind::Stream { runs }, Some(bytes)) => {
                let _ = writeln!(
                    md,
                    "Served from memory by the loopback static server: {runs} `task_run.state` events, \
                     {:.1} MiB ({:.0} bytes per run).\n",
                    bytes as f64 / 1048576.0,
                    bytes as f64 / runs as f64
                );
            }
            (Kind::Chat { chunks }, Some(bytes)) => {
                let _ = writeln!(
                    md,
                    "Served from memory by the loopback static server: one chat completion of {chunks} \
                     `data:` chunks and `[DONE]`, {:.1} MiB ({:.0} bytes per chunk). Python here is \
                     OpenAI's SDK (`openai==3.51.0`), which Parallel's docs use for chat.\n",
                    bytes as f64 / 1048576.0,
                    bytes as f64 / chunks as f64
                );
            }
            (Kind::FindAllEvents { events }, Some(bytes)) => {
                let _ = writeln!(
                    md,
                    "Served from memory by the loopback static server: one FindAll run's {events} \
                     events (its status first and last, candidates between, a quarter of them matched \
                     and a quarter enriched, with outputs and basis), {:.1} MiB ({:.0} bytes per event).\n",
                    bytes as f64 / 1048576.0,
                    bytes as f64 / events as f64
                );
            }
            (Kind::MonitorEvents { events, per_page }, _) => {
                let _ = writeln!(
                    md,
                    "Against one fresh release emulator for the workload (time scale 0, seed 7, no \
                     rate limit) holding one `event_stream` monitor filled by triggered checks; each \
                     client reads its newest {events} events, {per_page} per page (`GET \
                     /v1/monitors/{{id}}/events?limit={per_page}`, then `next_cursor`). The \
                     emulator's CPU is not counted.\n"
                );
            }
            (Kind::WebhookVerify { deliveries }, _) => {
                let _ = writeln!(
                    md,
                    "`webhook_verify` signs {deliveries} distinct `task_run.status` deliveries (not \
                     timed), then times passes over all of them in each mode below; the table just \
                     below is its whole process (signing included), the one after it its own \
                     figures. No official SDK verifies webhooks, so there is no ratio.\n"
                );
            }
            (
                Kind::Enrich {
                    failing_percent, ..
                },
                _,
            ) => {
                let _ = writeln!(
                    md,
                    "Each CLI enriches the same {units}-row CSV (`company_name,company_website`, \
                     distinct rows) with one column (`ceo: CEO name`, processor `lite`) against a \
                     fresh release emulator per run (time scale 0, no rate limit, {failing_percent} % \
                     of runs failing), writing a CSV. The figures are the CLI process's; the \
                     emulator's CPU is in the second table.\n"
                );
            }
            (Kind::Submit { .. } | Kind::Calls { .. }, _) => {
                let _ = writeln!(
                    md,
                    "Against a fresh release emulator per run (time scale 0, no rate limit); only the \
                     client process is measured, the emulator's own CPU is not counted.\n"
                );
            }
            _ => {}
        }
        let baseline = Client::baseline_for(r.workload.kind);
        let py = r
            .rows
            .iter()
            .find(|m| m.client == baseline)
            .and_then(Measured::median);
        let base_name = match baseline {
            Client::Python => "Python",
            other => other.name(),
        };
        let _ = writeln!(
            md,
            "| client | wall (s) | CPU (s) | CPU µs/{} | peak RSS (MiB) | wall ÷ {base_name} | CPU ÷ {base_name} |\n\
             |---|---:|---:|---:|---:|---:|---:|",
            r.workload.unit()
        );
        for m in &r.rows {
            match (m.median(), &m.result) {
                (Some(s), _) => {
                    let _ = writeln!(
                        md,
                        "| {} | {:.3} | {:.3} | {:.2} | {:.1} | {} | {} |",
                        m.client.name(),
                        s.wall,
                        s.cpu,
                        s.cpu / units as f64 * 1e6,
                        s.rss_mib,
                        ratio(s.wall, py.map(|p| p.wall)),
                        ratio(s.cpu, py.map(|p| p.cpu)),
                    );
                }
                (None, Err(why)) => {
                    let why = why.lines().next().unwrap_or("").replace('|', "\\|");
                    let _ = writeln!(
                        md,
                        "| {} | not measured: {why} | | | | | |",
                        m.client.name()
                    );
                }
                (None, Ok(_)) => {
                    let _ = writeln!(md, "| {} | not measured | | | | | |", m.client.name());
                }
            }
        }
        if !r.webhook.is_empty() {
            let _ = writeln!(
                md,
                "\nPer delivery, this thread's CPU time: the median over {} run(s) of each run's \
                 median pass.\n\n| mode | what is included | CPU ns/delivery |\n|---|---|---:|",
                r.webhook.len()
            );
            let modes: [WebhookMode; 4] = [
                (
                    "authenticate",
                    "signature check only: body size, timestamp window, HMAC-SHA256 over id.timestamp.body",
                    |w| w.authenticate,
                ),
                (
                    "decode",
                    "typed decode of the payload into `WebhookEvent` only, no signature",
                    |w| w.decode,
                ),
                (
                    "verify",
                    "headers read from an `http::HeaderMap`, signature check and typed decode",
                    |w| w.verify,
                ),
                (
                    "verify_remembering",
                    "`verify` plus the in-process replay memory (`SeenIds`)",
                    |w| w.verify_remembering,
                ),
            ];
            for (mode, what, f) in modes {
                if let Some(ns) = webhook_median(&r.webhook, f) {
                    let _ = writeln!(md, "| `{mode}` | {what} | {ns:.0} |");
                }
            }
        }
        if !r.enrich.is_empty() {
            enrich_table(&mut md, r);
        }
        let medians: Vec<(&str, Option<Sample>)> = r
            .rows
            .iter()
            .map(|m| (m.client.name(), m.median()))
            .collect();
        let panel = |title, unit, f: fn(&Sample) -> f64| svg::Panel {
            title,
            unit,
            bars: medians
                .iter()
                .map(|(n, s)| (*n, s.as_ref().map(f)))
                .collect(),
        };
        let chart = svg::chart(
            r.workload.title,
            &[
                panel("wall time", "s", |s| s.wall),
                panel("CPU time", "s", |s| s.cpu),
                panel("peak RSS", "MiB", |s| s.rss_mib),
            ],
        );
        let file = plots.join(format!("{}.svg", r.workload.slug));
        std::fs::write(&file, chart).map_err(|e| format!("{}: {e}", file.display()))?;
        let _ = writeln!(
            md,
            "\n![{}: wall time, CPU time and peak RSS per client](plots/{}.svg)",
            r.workload.title, r.workload.slug
        );
    }
    if !ctx.notes.is_empty() {
        let _ = writeln!(md, "\n## Notes\n");
        for n in &ctx.notes {
            let _ = writeln!(md, "- {n}");
        }
    }
    std::fs::write(out, md).map_err(|e| format!("{}: {e}", out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::workloads;

    fn row(client: Client, wall: f64, cpu: f64, rss_mib: f64) -> Measured {
        Measured {
            client,
            result: Ok(vec![Sample { wall, cpu, rss_mib }]),
        }
    }

    #[test]
    fn goals_compare_against_their_targets() {
        let w = workloads();
        let results = vec![
            WorkloadResult {
                workload: w[0].clone(),
                fixture_bytes: Some(1),
                rows: vec![
                    row(Client::Rust, 0.5, 0.4, 10.0),
                    row(Client::Python, 10.0, 9.0, 80.0),
                ],
                webhook: Vec::new(),
                enrich: Vec::new(),
            },
            WorkloadResult {
                workload: w[1].clone(),
                fixture_bytes: Some(1),
                rows: vec![row(Client::Rust, 5.0, 4.0, 25.0)],
                webhook: Vec::new(),
                enrich: Vec::new(),
            },
            WorkloadResult {
                workload: w[2].clone(),
                fixture_bytes: None,
                rows: vec![row(Client::Rust, 1.0, 0.2, 30.0)],
                webhook: Vec::new(),
                enrich: Vec::new(),
            },
        ];
        let met: Vec<Option<bool>> = goals(&results).iter().map(|g| g.met).collect();
        // 0.05× met; 25 MiB at 1M not met; +15 MiB not flat; 2 µs/run met;
        // search and extract not measured; one call, the three chat goals and
        // the two FindAll goals, the monitor goal, the two webhook goals and
        // the three enrich goals not measured.
        assert_eq!(
            met,
            [
                Some(true),
                Some(false),
                Some(false),
                Some(true),
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None
            ]
        );
        let calls = |slug: &str, rust_cpu: f64| WorkloadResult {
            workload: w.iter().find(|w| w.slug == slug).unwrap().clone(),
            fixture_bytes: None,
            rows: vec![
                row(Client::Rust, 1.0, rust_cpu, 8.0),
                row(Client::Python, 3.0, 2.0, 60.0),
            ],
            webhook: Vec::new(),
            enrich: Vec::new(),
        };
        let results = vec![calls("search-1k", 0.1), calls("extract-1k", 0.3)];
        let met: Vec<Option<bool>> = goals(&results).iter().map(|g| g.met).collect();
        // 0.05× met, 0.15× not met.
        assert_eq!(met[4..6], [Some(true), Some(false)]);
    }

    #[test]
    fn enrich_goals_need_30_s_32_mib_and_every_row_kept_in_order_with_exit_2() {
        use crate::enrich::Kept;
        let w = |slug: &str| workloads().into_iter().find(|w| w.slug == slug).unwrap();
        let outcome = |client, exit, rows, in_order| Outcome {
            client,
            exit,
            kept: Kept { rows, in_order },
            emulator_cpu: Some(1.0),
        };
        let big = WorkloadResult {
            workload: w("enrich-1m"),
            fixture_bytes: None,
            rows: vec![row(Client::Cli, 25.0, 20.0, 40.0)],
            webhook: Vec::new(),
            enrich: Vec::new(),
        };
        let small = |ours: Vec<Outcome>| WorkloadResult {
            workload: w("enrich-50k-vs-parallel-cli"),
            fixture_bytes: None,
            rows: vec![
                row(Client::Cli, 2.0, 2.0, 20.0),
                row(Client::ParallelCli, 10.0, 10.0, 90.0),
            ],
            webhook: Vec::new(),
            // parallel-cli dropping rows does not count against ours.
            enrich: [vec![outcome(Client::ParallelCli, 0, 47_000, false)], ours].concat(),
        };
        let met = |results: &[WorkloadResult]| -> Vec<Option<bool>> {
            enrich_goals(results).iter().map(|g| g.met).collect()
        };
        let all_kept = outcome(Client::Cli, 2, 50_000, true);
        // 25 s met, 40 MiB not met, every row kept with exit 2 met.
        assert_eq!(
            met(&[big, small(vec![all_kept, all_kept])]),
            [Some(true), Some(false), Some(true)]
        );
        // One run out of order, one short, one exiting 0: each fails the goal.
        for bad in [
            outcome(Client::Cli, 2, 50_000, false),
            outcome(Client::Cli, 2, 49_999, true),
            outcome(Client::Cli, 0, 50_000, true),
        ] {
            assert_eq!(
                met(&[small(vec![all_kept, bad])])[2],
                Some(false),
                "{bad:?}"
            );
        }
        assert_eq!(met(&[]), [None, None, None]);
    }

    #[test]
    fn webhook_goals_take_the_median_run_of_each_mode() {
        let ns = |authenticate, verify| WebhookNs {
            authenticate,
            decode: 0.0,
            verify,
            verify_remembering: 0.0,
        };
        let webhook = vec![ns(900.0, 2500.0), ns(9000.0, 1900.0), ns(1000.0, 2100.0)];
        let results = vec![WorkloadResult {
            workload: workloads()
                .into_iter()
                .find(|w| w.slug == "webhook-verify-100k")
                .unwrap(),
            fixture_bytes: None,
            rows: vec![row(Client::Rust, 1.0, 1.0, 30.0)],
            webhook,
            enrich: Vec::new(),
        }];
        let met: Vec<Option<bool>> = webhook_goals(&results).iter().map(|g| g.met).collect();
        // authenticate: median 1000 ns, met; verify: median 2100 ns, not met.
        assert_eq!(met, [Some(true), Some(false)]);
    }
}
