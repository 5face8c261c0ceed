//! End-to-end tests of `research run|status|result`, `search`, `extract`
//! and `chat` against the emulator binary, run as a user would (answer on
//! stdout, progress and errors on stderr, exit status from the README's
//! table), with what they print checked against what the SDK reads from
//! the same emulator and against what the emulator recorded.

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

use parallel_web::Client;
use parallel_web_tests::{EmulatorProcess, TEST_API_KEY};
use serde_json::Value;
use support::{api_operations, block_on, cli, pw, run, scratch, stderr_of, stdout_of};

const USAGE: i32 = 64;
const AUTHENTICATION: i32 = 3;
const API: i32 = 4;
const TIMEOUT: i32 = 5;
const SOME_FAILED: i32 = 2;

/// Runs `parallel-web <args>` with `stdin` piped in.
fn pw_stdin(emu: &EmulatorProcess, dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut c = cli(emu, dir);
    c.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

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

/// The run id in `run trun_... created` on stderr.
fn created_run(out: &Output) -> String {
    let stderr = stderr_of(out);
    stderr
        .split_whitespace()
        .find(|w| w.starts_with("trun_"))
        .unwrap_or_else(|| panic!("no run id in {stderr}"))
        .to_owned()
}

// ---- research ----

#[test]
fn research_run_prints_the_runs_markdown_answer_and_sends_the_question() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "31"]);
    let dir = scratch("research-text");
    let out = pw(
        &emu,
        &dir,
        &[
            "research",
            "run",
            "Who founded Stripe?",
            "-p",
            "lite",
            "--text",
        ],
    );
    assert_exit(&out, 0);
    let run_id = created_run(&out);
    let (input, result) = block_on(async {
        let c = client(&emu);
        let input = c.task_runs().input(&run_id).await.unwrap();
        let result = c.task_runs().result(&run_id).await.unwrap();
        (input, result)
    });
    assert_eq!(
        serde_json::to_value(&input.input).unwrap(),
        Value::from("Who founded Stripe?")
    );
    assert_eq!(input.processor, "lite");
    let Value::String(answer) = serde_json::to_value(&result.output).unwrap()["content"].clone()
    else {
        panic!("a text answer")
    };
    assert_eq!(stdout_of(&out).trim_end(), answer.trim_end());
}

#[test]
fn research_run_with_columns_prints_the_json_answer_and_its_basis() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "32"]);
    let dir = scratch("research-columns");
    let out = pw(
        &emu,
        &dir,
        &[
            "research",
            "run",
            "Stripe",
            "-p",
            "lite",
            "--column",
            "ceo: CEO name",
            "--column",
            "founded:integer: Year founded",
            "--basis",
        ],
    );
    assert_exit(&out, 0);
    let stdout = stdout_of(&out);
    let (answer, basis) = stdout.split_once("\n## Basis").expect("a basis section");
    let answer: Value = serde_json::from_str(answer).expect("the answer is JSON");
    assert!(answer["ceo"].is_string(), "{answer}");
    assert!(answer["founded"].is_i64(), "{answer}");
    let run_id = created_run(&out);
    let result = block_on(client(&emu).task_runs().result(&run_id).send()).unwrap();
    let wire = serde_json::to_value(&result.output).unwrap();
    assert_eq!(wire["content"], answer);
    for b in wire["basis"].as_array().unwrap() {
        assert!(basis.contains(&format!("### {}", b["field"].as_str().unwrap())));
        for c in b["citations"].as_array().unwrap() {
            assert!(basis.contains(c["url"].as_str().unwrap()), "{basis}");
        }
    }
}

#[test]
fn research_run_no_wait_then_status_and_result_collect_the_same_run() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "33"]);
    let dir = scratch("research-no-wait");
    let out = pw_stdin(
        &emu,
        &dir,
        &["research", "run", "-", "-p", "base", "--no-wait"],
        "  What does ACME sell?\n",
    );
    assert_exit(&out, 0);
    let run_id = stdout_of(&out).trim().to_owned();
    assert!(run_id.starts_with("trun_"), "{run_id}");
    let input = block_on(client(&emu).task_runs().input(&run_id).send()).unwrap();
    assert_eq!(
        serde_json::to_value(&input.input).unwrap(),
        Value::from("What does ACME sell?")
    );

    let result = pw(&emu, &dir, &["research", "result", &run_id, "--json"]);
    assert_exit(&result, 0);
    let result: Value = serde_json::from_str(&stdout_of(&result)).unwrap();
    assert_eq!(result["run"]["run_id"], Value::from(run_id.as_str()));
    assert_eq!(result["run"]["status"], "completed");

    let status = pw(&emu, &dir, &["research", "status", &run_id, "--json"]);
    assert_exit(&status, 0);
    let status: Value = serde_json::from_str(&stdout_of(&status)).unwrap();
    assert_eq!(status["run_id"], Value::from(run_id.as_str()));
    let line = pw(&emu, &dir, &["research", "status", &run_id]);
    assert_eq!(
        stdout_of(&line).trim(),
        format!("{run_id}: completed (processor base)")
    );
    // One run in all: nothing was created twice.
    assert_eq!(
        block_on(emu.stats())["runs_created"].as_u64(),
        Some(1),
        "{:?}",
        api_operations(&emu)
    );
}

#[test]
fn a_run_that_outlasts_max_wait_exits_5_and_names_the_command_to_collect_it() {
    // At time scale 1 a `pro` run takes minutes.
    let emu = EmulatorProcess::spawn(&["--time-scale", "1", "--seed", "34"]);
    let dir = scratch("research-timeout");
    let out = pw(
        &emu,
        &dir,
        &[
            "research",
            "run",
            "Slow question",
            "-p",
            "pro",
            "--max-wait",
            "0",
        ],
    );
    assert_exit(&out, TIMEOUT);
    let run_id = created_run(&out);
    assert!(
        stderr_of(&out).contains(&format!("parallel-web research result {run_id}")),
        "{}",
        stderr_of(&out)
    );
    let again = pw(
        &emu,
        &dir,
        &["research", "result", &run_id, "--max-wait", "0"],
    );
    assert_exit(&again, TIMEOUT);
    assert!(stdout_of(&again).is_empty());
}

#[test]
fn research_refuses_bad_input_before_sending_and_names_api_failures() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("research-bad");
    std::fs::write(dir.join("empty.txt"), "  \n").unwrap();
    std::fs::write(dir.join("schema.json"), "{not json").unwrap();
    for (args, words) in [
        (&["research", "run"][..], "no question"),
        (&["research", "run", "-f", "empty.txt"], "empty"),
        (&["research", "run", "-f", "missing.txt"], "missing.txt"),
        (
            &["research", "run", "q", "--output-schema", "schema.json"],
            "not JSON",
        ),
        (&["research", "run", "q", "--column", ":"], "no name"),
        (
            &["research", "run", "q", "--column", "a:colour"],
            "unknown type",
        ),
        (&["research", "run", "q", "--metadata", "k"], "key=value"),
        (
            &["research", "run", "q", "--text", "--column", "a"],
            "cannot be used",
        ),
    ] {
        let out = pw(&emu, &dir, args);
        assert_exit(&out, USAGE);
        assert!(
            stderr_of(&out).contains(words),
            "{args:?}: {}",
            stderr_of(&out)
        );
        assert!(out.stdout.is_empty());
    }
    assert!(
        api_operations(&emu).is_empty(),
        "{:?}",
        api_operations(&emu)
    );
    let out = pw(&emu, &dir, &["research", "status", "trun_nope"]);
    assert_exit(&out, API);
    assert!(stderr_of(&out).contains("404"), "{}", stderr_of(&out));
    let out = pw(
        &emu,
        &dir,
        &["research", "run", "q", "-p", "no-such-processor"],
    );
    assert_ne!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("processor"), "{}", stderr_of(&out));
}

// ---- search and extract ----

#[test]
fn search_prints_each_page_the_api_found_within_the_domains_asked() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "35"]);
    let dir = scratch("search");
    let args = [
        "search",
        "grid battery storage",
        "-q",
        "battery storage projects",
        "--max-results",
        "4",
        "--exclude-domain",
        "example.net",
    ];
    let human = pw(&emu, &dir, &args);
    assert_exit(&human, 0);
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let json = pw(&emu, &dir, &json_args);
    assert_exit(&json, 0);
    let response: Value = serde_json::from_str(&stdout_of(&json)).unwrap();
    let results = response["results"].as_array().unwrap();
    assert!(!results.is_empty() && results.len() <= 4, "{response}");
    let text = stdout_of(&human);
    let urls: Vec<&str> = text.lines().filter(|l| l.starts_with("http")).collect();
    let expected: Vec<&str> = results.iter().map(|r| r["url"].as_str().unwrap()).collect();
    assert_eq!(urls, expected);
    assert!(urls.iter().all(|u| !u.contains("example.net")), "{urls:?}");
    for r in results {
        for e in r["excerpts"].as_array().unwrap() {
            let one_line = e
                .as_str()
                .unwrap()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            assert!(text.contains(&format!("  > {one_line}")), "{text}");
        }
    }
}

#[test]
fn extract_prints_the_pages_read_and_exits_2_naming_those_it_could_not_read() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "36"]);
    let dir = scratch("extract");
    let found = block_on(
        client(&emu)
            .search()
            .query("grid battery storage")
            .max_results(2)
            .send(),
    )
    .unwrap();
    let good = found.results[0].url.clone();
    let bad = "https://unreachable.invalid/report";
    let out = pw(&emu, &dir, &["extract", &good, bad, "--full-content"]);
    assert_exit(&out, SOME_FAILED);
    let text = stdout_of(&out);
    assert!(text.lines().any(|l| l == good), "{text}");
    assert!(!text.contains(bad), "{text}");
    assert!(stderr_of(&out).contains(&format!("could not read {bad}")));

    let json = pw(&emu, &dir, &["extract", &good, bad, "--json"]);
    assert_exit(&json, SOME_FAILED);
    let response: Value = serde_json::from_str(&stdout_of(&json)).unwrap();
    assert_eq!(response["results"][0]["url"], Value::from(good.as_str()));
    assert_eq!(response["errors"][0]["url"], bad);

    let all_read = pw(&emu, &dir, &["extract", &good]);
    assert_exit(&all_read, 0);
}

#[test]
fn search_and_extract_refuse_bad_input_before_sending() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("web-bad");
    let many: Vec<String> = (0..30)
        .map(|i| format!("https://example.com/{i}"))
        .collect();
    let mut too_many = vec!["extract"];
    too_many.extend(many.iter().map(String::as_str));
    for (args, words) in [
        (&["search"][..], "search_queries"),
        (
            &["search", "x", "-q", "y", "--mode", "weird"],
            "not a search mode",
        ),
        (
            &["search", "x", "-q", "y", "--after-date", "yesterday"],
            "YYYY-MM-DD",
        ),
        (&["extract", "not-a-url"], "not a URL"),
        (&too_many[..], "urls"),
        (&["extract"], "URL"),
    ] {
        let out = pw(&emu, &dir, args);
        assert_exit(&out, USAGE);
        assert!(
            stderr_of(&out).contains(words),
            "{args:?}: {}",
            stderr_of(&out)
        );
    }
    assert!(
        api_operations(&emu).is_empty(),
        "{:?}",
        api_operations(&emu)
    );
    let mut c = cli(&emu, &dir);
    c.env("PARALLEL_API_KEY", "not-the-key")
        .args(["search", "x", "-q", "y"]);
    let out = run(c);
    assert_exit(&out, AUTHENTICATION);
    assert!(stderr_of(&out).contains("401"), "{}", stderr_of(&out));
}

// ---- chat ----

#[test]
fn chat_streams_the_same_answer_the_sdk_assembles_and_names_the_interaction() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0", "--seed", "37"]);
    let dir = scratch("chat");
    let out = pw_stdin(
        &emu,
        &dir,
        &["chat", "-", "--system", "Be brief."],
        "Which river runs through Lyon?",
    );
    assert_exit(&out, 0);
    let expected = block_on(async {
        client(&emu)
            .chat()
            .model("speed")
            .system("Be brief.")
            .user("Which river runs through Lyon?")
            .stream()
            .await
            .unwrap()
            .collect_message()
            .await
            .unwrap()
    });
    assert_eq!(
        stdout_of(&out).trim_end(),
        expected.content().unwrap().trim_end()
    );
    let id = expected.interaction_id().unwrap();
    assert!(stderr_of(&out).contains(&format!("--previous-interaction-id {id}")));

    let json = pw(
        &emu,
        &dir,
        &[
            "chat",
            "How long is it?",
            "--previous-interaction-id",
            id,
            "--json",
        ],
    );
    assert_exit(&json, 0);
    let completion: Value = serde_json::from_str(&stdout_of(&json)).unwrap();
    assert_eq!(completion["object"], "chat.completion");
    assert!(completion["choices"][0]["message"]["content"].is_string());
}

#[test]
fn a_chat_stream_cut_before_its_end_exits_4_saying_the_answer_is_incomplete() {
    let emu = EmulatorProcess::spawn(&[
        "--time-scale",
        "0",
        "--fault",
        "drop-stream:after=3,path=/chat/completions",
    ]);
    let dir = scratch("chat-cut");
    let out = pw(&emu, &dir, &["chat", "Tell me about the Rhone in detail"]);
    assert_exit(&out, API);
    assert!(
        stderr_of(&out).contains("the answer is incomplete"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn chat_refuses_an_empty_message_and_names_an_unknown_model() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("chat-bad");
    let out = pw_stdin(&emu, &dir, &["chat", "-"], " \n");
    assert_exit(&out, USAGE);
    assert!(
        api_operations(&emu).is_empty(),
        "{:?}",
        api_operations(&emu)
    );
    let out = pw(&emu, &dir, &["chat", "hi", "--model", "gpt-9"]);
    assert_exit(&out, API);
    assert!(stderr_of(&out).contains("model"), "{}", stderr_of(&out));
    assert!(out.stdout.is_empty());
}

#[test]
fn a_chat_whose_stdout_closes_early_is_an_error_message_not_a_panic() {
    let emu = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let dir = scratch("chat-closed");
    let mut c = cli(&emu, &dir);
    c.args(["chat", "Which river runs through Lyon?"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_exit(&out, 1);
    let stderr = stderr_of(&out);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("cannot write to standard output"),
        "{stderr}"
    );
}
