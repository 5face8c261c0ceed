//! End-to-end tests of `monitor create|list|get|update|cancel|trigger|events`
//! against the emulator binary, run as a user would (answers on stdout,
//! confirmations and errors on stderr, exit status from the README's
//! table), with what they print checked against what the SDK reads from
//! the same emulator.

mod support;

use std::process::Output;

use futures::TryStreamExt;
use parallel_web::Client;
use parallel_web::types::MonitorResponse;
use parallel_web_tests::{EmulatorProcess, TEST_API_KEY};
use serde_json::Value;
use support::{api_operations, block_on, pw, scratch, stderr_of, stdout_of};

const USAGE: i32 = 64;
const API: i32 = 4;

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

fn get(emu: &EmulatorProcess, id: &str) -> MonitorResponse {
    block_on(client(emu).monitors().monitor(id).retrieve().send()).unwrap()
}

/// Creates a monitor with the CLI and returns its id.
fn create(emu: &EmulatorProcess, dir: &std::path::Path, query: &str) -> String {
    let out = pw(emu, dir, &["monitor", "create", query, "--frequency", "1d"]);
    assert_exit(&out, 0);
    stdout_of(&out).trim().to_owned()
}

#[test]
fn monitor_create_sends_query_frequency_columns_webhook_and_metadata_and_prints_the_id() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "51"]);
    let dir = scratch("monitor-create");
    let out = pw(
        &emu,
        &dir,
        &[
            "monitor",
            "create",
            "Rust compiler releases",
            "--frequency",
            "6h",
            "--processor",
            "base",
            "--column",
            "version: The version released",
            "--webhook",
            "https://hooks.example.com/monitor",
            "--metadata",
            "team=ops",
        ],
    );
    assert_exit(&out, 0);
    let id = stdout_of(&out).trim().to_owned();
    assert!(id.starts_with("monitor_") && !id.contains('\n'), "{id}");
    let m = get(&emu, &id);
    assert_eq!(m.frequency, "6h");
    assert_eq!(m.processor.to_string(), "base");
    let settings = serde_json::to_value(&m.settings).unwrap();
    assert_eq!(settings["query"], "Rust compiler releases");
    assert!(
        settings["output_schema"]
            .to_string()
            .contains("The version released"),
        "{settings}"
    );
    assert_eq!(
        m.webhook.as_ref().unwrap().url,
        "https://hooks.example.com/monitor"
    );
    assert_eq!(m.metadata.as_ref().unwrap()["team"], "ops");

    let json = pw(&emu, &dir, &["monitor", "get", &id, "--json"]);
    assert_exit(&json, 0);
    let json: Value = serde_json::from_str(&stdout_of(&json)).unwrap();
    assert_eq!(json, serde_json::to_value(get(&emu, &id)).unwrap());

    let human = pw(&emu, &dir, &["monitor", "get", &id]);
    assert_exit(&human, 0);
    let human = stdout_of(&human);
    assert!(human.starts_with(&id), "{human}");
    for part in ["6h", "base", "Rust compiler releases", "team=ops"] {
        assert!(human.contains(part), "{part}: {human}");
    }
}

#[test]
fn monitor_create_snapshot_watches_the_task_run_given() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "55"]);
    let dir = scratch("monitor-snapshot");
    let run = block_on(async {
        let c = client(&emu);
        let run = c
            .task_runs()
            .create(parallel_web::RunInput::new("Stripe").processor("lite"))
            .await
            .unwrap();
        c.task_runs().result(&run.run_id).await.unwrap();
        run.run_id
    });
    let out = pw(
        &emu,
        &dir,
        &["monitor", "create", "--snapshot", &run, "--frequency", "1w"],
    );
    assert_exit(&out, 0);
    let id = stdout_of(&out).trim().to_owned();
    let m = get(&emu, &id);
    assert_eq!(m.type_.to_string(), "snapshot");
    assert_eq!(
        serde_json::to_value(&m.settings).unwrap()["task_run_id"],
        Value::from(run.as_str())
    );
    let human = stdout_of(&pw(&emu, &dir, &["monitor", "get", &id]));
    assert!(human.contains(&format!("watches:   {run}")), "{human}");
}

#[test]
fn monitor_list_reads_every_page_and_filters_by_status() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "52"]);
    let dir = scratch("monitor-list");
    // More than the API's default page of 100.
    let ids: Vec<String> = block_on(async {
        let c = client(&emu);
        let mut ids = Vec::new();
        for i in 0..101 {
            let m = c
                .monitors()
                .create()
                .event_stream(format!("topic {i}"))
                .frequency("1d")
                .await
                .unwrap();
            ids.push(m.id().to_owned());
        }
        ids
    });
    let cancel = pw(&emu, &dir, &["monitor", "cancel", &ids[7]]);
    assert_exit(&cancel, 0);
    assert!(stdout_of(&cancel).is_empty());

    let listed = |args: &[&str]| -> Vec<String> {
        let out = pw(&emu, &dir, args);
        assert_exit(&out, 0);
        let mut listed: Vec<String> = stdout_of(&out)
            .lines()
            .map(|l| {
                let m: Value = serde_json::from_str(l).expect("each line is JSON");
                m["monitor_id"].as_str().unwrap().to_owned()
            })
            .collect();
        listed.sort();
        listed
    };
    let mut every = ids.clone();
    every.sort();
    let both = ["--status", "active", "--status", "cancelled"];
    assert_eq!(
        listed(&[&["monitor", "list", "--json"][..], &both].concat()),
        every
    );
    // The API's default: active monitors only.
    let active: Vec<String> = every.iter().filter(|m| **m != ids[7]).cloned().collect();
    assert_eq!(listed(&["monitor", "list", "--json"]), active);

    let cancelled = pw(&emu, &dir, &["monitor", "list", "--status", "cancelled"]);
    assert_exit(&cancelled, 0);
    let table = stdout_of(&cancelled);
    let rows: Vec<&str> = table.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{table}");
    assert!(rows[0].starts_with(&ids[7]) && rows[0].contains("cancelled"));
    assert_eq!(get(&emu, &ids[7]).status.to_string(), "cancelled");
}

#[test]
fn monitor_update_changes_only_what_is_given() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "53"]);
    let dir = scratch("monitor-update");
    let id = create(&emu, &dir, "EU AI Act news");
    let out = pw(
        &emu,
        &dir,
        &[
            "monitor",
            "update",
            &id,
            "--frequency",
            "2w",
            "--metadata",
            "owner=ana",
            "--json",
        ],
    );
    assert_exit(&out, 0);
    let printed: Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    let m = get(&emu, &id);
    assert_eq!(printed, serde_json::to_value(&m).unwrap());
    assert_eq!(m.frequency, "2w");
    assert_eq!(m.metadata.as_ref().unwrap()["owner"], "ana");
    assert_eq!(m.processor.to_string(), "lite");
    let settings = serde_json::to_value(&m.settings).unwrap();
    assert_eq!(settings["query"], "EU AI Act news");
}

#[test]
fn monitor_trigger_then_events_lists_every_page_as_the_sdk_reads_them() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "54"]);
    let dir = scratch("monitor-events");
    let id = create(&emu, &dir, "Semiconductor export rules");
    // Enough checks that the events span more than one page of 20.
    for _ in 0..15 {
        let out = pw(&emu, &dir, &["monitor", "trigger", &id]);
        assert_exit(&out, 0);
        assert!(stdout_of(&out).is_empty());
    }
    let (all, first_group) = block_on(async {
        let c = client(&emu);
        let all: Vec<_> = c
            .monitors()
            .monitor(&id)
            .events()
            .include_completions(true)
            .stream()
            .try_collect()
            .await
            .unwrap();
        let group = all
            .iter()
            .find_map(|e| e.event_group_id().map(str::to_owned))
            .expect("some check found something");
        (all, group)
    });
    assert!(all.len() > 20, "{} events: one page only", all.len());

    let out = pw(
        &emu,
        &dir,
        &["monitor", "events", &id, "--include-completions", "--json"],
    );
    assert_exit(&out, 0);
    let lines: Vec<Value> = stdout_of(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), all.len());
    let kinds: Vec<&str> = lines
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"completion") && kinds.contains(&"event_stream"));

    // Without completions, one line per event found; with a group, only its own.
    let found = pw(&emu, &dir, &["monitor", "events", &id]);
    assert_exit(&found, 0);
    let found = stdout_of(&found);
    assert_eq!(
        found.lines().count(),
        kinds.iter().filter(|k| **k != "completion").count()
    );
    let group = pw(
        &emu,
        &dir,
        &[
            "monitor",
            "events",
            &id,
            "--event-group",
            &first_group,
            "--json",
        ],
    );
    assert_exit(&group, 0);
    let group = stdout_of(&group);
    assert!(!group.is_empty());
    for line in group.lines() {
        let e: Value = serde_json::from_str(line).unwrap();
        assert_eq!(e["event_group_id"], Value::from(first_group.as_str()));
    }
}

#[test]
fn monitor_refuses_bad_input_before_sending_anything() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("monitor-bad");
    for args in [
        &["monitor", "create", "x", "--frequency", "daily"][..],
        &["monitor", "create", "x", "--frequency", "31d"],
        &["monitor", "create", "x", "--frequency", "30m"],
        &["monitor", "create", "x"],
        &["monitor", "create", "x", "--frequency", "1d", "-p", "pro"],
        &[
            "monitor",
            "create",
            "x",
            "--frequency",
            "1d",
            "--column",
            ":",
        ],
        &[
            "monitor",
            "create",
            "x",
            "--frequency",
            "1d",
            "--metadata",
            "k",
        ],
        &["monitor", "create", "--frequency", "1d"],
        &["monitor", "update", "monitor_x"],
        &["monitor", "update", "monitor_x", "--frequency", "0h"],
        &["monitor", "list", "--type", "weekly"],
        &["monitor", "list", "--status", "paused"],
    ] {
        let out = pw(&emu, &dir, args);
        assert_exit(&out, USAGE);
        assert!(stdout_of(&out).is_empty(), "{args:?}");
    }
    assert_eq!(api_operations(&emu), Vec::<String>::new());
}

#[test]
fn monitor_commands_on_an_unknown_monitor_exit_4_saying_not_found() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("monitor-unknown");
    for args in [
        &["monitor", "get", "monitor_missing"][..],
        &["monitor", "cancel", "monitor_missing"],
        &["monitor", "trigger", "monitor_missing"],
        &["monitor", "events", "monitor_missing"],
        &["monitor", "update", "monitor_missing", "--frequency", "1d"],
    ] {
        let out = pw(&emu, &dir, args);
        assert_exit(&out, API);
        assert!(
            stderr_of(&out).to_lowercase().contains("not found"),
            "{args:?}: {}",
            stderr_of(&out)
        );
        assert!(stdout_of(&out).is_empty());
    }
}
