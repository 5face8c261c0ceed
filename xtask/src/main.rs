//! Project automation for parallel-web-rs.
//!
//! - `cargo xtask regen [--spec PATH] [--out DIR] [--check]` regenerates the
//!   low-level client (and its httpmock layer) from the OpenAPI spec.
//! - `cargo xtask spec-parity REFERENCE` compares our spec with an official one.
//! - `cargo xtask spec-evolution` builds the workspace against our spec with
//!   additive changes applied (new optional fields, enum values, operations).

mod check;
mod contract;
mod evolution;
mod files;
mod format;
mod generate;
mod lint;
mod normalize;
mod outputs;
mod parity;
mod scratch;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Project automation for parallel-web-rs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate openapi/openapi-3.0.json and the generated Rust code.
    Regen {
        /// The OpenAPI 3.1 document to read (default: openapi/openapi.json).
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Write a self-contained scratch crate into DIR instead of updating
        /// the workspace (used to compile the official document as published).
        #[arg(long, value_name = "DIR", conflicts_with = "check")]
        out: Option<PathBuf>,
        /// Regenerate in memory and fail with a diff if a committed file is stale.
        #[arg(long)]
        check: bool,
    },
    /// Compare our spec with an official OpenAPI document on the in-scope
    /// operations; fail on any difference that is not allowed by design.
    SpecParity {
        /// The official document to compare with.
        reference: PathBuf,
        /// Our spec (default: openapi/openapi.json).
        #[arg(long)]
        ours: Option<PathBuf>,
    },
    /// Copy the workspace, add an optional field to every object schema, a
    /// value to every string enum and two new operations to the copy's
    /// spec, regenerate it and type-check the copied workspace.
    SpecEvolution {
        /// Scratch folder for the copy (default: target/spec-evolution).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// The workspace root: the parent of this crate's directory.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Regen { spec, out, check } => {
            let spec = spec.unwrap_or_else(|| workspace_root().join("openapi/openapi.json"));
            outputs::regen(&spec, out.as_deref(), check)
        }
        Command::SpecParity { reference, ours } => {
            let ours = ours.unwrap_or_else(|| workspace_root().join("openapi/openapi.json"));
            parity::spec_parity(&ours, &reference)
        }
        Command::SpecEvolution { dir } => evolution::spec_evolution(dir.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
