//! End-to-end tests of the small subcommands against the emulator binary:
//! `groups create|status|wait|runs`, `runs result` and `completions`, run
//! as a user would (output on stdout, errors on stderr, exit status), with
//! what they print checked against what the emulator holds (its ledger
//! and counters). Also what every command does with a wrong command line
//! and with a standard output closed early.

mod support;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Output, Stdio};

use parallel_web_tests::EmulatorProcess;
use serde_json::Value;
use support::{
    COMPANIES, api_operations, block_on, cli, group_of, ledger, pw, read_csv, run, scratch, stats,
    stderr_of,
};

/// Stdout as one JSON document, after checking the exit status was 0.
fn json_of(out: &Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(out));
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

/// Stdout as JSON lines, after checking the exit status was 0.
fn jsonl_of(out: &Output) -> Vec<Value> {
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(out));
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each stdout line is JSON"))
        .collect()
}

/// The exit statuses of the README's table that these tests expect.
const USAGE: i32 = 64;
const API: i32 = 4;
const TIMEOUT: i32 = 5;

/// Exit status `code`, one line on stderr containing every one of `words`,
/// and nothing on stdout.
fn assert_fails_saying(out: &Output, code: i32, words: &[&str]) {
    let stderr = stderr_of(out);
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    for w in words {
        assert!(stderr.contains(w), "{w:?} not in {stderr}");
    }
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

/// Enriches the three companies at time scale 0 with a share of runs
/// failing (`--failure-rate`); returns the group id and the output rows.
fn enriched_group(emu: &EmulatorProcess, dir: &Path) -> (String, Vec<Value>) {
    let mut c = cli(emu, dir);
    c.args(["enrich", COMPANIES, "-o", "out.csv", "--processor", "lite"])
        .args(["--column", "ceo: CEO name"]);
    let out = run(c);
    assert!(
        matches!(out.status.code(), Some(0 | 2)),
        "{}",
        stderr_of(&out)
    );
    (group_of(&out.stderr), read_csv(&dir.join("out.csv")))
}

// ---- groups create ----

#[test]
fn groups_create_prints_the_new_group_with_its_metadata() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("cmd-create");
    let out = pw(
        &emu,
        &dir,
        &[
            "groups",
            "create",
            "--metadata",
            "team=data",
            "--metadata",
            "job=7",
        ],
    );
    let group = json_of(&out);
    let id = group["taskgroup_id"].as_str().expect("an id");
    assert!(id.starts_with("tgrp_"), "{group}");
    assert_eq!(group["metadata"]["team"], "data", "{group}");
    assert_eq!(group["metadata"]["job"], "7", "{group}");
    assert_eq!(group["status"]["num_task_runs"], 0, "{group}");
    assert_eq!(stats(&emu)["groups"], 1);
    assert!(
        ledger(&emu, id).is_empty(),
        "the emulator knows {id}, without runs"
    );
}

#[test]
fn groups_create_with_metadata_not_written_key_equals_value_is_a_usage_error_and_creates_nothing() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("cmd-create-bad");
    let out = pw(&emu, &dir, &["groups", "create", "--metadata", "team"]);
    assert_fails_saying(&out, USAGE, &["--metadata \"team\"", "key=value"]);
    assert_eq!(stats(&emu)["groups"], 0);
}

// ---- groups status ----

#[test]
fn groups_status_prints_the_groups_counts_as_the_emulator_holds_them() {
    let emu =
        EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "4", "--failure-rate", "0.5"]);
    let dir = scratch("cmd-status");
    let (group, rows) = enriched_group(&emu, &dir);
    let status = json_of(&pw(&emu, &dir, &["groups", "status", &group]));
    assert_eq!(status["taskgroup_id"], group.as_str(), "{status}");
    assert_eq!(status["status"]["is_active"], false, "{status}");
    assert_eq!(status["status"]["num_task_runs"], 3, "{status}");
    // The counts per status are the ledger's, and the table's.
    let mut want: HashMap<String, u64> = HashMap::new();
    for e in ledger(&emu, &group) {
        *want.entry(e.status).or_default() += 1;
    }
    let got: HashMap<String, u64> = status["status"]["task_run_status_counts"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .filter(|(_, n)| *n > 0)
        .collect();
    assert_eq!(got, want, "{status}");
    let mut in_table: HashMap<String, u64> = HashMap::new();
    for r in &rows {
        *in_table
            .entry(r["_status"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(got, in_table);
}

#[test]
fn groups_status_of_an_unknown_group_is_an_api_failure_saying_it_was_not_found() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("cmd-status-unknown");
    let out = pw(&emu, &dir, &["groups", "status", "tgrp_nosuchgroup"]);
    assert_fails_saying(&out, API, &["404", "not found"]);
}

// ---- groups wait ----

#[test]
fn groups_wait_returns_once_every_run_finished_and_prints_the_final_status() {
    // Runs take 1 to 6 s here (`lite` at time scale 0.1): the group is
    // still active when the command starts waiting.
    let emu = EmulatorProcess::spawn(&["--time-scale", "0.1", "--seed", "8"]);
    let dir = scratch("cmd-wait");
    let created = json_of(&pw(&emu, &dir, &["groups", "create"]));
    let id = created["taskgroup_id"].as_str().unwrap().to_owned();
    block_on(async {
        let client = parallel_web::Client::builder()
            .api_key(parallel_web_tests::TEST_API_KEY)
            .base_url(emu.base_url())
            .build()
            .unwrap();
        let added = client
            .task_groups()
            .handle(&id)
            .add_runs((0..5).map(|i| format!("question {i}")))
            .processor("lite")
            .send()
            .await
            .unwrap();
        assert_eq!(added.run_ids.len(), 5);
    });
    let out = pw(&emu, &dir, &["groups", "wait", &id]);
    let status = json_of(&out);
    assert_eq!(status["is_active"], false, "{status}");
    assert_eq!(status["num_task_runs"], 5, "{status}");
    assert_eq!(status["task_run_status_counts"]["completed"], 5, "{status}");
    // Progress went to stderr, not into the JSON on stdout, starting while
    // runs were unfinished: the command did wait.
    let stderr = stderr_of(&out);
    let first = stderr
        .lines()
        .find(|l| l.contains("runs done"))
        .unwrap_or("");
    assert!(
        first.starts_with("0/5 runs done") && !first.contains("inactive"),
        "the group had finished before the wait began (a precondition): {stderr}"
    );
    // What it printed is what the emulator holds now.
    let ledger = ledger(&emu, &id);
    assert_eq!(ledger.len(), 5);
    assert!(ledger.iter().all(|e| e.status == "completed"), "{ledger:?}");
}

#[test]
fn groups_wait_that_runs_out_of_max_wait_is_a_timeout_saying_so() {
    // Runs take 10 to 60 s at time scale 1: far longer than --max-wait 1.
    let emu = EmulatorProcess::spawn(&["--time-scale", "1"]);
    let dir = scratch("cmd-wait-max");
    let created = json_of(&pw(&emu, &dir, &["groups", "create"]));
    let id = created["taskgroup_id"].as_str().unwrap().to_owned();
    block_on(async {
        let client = parallel_web::Client::builder()
            .api_key(parallel_web_tests::TEST_API_KEY)
            .base_url(emu.base_url())
            .build()
            .unwrap();
        client
            .task_groups()
            .handle(&id)
            .add_runs(["slow question"])
            .processor("lite")
            .send()
            .await
            .unwrap();
    });
    let out = pw(&emu, &dir, &["groups", "wait", &id, "--max-wait", "1"]);
    assert_eq!(out.status.code(), Some(TIMEOUT), "{}", stderr_of(&out));
    assert!(out.stdout.is_empty());
    let last = stderr_of(&out)
        .trim_end()
        .lines()
        .last()
        .unwrap_or("")
        .to_owned();
    assert!(
        last.starts_with("error: gave up waiting for task group") && last.contains(&id),
        "{last}"
    );
}

#[test]
fn groups_wait_on_an_unknown_group_is_an_api_failure_saying_it_was_not_found() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("cmd-wait-unknown");
    let out = pw(&emu, &dir, &["groups", "wait", "tgrp_nosuchgroup"]);
    assert_fails_saying(&out, API, &["404", "not found"]);
}

// ---- groups runs ----

#[test]
fn groups_runs_lists_the_group_as_jsonl() {
    let emu =
        EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "4", "--failure-rate", "0.5"]);
    let dir = scratch("cmd-runs");
    let (group, rows) = enriched_group(&emu, &dir);
    let ledger = ledger(&emu, &group);
    let statuses: HashSet<&str> = ledger.iter().map(|e| e.status.as_str()).collect();
    assert_eq!(
        statuses,
        HashSet::from(["completed", "failed"]),
        "this seed gives both (a precondition of the --status checks)"
    );

    // Plain: one line per run, in the group's order, without input or output.
    let lines = jsonl_of(&pw(&emu, &dir, &["groups", "runs", &group]));
    let ids: Vec<&str> = lines
        .iter()
        .map(|l| l["run"]["run_id"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = ledger.iter().map(|e| e.run_id.as_str()).collect();
    assert_eq!(ids, want);
    let distinct: HashSet<&str> = lines
        .iter()
        .map(|l| l["event_id"].as_str().expect("each line has its cursor"))
        .collect();
    assert_eq!(distinct.len(), lines.len());
    for (line, entry) in lines.iter().zip(&ledger) {
        assert_eq!(line["run"]["status"], entry.status.as_str(), "{line}");
        assert!(
            line["input"].is_null() && line["output"].is_null(),
            "{line}"
        );
    }

    // --include-input: each run's input, exactly as sent.
    let lines = jsonl_of(&pw(
        &emu,
        &dir,
        &["groups", "runs", &group, "--include-input"],
    ));
    assert_eq!(lines.len(), ledger.len());
    for (line, entry) in lines.iter().zip(&ledger) {
        assert_eq!(line["input"]["input"], entry.run_input["input"], "{line}");
    }

    // --include-output: each completed run's output is what the table got.
    let lines = jsonl_of(&pw(
        &emu,
        &dir,
        &["groups", "runs", &group, "--include-output"],
    ));
    assert_eq!(lines.len(), ledger.len());
    let ceo_of: HashMap<&str, &Value> = rows
        .iter()
        .map(|r| (r["_run_id"].as_str().unwrap(), &r["ceo"]))
        .collect();
    for line in &lines {
        let id = line["run"]["run_id"].as_str().unwrap();
        if line["run"]["status"] == "completed" {
            assert_eq!(&line["output"]["content"]["ceo"], ceo_of[id], "{line}");
        } else {
            assert!(line["output"].is_null(), "{line}");
        }
    }

    // --status: only the runs with that status.
    for status in ["completed", "failed"] {
        let lines = jsonl_of(&pw(
            &emu,
            &dir,
            &["groups", "runs", &group, "--status", status],
        ));
        let ids: Vec<&str> = lines
            .iter()
            .map(|l| l["run"]["run_id"].as_str().unwrap())
            .collect();
        let want: Vec<&str> = ledger
            .iter()
            .filter(|e| e.status == status)
            .map(|e| e.run_id.as_str())
            .collect();
        assert_eq!(ids, want, "--status {status}");
    }
}

#[test]
fn groups_runs_with_an_unknown_status_is_a_usage_error_listing_the_statuses_and_sends_nothing() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("cmd-runs-bad-status");
    let created = json_of(&pw(&emu, &dir, &["groups", "create"]));
    let id = created["taskgroup_id"].as_str().unwrap();
    let out = pw(&emu, &dir, &["groups", "runs", id, "--status", "done"]);
    assert_fails_saying(&out, USAGE, &["--status \"done\"", "completed", "failed"]);
    assert_eq!(
        api_operations(&emu),
        ["task_group_create"],
        "the bad status was sent"
    );
}

#[test]
fn groups_runs_of_an_unknown_group_is_an_api_failure_saying_it_was_not_found() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("cmd-runs-unknown");
    let out = pw(&emu, &dir, &["groups", "runs", "tgrp_nosuchgroup"]);
    assert_fails_saying(&out, API, &["404", "not found"]);
}

// ---- runs result ----

#[test]
fn runs_result_prints_the_runs_own_output() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "6"]);
    let dir = scratch("cmd-result");
    let (_, rows) = enriched_group(&emu, &dir);
    for row in &rows {
        let id = row["_run_id"].as_str().unwrap();
        let result = json_of(&pw(&emu, &dir, &["runs", "result", id]));
        assert_eq!(result["run"]["run_id"], id, "{result}");
        assert_eq!(result["run"]["status"], "completed", "{result}");
        assert_eq!(result["output"]["content"]["ceo"], row["ceo"], "{result}");
    }
}

#[test]
fn runs_result_of_an_unknown_run_is_an_api_failure_saying_it_was_not_found() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("cmd-result-unknown");
    let out = pw(&emu, &dir, &["runs", "result", "trun_nosuchrun"]);
    assert_fails_saying(&out, API, &["404", "not found"]);
}

// ---- completions, the command line, stdout ----

#[test]
fn completions_print_a_script_naming_every_subcommand() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("cmd-completions");
    let out = pw(&emu, &dir, &["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    let script = String::from_utf8(out.stdout).unwrap();
    for word in [
        "parallel-web",
        "enrich",
        "groups",
        "runs",
        "--include-output",
        "findall",
        "--match-limit",
        "monitor",
        "--include-completions",
    ] {
        assert!(script.contains(word), "{word} not in the script");
    }
    assert!(
        api_operations(&emu).is_empty(),
        "{:?}",
        api_operations(&emu)
    );
}

#[test]
fn a_wrong_command_line_exits_64_not_2_which_means_some_rows_failed() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("cmd-usage");
    for args in [
        &["groups"][..],
        &["groups", "status"],
        &["groups", "wait", "tgrp_x", "--max-wait", "soon"],
        &["enrich", "--no-such-flag"],
        &["runs", "result"],
    ] {
        let out = pw(&emu, &dir, args);
        let stderr = stderr_of(&out);
        assert_eq!(out.status.code(), Some(USAGE), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(stderr.contains("--help"), "{args:?}: {stderr}");
    }
    // Help is not an error.
    let out = pw(&emu, &dir, &["groups", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("wait"));
    assert!(
        api_operations(&emu).is_empty(),
        "{:?}",
        api_operations(&emu)
    );
}

#[test]
fn a_standard_output_closed_early_is_an_error_message_not_a_panic() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "6"]);
    let dir = scratch("cmd-closed-stdout");
    let (group, rows) = enriched_group(&emu, &dir);
    let run_id = rows[0]["_run_id"].as_str().unwrap().to_owned();
    for args in [
        vec!["groups", "status", group.as_str()],
        vec!["groups", "wait", group.as_str()],
        vec!["groups", "runs", group.as_str()],
        vec!["groups", "create"],
        vec!["runs", "result", run_id.as_str()],
        vec!["completions", "bash"],
        vec![
            "enrich",
            COMPANIES,
            "-o",
            "-",
            "--column",
            "ceo",
            "--dry-run",
        ],
    ] {
        let mut c = cli(&emu, &dir);
        c.args(&args).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        // The reading end closes before the command writes anything.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = stderr_of(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        // (`groups wait` says its progress first.)
        let last = stderr.trim_end().lines().last().unwrap_or("");
        assert!(
            last.starts_with("error: cannot write to standard output"),
            "{args:?}: {stderr}"
        );
    }
}
