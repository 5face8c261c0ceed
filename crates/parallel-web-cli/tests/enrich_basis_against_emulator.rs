//! `enrich --basis` against the emulator binary: each added column gets its
//! citations and confidence from its own run's basis, a finished journal
//! gains them on a rerun without creating a run, and a column name the
//! flag would overwrite is refused before anything is sent.

mod support;

use parallel_web_tests::EmulatorProcess;
use serde_json::Value;
use support::{api_operations, pw, read_csv, read_jsonl, scratch, stderr_of, stdout_of};

const USAGE: i32 = 64;
const COLUMNS: [&str; 2] = ["ceo: The CEO's name", "founded: The year it was founded"];

fn enrich_args<'a>(output: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "enrich",
        "companies.csv",
        "-o",
        output,
        "--processor",
        "lite",
    ];
    for c in COLUMNS {
        args.extend(["--column", c]);
    }
    args.extend(extra);
    args
}

/// The basis of run `id` as the API serves it: field -> (URLs, confidence).
fn basis_of(
    emu: &EmulatorProcess,
    dir: &std::path::Path,
    id: &str,
) -> Vec<(String, Vec<String>, Value)> {
    let out = pw(emu, dir, &["runs", "result", id]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let result: Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    result["output"]["basis"]
        .as_array()
        .expect("a completed run has a basis")
        .iter()
        .map(|f| {
            let urls = f["citations"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| c["url"].as_str().unwrap().to_owned())
                .collect();
            (
                f["field"].as_str().unwrap().to_owned(),
                urls,
                f["confidence"].clone(),
            )
        })
        .collect()
}

#[test]
fn basis_adds_each_columns_citations_and_confidence_from_its_own_run() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "43"]);
    let dir = scratch("basis-csv");
    std::fs::copy(support::COMPANIES, dir.join("companies.csv")).unwrap();

    let out = pw(&emu, &dir, &enrich_args("out.csv", &["--basis"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let header = std::fs::read_to_string(dir.join("out.csv")).unwrap();
    let header = header.lines().next().unwrap();
    assert_eq!(
        header,
        "company_name,company_website,ceo,founded,ceo_citations,ceo_confidence,\
         founded_citations,founded_confidence,_run_id,_status,_error"
    );
    let rows = read_csv(&dir.join("out.csv"));
    assert_eq!(rows.len(), 3);
    let mut cited = 0;
    for row in &rows {
        let id = row["_run_id"].as_str().unwrap();
        let basis = basis_of(&emu, &dir, id);
        for column in ["ceo", "founded"] {
            let (_, urls, confidence) = basis
                .iter()
                .find(|(field, ..)| field == column)
                .unwrap_or_else(|| panic!("run {id} has no basis for {column}"));
            // CSV: one cell, the URLs separated by spaces.
            assert_eq!(
                row[format!("{column}_citations").as_str()],
                urls.join(" "),
                "{row}"
            );
            assert_eq!(
                row[format!("{column}_confidence").as_str()],
                *confidence,
                "{row}"
            );
            cited += urls.len();
        }
    }
    assert!(cited > 0, "the emulator cites sources: {rows:?}");
}

#[test]
fn basis_on_a_rerun_of_a_finished_journal_reads_it_without_creating_a_run() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "44"]);
    let dir = scratch("basis-rerun");
    std::fs::copy(support::COMPANIES, dir.join("companies.csv")).unwrap();

    let first = pw(&emu, &dir, &enrich_args("out.jsonl", &[]));
    assert_eq!(first.status.code(), Some(0), "{}", stderr_of(&first));
    let before = read_jsonl(&dir.join("out.jsonl"));
    assert!(before[0].get("ceo_citations").is_none(), "{}", before[0]);
    let created = support::stats(&emu)["runs_created"].clone();

    let again = pw(&emu, &dir, &enrich_args("out.jsonl", &["--basis"]));
    assert_eq!(again.status.code(), Some(0), "{}", stderr_of(&again));
    assert_eq!(support::stats(&emu)["runs_created"], created);
    let after = read_jsonl(&dir.join("out.jsonl"));
    assert_eq!(after.len(), before.len());
    for (old, new) in before.iter().zip(&after) {
        assert_eq!(old["_run_id"], new["_run_id"]);
        assert_eq!(old["ceo"], new["ceo"]);
        let id = new["_run_id"].as_str().unwrap();
        let (_, urls, confidence) = basis_of(&emu, &dir, id)
            .into_iter()
            .find(|(field, ..)| field == "ceo")
            .unwrap();
        // JSON: an array of URLs.
        assert_eq!(new["ceo_citations"], Value::from(urls), "{new}");
        assert_eq!(new["ceo_confidence"], confidence, "{new}");
    }
}

#[test]
fn basis_refuses_a_column_it_would_overwrite_and_sends_nothing() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("basis-clash");
    std::fs::write(
        dir.join("companies.csv"),
        "company_name,ceo_citations\nAcme,kept\n",
    )
    .unwrap();
    let out = pw(&emu, &dir, &enrich_args("out.csv", &["--basis"]));
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(USAGE), "{stderr}");
    assert!(
        stderr.contains("\"ceo_citations\"") && stderr.contains("a column of the input"),
        "{stderr}"
    );

    std::fs::write(dir.join("companies.csv"), "company_name\nAcme\n").unwrap();
    let out = pw(
        &emu,
        &dir,
        &[
            "enrich",
            "companies.csv",
            "-o",
            "out.csv",
            "--basis",
            "--column",
            "ceo: CEO",
            "--column",
            "ceo_confidence: How sure",
        ],
    );
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(USAGE), "{stderr}");
    assert!(stderr.contains("a column to add"), "{stderr}");
    assert!(!dir.join("out.csv").exists());
    assert!(
        api_operations(&emu).is_empty(),
        "{:?}",
        api_operations(&emu)
    );
}
