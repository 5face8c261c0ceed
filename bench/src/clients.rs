//! The workloads, the clients under test, how each client is installed or
//! found, the command line it runs for a workload, and the check of what it
//! printed (so a client that did less work cannot look fast).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::emulator::API_KEY;

/// The official Python SDK version the conformance scripts pin.
pub const PYTHON_SDK: &str = "1.3.7";
/// The official OpenAI Python SDK version the chat conformance script pins.
pub const OPENAI_PYTHON_SDK: &str = "3.51.0";
/// The official `parallel-cli` (PyPI `parallel-web-tools`) version measured.
pub const PARALLEL_CLI: &str = "0.9.4";
/// The `duckdb` installed beside it: its `[cli]` extra (PyYAML, needed for
/// YAML configs) does not bring `duckdb`, which its config loader imports.
pub const PARALLEL_CLI_DUCKDB: &str = "2.0.1";
/// The official TypeScript SDK version measured: the newest published 1.3.x,
/// the line of the Python SDK's 1.3.7.
pub const TYPESCRIPT_SDK: &str = "1.3.3";

/// What a workload does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Read a group of `runs` completed runs with inputs and outputs.
    Stream { runs: usize },
    /// Add `inputs` runs to a new group, `per_call` per SDK call.
    Submit { inputs: usize, per_call: usize },
    /// `calls` sequential calls to one API (search, or extract of 10 URLs).
    Calls { api: Api, calls: usize },
    /// Read one streamed chat completion of `chunks` chunks.
    Chat { chunks: usize },
    /// Read one FindAll run's event stream of `events` events.
    FindAllEvents { events: usize },
    /// Page through a monitor's first `events` events, `per_page` per page.
    MonitorEvents { events: usize, per_page: usize },
    /// Verify `deliveries` distinct signed webhook deliveries (Rust only).
    WebhookVerify { deliveries: usize },
    /// Enrich a CSV table of `rows` distinct rows with one column, through a
    /// CLI, against an emulator where `failing_percent` % of runs fail.
    Enrich { rows: usize, failing_percent: u32 },
}

/// The API of a [`Kind::Calls`] workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// `POST /v1/search`.
    Search,
    /// `POST /v1/extract`, 10 URLs per call.
    Extract,
}

impl Api {
    /// Its name on the clients' command lines.
    pub fn name(self) -> &'static str {
        match self {
            Api::Search => "search",
            Api::Extract => "extract",
        }
    }
}

/// One workload of the report.
#[derive(Debug, Clone)]
pub struct Workload {
    /// File-name-safe id, e.g. `stream-100k`.
    pub slug: &'static str,
    /// Heading in the report.
    pub title: &'static str,
    /// What it does.
    pub kind: Kind,
}

impl Workload {
    /// What [`units`](Self::units) counts, for the per-unit column.
    pub fn unit(&self) -> &'static str {
        match self.kind {
            Kind::Stream { .. } | Kind::Submit { .. } => "run",
            Kind::Calls { .. } => "call",
            Kind::Chat { .. } => "chunk",
            Kind::FindAllEvents { .. } | Kind::MonitorEvents { .. } => "event",
            Kind::WebhookVerify { .. } => "delivery",
            Kind::Enrich { .. } => "row",
        }
    }

    /// Runs streamed or submitted, or calls made, for the per-unit figures.
    pub fn units(&self) -> usize {
        match self.kind {
            Kind::Stream { runs } => runs,
            Kind::Submit { inputs, .. } => inputs,
            Kind::Calls { calls, .. } => calls,
            Kind::Chat { chunks } => chunks,
            Kind::FindAllEvents { events } | Kind::MonitorEvents { events, .. } => events,
            Kind::WebhookVerify { deliveries } => deliveries,
            Kind::Enrich { rows, .. } => rows,
        }
    }
}

/// Every workload, in report order.
pub fn workloads() -> Vec<Workload> {
    vec![
        Workload {
            slug: "stream-100k",
            title: "Stream 100k completed runs with input and output",
            kind: Kind::Stream { runs: 100_000 },
        },
        Workload {
            slug: "stream-1m",
            title: "Stream 1M completed runs with input and output",
            kind: Kind::Stream { runs: 1_000_000 },
        },
        Workload {
            slug: "submit-100k-per-500",
            title: "Submit 100k inputs, 500 per add_runs call",
            kind: Kind::Submit {
                inputs: 100_000,
                per_call: 500,
            },
        },
        Workload {
            slug: "submit-100k-one-call",
            title: "Submit 100k inputs in one add_runs call",
            kind: Kind::Submit {
                inputs: 100_000,
                per_call: 100_000,
            },
        },
        Workload {
            slug: "search-1k",
            title: "1,000 sequential search calls",
            kind: Kind::Calls {
                api: Api::Search,
                calls: 1_000,
            },
        },
        Workload {
            slug: "extract-1k",
            title: "1,000 sequential extract calls of 10 URLs",
            kind: Kind::Calls {
                api: Api::Extract,
                calls: 1_000,
            },
        },
        Workload {
            slug: "chat-100k",
            title: "One streamed chat completion of 100k chunks",
            kind: Kind::Chat { chunks: 100_000 },
        },
        Workload {
            slug: "chat-1m",
            title: "One streamed chat completion of 1M chunks",
            kind: Kind::Chat { chunks: 1_000_000 },
        },
        Workload {
            slug: "findall-events-100k",
            title: "One FindAll run's event stream of 100k events",
            kind: Kind::FindAllEvents { events: 100_000 },
        },
        Workload {
            slug: "monitor-events-100k",
            title: "Page through 100k monitor events, 100 per page",
            kind: Kind::MonitorEvents {
                events: 100_000,
                per_page: 100,
            },
        },
        Workload {
            slug: "webhook-verify-100k",
            title: "Verify 100k signed webhook deliveries",
            kind: Kind::WebhookVerify {
                deliveries: 100_000,
            },
        },
        Workload {
            slug: "enrich-1m",
            title: "Enrich 1M CSV rows with the CLI",
            kind: Kind::Enrich {
                rows: 1_000_000,
                failing_percent: 0,
            },
        },
        Workload {
            slug: "enrich-50k-vs-parallel-cli",
            title: "Enrich 50k CSV rows, 5 % of runs failing: parallel-web vs parallel-cli",
            kind: Kind::Enrich {
                rows: 50_000,
                failing_percent: 5,
            },
        },
    ]
}

/// A client under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// This SDK (`rust_stream` / `rust_submit`).
    Rust,
    /// The official Python SDK in the conformance virtualenv.
    Python,
    /// The official TypeScript SDK under node.
    TypeScript,
    /// `curl` writing the stream to `/dev/null`: the I/O floor.
    Curl,
    /// This repository's `parallel-web` CLI (`parallel-web enrich`).
    Cli,
    /// The official `parallel-cli` (`parallel-cli enrich run`), in Python.
    ParallelCli,
}

impl Client {
    /// Its name in tables and plots.
    pub fn name(self) -> &'static str {
        match self {
            Client::Rust => "rust",
            Client::Python => "python",
            Client::TypeScript => "typescript",
            Client::Curl => "curl",
            Client::Cli => "parallel-web",
            Client::ParallelCli => "parallel-cli",
        }
    }

    /// The clients that take part in a workload.
    pub fn all_for(kind: Kind) -> Vec<Client> {
        match kind {
            Kind::Stream { .. } => vec![
                Client::Rust,
                Client::Python,
                Client::TypeScript,
                Client::Curl,
            ],
            Kind::Submit { .. } | Kind::Calls { .. } => {
                vec![Client::Rust, Client::Python, Client::TypeScript]
            }
            // Python is OpenAI's SDK here (Parallel's docs send chat users to it).
            Kind::Chat { .. } => vec![Client::Rust, Client::Python, Client::Curl],
            // The issue compares with the Python SDK only.
            Kind::FindAllEvents { .. } => vec![Client::Rust, Client::Python, Client::Curl],
            // No curl: following `next_cursor` from page to page needs a JSON parser.
            Kind::MonitorEvents { .. } => vec![Client::Rust, Client::Python],
            // No official SDK verifies webhooks; the goal is absolute.
            Kind::WebhookVerify { .. } => vec![Client::Rust],
            // The 1M-row goal is absolute; parallel-cli is compared on 50k rows.
            Kind::Enrich {
                failing_percent: 0, ..
            } => vec![Client::Cli],
            Kind::Enrich { .. } => vec![Client::Cli, Client::ParallelCli],
        }
    }

    /// The client the ratio columns divide by on a workload of `kind`.
    pub fn baseline_for(kind: Kind) -> Client {
        match kind {
            Kind::Enrich { .. } => Client::ParallelCli,
            _ => Client::Python,
        }
    }
}

/// Where each client's program is, or why it is missing.
pub struct Tools {
    /// Directory of the release binaries (`rust_stream`, `rust_submit`, the emulator).
    pub bin_dir: PathBuf,
    /// Tokio runtime flavour for the Rust clients (`current` or `multi`).
    pub runtime: String,
    /// The virtualenv's python.
    pub python: Result<PathBuf, String>,
    /// The virtualenv's python with OpenAI's SDK (chat workloads).
    pub openai_python: Result<PathBuf, String>,
    /// node, and the `node_modules` holding the TypeScript SDK.
    pub node: Result<(PathBuf, PathBuf), String>,
    /// curl.
    pub curl: Result<PathBuf, String>,
    /// `parallel-cli`, installed into the Python SDK's virtualenv.
    pub parallel_cli: Result<PathBuf, String>,
}

impl Tools {
    /// Finds or installs what the `runs` (client and workload pairs to be
    /// measured) need; a client that cannot be had carries the reason.
    pub fn discover(bin_dir: PathBuf, runtime: String, runs: &[(Client, Kind)]) -> Tools {
        let wants = |f: &dyn Fn(Client, Kind) -> bool| runs.iter().any(|&(c, k)| f(c, k));
        const UNNEEDED: &str = "not needed by the workloads chosen";
        let chat = |k| matches!(k, Kind::Chat { .. });
        let python = if wants(&|c, k| (c == Client::Python && !chat(k)) || c == Client::ParallelCli)
        {
            python_venv(Path::new("target/conformance").join(format!("venv-{PYTHON_SDK}")))
        } else {
            Err(UNNEEDED.to_string())
        };
        let parallel_cli = if wants(&|c, _| c == Client::ParallelCli) {
            python.clone().and_then(|p| parallel_cli(&p))
        } else {
            Err(UNNEEDED.to_string())
        };
        Tools {
            bin_dir,
            runtime,
            python,
            openai_python: if wants(&|c, k| c == Client::Python && chat(k)) {
                openai_venv(
                    Path::new("target/conformance")
                        .join(format!("venv-openai-{OPENAI_PYTHON_SDK}")),
                )
            } else {
                Err(UNNEEDED.to_string())
            },
            node: if wants(&|c, _| c == Client::TypeScript) {
                node_sdk(Path::new("target/bench-node"))
            } else {
                Err(UNNEEDED.to_string())
            },
            curl: which("curl").ok_or_else(|| "curl is not installed".to_string()),
            parallel_cli,
        }
    }

    /// The command `client` runs to enrich `input` into `output` against
    /// `base_url`; `parallel-cli`'s config is written into `dir`.
    pub fn enrich_command(
        &self,
        client: Client,
        dir: &Path,
        input: &Path,
        output: &Path,
        base_url: &str,
    ) -> Result<Command, String> {
        let mut cmd = match client {
            Client::Cli => {
                let mut c = Command::new(self.bin_dir.join("parallel-web"));
                c.arg("enrich")
                    .arg(input)
                    .arg("-o")
                    .arg(output)
                    .args(["--processor", "lite", "--column", "ceo: CEO name", "-q"])
                    .env("PARALLEL_BASE_URL", base_url);
                c
            }
            Client::ParallelCli => {
                let program = self.parallel_cli.as_ref().map_err(Clone::clone)?;
                let config = dir.join("parallel-cli.yaml");
                std::fs::write(&config, crate::enrich::parallel_cli_config(input, output))
                    .map_err(|e| format!("{}: {e}", config.display()))?;
                let mut c = Command::new(program);
                c.args(["enrich", "run"])
                    .arg(&config)
                    .env("PYTHONDONTWRITEBYTECODE", "1")
                    // The variable its SDK client is built from (`get_api_url`).
                    .env("PARALLEL_API_URL", base_url)
                    .env_remove("PARALLEL_BASE_URL");
                c
            }
            _ => return Err(format!("{} does not enrich tables", client.name())),
        };
        cmd.env("PARALLEL_API_KEY", API_KEY)
            .env_remove("PARALLEL_CUSTOM_HEADERS");
        Ok(cmd)
    }

    /// The command `client` runs for `workload` against `base_url` (and, for
    /// streams, `group`), or why it cannot run.
    pub fn command(
        &self,
        client: Client,
        kind: Kind,
        base_url: &str,
        group: &str,
    ) -> Result<Command, String> {
        let mut cmd = match (client, kind) {
            (Client::Rust, Kind::Stream { .. }) => {
                let mut c = Command::new(self.bin_dir.join("rust_stream"));
                c.args([
                    "--base-url",
                    base_url,
                    "--api-key",
                    API_KEY,
                    "--group",
                    group,
                ])
                .args(["--runtime", &self.runtime]);
                c
            }
            (Client::Rust, Kind::Submit { inputs, per_call }) => {
                let mut c = Command::new(self.bin_dir.join("rust_submit"));
                c.args(["--base-url", base_url, "--api-key", API_KEY])
                    .args([
                        "--inputs",
                        &inputs.to_string(),
                        "--per-call",
                        &per_call.to_string(),
                    ])
                    .args(["--runtime", &self.runtime]);
                c
            }
            (Client::Rust, Kind::Calls { api, calls }) => {
                let mut c = Command::new(self.bin_dir.join("rust_calls"));
                c.args(["--base-url", base_url, "--api-key", API_KEY])
                    .args(["--api", api.name(), "--calls", &calls.to_string()])
                    .args(["--runtime", &self.runtime]);
                c
            }
            (Client::Rust, Kind::Chat { .. }) => {
                let mut c = Command::new(self.bin_dir.join("rust_chat"));
                c.args([
                    "--base-url",
                    base_url,
                    "--api-key",
                    API_KEY,
                    "--model",
                    group,
                ])
                .args(["--runtime", &self.runtime]);
                c
            }
            (Client::Python, Kind::Chat { .. }) => {
                let python = self.openai_python.as_ref().map_err(Clone::clone)?;
                let mut c = Command::new(python);
                c.args(["-W", "ignore::DeprecationWarning"])
                    .env("PYTHONDONTWRITEBYTECODE", "1")
                    .args(["bench/python/chat.py", base_url, API_KEY, group]);
                c
            }
            (Client::Curl, Kind::Chat { .. }) => {
                let curl = self.curl.as_ref().map_err(Clone::clone)?;
                let mut c = Command::new(curl);
                c.args(["-s", "-o", "/dev/null", "-w", "%{size_download}"])
                    .args(["-H", "content-type: application/json", "--data-binary"])
                    .arg(format!(
                        r#"{{"model":"{group}","stream":true,"messages":[{{"role":"user","content":"hi"}}]}}"#
                    ))
                    .arg(format!("{base_url}/v1beta/chat/completions"));
                c
            }
            (Client::Rust, Kind::FindAllEvents { .. }) => {
                let mut c = Command::new(self.bin_dir.join("rust_findall"));
                c.args(["--base-url", base_url, "--api-key", API_KEY])
                    .args(["--findall-id", group])
                    .args(["--runtime", &self.runtime]);
                c
            }
            (Client::Python, Kind::FindAllEvents { .. }) => {
                let python = self.python.as_ref().map_err(Clone::clone)?;
                let mut c = Command::new(python);
                c.args(["-W", "ignore::DeprecationWarning"])
                    .env("PYTHONDONTWRITEBYTECODE", "1")
                    .args(["bench/python/findall.py", base_url, API_KEY, group]);
                c
            }
            (Client::Curl, Kind::FindAllEvents { .. }) => {
                let curl = self.curl.as_ref().map_err(Clone::clone)?;
                let mut c = Command::new(curl);
                c.args(["-s", "-o", "/dev/null", "-w", "%{size_download}"])
                    .arg(format!("{base_url}/v1beta/findall/runs/{group}/events"));
                c
            }
            (Client::Rust, Kind::MonitorEvents { events, per_page }) => {
                let mut c = Command::new(self.bin_dir.join("rust_monitor_events"));
                c.args(["--base-url", base_url, "--api-key", API_KEY])
                    .args(["--monitor-id", group])
                    .args(["--page-size", &per_page.to_string()])
                    .args(["--max-events", &events.to_string()])
                    .args(["--runtime", &self.runtime]);
                c
            }
            (Client::Python, Kind::MonitorEvents { events, per_page }) => {
                let python = self.python.as_ref().map_err(Clone::clone)?;
                let mut c = Command::new(python);
                c.args(["-W", "ignore::DeprecationWarning"])
                    .env("PYTHONDONTWRITEBYTECODE", "1")
                    .args(["bench/python/monitor_events.py", base_url, API_KEY, group])
                    .args([per_page.to_string(), events.to_string()]);
                c
            }
            (Client::Rust, Kind::WebhookVerify { deliveries }) => {
                let mut c = Command::new(self.bin_dir.join("webhook_verify"));
                c.args([deliveries.to_string(), WEBHOOK_PASSES.to_string()]);
                c
            }
            (_, Kind::MonitorEvents { .. } | Kind::WebhookVerify { .. })
            | (Client::Cli | Client::ParallelCli, _) => {
                return Err(format!("not a client of this workload ({kind:?})"));
            }
            (_, Kind::Enrich { .. }) => {
                return Err("the enrich workloads run through `enrich_command`".into());
            }
            (Client::TypeScript, Kind::FindAllEvents { .. }) => {
                return Err("the FindAll workload measures the Python SDK only".into());
            }
            (Client::TypeScript, Kind::Chat { .. }) => {
                return Err("the chat workloads measure OpenAI's Python SDK only".into());
            }
            (Client::Python, kind) => {
                let python = self.python.as_ref().map_err(Clone::clone)?;
                let mut c = Command::new(python);
                c.args(["-W", "ignore::DeprecationWarning"])
                    .env("PYTHONDONTWRITEBYTECODE", "1");
                match kind {
                    Kind::Stream { .. } => {
                        c.args(["bench/python/stream.py", base_url, API_KEY, group])
                    }
                    Kind::Submit { inputs, per_call } => c
                        .args(["bench/python/submit.py", base_url, API_KEY])
                        .args([inputs.to_string(), per_call.to_string()]),
                    Kind::Calls { api, calls } => c
                        .args(["bench/python/calls.py", base_url, API_KEY, api.name()])
                        .arg(calls.to_string()),
                    Kind::Chat { .. }
                    | Kind::FindAllEvents { .. }
                    | Kind::MonitorEvents { .. }
                    | Kind::WebhookVerify { .. }
                    | Kind::Enrich { .. } => unreachable!("matched above"),
                };
                c
            }
            (Client::TypeScript, kind) => {
                let (node, modules) = self.node.as_ref().map_err(Clone::clone)?;
                let mut c = Command::new(node);
                c.env("NODE_PATH", modules);
                match kind {
                    Kind::Stream { .. } => {
                        c.args(["bench/node/stream.js", base_url, API_KEY, group])
                    }
                    Kind::Submit { inputs, per_call } => c
                        .args(["bench/node/submit.js", base_url, API_KEY])
                        .args([inputs.to_string(), per_call.to_string()]),
                    Kind::Calls { api, calls } => c
                        .args(["bench/node/calls.js", base_url, API_KEY, api.name()])
                        .arg(calls.to_string()),
                    Kind::Chat { .. }
                    | Kind::FindAllEvents { .. }
                    | Kind::MonitorEvents { .. }
                    | Kind::WebhookVerify { .. }
                    | Kind::Enrich { .. } => unreachable!("matched above"),
                };
                c
            }
            (Client::Curl, Kind::Stream { .. }) => {
                let curl = self.curl.as_ref().map_err(Clone::clone)?;
                let mut c = Command::new(curl);
                c.args(["-s", "-o", "/dev/null", "-w", "%{size_download}"]).arg(format!(
                    "{base_url}/v1/tasks/groups/{group}/runs?include_input=true&include_output=true"
                ));
                c
            }
            (Client::Curl, Kind::Submit { .. } | Kind::Calls { .. }) => {
                return Err("curl only reads streams".into());
            }
        };
        cmd.env_remove("PARALLEL_API_KEY")
            .env_remove("PARALLEL_BASE_URL")
            .env_remove("PARALLEL_CUSTOM_HEADERS");
        Ok(cmd)
    }
}

/// Checks what a client printed: curl the byte count of the fixture, the
/// SDK clients a JSON line whose counts match the workload. Returns the
/// stream checksum (a sum of decoded field lengths) when there is one, so
/// the SDK clients can be checked to have read the same data.
pub fn check_output(
    client: Client,
    kind: Kind,
    stdout: &str,
    fixture_bytes: u64,
) -> Result<Option<u64>, String> {
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    if client == Client::Curl {
        return match last.trim().parse::<u64>() {
            Ok(n) if n == fixture_bytes => Ok(None),
            _ => Err(format!(
                "curl read {last:?} bytes, the fixture has {fixture_bytes}"
            )),
        };
    }
    let v: Value = serde_json::from_str(last).map_err(|e| format!("summary line {last:?}: {e}"))?;
    let count = |key: &str| v[key].as_u64().unwrap_or(0);
    match kind {
        Kind::Stream { runs } => {
            if count("runs") != runs as u64 || count("with_output") != runs as u64 {
                return Err(format!("expected {runs} runs with output, got {last}"));
            }
            Ok(Some(count("checksum")))
        }
        Kind::Submit { inputs, .. } => {
            if count("runs") != inputs as u64 {
                return Err(format!("expected {inputs} run ids, got {last}"));
            }
            Ok(None)
        }
        Kind::Calls { calls, .. } => {
            if count("calls") != calls as u64 || count("items") == 0 {
                return Err(format!(
                    "expected {calls} calls that read results, got {last}"
                ));
            }
            // Every client must have read the same number of results.
            Ok(Some(count("items")))
        }
        Kind::Chat { chunks } => {
            if count("chunks") != chunks as u64 {
                return Err(format!("expected {chunks} chunks, got {last}"));
            }
            Ok(Some(count("checksum")))
        }
        Kind::FindAllEvents { events } | Kind::MonitorEvents { events, .. } => {
            if count("events") != events as u64 {
                return Err(format!("expected {events} events, got {last}"));
            }
            Ok(Some(count("checksum")))
        }
        Kind::WebhookVerify { deliveries } => {
            if count("deliveries") != deliveries as u64 || WebhookNs::parse(&v).is_none() {
                return Err(format!(
                    "expected the figures of {deliveries} deliveries, got {last}"
                ));
            }
            Ok(None)
        }
        Kind::Enrich { .. } => Err("enrich workloads are checked by their output table".into()),
    }
}

/// Timed passes over all the deliveries in one `webhook_verify` run.
pub const WEBHOOK_PASSES: usize = 5;

/// What one `webhook_verify` run printed: the median CPU ns per delivery of
/// each mode (this thread's CPU time, over its passes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WebhookNs {
    /// Signature check only (size, timestamp, HMAC-SHA256) from borrowed headers.
    pub authenticate: f64,
    /// Typed decode of the payload alone, no signature.
    pub decode: f64,
    /// Signature check from an `http::HeaderMap` plus the typed decode.
    pub verify: f64,
    /// `verify` with the in-process replay memory.
    pub verify_remembering: f64,
}

impl WebhookNs {
    /// Reads `webhook_verify`'s summary line.
    pub fn parse(v: &Value) -> Option<WebhookNs> {
        let ns = |mode: &str| v["ns_per_delivery"][mode]["cpu"].as_f64();
        Some(WebhookNs {
            authenticate: ns("authenticate")?,
            decode: ns("decode")?,
            verify: ns("verify")?,
            verify_remembering: ns("verify_remembering")?,
        })
    }
}

/// `name` on `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The virtualenv of the official Python SDK, made the way
/// `tests/conformance/run.sh` makes it when it is missing or holds another version.
fn python_venv(venv: PathBuf) -> Result<PathBuf, String> {
    let python = venv.join("bin/python");
    let has_sdk = |python: &Path| {
        Command::new(python)
            .args([
                "-c",
                &format!("import parallel, sys; sys.exit(parallel.__version__ != '{PYTHON_SDK}')"),
            ])
            .status()
            .is_ok_and(|s| s.success())
    };
    if has_sdk(&python) {
        return Ok(python);
    }
    eprintln!(
        "installing parallel-web=={PYTHON_SDK} into {}",
        venv.display()
    );
    let _ = std::fs::remove_dir_all(&venv);
    let system = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&system)
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .is_ok_and(|s| s.success())
        && Command::new(venv.join("bin/pip"))
            .args(["install", "-q", "--disable-pip-version-check"])
            .arg(format!("parallel-web=={PYTHON_SDK}"))
            .status()
            .is_ok_and(|s| s.success());
    if ok && has_sdk(&python) {
        Ok(python)
    } else {
        Err(format!(
            "could not install parallel-web=={PYTHON_SDK} with {system} -m venv and pip"
        ))
    }
}

/// `parallel-cli` from `parallel-web-tools[cli]` (and `duckdb`, see
/// [`PARALLEL_CLI_DUCKDB`]), installed with pip into the official Python
/// SDK's virtualenv (whose `python` is `python`), pinned with the SDK so the
/// SDK's version stays as the other workloads measure it.
fn parallel_cli(python: &Path) -> Result<PathBuf, String> {
    let program = python.with_file_name("parallel-cli");
    let has_it = || {
        Command::new(python)
            .args([
                "-c",
                &format!(
                    "import importlib.metadata as m, sys, yaml, duckdb; \
                     sys.exit(m.version('parallel-web-tools') != '{PARALLEL_CLI}')"
                ),
            ])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
            && program.is_file()
    };
    if has_it() {
        return Ok(program);
    }
    eprintln!(
        "installing parallel-web-tools[cli]=={PARALLEL_CLI} and duckdb=={PARALLEL_CLI_DUCKDB} \
         beside parallel-web=={PYTHON_SDK} into {}",
        python.display()
    );
    let ok = Command::new(python.with_file_name("pip"))
        .args(["install", "-q", "--disable-pip-version-check"])
        .arg(format!("parallel-web=={PYTHON_SDK}"))
        .arg(format!("parallel-web-tools[cli]=={PARALLEL_CLI}"))
        .arg(format!("duckdb=={PARALLEL_CLI_DUCKDB}"))
        .status()
        .is_ok_and(|s| s.success());
    if ok && has_it() {
        Ok(program)
    } else {
        Err(format!(
            "could not install parallel-web-tools=={PARALLEL_CLI} with pip"
        ))
    }
}

/// The virtualenv of OpenAI's Python SDK, made the way
/// `tests/conformance/run.sh` makes it when it is missing or holds another version.
fn openai_venv(venv: PathBuf) -> Result<PathBuf, String> {
    let python = venv.join("bin/python");
    let has_sdk = |python: &Path| {
        Command::new(python)
            .args([
                "-c",
                &format!(
                    "import openai, sys; sys.exit(openai.__version__ != '{OPENAI_PYTHON_SDK}')"
                ),
            ])
            .status()
            .is_ok_and(|s| s.success())
    };
    if has_sdk(&python) {
        return Ok(python);
    }
    eprintln!(
        "installing openai=={OPENAI_PYTHON_SDK} into {}",
        venv.display()
    );
    let _ = std::fs::remove_dir_all(&venv);
    let system = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&system)
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .is_ok_and(|s| s.success())
        && Command::new(venv.join("bin/pip"))
            .args(["install", "-q", "--disable-pip-version-check"])
            .arg(format!("openai=={OPENAI_PYTHON_SDK}"))
            .status()
            .is_ok_and(|s| s.success());
    if ok && has_sdk(&python) {
        Ok(python)
    } else {
        Err(format!(
            "could not install openai=={OPENAI_PYTHON_SDK} with {system} -m venv and pip"
        ))
    }
}

/// node, and the official TypeScript SDK installed with npm under `prefix`.
fn node_sdk(prefix: &Path) -> Result<(PathBuf, PathBuf), String> {
    let node = which("node").ok_or("node is not installed")?;
    let modules = prefix.join("node_modules");
    let installed = |modules: &Path| {
        std::fs::read_to_string(modules.join("parallel-web/package.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .is_some_and(|v| v["version"] == TYPESCRIPT_SDK)
    };
    if !installed(&modules) {
        let npm = which("npm").ok_or("npm is not installed")?;
        eprintln!(
            "installing npm parallel-web@{TYPESCRIPT_SDK} into {}",
            prefix.display()
        );
        std::fs::create_dir_all(prefix).map_err(|e| format!("{}: {e}", prefix.display()))?;
        let ok = Command::new(npm)
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(prefix)
            .arg(format!("parallel-web@{TYPESCRIPT_SDK}"))
            .status()
            .is_ok_and(|s| s.success());
        if !ok || !installed(&modules) {
            return Err(format!("npm install parallel-web@{TYPESCRIPT_SDK} failed"));
        }
    }
    // node resolves NODE_PATH entries against its working directory; make it absolute.
    let modules =
        std::fs::canonicalize(&modules).map_err(|e| format!("{}: {e}", modules.display()))?;
    Ok((node, modules))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_that_did_less_work_are_refused() {
        let stream = Kind::Stream { runs: 3 };
        let ok = r#"{"client":"rust","runs":3,"with_output":3,"checksum":42}"#;
        assert_eq!(check_output(Client::Rust, stream, ok, 0), Ok(Some(42)));
        let short = r#"{"client":"rust","runs":2,"with_output":2,"checksum":42}"#;
        assert!(check_output(Client::Python, stream, short, 0).is_err());
        assert_eq!(check_output(Client::Curl, stream, "1234", 1234), Ok(None));
        assert!(check_output(Client::Curl, stream, "1000", 1234).is_err());
        let submit = Kind::Submit {
            inputs: 5,
            per_call: 2,
        };
        assert_eq!(
            check_output(Client::TypeScript, submit, "{\"runs\":5}\n", 0),
            Ok(None)
        );
        assert!(check_output(Client::TypeScript, submit, "", 0).is_err());
        let calls = Kind::Calls {
            api: Api::Search,
            calls: 2,
        };
        let ok = r#"{"client":"python","calls":2,"items":20}"#;
        assert_eq!(check_output(Client::Python, calls, ok, 0), Ok(Some(20)));
        let short = r#"{"client":"python","calls":1,"items":10}"#;
        assert!(check_output(Client::Python, calls, short, 0).is_err());
        let empty = r#"{"client":"python","calls":2,"items":0}"#;
        assert!(check_output(Client::Python, calls, empty, 0).is_err());
    }
}
