//! Part 2b: hostile input to the emulator binary over raw HTTP.
//!
//! - [`cases`]: the table of bad requests and what each must get back
//!   (`cases/bodies.rs`: request bodies; `cases/paths.rs`: ids, cursors,
//!   query parameters, methods, routes and non-HTTP bytes)
//! - [`wire`]: sending a case (reqwest, or raw bytes on a `TcpStream`) and
//!   judging the answer's body shape
//! - [`crowd`]: thousands of connections held open at once
//! - [`slow`]: clients that send a request slowly, or stall mid-way
//!
//! Every test asserts the emulator is still alive, still answers, has no
//! panic on its stderr and kept its memory bounded afterwards.

mod cases;
mod crowd;
mod slow;
mod wire;

use cases::{Case, PrefixIds, Request};
use parallel_web_tests::{EmulatorProcess, TEST_API_KEY};
use wire::shape_mismatch;

/// Generous bound on the emulator's resident memory after hostile traffic:
/// a bound on memory, well above the few tens of MiB it needs, far below
/// what buffering the 100 MiB bodies would take.
const RSS_BOUND_MIB: u64 = 512;

/// The emulator's resident set size in MiB, from `/proc/<pid>/status`.
pub(crate) fn rss_mib(emulator: &EmulatorProcess) -> u64 {
    let kib = parallel_web_tests::resident_kib(&emulator.pid().to_string())
        .expect("the emulator's VmRSS in /proc");
    kib / 1024
}

pub(crate) fn client() -> reqwest::Client {
    parallel_web::install_tls_provider();
    reqwest::Client::new()
}

/// The host:port of a base URL.
pub(crate) fn authority(emulator: &EmulatorProcess) -> String {
    emulator.base_url().trim_start_matches("http://").to_owned()
}

pub(crate) async fn post(client: &reqwest::Client, url: String, body: &str) -> serde_json::Value {
    client
        .post(url)
        .header("x-api-key", TEST_API_KEY)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("fixture POST")
        .json()
        .await
        .expect("fixture POST answers JSON")
}

/// The first `event_id` on an SSE stream that ends by itself.
async fn first_event_id(client: &reqwest::Client, url: String) -> String {
    let text = client
        .get(url)
        .header("x-api-key", TEST_API_KEY)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("fixture stream")
        .text()
        .await
        .expect("fixture stream body");
    text.lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<serde_json::Value>(d).ok())
        .find_map(|v| v["event_id"].as_str().map(str::to_owned))
        .expect("the stream carries an event_id")
}

/// Two groups (A with two runs, B with one) and their cursors under `prefix`.
async fn prefix_ids(client: &reqwest::Client, base: &str, prefix: &'static str) -> PrefixIds {
    let groups = format!("{base}{prefix}/tasks/groups");
    let mut made = Vec::new();
    for runs in [2, 1] {
        let group = post(client, groups.clone(), "{}").await["taskgroup_id"]
            .as_str()
            .expect("taskgroup_id")
            .to_owned();
        let inputs = vec![r#"{"input":"q","processor":"lite"}"#; runs].join(",");
        let added = post(
            client,
            format!("{groups}/{group}/runs"),
            &format!(r#"{{"inputs":[{inputs}]}}"#),
        )
        .await;
        let run = added["run_ids"][0].as_str().expect("a run id").to_owned();
        let run_cursor = first_event_id(client, format!("{groups}/{group}/runs")).await;
        let event_cursor = first_event_id(client, format!("{groups}/{group}/events")).await;
        made.push((group, run, run_cursor, event_cursor));
    }
    let (b, a) = (made.pop().expect("group B"), made.pop().expect("group A"));
    PrefixIds {
        prefix,
        group_a: a.0,
        run_a: a.1,
        run_cursor_a: a.2,
        event_cursor_a: a.3,
        group_b: b.0,
        run_b: b.1,
        run_cursor_b: b.2,
        event_cursor_b: b.3,
    }
}

/// Runs one case; `Err` says how the answer differed from the table.
async fn run_case(
    client: &reqwest::Client,
    emulator: &EmulatorProcess,
    case: &Case,
) -> Result<String, String> {
    let base = emulator.base_url();
    let observed = match &case.request {
        Request::Http(h) => wire::send_http(client, base, h).await?,
        Request::Raw(bytes) => wire::send_raw(&authority(emulator), bytes).await?,
        Request::Huge { path, chunked } => {
            let outcome =
                wire::send_huge(&authority(emulator), path, cases::HUGE_BODY, *chunked).await?;
            if outcome.sent >= cases::HUGE_BODY {
                return Err(format!(
                    "the whole {} byte body went out before the answer ({})",
                    outcome.sent,
                    outcome.observed.describe()
                ));
            }
            outcome.observed
        }
    };
    let mut problems = Vec::new();
    if observed.status != case.status {
        problems.push(format!("expected HTTP {}", case.status));
    }
    problems.extend(shape_mismatch(case.shape, &observed));
    if problems.is_empty() {
        Ok(observed.describe())
    } else {
        Err(format!(
            "{}; got {}",
            problems.join(", "),
            observed.describe()
        ))
    }
}

/// Checks the emulator survived: alive, answering, no panic, memory bounded.
pub(crate) async fn assert_survived(client: &reqwest::Client, emulator: &mut EmulatorProcess) {
    assert!(emulator.is_running(), "the emulator process exited");
    let normal = wire::Http {
        method: reqwest::Method::POST,
        path: "/v1/tasks/groups".to_owned(),
        headers: vec![("content-type", "application/json".to_owned())],
        body: Some(b"{}".to_vec()),
        key: wire::Key::Valid,
    };
    let observed = wire::send_http(client, emulator.base_url(), &normal)
        .await
        .expect("a normal request is answered");
    assert_eq!(
        observed.status,
        200,
        "a normal request afterwards: {}",
        observed.describe()
    );
    let stderr = emulator.stderr_text();
    assert!(
        !stderr.contains("panicked"),
        "the emulator panicked:\n{stderr}"
    );
    let rss = rss_mib(emulator);
    assert!(
        rss < RSS_BOUND_MIB,
        "emulator RSS {rss} MiB is over {RSS_BOUND_MIB} MiB"
    );
}

/// Every row of the bad-input table gets its documented status and body
/// shape; all mismatches are reported together, then the emulator must have
/// survived them all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_documented_errors_and_the_emulator_survives() {
    let mut emulator =
        EmulatorProcess::spawn_capturing_stderr(&["--time-scale", "0", "--seed", "7"]);
    let client = client();
    let mut prefixes = Vec::new();
    for prefix in ["/v1", "/v1beta"] {
        prefixes.push(prefix_ids(&client, emulator.base_url(), prefix).await);
    }
    let run = post(
        &client,
        format!("{}/v1/tasks/runs", emulator.base_url()),
        r#"{"input":"q","processor":"lite"}"#,
    )
    .await;
    let run = run["run_id"].as_str().expect("run_id").to_owned();

    let findall = {
        let base = emulator.base_url();
        let body = r#"{"objective":"x","entity_type":"companies","generator":"core","match_limit":5,"match_conditions":[{"name":"a","description":"b"}]}"#;
        let mut made = Vec::new();
        for _ in 0..2 {
            let created = post(&client, format!("{base}/v1beta/findall/runs"), body).await;
            made.push(
                created["findall_id"]
                    .as_str()
                    .expect("findall_id")
                    .to_owned(),
            );
        }
        let other_event = first_event_id(
            &client,
            format!("{base}/v1beta/findall/runs/{}/events", made[1]),
        )
        .await;
        cases::FindAllIds {
            run: made.swap_remove(0),
            other_event,
        }
    };

    let table = cases::table(&prefixes, &run, &findall);
    let mut names = std::collections::HashSet::new();
    for case in &table {
        assert!(
            names.insert(case.name.as_str()),
            "duplicate case name {:?}",
            case.name
        );
    }
    let mut failures = Vec::new();
    for case in &table {
        match run_case(&client, &emulator, case).await {
            Ok(seen) => eprintln!("ok   {} -> {seen}", case.name),
            Err(why) => {
                eprintln!("FAIL {} -> {why}", case.name);
                failures.push(format!("{}: {why}", case.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        table.len(),
        failures.join("\n")
    );
    assert_survived(&client, &mut emulator).await;
}

/// Two thousand connections held open at once (idle, mid-request, holding
/// SSE streams) do not keep a normal request from being answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_open_connections_do_not_block_a_normal_request() {
    crowd::run().await;
}

/// Clients that send a request slowly or stall are disconnected by the
/// server, and others are served meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_requests_are_cut_off_while_others_are_served() {
    slow::run().await;
}
