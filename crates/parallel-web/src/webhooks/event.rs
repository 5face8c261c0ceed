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

/// Which variant a `type` decodes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    TaskRun,
    FindAllRun,
    FindAllCandidate,
    Monitor,
    Unknown,
}

fn family(event_type: &str) -> Family {
    if event_type == "task_run.status" {
        Family::TaskRun
    } else if event_type.starts_with("findall.run.") {
        Family::FindAllRun
    } else if event_type.starts_with("findall.candidate.") {
        Family::FindAllCandidate
    } else if event_type.starts_with("monitor.") {
        Family::Monitor
    } else {
        Family::Unknown
    }
}

/// A payload's `data`: decoded when it was met (its `type` came first, the
/// order Parallel sends), else kept as text to decode once the type is known.
enum Data<'a> {
    TaskRun(Box<TaskRun>),
    FindAllRun(Box<FindAllRun>),
    FindAllCandidate(Box<FindAllCandidate>),
    Monitor(Box<MonitorNotice>),
    Raw(&'a RawValue),
    /// The type is unknown: the whole payload is read again as JSON.
    Skipped,
    Missing,
}

/// The payload, read in one pass over the body.
struct Envelope<'a> {
    event_type: String,
    timestamp: Option<String>,
    data: Data<'a>,
}

impl<'de> Deserialize<'de> for Envelope<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(field_identifier, rename_all = "lowercase")]
        enum Field {
            Type,
            Timestamp,
            Data,
            #[serde(other)]
            Other,
        }

        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Envelope<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(r#"a webhook payload {"timestamp", "type", "data"}"#)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Envelope<'de>, A::Error> {
                let (mut event_type, mut timestamp) = (None::<String>, None);
                let mut data = Data::Missing;
                while let Some(field) = map.next_key()? {
                    match field {
                        Field::Type => event_type = Some(map.next_value()?),
                        Field::Timestamp => timestamp = map.next_value()?,
                        Field::Data => {
                            data = match event_type.as_deref().map(family) {
                                Some(Family::TaskRun) => Data::TaskRun(map.next_value()?),
                                Some(Family::FindAllRun) => Data::FindAllRun(map.next_value()?),
                                Some(Family::FindAllCandidate) => {
                                    Data::FindAllCandidate(map.next_value()?)
                                }
                                Some(Family::Monitor) => Data::Monitor(map.next_value()?),
                                Some(Family::Unknown) => {
                                    map.next_value::<serde::de::IgnoredAny>()?;
                                    Data::Skipped
                                }
                                None => Data::Raw(map.next_value()?),
                            }
                        }
                        Field::Other => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                let event_type =
                    event_type.ok_or_else(|| serde::de::Error::missing_field("type"))?;
                Ok(Envelope {
                    event_type,
                    timestamp,
                    data,
                })
            }
        }
        deserializer.deserialize_map(Visit)
    }
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
                event_type: type_of(body),
                source,
            })?;
        let Envelope {
            event_type,
            timestamp,
            data,
        } = envelope;
        let fail = |source| WebhookError::InvalidPayload {
            event_type: Some(event_type.clone()),
            source,
        };
        // `data` that came before `type`, or none at all: decode it now.
        let data = match (data, family(&event_type)) {
            (Data::Raw(raw), family) => decode_data(family, raw.get()).map_err(fail)?,
            (Data::Missing, family) => decode_data(family, "null").map_err(fail)?,
            (data, _) => data,
        };
        let timestamp_or_empty = || timestamp.clone().unwrap_or_default();
        Ok(match data {
            Data::TaskRun(run) => WebhookEvent::TaskRunStatus {
                timestamp: timestamp_or_empty(),
                run,
            },
            Data::FindAllRun(run) => WebhookEvent::FindAllRun {
                timestamp: timestamp_or_empty(),
                kind: match event_type.strip_prefix("findall.run.") {
                    Some("completed") => FindAllRunChange::Completed,
                    Some("cancelled") => FindAllRunChange::Cancelled,
                    Some("failed") => FindAllRunChange::Failed,
                    _ => FindAllRunChange::Other(event_type),
                },
                run,
            },
            Data::FindAllCandidate(candidate) => WebhookEvent::FindAllCandidate {
                timestamp: timestamp_or_empty(),
                kind: FindAllCandidateEventType::from(event_type.as_str()),
                candidate,
            },
            Data::Monitor(notice) => WebhookEvent::Monitor {
                timestamp: timestamp_or_empty(),
                kind: match event_type.as_str() {
                    "monitor.event.detected" => MonitorChange::EventDetected,
                    "monitor.execution.completed" => MonitorChange::ExecutionCompleted,
                    "monitor.execution.failed" => MonitorChange::ExecutionFailed,
                    _ => MonitorChange::Other(event_type),
                },
                notice,
            },
            Data::Skipped | Data::Raw(_) | Data::Missing => WebhookEvent::Unknown {
                payload: serde_json::from_slice(body).map_err(fail)?,
                event_type,
                timestamp,
            },
        })
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

/// Decodes `data` text for a type's family (an unknown family skips it).
fn decode_data(family: Family, data: &str) -> Result<Data<'static>, serde_json::Error> {
    Ok(match family {
        Family::TaskRun => Data::TaskRun(serde_json::from_str(data)?),
        Family::FindAllRun => Data::FindAllRun(serde_json::from_str(data)?),
        Family::FindAllCandidate => Data::FindAllCandidate(serde_json::from_str(data)?),
        Family::Monitor => Data::Monitor(serde_json::from_str(data)?),
        Family::Unknown => Data::Skipped,
    })
}

/// The payload's `type`, if the body is an object that has one (to name it
/// in an error).
fn type_of(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct TypeOnly {
        #[serde(rename = "type")]
        event_type: String,
    }
    serde_json::from_slice::<TypeOnly>(body)
        .ok()
        .map(|t| t.event_type)
}
