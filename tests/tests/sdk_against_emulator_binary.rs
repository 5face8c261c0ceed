//! The SDK against the emulator *binary*, as a user's test suite would run
//! them: a separate process on a loopback port, configured from its command
//! line, stopped with SIGTERM.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures::StreamExt;
use parallel_web::{ApiVersion, Client, Error, GroupEvent, TaskSpec};
use parallel_web_tests::{EmulatorProcess, TEST_API_KEY};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct CompanyInput {
    /// Name of the company
    company_name: String,
    /// Company website URL
    company_website: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct CompanyOutput {
    /// Key business insights
    key_insights: Vec<String>,
    /// Market positioning analysis
    market_position: String,
}

fn client_for(emulator: &EmulatorProcess, version: ApiVersion) -> Client {
    Client::builder()
        .api_key(TEST_API_KEY)
        .base_url(emulator.base_url())
        .api_version(version)
        // `ambiguous-add-runs` commits before it cuts: nothing lands late,
        // and the default 60 s settle window would only slow the test.
        .settle_window(std::time::Duration::from_millis(100))
        .build()
        .expect("client")
}

fn companies() -> Vec<CompanyInput> {
    [
        ("Stripe", "https://stripe.com"),
        ("Shopify", "https://shopify.com"),
        ("Salesforce", "https://salesforce.com"),
    ]
    .into_iter()
    .map(|(name, site)| CompanyInput {
        company_name: name.into(),
        company_website: site.into(),
    })
    .collect()
}

/// The seeds' company-research batch, start to finish, on one path family.
async fn research_companies(client: &Client) {
    let spec = TaskSpec::json::<CompanyInput, CompanyOutput>();
    let group = client
        .task_groups()
        .create()
        .metadata([("project", "e2e")])
        .send()
        .await
        .expect("create group");
    let inputs = companies();
    let added = group
        .add_runs(&inputs)
        .processor("pro")
        .default_spec(&spec)
        .send()
        .await
        .expect("add runs");
    assert_eq!(added.run_ids.len(), 3);

    let status = group
        .wait()
        .max_wait(Duration::from_secs(120))
        .await
        .expect("group finishes");
    assert!(!status.is_active);
    assert_eq!(status.num_task_runs, 3);
    assert_eq!(status.task_run_status_counts.get("completed"), Some(&3));

    let mut results = group
        .runs()
        .include_input()
        .include_output()
        .typed::<CompanyInput, CompanyOutput>()
        .await
        .expect("open runs stream");
    let mut seen = BTreeMap::new();
    while let Some(run) = results.next().await {
        let run = run.expect("every run decodes");
        let input = run.input.expect("input was requested");
        let output = run.output.expect("completed runs carry output");
        assert!(!output.key_insights.is_empty());
        assert!(!output.market_position.is_empty());
        let basis = run.basis.decode().expect("the basis decodes on demand");
        assert_eq!(basis.len(), 2, "each output field has a basis");
        assert!(basis.iter().all(|b| !b.citations.is_empty()));
        seen.insert(run.run.run_id.clone(), input);
    }
    // Every run id we were given came back once, with the input we sent.
    let ids: BTreeSet<_> = added.run_ids.iter().cloned().collect();
    assert_eq!(seen.keys().cloned().collect::<BTreeSet<_>>(), ids);
    for (id, input) in added.run_ids.iter().zip(&inputs) {
        assert_eq!(&seen[id], input);
    }
}

#[tokio::test]
async fn company_research_runs_end_to_end_on_v1() {
    let emulator = EmulatorProcess::spawn(&["--time-scale", "0.001", "--seed", "11"]);
    research_companies(&client_for(&emulator, ApiVersion::V1)).await;
    assert!(emulator.terminate().success(), "clean exit on SIGTERM");
}

#[tokio::test]
async fn company_research_runs_end_to_end_on_v1beta() {
    let emulator = EmulatorProcess::spawn(&["--time-scale", "0.001", "--seed", "12"]);
    research_companies(&client_for(&emulator, ApiVersion::V1Beta)).await;
    assert!(emulator.terminate().success(), "clean exit on SIGTERM");
}

#[tokio::test]
async fn a_wrong_key_is_an_authentication_error_that_never_shows_the_key() {
    let emulator = EmulatorProcess::spawn(&["--time-scale", "0"]);
    let secret = "wrong-key-5f1c9e";
    let client = Client::builder()
        .api_key(secret)
        .base_url(emulator.base_url())
        .build()
        .expect("client");
    let err = client
        .task_groups()
        .create()
        .send()
        .await
        .expect_err("the emulator only accepts its own key");
    assert!(matches!(err, Error::Authentication(_)), "got {err:?}");
    assert!(!format!("{err:?} {err}").contains(secret));
    assert!(!format!("{client:?}").contains(secret));
}

/// Faults given on the binary's command line: the first add-runs POST is
/// committed and its connection cut, two POSTs are refused with 429, and
/// every stream is cut after 100 events. The SDK must still create each run
/// exactly once and read every run back exactly once.
#[tokio::test]
async fn command_line_faults_neither_lose_nor_duplicate_runs() {
    let emulator = EmulatorProcess::spawn(&[
        "--time-scale",
        "0",
        "--seed",
        "5",
        "--fault",
        "ambiguous-add-runs:times=1",
        "--fault",
        "status:code=429,retry-after-ms=20,times=2,method=POST,path=/runs",
        "--fault",
        "drop-stream:after=100",
    ]);
    let client = client_for(&emulator, ApiVersion::V1);
    let group = client
        .task_groups()
        .create()
        .send()
        .await
        .expect("create group");
    let inputs: Vec<BTreeMap<&str, usize>> =
        (0..1_500).map(|i| BTreeMap::from([("row", i)])).collect();
    let added = group
        .add_runs(&inputs)
        .processor("lite")
        .send()
        .await
        .expect("add runs despite the faults");
    assert_eq!(added.run_ids.len(), 1_500);
    assert_eq!(
        added.run_ids.iter().collect::<BTreeSet<_>>().len(),
        1_500,
        "run ids are distinct"
    );

    let status = group
        .wait()
        .max_wait(Duration::from_secs(120))
        .await
        .expect("group finishes");
    assert_eq!(status.num_task_runs, 1_500, "no run was created twice");

    // Read the runs back through streams that are cut every 100 events.
    let mut stream = group.runs().include_input().send().await.expect("open");
    let mut rows = Vec::new();
    let mut run_ids = BTreeSet::new();
    while let Some(event) = stream.next().await {
        if let GroupEvent::RunState(run) = event.expect("the stream resumes by itself") {
            assert!(run_ids.insert(run.run.run_id.clone()), "a run came twice");
            let input = serde_json::to_value(&run.input.expect("input requested").input)
                .expect("input as JSON");
            rows.push(input["row"].as_u64().expect("row number"));
        }
    }
    rows.sort_unstable();
    assert_eq!(rows, (0..1_500).collect::<Vec<u64>>(), "every input once");
    assert_eq!(run_ids, added.run_ids.iter().cloned().collect());

    // The faults really fired, and the server holds each run once.
    let stats = emulator.stats().await;
    assert_eq!(stats["runs_created"], 1_500);
    let fired = |prefix: &str| -> u64 {
        stats["faults_fired"]
            .as_object()
            .expect("faults_fired")
            .iter()
            .filter(|(spec, _)| spec.starts_with(prefix))
            .map(|(_, n)| n.as_u64().expect("count"))
            .sum()
    };
    assert_eq!(fired("ambiguous-add-runs"), 1);
    assert_eq!(fired("status:code=429"), 2);
    assert!(fired("drop-stream") >= 14, "1,500 runs in cuts of 100");
    assert!(emulator.terminate().success());
}
