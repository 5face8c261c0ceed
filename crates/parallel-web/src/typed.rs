//! Runs and results with the caller's own input and output types.
//!
//! A run whose input or output does not decode into the caller's type is an
//! error item carrying the raw JSON; the stream goes on with the next run.

use futures::stream::{Stream, StreamExt};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Error;
use crate::events::{Event, RunEvent};
use crate::types::{FieldBasis, TaskRun, TaskRunEventOutput, TaskRunResult, TaskRunResultOutput};

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
    /// Citations and reasoning per output field.
    pub basis: Vec<FieldBasis>,
    /// Cursor of the event this came from.
    pub event_id: Option<String>,
}

impl<I, O> TypedRun<I, O> {
    /// The run id.
    pub fn run_id(&self) -> &str {
        &self.run.run_id
    }
}

/// A finished run's result with the output content as `O`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TypedResult<O> {
    /// The run.
    pub run: TaskRun,
    /// The output content.
    pub output: O,
    /// Citations and reasoning per output field.
    pub basis: Vec<FieldBasis>,
}

/// Decodes a result's output as `O`.
pub(crate) fn typed_result<O: DeserializeOwned>(r: TaskRunResult) -> Result<TypedResult<O>, Error> {
    let (content, basis) = match r.output {
        TaskRunResultOutput::JsonOutput(j) => (Value::Object(j.content), j.basis),
        TaskRunResultOutput::TextOutput(t) => (Value::String(t.content), t.basis),
    };
    let output = decode_as(&content, || format!("output of run {}", r.run.run_id))?;
    Ok(TypedResult {
        run: r.run,
        output,
        basis,
    })
}

fn decode_as<T: DeserializeOwned>(v: &Value, what: impl FnOnce() -> String) -> Result<T, Error> {
    T::deserialize(v).map_err(|e| Error::Decode {
        what: what(),
        message: e.to_string(),
        raw: v.to_string(),
    })
}

/// Decodes one run event as `TypedRun<I, O>`.
pub(crate) fn typed_run<I: DeserializeOwned, O: DeserializeOwned>(
    ev: RunEvent,
) -> Result<TypedRun<I, O>, Error> {
    let RunEvent {
        event_id,
        run,
        input,
        output,
    } = ev;
    let input = match input {
        Some(i) => {
            let v = serde_json::to_value(&i.input).unwrap_or(Value::Null);
            Some(decode_as(&v, || format!("input of run {}", run.run_id))?)
        }
        None => None,
    };
    let (output, basis) = match output {
        Some(TaskRunEventOutput::JsonOutput(j)) => {
            let v = Value::Object(j.content);
            (
                Some(decode_as(&v, || format!("output of run {}", run.run_id))?),
                j.basis,
            )
        }
        Some(TaskRunEventOutput::TextOutput(t)) => {
            let v = Value::String(t.content);
            (
                Some(decode_as(&v, || format!("output of run {}", run.run_id))?),
                t.basis,
            )
        }
        None => (None, Vec::new()),
    };
    Ok(TypedRun {
        run,
        input,
        output,
        basis,
        event_id,
    })
}

/// Turns a stream of events into typed runs: server `error` events become
/// error items, other non-run events are skipped.
pub(crate) fn typed_runs<I, O, S>(
    events: S,
) -> impl Stream<Item = Result<TypedRun<I, O>, Error>> + Send + 'static
where
    I: DeserializeOwned + Send + 'static,
    O: DeserializeOwned + Send + 'static,
    S: Stream<Item = Result<Event, Error>> + Send + 'static,
{
    events.filter_map(|item| async move {
        match item {
            Ok(Event::RunState(ev)) => Some(typed_run(*ev)),
            Ok(Event::Error(e)) => Some(Err(e.into())),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::decode;
    use crate::stream::RawEvent;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct Out {
        answer: String,
    }

    fn event(content: Value) -> RunEvent {
        let data = json!({"type": "task_run.state", "event_id": "5",
            "input": {"processor": "lite", "input": {"answer": "q"}},
            "run": {"run_id": "trun_1", "interaction_id": "trun_1", "status": "completed", "is_active": false,
                    "processor": "lite", "created_at": null, "modified_at": null},
            "output": {"type": "json", "basis": [], "content": content}});
        match decode(RawEvent {
            kind: "task_run.state".into(),
            data,
        })
        .unwrap()
        {
            Event::RunState(r) => *r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn content_decodes_into_the_callers_type() {
        let r: TypedRun<Out, Out> = typed_run(event(json!({"answer": "42"}))).unwrap();
        assert_eq!(r.output.unwrap().answer, "42");
        assert_eq!(r.input.unwrap().answer, "q");
    }

    #[test]
    fn undecodable_content_is_an_error_with_the_raw_json() {
        let err = typed_run::<Out, Out>(event(json!({"other": 1}))).unwrap_err();
        match err {
            Error::Decode { what, raw, .. } => {
                assert_eq!(what, "output of run trun_1");
                assert_eq!(raw, r#"{"other":1}"#);
            }
            other => panic!("{other:?}"),
        }
    }
}
