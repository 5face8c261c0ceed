//! End-to-end tests of `findall run|status|result|extend|enrich|cancel|events`
//! against the emulator binary, run as a user would (matches on stdout,
//! progress and errors on stderr, exit status from the README's table),
//! with what they print checked against what the SDK reads from the same
//! emulator.

mod support;

use std::process::{Output, Stdio};

use parallel_web::Client;
use parallel_web_tests::{EmulatorProcess, TEST_API_KEY};
use serde_json::Value;
use support::{api_operations, block_on, cli, pw, scratch, stderr_of, stdout_of};

const USAGE: i32 = 64;
const API: i32 = 4;
const TIMEOUT: i32 = 5;

fn assert_exit(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "{}", stderr_of(out));
}

fn client(emu: &EmulatorProcess) -> Client {
    parallel_web::install_tls_provider();
    Client::builder()
        .api_key(TEST_API_KEY)
        .base_url(emu.base_url())
        .build()
        .unwrap()
}

/// The FindAll run id named on stderr.
fn run_of(out: &Output) -> String {
    let text = format!("{}{}", stdout_of(out), stderr_of(out));
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .find(|w| w.starts_with("findall_"))
        .unwrap_or_else(|| panic!("no run id in {text}"))
        .to_owned()
}

const STARTUPS: &[&str] = &[
    "findall",
    "run",
    "AI startups in Europe",
    "--entity-type",
    "companies",
    "--condition",
    "series_a: Raised a Series A",
    "--condition",
    "in_europe: Based in Europe",
    "--match-limit",
    "5",
];

#[test]
fn findall_run_sends_the_conditions_and_prints_the_runs_matches_as_a_table() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "41"]);
    let dir = scratch("findall-run");
    let out = pw(&emu, &dir, STARTUPS);
    assert_exit(&out, 0);
    let id = run_of(&out);
    let (schema, result) = block_on(async {
        let run = client(&emu).findall().get(&id);
        (run.schema().await.unwrap(), run.result().await.unwrap())
    });
    assert_eq!(schema.entity_type, "companies");
    let conditions: Vec<(&str, &str)> = schema
        .match_conditions
        .iter()
        .map(|c| (c.name.as_str(), c.description.as_str()))
        .collect();
    assert_eq!(
        conditions,
        [
            ("series_a", "Raised a Series A"),
            ("in_europe", "Based in Europe")
        ]
    );
    assert_eq!(schema.match_limit, Some(5));

    let stdout = stdout_of(&out);
    let mut lines = stdout.lines();
    assert!(lines.next().unwrap().starts_with("NAME"), "{stdout}");
    let printed: Vec<&str> = lines.collect();
    let matched: Vec<_> = result
        .candidates
        .iter()
        .filter(|c| c.match_status == parallel_web::MatchStatus::Matched)
        .collect();
    assert_eq!(printed.len(), matched.len(), "{stdout}");
    for (line, c) in printed.iter().zip(&matched) {
        assert!(line.starts_with(&c.name) && line.contains(&c.url), "{line}");
    }
    // Progress is on stderr, never mixed into the table.
    assert!(stderr_of(&out).contains("completed"));
    assert!(!stdout.contains("candidates"), "{stdout}");
}

#[test]
fn findall_run_json_prints_the_whole_result_the_sdk_reads() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "42"]);
    let dir = scratch("findall-run-json");
    let args: Vec<&str> = STARTUPS.iter().copied().chain(["--json"]).collect();
    let out = pw(&emu, &dir, &args);
    assert_exit(&out, 0);
    let printed: Value = serde_json::from_str(&stdout_of(&out)).expect("stdout is JSON");
    let id = printed["run"]["findall_id"].as_str().unwrap().to_owned();
    let result = block_on(client(&emu).findall().get(&id).result().send()).unwrap();
    assert_eq!(printed, serde_json::to_value(&result).unwrap());
    assert_eq!(printed["run"]["status"]["status"], "completed");
}

#[test]
fn findall_run_no_wait_prints_only_the_id_and_result_wait_collects_it() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "43"]);
    let dir = scratch("findall-no-wait");
    let args: Vec<&str> = STARTUPS.iter().copied().chain(["--no-wait"]).collect();
    let out = pw(&emu, &dir, &args);
    assert_exit(&out, 0);
    let id = stdout_of(&out).trim().to_owned();
    assert!(id.starts_with("findall_") && !id.contains('\n'), "{id}");

    let result = pw(&emu, &dir, &["findall", "result", &id, "--wait", "--json"]);
    assert_exit(&result, 0);
    let result: Value = serde_json::from_str(&stdout_of(&result)).unwrap();
    assert_eq!(result["run"]["findall_id"], Value::from(id.as_str()));
    assert_eq!(result["run"]["status"]["is_active"], false);
    assert_eq!(
        block_on(emu.stats())["requests_per_operation"]["findall_create"],
        1
    );
}

#[test]
fn findall_run_with_ingest_runs_the_drafted_schema() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "44"]);
    let dir = scratch("findall-ingest");
    let objective = "Dental clinics in Lisbon open on Sundays";
    let out = pw(
        &emu,
        &dir,
        &["findall", "run", objective, "--ingest", "--no-wait"],
    );
    assert_exit(&out, 0);
    let id = stdout_of(&out).trim().to_owned();
    let (draft, schema) = block_on(async {
        let c = client(&emu);
        (
            c.findall().ingest(objective).await.unwrap(),
            c.findall().get(&id).schema().await.unwrap(),
        )
    });
    assert_eq!(schema.entity_type, draft.entity_type);
    assert_eq!(schema.match_conditions, draft.match_conditions);
    for c in &draft.match_conditions {
        assert!(stderr_of(&out).contains(&c.name), "{}", stderr_of(&out));
    }
}

#[test]
fn findall_status_prints_a_line_or_the_run_as_json() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "45"]);
    let dir = scratch("findall-status");
    let id = run_of(&pw(&emu, &dir, STARTUPS));
    let run = block_on(client(&emu).findall().get(&id).status().send()).unwrap();

    let json = pw(&emu, &dir, &["findall", "status", &id, "--json"]);
    assert_exit(&json, 0);
    let json: Value = serde_json::from_str(&stdout_of(&json)).unwrap();
    assert_eq!(json, serde_json::to_value(&run).unwrap());

    let line = pw(&emu, &dir, &["findall", "status", &id]);
    assert_exit(&line, 0);
    let m = &run.status.metrics;
    assert_eq!(
        stdout_of(&line).trim(),
        format!(
            "{id}: completed ({} matched of {} candidates; match_limit_met)",
            m.matched_candidates_count, m.generated_candidates_count
        )
    );
}

#[test]
fn findall_extend_raises_the_match_limit_and_enrich_adds_the_columns() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "46"]);
    let dir = scratch("findall-extend-enrich");
    let id = run_of(&pw(&emu, &dir, STARTUPS));

    let extend = pw(&emu, &dir, &["findall", "extend", &id, "7"]);
    assert_exit(&extend, 0);
    assert_eq!(
        stdout_of(&extend).trim(),
        format!("{id}: match limit now 12")
    );

    let enrich = pw(
        &emu,
        &dir,
        &[
            "findall",
            "enrich",
            &id,
            "--column",
            "ceo: The CEO's name",
            "--column",
            "founded:integer: Year founded",
            "--json",
        ],
    );
    assert_exit(&enrich, 0);
    let printed: Value = serde_json::from_str(&stdout_of(&enrich)).unwrap();
    let schema = block_on(client(&emu).findall().get(&id).schema().send()).unwrap();
    assert_eq!(printed, serde_json::to_value(&schema).unwrap());
    assert_eq!(schema.match_limit, Some(12));
    let enrichment = schema.enrichments.as_ref().unwrap();
    assert_eq!(enrichment.len(), 1);
    let fields: Value = serde_json::to_value(&enrichment[0].output_schema).unwrap();
    let fields: Value = match &fields["json_schema"] {
        Value::String(text) => serde_json::from_str(text).unwrap(),
        other => other.clone(),
    };
    assert_eq!(fields["properties"]["founded"]["type"], "integer");
    assert!(fields["properties"]["ceo"].is_object(), "{fields}");

    // The enriched matches show their fields in the table.
    let table = pw(&emu, &dir, &["findall", "result", &id, "--wait"]);
    assert_exit(&table, 0);
    let header = stdout_of(&table)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(
        header.contains("CEO") && header.contains("FOUNDED"),
        "{header}"
    );
}

#[test]
fn findall_cancel_stops_a_running_run_and_cancelling_again_exits_4() {
    // At a large time scale the run is still at work when cancelled.
    let emu = EmulatorProcess::spawn(&["--time-scale", "1000", "--seed", "47"]);
    let dir = scratch("findall-cancel");
    let args: Vec<&str> = STARTUPS.iter().copied().chain(["--no-wait"]).collect();
    let id = stdout_of(&pw(&emu, &dir, &args)).trim().to_owned();
    let cancel = pw(&emu, &dir, &["findall", "cancel", &id]);
    assert_exit(&cancel, 0);
    assert!(stdout_of(&cancel).is_empty());
    let result = pw(&emu, &dir, &["findall", "result", &id, "--wait"]);
    assert_exit(&result, API);
    assert!(
        stderr_of(&result).contains("ended cancelled"),
        "{}",
        stderr_of(&result)
    );
    let again = pw(&emu, &dir, &["findall", "cancel", &id]);
    assert_exit(&again, API);
}

#[test]
fn a_findall_run_that_fails_exits_4_saying_so() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--failure-rate", "1"]);
    let dir = scratch("findall-failed");
    let out = pw(&emu, &dir, STARTUPS);
    assert_exit(&out, API);
    assert!(
        stderr_of(&out).contains("ended failed"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn a_findall_run_that_outlasts_max_wait_exits_5_and_names_the_command_to_collect_it() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "1000", "--seed", "48"]);
    let dir = scratch("findall-timeout");
    let args: Vec<&str> = STARTUPS
        .iter()
        .copied()
        .chain(["--max-wait", "0"])
        .collect();
    let out = pw(&emu, &dir, &args);
    assert_exit(&out, TIMEOUT);
    let id = run_of(&out);
    assert!(
        stderr_of(&out).contains(&format!("parallel-web findall result {id} --wait")),
        "{}",
        stderr_of(&out)
    );
    assert!(stdout_of(&out).is_empty());
}

#[test]
fn findall_events_prints_every_event_as_jsonl_until_the_run_stops() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "49"]);
    let dir = scratch("findall-events");
    let id = run_of(&pw(&emu, &dir, STARTUPS));
    let out = pw(&emu, &dir, &["findall", "events", &id]);
    assert_exit(&out, 0);
    let events: Vec<Value> = stdout_of(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let last = events.last().expect("some events");
    assert_eq!(last["type"], "status");
    assert_eq!(last["run"]["status"]["is_active"], false);
    let matched = events
        .iter()
        .filter(|e| e["type"] == "candidate" && e["kind"] == "findall.candidate.matched")
        .count();
    assert_eq!(
        matched as i64,
        last["run"]["status"]["metrics"]["matched_candidates_count"]
            .as_i64()
            .unwrap()
    );
    // From a cursor: only what came after it.
    let cursor = events[0]["event_id"].as_str().unwrap();
    let after = pw(&emu, &dir, &["findall", "events", &id, "--after", cursor]);
    assert_exit(&after, 0);
    assert_eq!(stdout_of(&after).lines().count(), events.len() - 1);
}

#[test]
fn findall_refuses_bad_input_before_sending_anything() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("findall-bad");
    let with = |extra: &[&str]| -> Vec<String> {
        STARTUPS
            .iter()
            .chain(extra)
            .map(|s| (*s).to_owned())
            .collect()
    };
    for args in [
        with(&["--match-limit", "3"]),
        with(&["--match-limit", "1001"]),
        with(&["--generator", "turbo"]),
        with(&["--exclude", "no url"]),
        with(&["--metadata", "novalue"]),
        with(&["--condition", "no description"]),
        vec![
            "findall".into(),
            "run".into(),
            "x".into(),
            "--ingest".into(),
            "--match-limit".into(),
            "4".into(),
        ],
        vec!["findall".into(), "run".into(), "no conditions".into()],
        vec![
            "findall".into(),
            "enrich".into(),
            "findall_x".into(),
            "--column".into(),
            ":".into(),
        ],
        vec![
            "findall".into(),
            "extend".into(),
            "findall_x".into(),
            "0".into(),
        ],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = pw(&emu, &dir, &args);
        assert_exit(&out, USAGE);
        assert!(stdout_of(&out).is_empty(), "{args:?}");
    }
    assert_eq!(api_operations(&emu), Vec::<String>::new());
}

#[test]
fn findall_commands_on_an_unknown_run_exit_4_saying_not_found() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("findall-unknown");
    for command in ["status", "result", "cancel", "events"] {
        let out = pw(&emu, &dir, &["findall", command, "findall_missing"]);
        assert_exit(&out, API);
        assert!(
            stderr_of(&out).to_lowercase().contains("not found"),
            "{command}: {}",
            stderr_of(&out)
        );
        assert!(stdout_of(&out).is_empty());
    }
}

#[test]
fn a_standard_output_closed_early_is_an_error_message_not_a_panic() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "50"]);
    let dir = scratch("findall-closed-stdout");
    let id = run_of(&pw(&emu, &dir, STARTUPS));
    for command in ["status", "result", "events"] {
        let mut c = cli(&emu, &dir);
        c.args(["findall", command, &id])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        // The reading end closes before the command writes anything.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = stderr_of(&out);
        assert_eq!(out.status.code(), Some(1), "{command}: {stderr}");
        assert!(!stderr.contains("panicked"), "{command}: {stderr}");
        assert!(
            stderr.contains("error: cannot write to standard output"),
            "{command}: {stderr}"
        );
    }
}
