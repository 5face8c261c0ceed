//! End-to-end tests of `parallel-web enrich` against the emulator binary:
//! each starts its own emulator process (fresh counters) and runs the CLI
//! binary as a user would, then checks the output table and the emulator's
//! `runs_created` counter (exactly one run per row).

mod support;

use std::path::Path;
use std::process::Command;

use parallel_web_tests::EmulatorProcess;
use serde_json::Value;
use support::{CLI, COMPANIES, cli, run, scratch, spawn_paused_at, stats, write_jsonl};

/// Every output row, in order, has the input's id and a completed run,
/// and no run id appears twice.
fn assert_complete_jsonl(path: &Path, rows: usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), rows);
    let mut ids = std::collections::HashSet::new();
    for (i, row) in lines.iter().enumerate() {
        assert_eq!(row["id"], i, "row {i} out of order");
        assert_eq!(row["_status"], "completed", "row {i}: {row}");
        assert!(row["ceo"].is_string(), "row {i}: {row}");
        assert!(ids.insert(row["_run_id"].as_str().unwrap().to_owned()));
    }
}

#[test]
fn three_companies_are_enriched_in_input_order_with_status_columns() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "7"]);
    let dir = scratch("three");
    let mut c = cli(&emu, &dir);
    c.args(["enrich", COMPANIES, "-o", "out.csv", "--processor", "lite"])
        .args([
            "--column",
            "ceo: CEO name",
            "--column",
            "founded:integer: Year founded",
        ]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(0));
    let table = std::fs::read_to_string(dir.join("out.csv")).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0],
        "company_name,company_website,ceo,founded,_run_id,_status,_error"
    );
    for (line, name) in lines[1..].iter().zip(["Stripe", "Shopify", "Salesforce"]) {
        assert!(line.starts_with(name), "{line}");
        assert!(line.ends_with(",completed,"), "{line}");
    }
    assert_eq!(lines.len(), 4);
    assert_eq!(stats(&emu)["runs_created"], 3);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("submitted 3/3"), "{stderr}");
}

#[test]
fn ten_thousand_rows_under_faults_are_each_created_once_and_written_in_order() {
    let emu = EmulatorProcess::spawn(&[
        "--time-scale",
        "0",
        "--seed",
        "11",
        "--fault",
        "drop-stream:between=300-3000",
        "--fault",
        "status:code=429,rate=0.05,retry-after-ms=5",
        "--fault",
        "status:code=503,rate=0.03,retry-after-ms=5",
        "--fault",
        "ambiguous-add-runs:times=3",
    ]);
    let dir = scratch("ten-thousand");
    write_jsonl(&dir.join("in.jsonl"), 10_000);
    let mut c = cli(&emu, &dir);
    c.args([
        "enrich",
        "in.jsonl",
        "-o",
        "out.jsonl",
        "--processor",
        "lite",
    ])
    .args(["--column", "ceo: CEO name", "--input-columns", "name"]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(0));
    assert_complete_jsonl(&dir.join("out.jsonl"), 10_000);
    let s = stats(&emu);
    assert_eq!(s["runs_created"], 10_000, "{s}");
}

/// Runs the CLI until it reaches `pause` (see the test hook), kills it
/// with SIGKILL there, then reruns the same command to the end.
fn kill_at_then_rerun(pause: &str, rows: usize) {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "5"]);
    let dir = scratch(&format!("kill-{}", pause.replace(':', "-")));
    write_jsonl(&dir.join("in.jsonl"), rows);
    let args = [
        "enrich",
        "in.jsonl",
        "-o",
        "out.jsonl",
        "--processor",
        "lite",
        "--column",
        "ceo: CEO name",
    ];

    let mut first = cli(&emu, &dir);
    first.args(args);
    let mut child = spawn_paused_at(first, pause);
    child.kill().unwrap(); // SIGKILL: no cleanup of any kind
    child.wait().unwrap();
    assert!(!dir.join("out.jsonl").exists());

    let mut second = cli(&emu, &dir);
    second.args(args);
    let out = run(second);
    assert_eq!(out.status.code(), Some(0));
    assert_complete_jsonl(&dir.join("out.jsonl"), rows);
    let s = stats(&emu);
    assert_eq!(s["runs_created"], rows, "{s}");
    assert_eq!(s["groups"], 1, "{s}");
}

#[test]
fn killed_after_journaling_tags_but_before_the_post_resumes_exactly_once() {
    kill_at_then_rerun("tagged:2", 5_000);
}

#[test]
fn killed_after_the_post_but_before_journaling_run_ids_resumes_exactly_once() {
    kill_at_then_rerun("posted:1", 5_000);
}

#[test]
fn killed_while_reading_results_resumes_from_the_saved_cursor() {
    kill_at_then_rerun("results:2", 5_000);
}

#[test]
fn failed_rows_are_kept_with_their_error_and_the_exit_status_is_2() {
    let emu =
        EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "3", "--failure-rate", "0.3"]);
    let dir = scratch("failures");
    write_jsonl(&dir.join("in.jsonl"), 50);
    let mut c = cli(&emu, &dir);
    c.args([
        "enrich",
        "in.jsonl",
        "-o",
        "out.json",
        "--processor",
        "lite",
        "--column",
        "ceo",
    ]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(2));
    let rows: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out.json")).unwrap()).unwrap();
    assert_eq!(rows.len(), 50);
    let failed: Vec<&Value> = rows.iter().filter(|r| r["_status"] == "failed").collect();
    assert!(!failed.is_empty());
    assert!(
        failed
            .iter()
            .all(|r| r["_error"].is_string() && r["_run_id"].is_string())
    );
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["id"], i);
    }
}

#[test]
fn a_malformed_csv_row_is_reported_by_line_and_nothing_is_sent() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("malformed");
    std::fs::write(dir.join("in.csv"), "name,site\nA,a.com\nB\nC,c.com\n").unwrap();
    let mut c = cli(&emu, &dir);
    c.args(["enrich", "in.csv", "-o", "out.csv", "--column", "ceo"]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 3"), "{stderr}");
    assert_eq!(stats(&emu)["runs_created"], 0);
    assert_eq!(stats(&emu)["groups"], 0);
}

#[test]
fn rows_over_the_size_limit_and_missing_columns_are_refused_before_any_post() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("limits");
    let long = "x".repeat(26_000);
    std::fs::write(
        dir.join("in.jsonl"),
        format!("{{\"name\":\"a\"}}\n{{\"name\":\"{long}\"}}\n"),
    )
    .unwrap();
    let mut c = cli(&emu, &dir);
    c.args(["enrich", "in.jsonl", "-o", "out.csv", "--column", "ceo"]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2: the input is"));

    let mut c = cli(&emu, &dir);
    c.args([
        "enrich",
        COMPANIES,
        "-o",
        "o.csv",
        "--column",
        "ceo",
        "--input-columns",
        "ticker",
    ]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no input column \"ticker\""));
    assert_eq!(stats(&emu)["runs_created"], 0);
}

#[test]
fn a_journal_from_another_command_is_refused_with_the_difference() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("other-command");
    let mut c = cli(&emu, &dir);
    c.args([
        "enrich",
        COMPANIES,
        "-o",
        "out.csv",
        "--column",
        "ceo",
        "--processor",
        "lite",
    ]);
    assert_eq!(run(c).status.code(), Some(0));
    let mut c = cli(&emu, &dir);
    c.args([
        "enrich",
        COMPANIES,
        "-o",
        "out.csv",
        "--column",
        "ceo",
        "--processor",
        "base",
    ]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(r#"processor: journal has "lite", this command has "base""#),
        "{stderr}"
    );
    assert_eq!(stats(&emu)["runs_created"], 3);
}

#[test]
fn without_a_key_or_base_url_it_says_how_to_set_one_or_start_the_emulator() {
    let out = Command::new(CLI)
        .args(["enrich", COMPANIES, "-o", "out.csv", "--column", "ceo"])
        .env_remove("PARALLEL_API_KEY")
        .env_remove("PARALLEL_BASE_URL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("PARALLEL_API_KEY") && stderr.contains("parallel-web-emulator"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn dry_run_prints_the_spec_and_first_post_body_and_sends_nothing() {
    let out = Command::new(CLI)
        .args([
            "enrich",
            COMPANIES,
            "-o",
            "-",
            "--column",
            "ceo: CEO name",
            "--dry-run",
        ])
        .env_remove("PARALLEL_API_KEY")
        .env_remove("PARALLEL_BASE_URL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("\"ceo\"") && stdout.contains("\"Salesforce\""),
        "{stdout}"
    );
    let tag = format!("{}.2", parallel_web::AddRuns::PREVIEW_BATCH_ID);
    assert!(stdout.contains(&tag), "{stdout}");
}

#[test]
fn groups_runs_lists_the_group_as_jsonl() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("groups");
    let mut c = cli(&emu, &dir);
    c.args([
        "enrich", COMPANIES, "-o", "out.csv", "--column", "ceo", "-q",
    ]);
    assert_eq!(run(c).status.code(), Some(0));
    let mut c = cli(&emu, &dir);
    c.args(["groups", "create"]);
    let created: Value = serde_json::from_slice(&run(c).stdout).unwrap();
    assert!(created["taskgroup_id"].is_string());
    let out = run({
        let mut c = cli(&emu, &dir);
        c.args(["runs", "result", "trun_missing"]);
        c
    });
    assert_eq!(out.status.code(), Some(1));
}
