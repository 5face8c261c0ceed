//! Decoding what the server sends into the generated types: the captured
//! event and the documented examples (API notes §1 and §3), explicit nulls,
//! unknown run statuses and fields, and text and JSON outputs; each kind of
//! the FindAll, monitor and memory unions decoding as itself. One test
//! reads a real event stream over HTTP.

mod support;

use eventsource_stream::Eventsource;
use futures::StreamExt;
use parallel_web_api::open::{
    FindAllCandidateEventType, FindAllMatchStatus, FindAllStatus, FindAllTerminationReason,
    MonitorStatus, TaskRunProgressMessageEventType, TaskRunStatus, WarningType,
};
use parallel_web_api::types::{
    FindAllEventStreamItem, MemoryRetrieveResponse, MemoryRetrieveResponseResultsItem,
    MonitorResponse, MonitorResponseSettings, PaginatedMonitorEvents,
    PaginatedMonitorEventsEventsItem, TaskGroupEventStreamItem, TaskGroupRunStreamItem,
    TaskRunEventOutput, TaskRunEventStreamItem, TaskRunResult, TaskRunResultOutput,
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

/// A snapshot monitor as the API returns it: its settings carry the task
/// run it watches *and* that run's input as `query`.
const SNAPSHOT_MONITOR: &str = r#"{"type":"snapshot","monitor_id":"mon_1","status":"active","frequency":"1d","processor":"lite","webhook":null,"metadata":null,"created_at":"2026-01-02T03:04:05.123456Z","last_run_at":null,"settings":{"task_run_id":"trun_1","query":"Who is the CEO of Stripe?","output_schema":null},"output":null}"#;

const EVENT_STREAM_MONITOR: &str = r#"{"type":"event_stream","monitor_id":"mon_2","status":"cancelled","frequency":"6h","processor":"base","created_at":"2026-01-02T03:04:05Z","settings":{"query":"new EU AI regulation","include_backfill":true}}"#;

#[test]
fn a_snapshot_monitor_keeps_the_task_run_it_watches() {
    // The event-stream settings need only `query`, so a union that tried
    // them first would take these settings too and drop `task_run_id`.
    let monitor: MonitorResponse = serde_json::from_str(SNAPSHOT_MONITOR).unwrap();
    match monitor.settings {
        MonitorResponseSettings::SnapshotResponseSettings(settings) => {
            assert_eq!(settings.task_run_id, "trun_1");
            assert_eq!(settings.query, "Who is the CEO of Stripe?");
        }
        other => panic!("expected snapshot settings, got {other:?}"),
    }
}

#[test]
fn an_event_stream_monitor_decodes_as_event_stream_settings() {
    let monitor: MonitorResponse = serde_json::from_str(EVENT_STREAM_MONITOR).unwrap();
    match monitor.settings {
        MonitorResponseSettings::EventStreamResponseSettings(settings) => {
            assert_eq!(settings.query, "new EU AI regulation");
            assert_eq!(settings.include_backfill, Some(true));
        }
        other => panic!("expected event-stream settings, got {other:?}"),
    }
}

#[test]
fn each_monitor_event_kind_decodes_as_itself() {
    let page = r#"{"events":[
        {"event_id":"ev_1","monitor_group_id":"grp_1","event_date":"2026-01","event_type":"event_stream","output":{"type":"text","content":"A new rule passed.","basis":[]}},
        {"event_id":"ev_2","event_group_id":"grp_2","event_date":null,"event_type":"snapshot",
         "changed_output":{"type":"json","content":{"ceo":"B"},"basis":[]},
         "previous_output":{"type":"json","content":{"ceo":"A"},"basis":[]}},
        {"event_type":"error","error_message":"insufficient credit","timestamp":"2026-01-02T03:04:05Z"},
        {"event_type":"completion","timestamp":"2026-01-02T03:04:05Z"}
    ],"next_cursor":"c_1"}"#;
    let page: PaginatedMonitorEvents = serde_json::from_str(page).unwrap();
    let kinds: Vec<&str> = page
        .events
        .iter()
        .map(|event| match event {
            PaginatedMonitorEventsEventsItem::EventStreamEvent(_) => "event_stream",
            PaginatedMonitorEventsEventsItem::SnapshotEvent(_) => "snapshot",
            PaginatedMonitorEventsEventsItem::ErrorEvent(_) => "error",
            PaginatedMonitorEventsEventsItem::CompletionEvent(_) => "completion",
        })
        .collect();
    assert_eq!(kinds, ["event_stream", "snapshot", "error", "completion"]);
    // The documents' `monitor_group_id` and the newest SDK's
    // `event_group_id`: either one alone decodes.
    let PaginatedMonitorEventsEventsItem::SnapshotEvent(snapshot) = &page.events[1] else {
        unreachable!()
    };
    assert_eq!(snapshot.event_group_id.as_deref(), Some("grp_2"));
    assert_eq!(snapshot.monitor_group_id, None);
    assert_eq!(page.next_cursor.as_deref(), Some("c_1"));
}

#[test]
fn each_findall_event_kind_decodes_as_itself() {
    let status = r#"{"type":"findall.status","timestamp":"2026-01-02T03:04:05Z","event_id":"e1","data":{"findall_id":"findall_1","status":{"status":"running","is_active":true,"metrics":{"generated_candidates_count":3,"matched_candidates_count":1},"termination_reason":null},"generator":"core","metadata":null,"created_at":null,"modified_at":null}}"#;
    let run = decode_as!(FindAllEventStreamItem::FindAllRunStatusEvent, status);
    assert_eq!(run.data.status.metrics.matched_candidates_count, 1);
    let matched = r#"{"type":"findall.candidate.matched","timestamp":"2026-01-02T03:04:05Z","event_id":"e2","data":{"candidate_id":"c1","name":"Stripe","url":"https://stripe.com","description":null,"match_status":"matched","output":{"is_fintech":{"value":true}},"basis":null}}"#;
    let candidate = decode_as!(
        FindAllEventStreamItem::FindAllCandidateMatchStatusEvent,
        matched
    );
    assert_eq!(candidate.data.name, "Stripe");
    let schema = r#"{"type":"findall.schema.updated","timestamp":"2026-01-02T03:04:05Z","event_id":"e3","data":{"objective":"fintechs","entity_type":"company","match_conditions":[{"name":"is_fintech","description":"Is a fintech."}],"enrichments":null,"generator":"core","match_limit":10}}"#;
    let updated = decode_as!(FindAllEventStreamItem::FindAllSchemaUpdatedEvent, schema);
    assert_eq!(updated.data.match_limit, Some(10));
    let error = r#"{"type":"error","error":{"ref_id":"r","message":"boom"}}"#;
    decode_as!(FindAllEventStreamItem::ErrorEvent, error);
}

#[test]
fn each_memory_kind_decodes_as_itself() {
    let body = r#"{"results":[
        {"kind":"task","id":"trun_1","input_excerpt":"q","output_excerpt":"a","updated_at":"2026-01-02T03:04:05Z"},
        {"kind":"monitor","id":"mon_1","input_excerpt":"q","status":"active","updated_at":"2026-01-02T03:04:05Z","matched_events":[{"detected_at":"2026-01-02T03:04:05Z","event_group_id":"g","event_id":"e","excerpt":"x"}]},
        {"kind":"findall","id":"findall_1","input_excerpt":"q","matched_count":4,"updated_at":"2026-01-02T03:04:05Z"}
    ]}"#;
    let response: MemoryRetrieveResponse = serde_json::from_str(body).unwrap();
    let kinds: Vec<&str> = response
        .results
        .iter()
        .map(|result| match result {
            MemoryRetrieveResponseResultsItem::TaskMemoryResult(_) => "task",
            MemoryRetrieveResponseResultsItem::MonitorMemoryResult(_) => "monitor",
            MemoryRetrieveResponseResultsItem::FindAllMemoryResult(_) => "findall",
        })
        .collect();
    assert_eq!(kinds, ["task", "monitor", "findall"]);
}

#[test]
fn unknown_findall_statuses_and_candidate_kinds_are_kept_not_fatal() {
    let status = r#"{"type":"findall.status","timestamp":"2026-01-02T03:04:05Z","event_id":"e1","data":{"findall_id":"findall_1","status":{"status":"paused","is_active":true,"metrics":{},"termination_reason":"budget_spent"},"generator":"core"}}"#;
    let run = decode_as!(FindAllEventStreamItem::FindAllRunStatusEvent, status);
    assert_eq!(
        run.data.status.status,
        FindAllStatus::Other("paused".into())
    );
    assert_eq!(
        run.data.status.termination_reason,
        Some(FindAllTerminationReason::Other("budget_spent".into()))
    );
    let candidate = r#"{"type":"findall.candidate.reviewed","timestamp":"2026-01-02T03:04:05Z","event_id":"e2","data":{"candidate_id":"c1","name":"Stripe","url":"https://stripe.com","match_status":"reviewed"}}"#;
    let event = decode_as!(
        FindAllEventStreamItem::FindAllCandidateMatchStatusEvent,
        candidate
    );
    assert_eq!(
        event.type_,
        FindAllCandidateEventType::Other("findall.candidate.reviewed".into())
    );
    assert_eq!(
        event.data.match_status,
        FindAllMatchStatus::Other("reviewed".into())
    );
}

#[test]
fn an_unknown_monitor_status_does_not_fail_the_monitor() {
    let monitor = EVENT_STREAM_MONITOR.replace(r#""status":"cancelled""#, r#""status":"paused""#);
    let monitor: MonitorResponse = serde_json::from_str(&monitor).unwrap();
    assert_eq!(monitor.status, MonitorStatus::Other("paused".into()));
}
