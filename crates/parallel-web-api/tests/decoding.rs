//! Decoding what the server sends into the generated types: the captured
//! event and the documented examples (API notes §1 and §3), explicit nulls,
//! unknown run statuses and fields, and text and JSON outputs. The last test
//! reads a real event stream over HTTP.

mod support;

use eventsource_stream::Eventsource;
use futures::StreamExt;
use parallel_web_api::open::{TaskRunProgressMessageEventType, TaskRunStatus, WarningType};
use parallel_web_api::types::{
    TaskGroupEventStreamItem, TaskGroupRunStreamItem, TaskRunEventOutput, TaskRunEventStreamItem,
    TaskRunResult, TaskRunResultOutput,
};
use support::{Reply, client, serve_once};

/// The `task_run.state` event captured from the live API (API notes §1):
/// compact, in schema order, with explicit nulls.
const CAPTURED_STATE_EVENT: &str = r#"{"type":"task_run.state","event_id":null,"input":null,"run":{"run_id":"trun_aa9c0000000000000000000000000000","interaction_id":"trun_aa9c0000000000000000000000000000","status":"running","is_active":true,"warnings":null,"error":null,"processor":"pro","metadata":{},"taskgroup_id":null,"created_at":"2025-08-06T00:52:58.619503Z","modified_at":"2025-08-06T00:52:59.495063Z"},"output":null}"#;

const PROGRESS_MESSAGE: &str = r#"{"type":"task_run.progress_msg.exec_status","message":"Starting research","timestamp":"2025-08-06T00:52:59.786126Z"}"#;

const GROUP_STATUS_EVENT: &str = r#"{"type":"task_group_status","event_id":"123","status":{"num_task_runs":1,"task_run_status_counts":{"completed":1},"is_active":false,"status_message":"","modified_at":"2025-04-23T20:21:48.037943Z"}}"#;

const RUNS_STREAM_EVENT: &str = r#"{"type":"task_run.state","event_id":"123","input":{"processor":"core","metadata":{"my_key":"my_value"},"input":{"country":"France","year":2023}},"run":{"run_id":"trun_1","interaction_id":"trun_1","status":"completed","is_active":false,"processor":"core","created_at":"2025-04-23T20:21:48.037943Z","modified_at":"2025-04-23T20:21:48.037943Z"}}"#;

/// The captured progress-stats event (API notes §3) as documented: no
/// `progress_meter`, although the published schema lists it as required.
const DOCUMENTED_STATS_EVENT: &str = r#"{"type":"task_run.progress_stats","source_stats":{"num_sources_considered":223,"num_sources_read":22,"sources_read_sample":["https://example.com/a","https://example.com/b"]}}"#;

/// Decodes `json` as the union `$union` and returns the payload of
/// `$variant`; any other variant (or a decoding error) fails the test.
macro_rules! decode_as {
    ($union:ident :: $variant:ident, $json:expr) => {
        match serde_json::from_str::<$union>($json).unwrap() {
            $union::$variant(inner) => inner,
            other => panic!("expected {}, got {other:?}", stringify!($variant)),
        }
    };
}

fn run_with_status(status: &str) -> String {
    format!(
        r#"{{"run_id":"trun_1","interaction_id":"trun_1","status":"{status}","is_active":false,"processor":"base","created_at":null,"modified_at":null}}"#
    )
}

#[test]
fn the_captured_state_event_decodes_with_its_nulls() {
    let event = decode_as!(TaskRunEventStreamItem::TaskRunEvent, CAPTURED_STATE_EVENT);
    assert_eq!(event.event_id, None);
    assert_eq!(event.input, None);
    assert_eq!(event.output, None);
    assert_eq!(event.run.status, TaskRunStatus::Running);
    assert!(event.run.is_active);
    assert_eq!(event.run.processor, "pro");
    assert_eq!(event.run.metadata, Some(Default::default()));
    assert_eq!(
        event.run.created_at.as_deref(),
        Some("2025-08-06T00:52:58.619503Z")
    );
}

#[test]
fn the_captured_state_event_decodes_in_group_streams_too() {
    let group: TaskGroupEventStreamItem = serde_json::from_str(CAPTURED_STATE_EVENT).unwrap();
    assert!(matches!(group, TaskGroupEventStreamItem::TaskRunEvent(_)));
    let runs: TaskGroupRunStreamItem = serde_json::from_str(CAPTURED_STATE_EVENT).unwrap();
    assert!(matches!(runs, TaskGroupRunStreamItem::TaskRunEvent(_)));
}

#[test]
fn a_progress_message_decodes() {
    let event = decode_as!(
        TaskRunEventStreamItem::TaskRunProgressMessageEvent,
        PROGRESS_MESSAGE
    );
    assert_eq!(event.message, "Starting research");
    assert_eq!(event.type_.to_string(), "task_run.progress_msg.exec_status");
}

#[test]
fn progress_stats_decode() {
    let stats = r#"{"type":"task_run.progress_stats","source_stats":{"num_sources_considered":223,"num_sources_read":22,"sources_read_sample":["https://example.com/a"]},"progress_meter":40.5}"#;
    let event = decode_as!(TaskRunEventStreamItem::TaskRunProgressStatsEvent, stats);
    assert_eq!(event.source_stats.num_sources_considered, Some(223));
    assert_eq!(
        event.source_stats.sources_read_sample,
        Some(vec!["https://example.com/a".to_owned()])
    );
    assert_eq!(event.progress_meter, Some(40.5));
}

#[test]
fn the_documented_stats_event_without_a_progress_meter_decodes() {
    let event = decode_as!(
        TaskRunEventStreamItem::TaskRunProgressStatsEvent,
        DOCUMENTED_STATS_EVENT
    );
    assert_eq!(event.progress_meter, None);
    assert_eq!(event.source_stats.num_sources_considered, Some(223));
    assert_eq!(event.source_stats.num_sources_read, Some(22));
    assert_eq!(
        event.source_stats.sources_read_sample.map(|s| s.len()),
        Some(2)
    );
}

#[test]
fn the_group_status_example_decodes() {
    let event = decode_as!(
        TaskGroupEventStreamItem::TaskGroupStatusEvent,
        GROUP_STATUS_EVENT
    );
    assert_eq!(event.event_id, "123");
    assert_eq!(event.status.num_task_runs, 1);
    assert_eq!(
        event.status.task_run_status_counts.get("completed"),
        Some(&1)
    );
    assert!(!event.status.is_active);
    assert_eq!(event.status.status_message.as_deref(), Some(""));
}

#[test]
fn the_runs_stream_example_decodes_with_its_input() {
    let event = decode_as!(TaskGroupRunStreamItem::TaskRunEvent, RUNS_STREAM_EVENT);
    assert_eq!(event.event_id.as_deref(), Some("123"));
    let input = event.input.expect("input included");
    assert_eq!(input.processor, "core");
    // Through the generated untagged union too, the input is kept as
    // compact JSON text.
    assert_eq!(input.input.json(), r#"{"country":"France","year":2023}"#);
    let fields = input.input.to_value();
    assert_eq!(fields["country"], "France");
    assert_eq!(fields["year"], 2023);
}

#[test]
fn an_error_event_decodes() {
    let error = r#"{"type":"error","error":{"ref_id":"r1","message":"boom","detail":null}}"#;
    let event = decode_as!(TaskRunEventStreamItem::ErrorEvent, error);
    assert_eq!(event.error.message, "boom");
    assert_eq!(event.error.ref_id, "r1");
}

#[test]
fn an_unknown_run_status_decodes_as_other_without_failing_the_event() {
    let event = CAPTURED_STATE_EVENT.replace(r#""status":"running""#, r#""status":"paused""#);
    let event = decode_as!(TaskRunEventStreamItem::TaskRunEvent, &event);
    assert_eq!(event.run.status, TaskRunStatus::Other("paused".into()));
    assert_eq!(serde_json::to_value(&event.run.status).unwrap(), "paused");
}

#[test]
fn an_unlisted_progress_message_kind_decodes_as_other() {
    // Live streams send `task_run.progress_msg.tool`, which the spec does not list.
    let message = PROGRESS_MESSAGE.replace("exec_status", "tool");
    let event = decode_as!(
        TaskRunEventStreamItem::TaskRunProgressMessageEvent,
        &message
    );
    assert_eq!(
        event.type_,
        TaskRunProgressMessageEventType::Other("task_run.progress_msg.tool".into())
    );
    let known = decode_as!(
        TaskRunEventStreamItem::TaskRunProgressMessageEvent,
        PROGRESS_MESSAGE
    );
    assert_eq!(known.type_, TaskRunProgressMessageEventType::ExecStatus);
}

#[test]
fn an_unknown_warning_kind_does_not_fail_the_run() {
    let run = run_with_status("completed").replace(
        r#""processor":"base""#,
        r#""processor":"base","warnings":[{"type":"spec_validation_warning","message":"a","detail":null},{"type":"brand_new_warning","message":"b"}]"#,
    );
    let run: parallel_web_api::types::TaskRun = serde_json::from_str(&run).unwrap();
    let kinds: Vec<WarningType> = run.warnings.unwrap().into_iter().map(|w| w.type_).collect();
    assert_eq!(
        kinds,
        [
            WarningType::SpecValidationWarning,
            WarningType::Other("brand_new_warning".into())
        ]
    );
}

#[test]
fn open_enums_parse_and_print_their_wire_names() {
    assert_eq!(
        TaskRunStatus::from("action_required"),
        TaskRunStatus::ActionRequired
    );
    assert_eq!(
        "paused".parse::<TaskRunStatus>().unwrap(),
        TaskRunStatus::Other("paused".into())
    );
    assert_eq!(
        WarningType::InputValidationWarning.to_string(),
        "input_validation_warning"
    );
    assert_eq!(
        serde_json::to_string(&TaskRunProgressMessageEventType::ToolCall).unwrap(),
        r#""task_run.progress_msg.tool_call""#
    );
    assert!(TaskRunStatus::Cancelling.is_active());
    assert!(!TaskRunStatus::ActionRequired.is_active());
}

#[test]
fn every_known_run_status_decodes_to_its_variant() {
    for (name, status) in [
        ("queued", TaskRunStatus::Queued),
        ("action_required", TaskRunStatus::ActionRequired),
        ("running", TaskRunStatus::Running),
        ("completed", TaskRunStatus::Completed),
        ("failed", TaskRunStatus::Failed),
        ("cancelling", TaskRunStatus::Cancelling),
        ("cancelled", TaskRunStatus::Cancelled),
    ] {
        let run: parallel_web_api::types::TaskRun =
            serde_json::from_str(&run_with_status(name)).unwrap();
        assert_eq!(run.status, status);
        assert_eq!(status.to_string(), name);
    }
}

#[test]
fn unknown_fields_are_ignored() {
    let event = CAPTURED_STATE_EVENT.replace(
        r#""processor":"pro""#,
        r#""processor":"pro","brand_new_field":{"nested":[1,2]}"#,
    );
    let event = event.replacen('{', r#"{"another_new_field":true,"#, 1);
    let item: TaskRunEventStreamItem = serde_json::from_str(&event).unwrap();
    assert!(matches!(item, TaskRunEventStreamItem::TaskRunEvent(_)));
}

#[test]
fn a_text_output_decodes_as_text() {
    let result = format!(
        r#"{{"run":{},"output":{{"basis":[{{"field":"output","citations":[{{"url":"https://example.com","excerpts":null,"title":null}}],"reasoning":"r","confidence":"high"}}],"type":"text","beta_fields":null,"content":"Paris"}}}}"#,
        run_with_status("completed")
    );
    let result: TaskRunResult = serde_json::from_str(&result).unwrap();
    let TaskRunResultOutput::TextOutput(output) = result.output else {
        panic!("text output")
    };
    assert_eq!(output.content, "Paris");
    assert_eq!(output.basis[0].citations[0].url, "https://example.com");
    assert_eq!(output.basis[0].confidence.as_deref(), Some("high"));
}

#[test]
fn a_json_output_decodes_as_json() {
    let result = format!(
        r#"{{"run":{},"output":{{"basis":[],"type":"json","content":{{"gdp":"$3.1 trillion (2023)"}},"output_schema":null}}}}"#,
        run_with_status("completed")
    );
    let result: TaskRunResult = serde_json::from_str(&result).unwrap();
    let TaskRunResultOutput::JsonOutput(output) = result.output else {
        panic!("json output")
    };
    assert_eq!(output.content["gdp"], "$3.1 trillion (2023)");
}

#[test]
fn a_completed_state_event_carries_its_output() {
    let event = CAPTURED_STATE_EVENT
        .replace(
            r#""status":"running","is_active":true"#,
            r#""status":"completed","is_active":false"#,
        )
        .replace(
            r#""output":null"#,
            r#""output":{"basis":[],"type":"json","content":{"a":1}}"#,
        );
    let event = decode_as!(TaskRunEventStreamItem::TaskRunEvent, &event);
    assert_eq!(event.run.status, TaskRunStatus::Completed);
    let Some(TaskRunEventOutput::JsonOutput(output)) = event.output else {
        panic!("json output")
    };
    assert_eq!(output.content["a"], 1);
}

#[tokio::test]
async fn a_run_event_stream_decodes_over_http() {
    let body = format!(
        "event: task_run.state\ndata: {CAPTURED_STATE_EVENT}\n\n\
         event: task_run.progress_msg.exec_status\ndata: {PROGRESS_MESSAGE}\n\n\
         event: task_run.progress_stats\ndata: {DOCUMENTED_STATS_EVENT}\n\n\
         : keep-alive\n\n"
    );
    let (url, server) = serve_once(Reply::events(&body)).await;
    let response = client(&url)
        .task_run_events()
        .run_id("trun_1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let events: Vec<_> = response.into_inner_stream().eventsource().collect().await;
    server.await.unwrap();
    let items: Vec<TaskRunEventStreamItem> = events
        .into_iter()
        .map(|event| serde_json::from_str(&event.unwrap().data).unwrap())
        .collect();
    assert_eq!(items.len(), 3);
    assert!(matches!(items[0], TaskRunEventStreamItem::TaskRunEvent(_)));
    assert!(matches!(
        items[1],
        TaskRunEventStreamItem::TaskRunProgressMessageEvent(_)
    ));
    assert!(matches!(
        items[2],
        TaskRunEventStreamItem::TaskRunProgressStatsEvent(_)
    ));
}
