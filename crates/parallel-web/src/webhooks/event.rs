//! What a webhook delivery says: its payload decoded by its `type`.
//!
//! Every payload is `{"timestamp": <ISO 8601>, "type": <event type>, "data":
//! {...}}`. Known types decode `data` into the API's own types; a type this
//! version does not know is kept whole as [`WebhookEvent::Unknown`], so a new
//! event type never breaks a receiver.

use parallel_web_api::open::FindAllCandidateEventType;
use parallel_web_api::types::{FindAllCandidate, FindAllRun, TaskRun};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::WebhookError;

/// A verified webhook delivery, by event type.
///
/// ```
/// use parallel_web::webhooks::WebhookEvent;
/// fn handle(event: WebhookEvent) {
///     match event {
///         WebhookEvent::TaskRunStatus { run, .. } => println!("{} is {}", run.run_id, run.status),
///         WebhookEvent::FindAllCandidate { kind, candidate, .. } => {
///             println!("{kind:?}: {}", candidate.name)
///         }
///         WebhookEvent::Unknown { event_type, .. } => println!("new kind {event_type}"),
///         other => println!("{other:?}"),
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// `task_run.status`: a task run finished (completed or failed).
    TaskRunStatus {
        /// When the event happened (ISO 8601, as sent).
        timestamp: String,
        /// The run as it is now.
        run: Box<TaskRun>,
    },
    /// `findall.candidate.*`: a FindAll candidate was generated, matched,
    /// unmatched, discarded or enriched.
    FindAllCandidate {
        /// When the event happened (ISO 8601, as sent).
        timestamp: String,
        /// What happened to the candidate.
        kind: FindAllCandidateEventType,
        /// The candidate.
        candidate: Box<FindAllCandidate>,
    },
    /// `findall.run.*`: a FindAll run completed, was cancelled or failed.
    FindAllRun {
        /// When the event happened (ISO 8601, as sent).
        timestamp: String,
        /// What happened to the run.
        kind: FindAllRunChange,
        /// The run.
        run: Box<FindAllRun>,
    },
    /// `monitor.*`: a monitor check found events, completed without any, or failed.
    Monitor {
        /// When the event happened (ISO 8601, as sent).
        timestamp: String,
        /// What the check did.
        kind: MonitorChange,
        /// The monitor and the check's record.
        notice: Box<MonitorNotice>,
    },
    /// An event type this version does not know, kept whole.
    Unknown {
        /// The payload's `type`.
        event_type: String,
        /// The payload's `timestamp`, if it had one.
        timestamp: Option<String>,
        /// The whole payload.
        payload: Value,
    },
}

/// What happened to a FindAll run (`findall.run.<kind>`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FindAllRunChange {
    /// `findall.run.completed`.
    Completed,
    /// `findall.run.cancelled`.
    Cancelled,
    /// `findall.run.failed`.
    Failed,
    /// Another `findall.run.*` type, as received.
    Other(String),
}

/// What a monitor check did (`monitor.<kind>`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MonitorChange {
    /// `monitor.event.detected`: the check found one or more events.
    EventDetected,
    /// `monitor.execution.completed`: the check finished and found none.
    ExecutionCompleted,
    /// `monitor.execution.failed`: the check failed.
    ExecutionFailed,
    /// Another `monitor.*` type, as received.
    Other(String),
}

/// The `data` of a monitor webhook.
///
/// The documentation names three fields and gives no schema for `event`, so
/// it stays JSON; its `event_group_id` (when present) is what
/// `GET /v1/monitors/{monitor_id}/event_groups/{event_group_id}` takes.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct MonitorNotice {
    /// The monitor.
    pub monitor_id: String,
    /// The check's record, as sent.
    #[serde(default)]
    pub event: Option<Value>,
    /// The monitor's metadata, if it has any.
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
}

impl MonitorNotice {
    /// `event.event_group_id`, when the record carries one.
    pub fn event_group_id(&self) -> Option<&str> {
        self.event.as_ref()?.get("event_group_id")?.as_str()
    }
}

/// The envelope, with `data` left unparsed until the type is known.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type")]
    event_type: String,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

impl WebhookEvent {
    /// Decodes a payload (without checking any signature: use
    /// [`WebhookVerifier::verify`](super::WebhookVerifier::verify) for
    /// deliveries from the network).
    ///
    /// # Errors
    /// [`WebhookError::InvalidPayload`] when the body is not an envelope, or
    /// the `data` of a known type does not fit that type.
    pub fn from_json(body: &[u8]) -> Result<Self, WebhookError> {
        let envelope: Envelope<'_> =
            serde_json::from_slice(body).map_err(|source| WebhookError::InvalidPayload {
                event_type: None,
                source,
            })?;
        let typ = envelope.event_type.as_str();
        let timestamp = envelope.timestamp.clone().unwrap_or_default();
        let data = || -> &str { envelope.data.map_or("null", RawValue::get) };
        let fail = |source| WebhookError::InvalidPayload {
            event_type: Some(envelope.event_type.clone()),
            source,
        };
        let event = if typ == "task_run.status" {
            WebhookEvent::TaskRunStatus {
                timestamp,
                run: serde_json::from_str(data()).map_err(fail)?,
            }
        } else if let Some(rest) = typ.strip_prefix("findall.run.") {
            WebhookEvent::FindAllRun {
                timestamp,
                kind: match rest {
                    "completed" => FindAllRunChange::Completed,
                    "cancelled" => FindAllRunChange::Cancelled,
                    "failed" => FindAllRunChange::Failed,
                    _ => FindAllRunChange::Other(typ.to_owned()),
                },
                run: serde_json::from_str(data()).map_err(fail)?,
            }
        } else if typ.starts_with("findall.candidate.") {
            WebhookEvent::FindAllCandidate {
                timestamp,
                kind: FindAllCandidateEventType::from(typ),
                candidate: serde_json::from_str(data()).map_err(fail)?,
            }
        } else if typ.starts_with("monitor.") {
            WebhookEvent::Monitor {
                timestamp,
                kind: match typ {
                    "monitor.event.detected" => MonitorChange::EventDetected,
                    "monitor.execution.completed" => MonitorChange::ExecutionCompleted,
                    "monitor.execution.failed" => MonitorChange::ExecutionFailed,
                    _ => MonitorChange::Other(typ.to_owned()),
                },
                notice: serde_json::from_str(data()).map_err(fail)?,
            }
        } else {
            WebhookEvent::Unknown {
                event_type: envelope.event_type.clone(),
                timestamp: envelope.timestamp.clone(),
                payload: serde_json::from_slice(body).map_err(fail)?,
            }
        };
        Ok(event)
    }

    /// The payload's `type`, as sent.
    pub fn event_type(&self) -> &str {
        match self {
            WebhookEvent::TaskRunStatus { .. } => "task_run.status",
            WebhookEvent::FindAllCandidate { kind, .. } => kind.as_str(),
            WebhookEvent::FindAllRun { kind, .. } => match kind {
                FindAllRunChange::Completed => "findall.run.completed",
                FindAllRunChange::Cancelled => "findall.run.cancelled",
                FindAllRunChange::Failed => "findall.run.failed",
                FindAllRunChange::Other(t) => t,
            },
            WebhookEvent::Monitor { kind, .. } => match kind {
                MonitorChange::EventDetected => "monitor.event.detected",
                MonitorChange::ExecutionCompleted => "monitor.execution.completed",
                MonitorChange::ExecutionFailed => "monitor.execution.failed",
                MonitorChange::Other(t) => t,
            },
            WebhookEvent::Unknown { event_type, .. } => event_type,
        }
    }
}
