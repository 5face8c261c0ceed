//! What the benchmark's binaries share: the company-research types of the
//! seed example and the input generator every client uses (so the Rust,
//! Python and TypeScript loops send and read the same data), the search and
//! extract requests of the call workloads, the runtime
//! choice of the Rust clients, and the measuring of a child process.

pub mod measure;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One company to research (the seed example's input type).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct CompanyInput {
    /// Name of the company
    pub company_name: String,
    /// Company website URL
    pub company_website: String,
}

/// What we want to know about it (the seed example's output type).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct CompanyOutput {
    /// Key business insights
    pub key_insights: Vec<String>,
    /// Market positioning analysis
    pub market_position: String,
}

impl CompanyInput {
    /// The `i`-th benchmark input; every client builds exactly these.
    pub fn numbered(i: usize) -> CompanyInput {
        CompanyInput {
            company_name: format!("Company {i}"),
            company_website: format!("company{i}.example"),
        }
    }
}

/// The `i`-th search of the call workloads: every client sends exactly this
/// objective and these queries (10 results each, the default).
pub fn search_request(i: usize) -> (String, [String; 2]) {
    (
        "Find recent news about grid battery storage".to_owned(),
        [
            "grid battery storage".to_owned(),
            format!("battery projects {i}"),
        ],
    )
}

/// The 10 URLs of the `i`-th extract of the call workloads: pages of the
/// emulator's synthetic web, the same for every client.
pub fn extract_urls(i: usize) -> Vec<String> {
    (0..10)
        .map(|k| format!("https://example.org/reports/battery-storage-{i}-{k}"))
        .collect()
}

/// The tokio runtime a client binary runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Runtime {
    /// `new_current_thread`: everything on the main thread.
    Current,
    /// `new_multi_thread` with one worker per core.
    Multi,
}

impl Runtime {
    /// Builds the runtime.
    pub fn build(self) -> std::io::Result<tokio::runtime::Runtime> {
        match self {
            Runtime::Current => tokio::runtime::Builder::new_current_thread(),
            Runtime::Multi => tokio::runtime::Builder::new_multi_thread(),
        }
        .enable_all()
        .build()
    }
}

/// What every Rust client binary's `main` does: builds the `runtime`, runs
/// `work` on it, and turns an error into a message on stderr, prefixed with
/// the binary's `name`, and a failing exit status.
pub fn run_client<F>(name: &str, runtime: Runtime, work: F) -> std::process::ExitCode
where
    F: std::future::Future<Output = Result<(), Box<dyn std::error::Error>>>,
{
    match runtime.build() {
        Ok(rt) => match rt.block_on(work) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{name}: {e}");
                std::process::ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("{name}: tokio runtime: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
