//! End-to-end tests of `parallel-web enrich` used the way the lab never
//! did (issue 14): two processes on one journal, an input edited between
//! runs, input columns named like output columns, an output naming the
//! input, leftovers of killed runs, an empty base URL. Each runs the CLI
//! binary against its own emulator process and checks the emulator's
//! counters and ledger: what was sent, and how many times.

mod support;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};

use parallel_web_tests::{EmulatorProcess, TEST_API_KEY};
use serde_json::Value;
use support::{
    CLI, api_operations, assert_rows_got_their_own_results, cli, read_jsonl, run, scratch,
    spawn_paused_at, stats, stderr_of, write_jsonl,
};

const ENRICH: [&str; 7] = [
    "enrich",
    "in.jsonl",
    "-o",
    "out.jsonl",
    "--processor",
    "lite",
    "--column=ceo: CEO name",
];

/// Rows of the tests that scale: `PW_CLI_ROWS`, 3,000 by default (CI);
/// `tests/reliability/run.sh` runs them larger.
fn scaled_rows() -> usize {
    std::env::var("PW_CLI_ROWS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3_000)
}

fn emulator() -> EmulatorProcess {
    EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "9"])
}

/// Every output row completed, under a run of its own that was sent
/// exactly the row's content (minus the added columns) and gave the row's
/// `ceo` (the shared check of `support`).
fn assert_each_row_has_its_own_run(emu: &EmulatorProcess, rows: &[Value]) {
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["_status"], "completed", "row {i}: {row}");
    }
    assert_rows_got_their_own_results(emu, rows, &["ceo"], None);
}

// ---- 1. One process per journal ----

#[test]
fn a_second_process_on_the_same_journal_exits_1_naming_the_journal_and_the_holder() {
    let emu = emulator();
    let dir = scratch("lock-second");
    write_jsonl(&dir.join("in.jsonl"), 50);
    let mut first = cli(&emu, &dir);
    first.args(ENRICH);
    // The first process stops for good with the rows tagged, before its POST.
    let mut holder = spawn_paused_at(first, "tagged:1");

    let mut second = cli(&emu, &dir);
    second.args(ENRICH);
    let out = run(second);
    assert_eq!(out.status.code(), Some(1));
    let stderr = stderr_of(&out);
    assert!(stderr.contains("out.jsonl.journal"), "{stderr}");
    assert!(stderr.contains(&format!("PID {}", holder.id())), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let s = stats(&emu);
    assert_eq!(
        (s["groups"].as_u64(), s["runs_created"].as_u64()),
        (Some(1), Some(0)),
        "{s}"
    );

    holder.kill().unwrap();
    holder.wait().unwrap();
    let mut rerun = cli(&emu, &dir);
    rerun.args(ENRICH);
    let out = run(rerun);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stats(&emu)["runs_created"], 50);
    let rows = read_jsonl(&dir.join("out.jsonl"));
    assert_eq!(rows.len(), 50);
    assert_each_row_has_its_own_run(&emu, &rows);
}

#[test]
fn processes_started_together_never_fail_with_sqlite_errors_or_duplicate_runs() {
    let emu = emulator();
    let dir = scratch("lock-together");
    let rows = scaled_rows() / 10;
    write_jsonl(&dir.join("in.jsonl"), rows);
    for round in 0..3 {
        let children: Vec<_> = (0..4)
            .map(|_| {
                let mut c = cli(&emu, &dir);
                c.args(ENRICH).args(["--journal", &format!("j{round}")]);
                c.stdout(Stdio::null()).stderr(Stdio::piped());
                c.spawn().unwrap()
            })
            .collect();
        let mut completed = 0;
        for child in children {
            let out = child.wait_with_output().unwrap();
            let stderr = stderr_of(&out);
            eprintln!("round {round}: {:?}\n{stderr}", out.status.code());
            match out.status.code() {
                Some(0) => completed += 1,
                Some(1) => assert!(
                    stderr.contains("is in use by another parallel-web process"),
                    "{stderr}"
                ),
                other => panic!("exit {other:?}: {stderr}"),
            }
        }
        assert!(completed >= 1);
        let s = stats(&emu);
        assert_eq!(s["groups"], round + 1, "{s}");
        assert_eq!(s["runs_created"], rows * (round + 1), "{s}");
        let table = read_jsonl(&dir.join("out.jsonl"));
        assert_eq!(table.len(), rows);
        assert_each_row_has_its_own_run(&emu, &table);
    }
}

// ---- 2. The journal knows rows by content ----

fn write_names(path: &Path, names: &[&str]) {
    let text: String = names
        .iter()
        .map(|n| format!("{{\"name\":\"{n}\"}}\n"))
        .collect();
    std::fs::write(path, text).unwrap();
}

fn names_and_runs(rows: &[Value]) -> Vec<(String, String)> {
    rows.iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_owned(),
                r["_run_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_rerun_on_an_edited_input_reuses_unchanged_rows_and_sends_only_new_or_changed_ones() {
    let emu = emulator();
    let dir = scratch("edited");
    write_names(&dir.join("in.jsonl"), &["A", "B", "C", "D", "E"]);
    let mut c = cli(&emu, &dir);
    c.args(ENRICH);
    assert_eq!(run(c).status.code(), Some(0));
    let before: HashMap<String, String> = names_and_runs(&read_jsonl(&dir.join("out.jsonl")))
        .into_iter()
        .collect();

    // Reordered, D deleted, C changed, F appended, A twice.
    write_names(&dir.join("in.jsonl"), &["E", "C2", "A", "F", "A", "B"]);
    let mut c = cli(&emu, &dir);
    c.args(ENRICH);
    let out = run(c);
    assert_eq!(out.status.code(), Some(0));
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("6 rows: 3 reused, 3 new; 2 journaled rows are not in this input"),
        "{stderr}"
    );
    assert_eq!(stats(&emu)["runs_created"], 5 + 3);
    let rows = read_jsonl(&dir.join("out.jsonl"));
    let after = names_and_runs(&rows);
    let names: Vec<&str> = after.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["E", "C2", "A", "F", "A", "B"]);
    // The first A, E and B keep their runs; the second A is a new run.
    for i in [0, 2, 5] {
        assert_eq!(after[i].1, before[&after[i].0], "row {i}");
    }
    assert_ne!(after[4].1, before["A"]);
    assert_each_row_has_its_own_run(&emu, &rows);

    // The same input again sends nothing.
    let mut c = cli(&emu, &dir);
    c.args(ENRICH);
    let out = run(c);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr_of(&out).contains("6 rows: 6 reused, 0 new"));
    assert_eq!(stats(&emu)["runs_created"], 8);
}

#[test]
fn stdin_run_twice_with_different_data_sends_and_prints_the_second() {
    let emu = emulator();
    let dir = scratch("stdin-twice");
    let enrich = |input: &str| {
        let mut c = cli(&emu, &dir);
        c.args(["enrich", "-", "-o", "-", "--journal", "stdin.journal"])
            .args(["--processor", "lite", "--column", "ceo"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        eprintln!("{}", stderr_of(&out));
        assert_eq!(out.status.code(), Some(0));
        let rows: Vec<Value> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_each_row_has_its_own_run(&emu, &rows);
        rows.iter().map(|r| r["name"].clone()).collect::<Vec<_>>()
    };
    assert_eq!(enrich("{\"name\":\"A\"}\n{\"name\":\"B\"}\n"), ["A", "B"]);
    assert_eq!(enrich("{\"name\":\"C\"}\n{\"name\":\"D\"}\n"), ["C", "D"]);
    assert_eq!(stats(&emu)["runs_created"], 4);
}

#[test]
fn killed_after_the_post_then_rerun_on_a_reversed_input_creates_each_row_once() {
    let emu = emulator();
    let dir = scratch("kill-then-reverse");
    let n = scaled_rows();
    write_jsonl(&dir.join("in.jsonl"), n);
    let mut first = cli(&emu, &dir);
    first.args(ENRICH);
    // After the first call's POSTs were answered (up to 16,000 rows: the
    // CLI's ROWS_PER_CALL), before
    // their run ids were journaled.
    let mut child = spawn_paused_at(first, "posted:1");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(stats(&emu)["runs_created"], n.min(16_000));

    let text = std::fs::read_to_string(dir.join("in.jsonl")).unwrap();
    let reversed: Vec<&str> = text.lines().rev().collect();
    std::fs::write(dir.join("in.jsonl"), reversed.join("\n") + "\n").unwrap();
    let mut c = cli(&emu, &dir);
    c.args(ENRICH);
    let out = run(c);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stats(&emu)["runs_created"], n);
    let rows = read_jsonl(&dir.join("out.jsonl"));
    let ids: Vec<usize> = rows
        .iter()
        .map(|r| r["id"].as_u64().unwrap() as usize)
        .collect();
    assert_eq!(ids, (0..n).rev().collect::<Vec<_>>());
    assert_each_row_has_its_own_run(&emu, &rows);
}

/// Waits (in real time: the emulator is another process) until `done`
/// holds for its counters, for at most 30 s.
fn wait_for_stats(emu: &EmulatorProcess, done: impl Fn(&Value) -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !done(&stats(emu)) {
        assert!(
            std::time::Instant::now() < deadline,
            "the emulator never got there: {}",
            stats(emu)
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn killed_while_the_server_holds_a_post_then_rerun_waits_for_the_late_commit_instead_of_sending_twice()
 {
    // The server holds each add-runs POST for 2 s and then commits it, as a
    // server behind a proxy does after the client has gone.
    let emu = EmulatorProcess::spawn(&[
        "--time-scale",
        "0",
        "--seed",
        "12",
        "--fault",
        "late-commit:ms=2000,path=/runs,method=POST",
    ]);
    let dir = scratch("late-commit-after-kill");
    write_jsonl(&dir.join("in.jsonl"), 50);
    let mut first = cli(&emu, &dir);
    first.args(ENRICH).stderr(std::process::Stdio::null());
    let mut child = first.spawn().unwrap();
    wait_for_stats(&emu, |s| s["late_commits_pending"].as_u64() >= Some(1));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(stats(&emu)["runs_created"], 0, "killed before the commit");

    // Rerun at once: the held POST commits 2 s after it was sent; the
    // rerun must look for its runs only after that.
    let mut c = cli(&emu, &dir);
    c.args(ENRICH).args(["--settle-window", "4"]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("waiting"), "{}", stderr_of(&out));
    assert_eq!(stats(&emu)["runs_created"], 50, "each row created once");
    let rows = read_jsonl(&dir.join("out.jsonl"));
    assert_eq!(rows.len(), 50);
    assert_each_row_has_its_own_run(&emu, &rows);
}

// ---- 3. Input columns named like output columns ----

#[test]
fn input_columns_named_like_output_columns_are_refused_before_anything_is_sent() {
    let emu = emulator();
    let dir = scratch("clash");
    std::fs::write(dir.join("in.csv"), "name,ceo,_status\nA,x,done\n").unwrap();
    let mut c = cli(&emu, &dir);
    c.args(["enrich", "in.csv", "-o", "out.csv", "--column", "ceo: CEO"]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(64));
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("\"ceo\"")
            && stderr.contains("\"_status\"")
            && !stderr.contains("\"name\""),
        "{stderr}"
    );
    assert!(stderr.contains("rename"), "{stderr}");
    assert!(
        api_operations(&emu).is_empty(),
        "{:?}",
        api_operations(&emu)
    );
    assert!(!dir.join("out.csv").exists());
}

// ---- 4. The output never replaces the input; leftovers are cleaned ----

#[cfg(unix)] // the symlink
#[test]
fn an_output_naming_the_input_directly_or_by_a_link_is_refused() {
    let emu = emulator();
    let dir = scratch("output-is-input");
    write_jsonl(&dir.join("in.jsonl"), 3);
    let original = std::fs::read(dir.join("in.jsonl")).unwrap();
    std::os::unix::fs::symlink("in.jsonl", dir.join("soft.jsonl")).unwrap();
    std::fs::hard_link(dir.join("in.jsonl"), dir.join("hard.jsonl")).unwrap();
    for output in ["in.jsonl", "./in.jsonl", "soft.jsonl", "hard.jsonl"] {
        let mut c = cli(&emu, &dir);
        c.args(["enrich", "in.jsonl", "-o", output, "--column", "ceo"]);
        let out = run(c);
        assert_eq!(out.status.code(), Some(64), "-o {output}");
        assert!(stderr_of(&out).contains("is the input"), "-o {output}");
        assert_eq!(std::fs::read(dir.join("in.jsonl")).unwrap(), original);
    }
    let s = stats(&emu);
    assert_eq!(
        (s["groups"].as_u64(), s["runs_created"].as_u64()),
        (Some(0), Some(0)),
        "{s}"
    );
}

#[test]
fn stale_partial_files_of_killed_runs_are_removed_by_the_next_run() {
    let emu = emulator();
    let dir = scratch("stale-partial");
    write_jsonl(&dir.join("in.jsonl"), 3);
    // What a run killed while writing its output leaves behind.
    std::fs::write(dir.join("out.jsonl.partial-4194000"), "{\"id\":0").unwrap();
    std::fs::write(dir.join("other.jsonl.partial-4194000"), "not ours").unwrap();
    let mut c = cli(&emu, &dir);
    c.args(ENRICH);
    assert_eq!(run(c).status.code(), Some(0));
    assert!(!dir.join("out.jsonl.partial-4194000").exists());
    assert!(dir.join("other.jsonl.partial-4194000").exists());
    let rows = read_jsonl(&dir.join("out.jsonl"));
    assert_eq!(rows.len(), 3);
    assert_each_row_has_its_own_run(&emu, &rows);
}

#[test]
fn an_input_refused_during_checks_leaves_no_journal_behind() {
    let emu = emulator();
    let dir = scratch("refused-no-journal");
    std::fs::write(dir.join("in.csv"), "name,site\nA,a.com\nB\n").unwrap();
    let mut c = cli(&emu, &dir);
    c.args(["enrich", "in.csv", "-o", "out.csv", "--column", "ceo"]);
    assert_eq!(run(c).status.code(), Some(64));
    let left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "in.csv")
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn an_empty_base_url_is_an_error_naming_the_variable_not_the_production_url() {
    let dir = scratch("empty-base-url");
    write_jsonl(&dir.join("in.jsonl"), 1);
    let base = || {
        let mut c = Command::new(CLI);
        c.current_dir(&dir)
            .env("PARALLEL_API_KEY", TEST_API_KEY)
            .env_remove("PARALLEL_WEB_CLI_TEST_PAUSE")
            .stdin(Stdio::null());
        c
    };
    let mut from_env = base();
    from_env.env("PARALLEL_BASE_URL", "").args(ENRICH);
    let mut from_flag = base();
    from_flag
        .env_remove("PARALLEL_BASE_URL")
        .args(["--base-url", ""])
        .args(ENRICH);
    let mut groups = base();
    groups
        .env("PARALLEL_BASE_URL", " ")
        .args(["groups", "status", "tgrp_x"]);
    for (c, name) in [
        (from_env, "PARALLEL_BASE_URL"),
        (from_flag, "--base-url"),
        (groups, "PARALLEL_BASE_URL"),
    ] {
        let out = run(c);
        assert_eq!(out.status.code(), Some(64));
        let stderr = stderr_of(&out);
        assert!(
            stderr.contains(name) && stderr.contains("empty"),
            "{stderr}"
        );
        assert!(!stderr.contains("api.parallel.ai"), "{stderr}");
    }
    assert!(!dir.join("out.jsonl.journal").exists());
}
