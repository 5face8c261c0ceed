//! End-to-end tests of `parallel-web enrich` against the emulator binary:
//! each starts its own emulator process (fresh counters) and runs the CLI
//! binary as a user would, then checks the output table (each row with its
//! own run's result, against the emulator's ledger and outputs) and the
//! emulator's `runs_created` counter (exactly one run per row).

mod support;

use std::path::Path;
use std::process::Command;

use parallel_web_tests::EmulatorProcess;
use serde_json::Value;
use support::{
    CLI, COMPANIES, api_operations, assert_rows_got_their_own_results, cli, read_csv, read_jsonl,
    run, scratch, spawn_paused_at, stats, write_jsonl,
};

/// Every output row, in order, has the input's id and a completed run of
/// its own, whose input was the row (`sent`: the columns sent, default
/// all) and whose output is the row's `ceo`.
fn assert_complete_jsonl(emu: &EmulatorProcess, path: &Path, rows: usize, sent: Option<&[&str]>) {
    let lines = read_jsonl(path);
    assert_eq!(lines.len(), rows);
    for (i, row) in lines.iter().enumerate() {
        assert_eq!(row["id"], i, "row {i} out of order");
        assert_eq!(row["_status"], "completed", "row {i}: {row}");
        assert!(row["ceo"].is_string(), "row {i}: {row}");
    }
    assert_rows_got_their_own_results(emu, &lines, &["ceo"], sent);
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
    assert_rows_got_their_own_results(
        &emu,
        &read_csv(&dir.join("out.csv")),
        &["ceo", "founded"],
        None,
    );
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
        // Rates high enough to fire among the ~40 requests the run makes
        // (at 5% and 3% they never did, and the test checked no fault).
        "--fault",
        "status:code=429,rate=0.2,retry-after-ms=5",
        "--fault",
        "status:code=503,rate=0.1,retry-after-ms=5",
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
    assert_complete_jsonl(&emu, &dir.join("out.jsonl"), 10_000, Some(&["name"]));
    let s = stats(&emu);
    assert_eq!(s["runs_created"], 10_000, "{s}");
    // "Under faults": each one fired.
    for fault in [
        "drop-stream",
        "status:code=429",
        "status:code=503",
        "ambiguous-add-runs",
    ] {
        let fired: u64 = s["faults_fired"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| k.starts_with(fault))
            .map(|(_, n)| n.as_u64().unwrap())
            .sum();
        assert!(fired > 0, "{fault} never fired: {s}");
    }
}

/// Runs the CLI until it reaches `pause` (see the test hook), kills it
/// with SIGKILL there, then reruns the same command to the end. Returns
/// how many events the rerun read from the group's runs stream.
fn kill_at_then_rerun(pause: &str, rows: usize) -> u64 {
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

    let runs_events = |s: &Value| s["events_per_operation"]["task_group_get_runs"].as_u64();
    let before = runs_events(&stats(&emu)).unwrap_or(0);
    let mut second = cli(&emu, &dir);
    second.args(args);
    let out = run(second);
    assert_eq!(out.status.code(), Some(0));
    // A resume where every row exists once has nothing to warn of.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("warning"), "{stderr}");
    // Counted before the checks below read the group's runs themselves.
    let s = stats(&emu);
    assert_eq!(s["runs_created"], rows, "{s}");
    assert_eq!(s["groups"], 1, "{s}");
    assert_complete_jsonl(&emu, &dir.join("out.jsonl"), rows, None);
    runs_events(&s).expect("the rerun read the group's runs") - before
}

#[test]
fn killed_after_journaling_tags_but_before_the_post_resumes_exactly_once() {
    // Two add-runs calls of the CLI's 16,000 rows (ROWS_PER_CALL): killed
    // with the second call's tags journaled and its POSTs not sent.
    kill_at_then_rerun("tagged:2", 20_000);
}

#[test]
fn killed_after_the_post_but_before_journaling_run_ids_resumes_exactly_once() {
    kill_at_then_rerun("posted:1", 5_000);
}

#[test]
fn killed_while_reading_results_resumes_from_the_saved_cursor() {
    // Killed once the second batch of 10,000 results (RESULTS_PER_COMMIT,
    // and the cursor after it) was journaled: the rerun reads the runs
    // after that cursor. A rerun that ignored the cursor would read all
    // 25,000 again and still end complete, so the count of events it read
    // is what tells. (At most one more chunk of the killed process's
    // stream may be counted after it died, hence a bound rather than an
    // equality.)
    let rows = 25_000;
    let read = kill_at_then_rerun("results:2", rows);
    let missing = rows as u64 - 2 * 10_000;
    assert!(
        read >= missing && read < rows as u64,
        "the rerun read {read} runs; from the saved cursor it reads the {missing} after it, a full re-read {rows}"
    );
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
    assert_rows_got_their_own_results(&emu, &rows, &["ceo"], None);
}

#[test]
fn a_malformed_csv_row_is_reported_by_line_and_nothing_is_sent() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("malformed");
    std::fs::write(dir.join("in.csv"), "name,site\nA,a.com\nB\nC,c.com\n").unwrap();
    let mut c = cli(&emu, &dir);
    c.args(["enrich", "in.csv", "-o", "out.csv", "--column", "ceo"]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(64));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(
        api_operations(&emu).is_empty(),
        "{:?}",
        api_operations(&emu)
    );
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
    assert_eq!(out.status.code(), Some(64));
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
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no input column \"ticker\""));
    // Not even the group was created.
    assert!(
        api_operations(&emu).is_empty(),
        "{:?}",
        api_operations(&emu)
    );
}

#[test]
fn the_size_limit_counts_characters_not_bytes() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("limit-chars");
    // 13,000 two-byte characters: over the limit in bytes, not in characters.
    let wide = "\u{e9}".repeat(13_000);
    std::fs::write(dir.join("in.jsonl"), format!("{{\"name\":\"{wide}\"}}\n")).unwrap();
    let mut c = cli(&emu, &dir);
    c.args([
        "enrich",
        "in.jsonl",
        "-o",
        "out.jsonl",
        "--column",
        "ceo",
        "-q",
    ]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(0), "{}", support::stderr_of(&out));
    assert_eq!(stats(&emu)["runs_created"], 1);
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
    assert_eq!(out.status.code(), Some(64));
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
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("PARALLEL_API_KEY") && stderr.contains("parallel-web-emulator"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn dry_run_prints_the_spec_and_first_post_body_and_sends_nothing() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("dry-run");
    let args = [
        "enrich",
        COMPANIES,
        "-o",
        "-",
        "--column",
        "ceo: CEO name",
        "--dry-run",
    ];
    // Pointed at an emulator with a valid key: it must still send nothing.
    let mut c = cli(&emu, &dir);
    c.args(args);
    let with_key = run(c);
    // And it needs neither a key nor a base URL.
    let without_key = Command::new(CLI)
        .args(args)
        .env_remove("PARALLEL_API_KEY")
        .env_remove("PARALLEL_BASE_URL")
        .output()
        .unwrap();
    for out in [with_key, without_key] {
        assert_eq!(out.status.code(), Some(0));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("\"ceo\"") && stdout.contains("\"Salesforce\""),
            "{stdout}"
        );
        let tag = format!("{}.2", parallel_web::AddRuns::PREVIEW_BATCH_ID);
        assert!(stdout.contains(&tag), "{stdout}");
    }
    let sent = api_operations(&emu);
    assert!(sent.is_empty(), "a dry run sent {sent:?}");
}

#[test]
fn a_parallel_cli_config_file_runs_unchanged() {
    // The shape `parallel-cli enrich run` reads, keys it has that this
    // tool ignores (`source_type`) included.
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "13"]);
    let dir = scratch("config");
    std::fs::copy(COMPANIES, dir.join("companies.csv")).unwrap();
    std::fs::write(
        dir.join("enrich.yaml"),
        "source_type: csv\nsource: companies.csv\ntarget: enriched.csv\n\
         source_columns:\n  - name: company_name\n    description: The company\n\
         enriched_columns:\n  - name: ceo\n    description: CEO name\n    type: str\n\
         \x20 - name: founded\n    description: Year founded\n    type: int\n\
         processor: lite\n",
    )
    .unwrap();
    let mut c = cli(&emu, &dir);
    c.args(["enrich", "--config", "enrich.yaml"]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(0));
    let rows = read_csv(&dir.join("enriched.csv"));
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["company_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Stripe", "Shopify", "Salesforce"]);
    for row in &rows {
        // `type: int` asked for an integer.
        let founded = row["founded"].as_str().unwrap();
        assert!(founded.parse::<i64>().is_ok(), "{row}");
    }
    // Only `source_columns` were sent, and each row got its run's result.
    assert_rows_got_their_own_results(&emu, &rows, &["ceo", "founded"], Some(&["company_name"]));
    let group = support::group_of(&out.stderr);
    for entry in support::ledger(&emu, &group) {
        assert_eq!(
            entry.run_input["processor"], "lite",
            "{:?}",
            entry.run_input
        );
    }
}

// ---- Reading results, and resuming on a group that holds a row twice ----

const ENRICH: [&str; 7] = [
    "enrich",
    "in.jsonl",
    "-o",
    "out.jsonl",
    "--processor",
    "lite",
    "--column=ceo: CEO name",
];

/// The journal of `ENRICH` in `dir`, opened to look at or change it
/// between runs (the CLI is not running then).
fn journal(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("out.jsonl.journal")).unwrap()
}

fn meta(dir: &Path, key: &str) -> String {
    journal(dir)
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .unwrap()
}

/// How many requests and events the emulator served on the group's run
/// stream (`GET .../runs`).
fn run_stream_reads(emu: &EmulatorProcess) -> (u64, u64) {
    let s = stats(emu);
    (
        s["requests_per_operation"]["task_group_get_runs"]
            .as_u64()
            .unwrap_or(0),
        s["events_per_operation"]["task_group_get_runs"]
            .as_u64()
            .unwrap_or(0),
    )
}

fn enrich_to_the_end(emu: &EmulatorProcess, dir: &Path) -> std::process::Output {
    let mut c = cli(emu, dir);
    c.args(ENRICH);
    run(c)
}

#[test]
fn a_run_reads_the_group_s_results_once_and_warns_of_nothing() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "21"]);
    let dir = scratch("read-once");
    write_jsonl(&dir.join("in.jsonl"), 50);
    let out = enrich_to_the_end(&emu, &dir);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(run_stream_reads(&emu), (1, 50), "one read of the 50 runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("warning"), "{stderr}");
    assert_complete_jsonl(&emu, &dir.join("out.jsonl"), 50, None);
}

#[test]
fn results_the_saved_cursor_skips_are_read_again_from_the_start_of_the_group() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "22"]);
    let dir = scratch("cursor-skips");
    write_jsonl(&dir.join("in.jsonl"), 30);
    assert_eq!(enrich_to_the_end(&emu, &dir).status.code(), Some(0));
    // The journal's cursor is after every run, yet ten rows have no
    // result: as if the cursor came from a later read than the results.
    let forgotten = journal(&dir)
        .execute(
            "DELETE FROM results WHERE entry IN (SELECT entry FROM rows WHERE idx < 10)",
            [],
        )
        .unwrap();
    assert_eq!(forgotten, 10);
    let before = run_stream_reads(&emu);

    let out = enrich_to_the_end(&emu, &dir);
    assert_eq!(out.status.code(), Some(0));
    let after = run_stream_reads(&emu);
    assert_eq!(
        (after.0 - before.0, after.1 - before.1),
        (2, 30),
        "a read after the saved cursor (nothing) and one of the whole group"
    );
    assert_eq!(stats(&emu)["runs_created"], 30);
    assert_complete_jsonl(&emu, &dir.join("out.jsonl"), 30, None);
}

#[test]
fn a_run_the_group_never_reports_is_an_error_that_says_to_rerun() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "23"]);
    let dir = scratch("never-reported");
    write_jsonl(&dir.join("in.jsonl"), 10);
    assert_eq!(enrich_to_the_end(&emu, &dir).status.code(), Some(0));
    // The journal holds, for the first row, a run the group does not have,
    // and no result for it.
    journal(&dir)
        .execute_batch(
            "UPDATE runs SET run_id = 'trun_not_in_this_group'
             WHERE entry = (SELECT entry FROM rows WHERE idx = 0);
             DELETE FROM results WHERE entry = (SELECT entry FROM rows WHERE idx = 0);",
        )
        .unwrap();

    let out = enrich_to_the_end(&emu, &dir);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the group reported 9 results for 10 runs; rerun the same command"),
        "{stderr}"
    );
    assert_eq!(stats(&emu)["runs_created"], 10, "nothing was sent again");
}

#[test]
fn a_row_created_twice_under_its_tag_keeps_its_first_run_and_the_rerun_warns_of_it() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "24"]);
    let dir = scratch("created-twice");
    write_jsonl(&dir.join("in.jsonl"), 20);
    let mut first = cli(&emu, &dir);
    first.args(ENRICH);
    // Killed once the POST was answered, before its run ids were journaled.
    let mut child = spawn_paused_at(first, "posted:1");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(stats(&emu)["runs_created"], 20);

    // The server commits the POST of row 3 a second time (a late commit
    // of a retried POST): the same run input, under the same batch tag.
    let group = meta(&dir, "group_id");
    let batch: String = journal(&dir)
        .query_row("SELECT batch FROM tags WHERE pos = 3", [], |r| r.get(0))
        .unwrap();
    let runs_of_row_3 = || {
        let client = parallel_web::Client::builder()
            .api_key(parallel_web_tests::TEST_API_KEY)
            .base_url(emu.base_url())
            .build()
            .unwrap();
        let runs = support::block_on(
            client
                .task_groups()
                .handle(&group)
                .batch_runs(&batch)
                .send(),
        );
        runs.unwrap()[&3].clone()
    };
    let first_run = runs_of_row_3();
    assert_eq!(first_run.len(), 1);
    let ledger = support::ledger(&emu, &group);
    let original = ledger
        .iter()
        .find(|e| e.run_id == first_run[0])
        .expect("row 3's run in the ledger");
    let command: Value = serde_json::from_str(&meta(&dir, "command")).unwrap();
    let body = serde_json::json!({
        "inputs": [original.run_input],
        "default_task_spec": command["task_spec"],
    });
    let url = format!("{}/v1/tasks/groups/{group}/runs", emu.base_url());
    support::block_on(async {
        reqwest::Client::new()
            .post(url)
            .header("x-api-key", parallel_web_tests::TEST_API_KEY)
            .json(&body)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("the second POST of row 3")
    });
    let both = runs_of_row_3();
    assert_eq!(both.len(), 2);
    assert_eq!(both[0], first_run[0], "oldest first");

    let out = enrich_to_the_end(&emu, &dir);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("resuming: 20 row(s) sent before the stop were found in the group"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "warning: 1 row(s) exist as more than one run in the group; the first run of each is used"
        ),
        "{stderr}"
    );
    assert_eq!(stats(&emu)["runs_created"], 21, "nothing sent by the rerun");
    let rows = read_jsonl(&dir.join("out.jsonl"));
    assert_eq!(rows[3]["_run_id"], first_run[0].as_str());
    assert_complete_jsonl(&emu, &dir.join("out.jsonl"), 20, None);
}

#[test]
fn rows_created_before_an_add_runs_call_failed_are_journaled_by_the_failed_run() {
    // The second add-runs POST of the call (rows 1,000 to 1,499 or the
    // first 1,000, whichever is sent second) is refused with a 400: the
    // SDK stops and reports which rows it did create.
    let emu = EmulatorProcess::spawn(&[
        "--time-scale",
        "0",
        "--seed",
        "25",
        "--fault",
        "status:code=400,skip=1,times=1,path=/runs,method=POST",
    ]);
    let dir = scratch("add-runs-failed");
    write_jsonl(&dir.join("in.jsonl"), 1_500);
    let out = enrich_to_the_end(&emu, &dir);
    assert_eq!(out.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("submitting rows stopped"), "{stderr}");
    let created = stats(&emu)["runs_created"].as_u64().unwrap();
    assert!(created > 0 && created < 1_500, "{created} runs created");
    let journaled: u64 = journal(&dir)
        .query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journaled, created, "every run created is journaled");

    // So the rerun finds none of them to recover, sends only the rest, and
    // has no duplicate to warn of.
    let out = enrich_to_the_end(&emu, &dir);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("resuming: 0 row(s) sent before the stop were found"),
        "{stderr}"
    );
    assert!(!stderr.contains("warning"), "{stderr}");
    assert_eq!(stats(&emu)["runs_created"], 1_500);
    assert_complete_jsonl(&emu, &dir.join("out.jsonl"), 1_500, None);
}
