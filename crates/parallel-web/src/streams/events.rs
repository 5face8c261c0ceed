//! The events of the group streams and how they are decoded: once, from
//! the event's bytes, straight into the generated types (or, for typed
//! runs, straight into the caller's input and output types).
//!
//! One `serde_json::from_slice` reads an event into [`Wire`], a struct with
//! every field any group event has, so the `type` may come anywhere in the
//! object and nothing is parsed twice. Unknown event types become
//! [`GroupEvent::Unknown`] (never an error); only then, or when decoding
//! fails, is the event read again as a `serde_json::Value`, to keep it or to
//! say exactly what did not fit. Fields a server may leave out are made
//! optional by the spec normaliser (`xtask/src/normalize/lenient.rs`),
//! never filled in here.

use std::borrow::Cow;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::Error;
use crate::streams::resume::{Decode, Decoded};
use crate::streams::sse::Frame;
use crate::types::{self, FieldBasis, TaskGroupStatus, TaskRun, TaskRunEventOutput, TaskRunInput};

/// One event of a task-group stream ([`runs`](crate::TaskGroup::runs) or
/// [`events`](crate::TaskGroup::events)).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum GroupEvent {
    /// The group's status changed (`task_group_status`).
    GroupStatus {
        /// Cursor of this event.
        event_id: Option<String>,
        /// The new status.
        status: TaskGroupStatus,
    },
    /// A run's state (`task_run.state`).
    RunState(Box<RunEvent>),
    /// The server reported an error inside the stream (`error`); the
    /// stream goes on after it.
    Error(types::Error),
    /// An event type this version does not know, passed through as is.
    Unknown {
        /// The event's `type`.
        kind: String,
        /// The event's JSON data.
        data: Value,
    },
}

impl GroupEvent {
    /// The cursor of this event, if it has one.
    ///
    /// ```
    /// # fn demo(event: parallel_web::GroupEvent) {
    /// if let Some(cursor) = event.event_id() {
    ///     println!("resume after {cursor}");
    /// }
    /// # }
    /// ```
    pub fn event_id(&self) -> Option<&str> {
        match self {
            GroupEvent::GroupStatus { event_id, .. } => event_id.as_deref(),
            GroupEvent::RunState(r) => r.event_id.as_deref(),
            GroupEvent::Unknown { data, .. } => data.get("event_id").and_then(Value::as_str),
            GroupEvent::Error(_) => None,
        }
    }
}

/// A run's state as reported in a stream.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RunEvent {
    /// Cursor of this event (resume after it with `last_event_id`).
    pub event_id: Option<String>,
    /// The run.
    pub run: TaskRun,
    /// The run's input, when requested.
    pub input: Option<TaskRunInput>,
    /// The run's output, when requested and the run completed.
    pub output: Option<TaskRunEventOutput>,
}

/// A run with its input as `I` and its output content as `O`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TypedRun<I, O> {
    /// The run (id, status, metadata, error, ...).
    pub run: TaskRun,
    /// The input, when the stream was asked to include inputs.
    pub input: Option<I>,
    /// The output content, when asked for and the run completed.
    pub output: Option<O>,
    /// Citations and reasoning per output field, decoded when asked for.
    pub basis: Basis,
    /// Cursor of the event this came from.
    pub event_id: Option<String>,
}

/// An output's basis (citations and reasoning per field), kept as the JSON
/// the server sent and decoded only when asked for: a bulk stream that does
/// not read citations does not pay for them (they are most of a run
/// event's decoding work).
///
/// ```
/// # fn demo(run: parallel_web::TypedRun<String, String>) -> Result<(), parallel_web::Error> {
/// for field in run.basis.decode()? {
///     println!("{}: {} citations", field.field, field.citations.len());
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct Basis(Option<Box<RawValue>>);

impl Basis {
    /// Decodes the basis (empty when the run has no output).
    pub fn decode(&self) -> Result<Vec<FieldBasis>, Error> {
        match &self.0 {
            None => Ok(Vec::new()),
            Some(raw) => serde_json::from_str(raw.get()).map_err(|e| Error::Decode {
                what: "output basis".into(),
                message: e.to_string(),
                raw: raw.get().to_owned(),
            }),
        }
    }

    /// The basis as the server sent it (`[]` when the run has no output).
    pub fn json(&self) -> &str {
        self.0.as_deref().map_or("[]", RawValue::get)
    }
}

impl std::fmt::Debug for Basis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.json())
    }
}

impl<I, O> TypedRun<I, O> {
    /// The run id.
    ///
    /// ```
    /// # fn demo(run: parallel_web::TypedRun<String, String>) {
    /// println!("{}", run.run_id());
    /// # }
    /// ```
    pub fn run_id(&self) -> &str {
        &self.run.run_id
    }
}

/// Every field of every group event, read in one pass. `I` and `O` are what
/// the `input` and `output` objects decode into.
#[derive(Deserialize)]
struct Wire<'a, I, O> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    event_id: Option<String>,
    status: Option<TaskGroupStatus>,
    run: Option<TaskRun>,
    input: Option<I>,
    output: Option<O>,
    error: Option<types::Error>,
}

/// The input object of a run event, keeping only the input itself.
#[derive(Deserialize)]
struct InputOnly<I> {
    input: I,
}

/// The output object of a run event, with its content as `O` and its
/// basis kept as JSON text.
#[derive(Deserialize)]
struct ContentAs<O> {
    #[serde(default)]
    basis: Option<Box<RawValue>>,
    content: O,
}

/// The event's `type`: the JSON one, else the SSE `event:` line.
fn kind_of<'a>(wire: Option<&'a str>, frame: &'a Frame<'_>) -> &'a str {
    wire.unwrap_or_else(|| std::str::from_utf8(frame.event).unwrap_or_default())
}

/// Decodes group events ([`GroupEvent`]). With `end_when_inactive`, a
/// status saying the group is inactive is the last item.
pub(crate) struct GroupEvents {
    pub end_when_inactive: bool,
}

impl Decode for GroupEvents {
    type Item = GroupEvent;

    fn decode(&mut self, frame: &Frame<'_>) -> Decoded<GroupEvent> {
        match serde_json::from_slice::<Wire<'_, TaskRunInput, TaskRunEventOutput>>(&frame.data) {
            Ok(mut wire) => {
                let kind = wire.kind.take();
                let kind = kind_of(kind.as_deref(), frame);
                let cursor = wire.event_id.clone();
                let (item, last) = match (kind, wire) {
                    (
                        "task_group_status",
                        Wire {
                            status: Some(status),
                            event_id,
                            ..
                        },
                    ) => {
                        let last = self.end_when_inactive && !status.is_active;
                        (Ok(GroupEvent::GroupStatus { event_id, status }), last)
                    }
                    (
                        "task_run.state",
                        Wire {
                            run: Some(run),
                            event_id,
                            input,
                            output,
                            ..
                        },
                    ) => (
                        Ok(GroupEvent::RunState(Box::new(RunEvent {
                            event_id,
                            run,
                            input,
                            output,
                        }))),
                        false,
                    ),
                    (
                        "error",
                        Wire {
                            error: Some(error), ..
                        },
                    ) => (Ok(GroupEvent::Error(error)), false),
                    ("task_group_status" | "task_run.state" | "error", _) => {
                        (Err(missing_part(frame, kind)), false)
                    }
                    (kind, _) => (Ok(unknown(kind, frame)), false),
                };
                Decoded {
                    item: Some(item),
                    cursor,
                    last,
                }
            }
            Err(e) => {
                let (cursor, outcome) = undecodable(frame, &e);
                let item = match outcome {
                    Undecodable::NotJson(error) => Err(error),
                    Undecodable::Unknown(event) => Ok(event),
                    Undecodable::Broken(kind) => Err(decode_error(&kind, &e, raw(frame))),
                };
                Decoded {
                    item: Some(item),
                    cursor,
                    last: false,
                }
            }
        }
    }
}

/// Decodes the run events of a group stream as [`TypedRun<I, O>`]; server
/// `error` events become error items, other events are skipped.
pub(crate) struct TypedRuns<I, O>(PhantomData<fn() -> (I, O)>);

impl<I, O> TypedRuns<I, O> {
    pub(crate) fn new() -> Self {
        TypedRuns(PhantomData)
    }
}

impl<I, O> Decode for TypedRuns<I, O>
where
    I: DeserializeOwned + Send + 'static,
    O: DeserializeOwned + Send + 'static,
{
    type Item = TypedRun<I, O>;

    fn decode(&mut self, frame: &Frame<'_>) -> Decoded<TypedRun<I, O>> {
        match serde_json::from_slice::<Wire<'_, InputOnly<I>, ContentAs<O>>>(&frame.data) {
            Ok(mut wire) => {
                let cursor = wire.event_id.clone();
                let kind = wire.kind.take();
                let item = match (kind_of(kind.as_deref(), frame), wire) {
                    (
                        "task_run.state",
                        Wire {
                            run: Some(run),
                            event_id,
                            input,
                            output,
                            ..
                        },
                    ) => {
                        let (output, basis) = match output {
                            Some(o) => (Some(o.content), Basis(o.basis)),
                            None => (None, Basis::default()),
                        };
                        Some(Ok(TypedRun {
                            run,
                            input: input.map(|i| i.input),
                            output,
                            basis,
                            event_id,
                        }))
                    }
                    (
                        "error",
                        Wire {
                            error: Some(error), ..
                        },
                    ) => Some(Err(error.into())),
                    (kind @ ("task_run.state" | "error"), _) => {
                        Some(Err(missing_part(frame, kind)))
                    }
                    _ => None,
                };
                Decoded {
                    item,
                    cursor,
                    last: false,
                }
            }
            Err(e) => {
                let (cursor, outcome) = undecodable(frame, &e);
                let item = match outcome {
                    Undecodable::NotJson(error) => Some(Err(error)),
                    Undecodable::Broken(kind) if kind == "task_run.state" => {
                        Some(Err(typed_mismatch::<I, O>(frame)))
                    }
                    Undecodable::Broken(kind) if kind == "error" => {
                        Some(Err(decode_error(&kind, &e, raw(frame))))
                    }
                    // Statuses and unknown types are not part of a typed stream.
                    Undecodable::Broken(_) | Undecodable::Unknown(_) => None,
                };
                Decoded {
                    item,
                    cursor,
                    last: false,
                }
            }
        }
    }
}

/// A known event type without the object that type must carry.
fn missing_part(frame: &Frame<'_>, kind: &str) -> Error {
    let part = match kind {
        "task_group_status" => "status",
        "task_run.state" => "run",
        _ => "error",
    };
    Error::Decode {
        what: format!("`{kind}` event"),
        message: format!("no `{part}` object"),
        raw: raw(frame),
    }
}

fn unknown(kind: &str, frame: &Frame<'_>) -> GroupEvent {
    GroupEvent::Unknown {
        kind: kind.to_owned(),
        data: serde_json::from_slice(&frame.data).unwrap_or(Value::Null),
    }
}

/// What an event that did not decode in one pass turned out to be.
enum Undecodable {
    /// Not JSON at all (or not an object).
    NotJson(Error),
    /// A type this version does not know: passed through.
    Unknown(GroupEvent),
    /// A known type whose fields do not fit.
    Broken(String),
}

/// Reads an event that did not decode in one pass as a `Value`, to keep its
/// cursor and to tell an unknown type from a known one that does not fit.
fn undecodable(frame: &Frame<'_>, error: &serde_json::Error) -> (Option<String>, Undecodable) {
    let Ok(data) = serde_json::from_slice::<Value>(&frame.data) else {
        let what = match std::str::from_utf8(frame.event) {
            Ok(event) if !event.is_empty() => format!("stream event `{event}`"),
            _ => "stream event".to_owned(),
        };
        let error = Error::Decode {
            what,
            message: error.to_string(),
            raw: raw(frame),
        };
        return (None, Undecodable::NotJson(error));
    };
    let cursor = data
        .get("event_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let kind = data
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_else(|| std::str::from_utf8(frame.event).unwrap_or_default())
        .to_owned();
    let outcome = match kind.as_str() {
        "task_group_status" | "task_run.state" | "error" => Undecodable::Broken(kind),
        _ => Undecodable::Unknown(GroupEvent::Unknown { kind, data }),
    };
    (cursor, outcome)
}

fn raw(frame: &Frame<'_>) -> String {
    String::from_utf8_lossy(&frame.data).into_owned()
}

fn decode_error(kind: &str, error: &serde_json::Error, raw: String) -> Error {
    Error::Decode {
        what: format!("`{kind}` event"),
        message: error.to_string(),
        raw,
    }
}

/// Says which part of a run event did not fit `I` or `O`, with that part's
/// JSON as `raw`. Only reached on the error path, so it may parse again.
fn typed_mismatch<I: DeserializeOwned, O: DeserializeOwned>(frame: &Frame<'_>) -> Error {
    let data: Value = serde_json::from_slice(&frame.data).unwrap_or(Value::Null);
    let run_id = data
        .pointer("/run/run_id")
        .and_then(Value::as_str)
        .unwrap_or("?");
    let parts = [
        (
            "run",
            "/run",
            check::<TaskRun> as fn(&Value) -> Option<String>,
        ),
        ("input", "/input/input", check::<I>),
        ("output", "/output/content", check::<O>),
        ("output basis", "/output/basis", check::<Box<RawValue>>),
    ];
    for (name, pointer, check) in parts {
        if let Some(part) = data.pointer(pointer).filter(|v| !v.is_null())
            && let Some(message) = check(part)
        {
            return Error::Decode {
                what: format!("{name} of run {run_id}"),
                message,
                raw: part.to_string(),
            };
        }
    }
    Error::Decode {
        what: format!("run {run_id}"),
        message: "the event does not match the expected shape".into(),
        raw: raw(frame),
    }
}

fn check<T: DeserializeOwned>(v: &Value) -> Option<String> {
    T::deserialize(v).err().map(|e| e.to_string())
}

#[cfg(test)]
#[path = "events_fuzz.rs"]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn frame(data: &Value) -> Vec<u8> {
        data.to_string().into_bytes()
    }

    fn group(data: Value) -> Decoded<GroupEvent> {
        let bytes = frame(&data);
        GroupEvents {
            end_when_inactive: true,
        }
        .decode(&Frame {
            event: b"",
            data: Cow::Borrowed(&bytes),
        })
    }

    fn typed<I: DeserializeOwned + Send + 'static, O: DeserializeOwned + Send + 'static>(
        data: Value,
    ) -> Decoded<TypedRun<I, O>> {
        let bytes = frame(&data);
        TypedRuns::<I, O>::new().decode(&Frame {
            event: b"task_run.state",
            data: Cow::Borrowed(&bytes),
        })
    }

    #[derive(Debug, serde::Deserialize)]
    struct Out {
        answer: String,
    }

    fn completed(content: Value) -> Value {
        json!({"type": "task_run.state", "event_id": "5",
            "input": {"processor": "lite", "input": {"answer": "q"}},
            "run": {"run_id": "trun_1", "interaction_id": "trun_1", "status": "completed", "is_active": false,
                    "processor": "lite", "created_at": null, "modified_at": null},
            "output": {"type": "json", "basis": [], "content": content}})
    }

    #[test]
    fn a_run_event_from_an_older_server_decodes_without_invented_fields() {
        // The blog-era sample: no `interaction_id`, explicit nulls.
        let d = group(json!({
            "type": "task_run.state", "event_id": null, "input": null, "output": null,
            "run": {"run_id": "trun_1", "status": "running", "is_active": true, "processor": "pro",
                    "metadata": {}, "created_at": "2025-08-06T00:52:58.619503Z", "modified_at": null}
        }));
        let Some(Ok(GroupEvent::RunState(r))) = d.item else {
            panic!("{:?}", d.item)
        };
        assert_eq!(r.run.interaction_id, None);
        assert!(r.input.is_none() && r.output.is_none());
    }

    #[test]
    fn an_inactive_status_is_the_last_item_and_moves_the_cursor() {
        let d = group(json!({"type": "task_group_status", "event_id": "9",
            "status": {"num_task_runs": 2, "task_run_status_counts": {"completed": 2}, "is_active": false}}));
        assert!(d.last);
        assert_eq!(d.cursor.as_deref(), Some("9"));
        assert!(
            matches!(d.item, Some(Ok(GroupEvent::GroupStatus { ref status, .. })) if status.num_task_runs == 2)
        );
    }

    #[test]
    fn unknown_types_pass_through_with_their_cursor() {
        let d = group(json!({"type": "task_group.fancy", "event_id": "3", "run": 1}));
        assert_eq!(d.cursor.as_deref(), Some("3"));
        assert!(
            matches!(d.item, Some(Ok(GroupEvent::Unknown { ref kind, .. })) if kind == "task_group.fancy")
        );
    }

    #[test]
    fn a_status_without_its_facts_is_an_error_not_a_guess() {
        let d = group(json!({"type": "task_group_status", "event_id": "4",
            "status": {"task_run_status_counts": {"completed": 2}}}));
        assert_eq!(d.cursor.as_deref(), Some("4"), "the cursor still moves");
        assert!(
            matches!(d.item, Some(Err(Error::Decode { .. }))),
            "{:?}",
            d.item
        );
    }

    #[test]
    fn error_events_keep_the_server_message() {
        let d = group(json!({"type": "error", "error": {"ref_id": "r", "message": "boom"}}));
        assert!(matches!(d.item, Some(Ok(GroupEvent::Error(ref e))) if e.message == "boom"));
    }

    #[test]
    fn content_decodes_straight_into_the_callers_types() {
        let d = typed::<Out, Out>(completed(json!({"answer": "42"})));
        let run = d.item.unwrap().unwrap();
        assert!(run.basis.decode().unwrap().is_empty());
        assert_eq!(run.output.unwrap().answer, "42");
        assert_eq!(run.input.unwrap().answer, "q");
        assert_eq!(d.cursor.as_deref(), Some("5"));
    }

    #[test]
    fn undecodable_content_is_an_error_with_the_raw_part_and_the_cursor_moves() {
        let d = typed::<Out, Out>(completed(json!({"other": 1})));
        assert_eq!(d.cursor.as_deref(), Some("5"));
        match d.item {
            Some(Err(Error::Decode { what, raw, .. })) => {
                assert_eq!(what, "output of run trun_1");
                assert_eq!(raw, r#"{"other":1}"#);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn typed_streams_skip_statuses_and_raise_error_events() {
        let d = typed::<Out, Out>(json!({"type": "task_group_status", "event_id": "1",
            "status": {"num_task_runs": 0, "task_run_status_counts": {}, "is_active": true}}));
        assert!(d.item.is_none());
        let d = typed::<Out, Out>(
            json!({"type": "error", "error": {"ref_id": "r", "message": "boom"}}),
        );
        assert!(matches!(d.item, Some(Err(Error::ServerEvent { .. }))));
    }

    #[test]
    fn data_that_is_not_json_is_a_decode_error() {
        let d = GroupEvents {
            end_when_inactive: false,
        }
        .decode(&Frame {
            event: b"task_run.state",
            data: Cow::Borrowed(b"not json"),
        });
        assert!(
            matches!(d.item, Some(Err(Error::Decode { ref what, .. })) if what == "stream event `task_run.state`")
        );
    }
}
