//! `enrich --no-wait` (submit, journal, exit with the group id), the later
//! `enrich` that collects, and `enrich status` for a journal or a group,
//! against the emulator binary, checked against its ledger.

mod support;

use std::path::Path;

use parallel_web_tests::EmulatorProcess;
use serde_json::Value;
use support::{
    COMPANIES, api_operations, assert_rows_got_their_own_results, cli, ledger, pw, read_csv, run,
    scratch, stats, stderr_of, stdout_of,
};

const ENRICH: [&str; 8] = [
    "enrich",
    "companies.csv",
    "-o",
    "out.csv",
    "--processor",
    "lite",
    "--column",
    "ceo: CEO name",
];

fn status_json(emu: &EmulatorProcess, dir: &Path, target: &str) -> Value {
    let out = pw(emu, dir, &["enrich", "status", target, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    serde_json::from_str(&stdout_of(&out)).expect("status --json prints JSON")
}

#[test]
fn no_wait_submits_every_row_once_and_the_same_command_later_collects_them() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "51"]);
    let dir = scratch("no-wait");
    std::fs::copy(COMPANIES, dir.join("companies.csv")).unwrap();

    let mut args = ENRICH.to_vec();
    args.push("--no-wait");
    let submitted = pw(&emu, &dir, &args);
    assert_eq!(
        submitted.status.code(),
        Some(0),
        "{}",
        stderr_of(&submitted)
    );
    let group = stdout_of(&submitted).trim().to_owned();
    assert!(group.starts_with("tgrp_"), "{group}");
    assert!(!dir.join("out.csv").exists(), "--no-wait writes no output");
    let runs = ledger(&emu, &group);
    assert_eq!(runs.len(), 3);

    // The journal knows what was sent and that nothing was collected.
    let status = status_json(&emu, &dir, "out.csv");
    assert_eq!(status["journal"]["group_id"], Value::from(group.as_str()));
    assert_eq!(
        (
            status["journal"]["rows"].as_u64(),
            status["journal"]["submitted"].as_u64(),
            status["journal"]["results"].as_u64(),
        ),
        (Some(3), Some(3), Some(0)),
        "{status}"
    );
    assert_eq!(status["group"]["status"]["num_task_runs"], 3);

    let collected = pw(&emu, &dir, &ENRICH);
    assert_eq!(
        collected.status.code(),
        Some(0),
        "{}",
        stderr_of(&collected)
    );
    let rows = read_csv(&dir.join("out.csv"));
    assert_eq!(rows.len(), 3);
    assert_rows_got_their_own_results(&emu, &rows, &["ceo"], None);
    // Collecting created nothing.
    assert_eq!(stats(&emu)["runs_created"].as_u64(), Some(3));
    let status = status_json(&emu, &dir, "out.csv.journal");
    assert_eq!(status["journal"]["completed"].as_u64(), Some(3), "{status}");
    assert_eq!(status["journal"]["waiting"].as_u64(), Some(0), "{status}");
}

#[test]
fn no_wait_then_a_different_command_on_the_journal_is_refused_and_creates_nothing() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "52"]);
    let dir = scratch("no-wait-other");
    std::fs::copy(COMPANIES, dir.join("companies.csv")).unwrap();
    let mut args = ENRICH.to_vec();
    args.push("--no-wait");
    assert_eq!(pw(&emu, &dir, &args).status.code(), Some(0));
    let mut other = ENRICH.to_vec();
    other[5] = "base";
    let out = pw(&emu, &dir, &other);
    assert_eq!(out.status.code(), Some(64), "{}", stderr_of(&out));
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("belongs to a different command"),
        "{stderr}"
    );
    assert!(
        stderr.contains("\"lite\"") && stderr.contains("\"base\""),
        "{stderr}"
    );
    assert_eq!(stats(&emu)["runs_created"].as_u64(), Some(3));
    assert!(!dir.join("out.csv").exists());
}

#[test]
fn status_reads_a_group_id_or_a_journal_without_a_key_and_refuses_other_files() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "53"]);
    let dir = scratch("enrich-status");
    std::fs::copy(COMPANIES, dir.join("companies.csv")).unwrap();
    let done = pw(&emu, &dir, &ENRICH);
    assert_eq!(done.status.code(), Some(0), "{}", stderr_of(&done));
    let group = support::group_of(&done.stderr);

    let by_group = pw(&emu, &dir, &["enrich", "status", &group]);
    assert_eq!(by_group.status.code(), Some(0), "{}", stderr_of(&by_group));
    assert_eq!(
        stdout_of(&by_group).trim(),
        format!("group {group}: done, 3 runs (completed 3)")
    );

    // Without a key: the journal's own view, and no request.
    let before = api_operations(&emu);
    let mut c = cli(&emu, &dir);
    c.env_remove("PARALLEL_API_KEY")
        .args(["enrich", "status", "out.csv"]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(
        stdout_of(&out),
        format!(
            "journal: out.csv.journal\ngroup: {group}\nrows: 3, submitted: 3, results: 3 (completed 3, failed 0), waiting for 0\n"
        )
    );
    assert_eq!(api_operations(&emu), before);

    let journal_bytes = std::fs::read(dir.join("out.csv.journal")).unwrap();
    for (target, words) in [
        ("missing.csv", "no such journal"),
        ("companies.csv", "not a journal"),
    ] {
        let out = pw(&emu, &dir, &["enrich", "status", target]);
        assert_eq!(out.status.code(), Some(64), "{}", stderr_of(&out));
        assert!(stderr_of(&out).contains(words), "{}", stderr_of(&out));
    }
    // Reading a journal never changes it.
    assert_eq!(
        std::fs::read(dir.join("out.csv.journal")).unwrap(),
        journal_bytes
    );
    let out = pw(&emu, &dir, &["enrich", "status", "tgrp_0000000000000000"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr_of(&out));
}
