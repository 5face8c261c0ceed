//! `parallel-cli enrich run` configs against the emulator binary: every key
//! of the config and every column type its type map accepts, `source_type`
//! honoured, and the configs `parallel-cli` would run wrongly or not at all
//! (bad YAML, an unknown type, a schema over the API's limits) refused with
//! the place to fix and nothing sent.

mod support;

use parallel_web_tests::EmulatorProcess;
use serde_json::{Value, json};
use support::{api_operations, pw, read_jsonl, scratch, stderr_of};

const USAGE: i32 = 64;

/// Every type `parallel-cli`'s type map names, with a column of each.
const TYPES: [&str; 16] = [
    "str",
    "int",
    "float",
    "bool",
    "datetime",
    "date",
    "str | None",
    "int | None",
    "float | None",
    "bool | None",
    "datetime | None",
    "date | None",
    "list[str]",
    "list[int]",
    "list[float]",
    "list[bool]",
];

fn column_name(kind: &str) -> String {
    kind.replace(" | None", "_or_none")
        .replace("list[", "list_of_")
        .replace(']', "")
}

/// A config with every key and every type, reading `companies.data` (no
/// known extension: only `source_type` says it is CSV).
fn full_config(target: &str) -> String {
    let mut yaml = format!(
        "source_type: csv\nsource: companies.data\ntarget: {target}\nprocessor: lite\n\
         source_columns:\n  - name: company_name\n    description: The company\n\
         enriched_columns:\n"
    );
    for kind in TYPES {
        yaml.push_str(&format!(
            "  - name: {}\n    description: A {kind} value\n    type: \"{kind}\"\n",
            column_name(kind)
        ));
    }
    yaml
}

/// Does `value` fit the column type `kind` the way pydantic would read it?
fn fits(kind: &str, value: &Value) -> bool {
    if let Some(inner) = kind.strip_suffix(" | None") {
        return value.is_null() || fits(inner, value);
    }
    if let Some(inner) = kind.strip_prefix("list[").and_then(|k| k.strip_suffix(']')) {
        return value
            .as_array()
            .is_some_and(|items| items.iter().all(|v| fits(inner, v)));
    }
    match kind {
        "str" => value.is_string(),
        "int" => value.is_i64() || value.is_u64(),
        "float" => value.is_number(),
        "bool" => value.is_boolean(),
        "date" => value
            .as_str()
            .is_some_and(|s| s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-'),
        "datetime" => value
            .as_str()
            .is_some_and(|s| s.len() >= 19 && s.as_bytes()[10] == b'T'),
        _ => false,
    }
}

#[test]
fn a_config_with_every_key_and_type_runs_with_each_column_typed() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "41"]);
    let dir = scratch("config-types");
    std::fs::copy(support::COMPANIES, dir.join("companies.data")).unwrap();
    std::fs::write(dir.join("enrich.yaml"), full_config("enriched.jsonl")).unwrap();

    // The spec sent is the JSON Schema of each Python type.
    let preview = pw(
        &emu,
        &dir,
        &["enrich", "--config", "enrich.yaml", "--dry-run"],
    );
    assert_eq!(preview.status.code(), Some(0), "{}", stderr_of(&preview));
    let text = String::from_utf8_lossy(&preview.stdout);
    let spec_text = text
        .strip_prefix("task spec:\n")
        .expect("the dry run prints the spec first");
    let spec: Value = serde_json::Deserializer::from_str(spec_text)
        .into_iter::<Value>()
        .next()
        .unwrap()
        .unwrap();
    let properties = &spec["output_schema"]["json_schema"]["properties"];
    assert_eq!(properties.as_object().unwrap().len(), TYPES.len(), "{spec}");
    let date = json!({"type": "string", "format": "date", "description": "A date value"});
    assert_eq!(properties["date"], date);
    assert_eq!(
        properties["int_or_none"],
        json!({"anyOf": [{"type": "integer"}, {"type": "null"}], "description": "A int | None value"})
    );
    assert_eq!(
        properties["list_of_bool"]["items"],
        json!({"type": "boolean"})
    );

    let out = pw(&emu, &dir, &["enrich", "--config", "enrich.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let rows = read_jsonl(&dir.join("enriched.jsonl"));
    assert_eq!(rows.len(), 3);
    for row in &rows {
        for kind in TYPES {
            let value = &row[column_name(kind).as_str()];
            assert!(fits(kind, value), "{kind}: {value} in {row}");
        }
    }
    // Only `source_columns` were sent, with the config's processor.
    let group = support::group_of(&out.stderr);
    for entry in support::ledger(&emu, &group) {
        let input = entry.run_input["input"].as_object().unwrap();
        assert_eq!(input.keys().collect::<Vec<_>>(), ["company_name"]);
        assert_eq!(entry.run_input["processor"], "lite");
    }
}

#[test]
fn configs_parallel_cli_would_misread_are_refused_before_anything_is_sent() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("config-bad");
    std::fs::copy(support::COMPANIES, dir.join("companies.csv")).unwrap();
    let base = "source: companies.csv\ntarget: out.csv\nsource_columns:\n  - name: company_name\n    description: The company\n";
    let many: String = (0..101)
        .map(|i| format!("  - name: c{i}\n    description: Column {i}\n"))
        .collect();
    let cases = [
        (
            // A tab where YAML wants spaces, on line 7.
            format!("{base}enriched_columns:\n\t- name: ceo\n"),
            vec!["enrich.yaml", "line 7"],
        ),
        (
            format!(
                "{base}enriched_columns:\n  - name: ceo\n    description: CEO\n    type: colour\n"
            ),
            vec!["\"ceo\"", "unknown type \"colour\""],
        ),
        (
            format!("{base}enriched_columns:\n  - name: ceo\n    type: \"list[colour]\"\n"),
            vec!["unknown type \"list[colour]\""],
        ),
        (
            format!("source_type: duckdb\n{base}enriched_columns:\n  - name: ceo\n"),
            vec!["duckdb", "export the table"],
        ),
        (
            format!("{base}enriched_columns:\n{many}"),
            vec!["over the API's limits"],
        ),
    ];
    for (yaml, words) in cases {
        std::fs::write(dir.join("enrich.yaml"), &yaml).unwrap();
        let out = pw(&emu, &dir, &["enrich", "--config", "enrich.yaml"]);
        let stderr = stderr_of(&out);
        assert_eq!(out.status.code(), Some(USAGE), "{yaml}\n{stderr}");
        for w in words {
            assert!(stderr.contains(w), "{w:?} not in {stderr}");
        }
        assert!(!dir.join("out.csv").exists());
    }
    assert!(
        api_operations(&emu).is_empty(),
        "{:?}",
        api_operations(&emu)
    );
}
