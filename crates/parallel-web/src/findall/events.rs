//! A FindAll run's event stream: the typed events, their decoder, and the
//! opener that connects at a cursor for the self-resuming machine of
//! `streams/resume.rs` (which does the reconnecting, skipping of replays
//! and giving up; nothing of that is repeated here).
//!
//! An event whose `type` comes before its `data` (as the API sends them)
//! is read in one pass, its `data` straight into the type the `type` names
//! ([`OnePass`]: it cut the Rust CPU of the 100k-event bench by about a
//! third against reading the data as raw JSON first). Any other event, and
//! any that does not fit, is read into [`Wire`] with its `data` kept as raw
//! JSON, which says exactly what did not fit. Unknown types are kept as
//! [`FindAllEvent::Unknown`], never an error.

use std::borrow::Cow;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{Stream, StreamExt};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::client::request::{Call, versioned};
use crate::client::with_options::request_builder;
use crate::findall::header;
use crate::findall::run::FindAllRun;
use crate::streams::body::event_stream_body;
use crate::streams::resume::{self, Decode, Decoded, EndRule, Opener};
use crate::streams::sse::Frame;
use crate::types::{self, FindAllCandidate, FindAllSchema};
use crate::{Error, RequestOptions};

/// The kind of a candidate event (`findall.candidate.matched`, ...); kinds
/// this version does not know are kept as `Other`.
pub use parallel_web_api::open::FindAllCandidateEventType as CandidateEventKind;

/// A stream of a FindAll run's events that resumes itself after drops.
pub type FindAllEventStream = Pin<Box<dyn Stream<Item = Result<FindAllEvent, Error>> + Send>>;

/// One event of a FindAll run's stream.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum FindAllEvent {
    /// The run's status changed (`findall.status`).
    Status {
        /// Cursor of this event.
        event_id: String,
        /// The run, with its new status and candidate counts.
        run: Box<types::FindAllRun>,
    },
    /// A candidate was generated, matched, unmatched, discarded or enriched
    /// (`findall.candidate.*`). One variant for every candidate kind, so
    /// that a kind added later still arrives typed; `kind` tells them apart.
    Candidate {
        /// Cursor of this event.
        event_id: String,
        /// What happened to the candidate.
        kind: CandidateEventKind,
        /// The candidate, with its match status, output and basis so far.
        candidate: Box<FindAllCandidate>,
    },
    /// The run's schema changed (`findall.schema.updated`): an enrichment
    /// was added or the match limit raised.
    SchemaUpdated {
        /// Cursor of this event.
        event_id: String,
        /// The schema now.
        schema: Box<FindAllSchema>,
    },
    /// The server reported an error inside the stream (`error`); the
    /// stream goes on after it.
    Error(types::Error),
    /// An event type this version does not know, passed through as is.
    Unknown {
        /// The event's `type`.
        kind: String,
        /// The whole event, as JSON.
        data: Value,
    },
}

impl FindAllEvent {
    /// The cursor of this event, if it has one: pass it to
    /// [`FindAllEventsRequest::after`] to continue from here later.
    ///
    /// ```
    /// # fn demo(event: parallel_web::FindAllEvent) {
    /// if let Some(cursor) = event.event_id() {
    ///     println!("resume after {cursor}");
    /// }
    /// # }
    /// ```
    pub fn event_id(&self) -> Option<&str> {
        match self {
            FindAllEvent::Status { event_id, .. }
            | FindAllEvent::Candidate { event_id, .. }
            | FindAllEvent::SchemaUpdated { event_id, .. } => Some(event_id),
            FindAllEvent::Unknown { data, .. } => data.get("event_id").and_then(Value::as_str),
            FindAllEvent::Error(_) => None,
        }
    }
}

impl FindAllRun {
    /// The run's event stream: every status change, candidate and schema
    /// update, from the start (or after [`after`](FindAllEventsRequest::after)).
    /// It resumes itself after a dropped connection from the last event
    /// handed out, never repeating one, and ends when the server closes it
    /// after a status saying the run is no longer active.
    ///
    /// ```no_run
    /// # async fn demo(run: parallel_web::FindAllRun) -> Result<(), parallel_web::Error> {
    /// use futures::StreamExt;
    /// use parallel_web::{CandidateEventKind, FindAllEvent};
    /// let mut events = run.events().await?;
    /// while let Some(event) = events.next().await {
    ///     match event? {
    ///         FindAllEvent::Candidate { kind: CandidateEventKind::Matched, candidate, .. } => {
    ///             println!("match: {} <{}>", candidate.name, candidate.url)
    ///         }
    ///         FindAllEvent::Status { run, .. } => println!("run is {}", run.status.status),
    ///         _ => {}
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn events(&self) -> FindAllEventsRequest {
        FindAllEventsRequest {
            run: self.clone(),
            after: None,
            api_timeout: None,
            options: RequestOptions::new(),
        }
    }
}

/// Builder for a FindAll run's event stream; finish with
/// [`send`](FindAllEventsRequest::send) or `.await`.
#[derive(Debug, Clone)]
#[must_use]
pub struct FindAllEventsRequest {
    run: FindAllRun,
    after: Option<String>,
    api_timeout: Option<Duration>,
    options: RequestOptions,
}

impl FindAllEventsRequest {
    /// Start after this cursor (an `event_id` seen earlier, or a result's
    /// `last_event_id`).
    pub fn after(mut self, last_event_id: impl Into<String>) -> Self {
        self.after = Some(last_event_id.into());
        self
    }

    /// Asks the server to close each connection after this long (the
    /// `timeout` query, in seconds; `api_timeout` as for group streams).
    /// The stream then reconnects from its cursor, so this bounds one
    /// connection, not the stream.
    pub fn api_timeout(mut self, timeout: Duration) -> Self {
        self.api_timeout = Some(timeout);
        self
    }

    /// Opens the stream. HTTP errors (unknown run, invalid cursor, bad
    /// key) are returned here, with the server's message.
    pub async fn send(self) -> Result<FindAllEventStream, Error> {
        let client = self.run.client.with_options(self.options);
        let id = self.run.id.clone();
        let timeout = self.api_timeout.map(|t| t.as_secs_f64());
        let opener: Opener = Arc::new(move |cursor: Option<String>| {
            let (client, id) = (client.clone(), id.clone());
            Box::pin(async move {
                let c = &client;
                let header = header(c);
                let rv = versioned!(c, Call::read, findall_events, |b| {
                    let mut b = b.findall_id(id.as_str()).parallel_beta(header.clone());
                    if let Some(seconds) = timeout {
                        b = b.timeout(seconds);
                    }
                    if let Some(cur) = &cursor {
                        b = b.last_event_id(cur.clone());
                    }
                    b
                })
                .await?;
                event_stream_body(rv, cursor.as_deref())
            })
        });
        let settings = self.run.client.stream_settings().clone();
        let events = resume::open(
            opener,
            FindAllEvents,
            settings,
            EndRule::AtCloseAfterLastItem,
            self.after,
        )
        .await?;
        Ok(events.boxed())
    }
}

request_builder!(FindAllEventsRequest => FindAllEventStream, options: options);

/// Every top-level field of every FindAll event, read in one pass; `data`
/// stays raw until the `type` says what it is.
#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    event_id: Option<String>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
    error: Option<types::Error>,
}

/// Decodes FindAll events; a status saying the run is inactive is the last
/// item (see [`EndRule::AtCloseAfterLastItem`]).
pub(crate) struct FindAllEvents;

impl Decode for FindAllEvents {
    type Item = FindAllEvent;

    fn decode(&mut self, frame: &Frame<'_>) -> Decoded<FindAllEvent> {
        // One pass when `type` comes before `data` (as the API sends
        // them); anything else, errors included, takes the slower path
        // below, which says exactly what did not fit.
        if let Ok(OnePass(Some(decoded))) = serde_json::from_slice::<OnePass>(&frame.data) {
            return decoded;
        }
        let wire = match serde_json::from_slice::<Wire<'_>>(&frame.data) {
            Ok(wire) => wire,
            Err(e) => {
                return Decoded {
                    item: Some(Err(decode_error("FindAll event", e.to_string(), frame))),
                    cursor: None,
                    last: false,
                };
            }
        };
        let kind = wire
            .kind
            .as_deref()
            .unwrap_or_else(|| std::str::from_utf8(frame.event).unwrap_or_default());
        let cursor = wire.event_id.clone();
        let event_id = wire.event_id.clone().unwrap_or_default();
        let mut last = false;
        let item = match kind {
            "findall.status" => data_as::<types::FindAllRun>(&wire, kind, frame).map(|run| {
                last = !run.status.is_active;
                FindAllEvent::Status {
                    event_id,
                    run: Box::new(run),
                }
            }),
            "findall.schema.updated" => {
                data_as::<FindAllSchema>(&wire, kind, frame).map(|schema| {
                    FindAllEvent::SchemaUpdated {
                        event_id,
                        schema: Box::new(schema),
                    }
                })
            }
            k if k.starts_with("findall.candidate.") => {
                data_as::<FindAllCandidate>(&wire, kind, frame).map(|candidate| {
                    FindAllEvent::Candidate {
                        event_id,
                        kind: CandidateEventKind::from(k),
                        candidate: Box::new(candidate),
                    }
                })
            }
            "error" => match wire.error {
                Some(error) => Ok(FindAllEvent::Error(error)),
                None => Err(decode_error(
                    "`error` event",
                    "no `error` object".into(),
                    frame,
                )),
            },
            other => Ok(FindAllEvent::Unknown {
                kind: other.to_owned(),
                data: serde_json::from_slice(&frame.data).unwrap_or(Value::Null),
            }),
        };
        Decoded {
            item: Some(item),
            cursor,
            last,
        }
    }
}

/// An event decoded in one pass: its `type` read first, then its `data`
/// straight into the type the `type` names, with no second reading of the
/// data. `None` when the event is not of that easy shape (no `type`, or
/// `data` before it, or an `error` or unknown event): the caller then uses
/// the general path.
struct OnePass(Option<Decoded<FindAllEvent>>);

/// The top-level fields the one-pass decoder looks at.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Type,
    EventId,
    Data,
    #[serde(other)]
    Other,
}

/// What `data` holds, as the `type` read before it says.
enum Payload {
    Status(types::FindAllRun),
    Schema(FindAllSchema),
    Candidate(CandidateEventKind, FindAllCandidate),
}

impl<'de> Deserialize<'de> for OnePass {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<OnePass, D::Error> {
        d.deserialize_map(OnePassVisitor)
    }
}

struct OnePassVisitor;

/// The `type` of an event, read without allocating for the known ones.
enum Kind {
    Status,
    Schema,
    Candidate(CandidateEventKind),
    Other,
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Kind, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Kind;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an event type")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Kind, E> {
                Ok(match v {
                    "findall.status" => Kind::Status,
                    "findall.schema.updated" => Kind::Schema,
                    k if k.starts_with("findall.candidate.") => {
                        Kind::Candidate(CandidateEventKind::from(k))
                    }
                    _ => Kind::Other,
                })
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> serde::de::Visitor<'de> for OnePassVisitor {
    type Value = OnePass;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a FindAll event object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<OnePass, A::Error> {
        let mut kind = None;
        let mut event_id: Option<String> = None;
        let mut payload = None;
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Type => kind = Some(map.next_value::<Kind>()?),
                Field::EventId => event_id = map.next_value()?,
                Field::Data => {
                    payload = Some(match kind.take() {
                        Some(Kind::Status) => Payload::Status(map.next_value()?),
                        Some(Kind::Schema) => Payload::Schema(map.next_value()?),
                        Some(Kind::Candidate(k)) => Payload::Candidate(k, map.next_value()?),
                        // Data before the type, or of an unknown event.
                        Some(Kind::Other) | None => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                            return Ok(OnePass(None));
                        }
                    });
                }
                Field::Other => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        let Some(payload) = payload else {
            return Ok(OnePass(None));
        };
        let cursor = event_id.clone();
        let event_id = event_id.unwrap_or_default();
        let mut last = false;
        let event = match payload {
            Payload::Status(run) => {
                last = !run.status.is_active;
                FindAllEvent::Status {
                    event_id,
                    run: Box::new(run),
                }
            }
            Payload::Schema(schema) => FindAllEvent::SchemaUpdated {
                event_id,
                schema: Box::new(schema),
            },
            Payload::Candidate(kind, candidate) => FindAllEvent::Candidate {
                event_id,
                kind,
                candidate: Box::new(candidate),
            },
        };
        Ok(OnePass(Some(Decoded {
            item: Some(Ok(event)),
            cursor,
            last,
        })))
    }
}

/// The event's `data` as `T`, or an error naming the event type.
fn data_as<T: DeserializeOwned>(
    wire: &Wire<'_>,
    kind: &str,
    frame: &Frame<'_>,
) -> Result<T, Error> {
    let what = format!("`{kind}` event");
    let Some(data) = wire.data else {
        return Err(decode_error(&what, "no `data` object".into(), frame));
    };
    serde_json::from_str(data.get()).map_err(|e| decode_error(&what, e.to_string(), frame))
}

fn decode_error(what: &str, message: String, frame: &Frame<'_>) -> Error {
    Error::Decode {
        what: what.to_owned(),
        message,
        raw: String::from_utf8_lossy(&frame.data).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(data: &str) -> Decoded<FindAllEvent> {
        let frame = Frame {
            event: b"",
            data: Cow::Borrowed(data.as_bytes()),
        };
        FindAllEvents.decode(&frame)
    }

    fn status(status: &str, active: bool) -> String {
        format!(
            r#"{{"type":"findall.status","event_id":"e1","timestamp":"2025-01-01T00:00:00Z","data":{{"findall_id":"findall_1","generator":"core","status":{{"status":"{status}","is_active":{active},"metrics":{{}}}}}}}}"#
        )
    }

    #[test]
    fn only_a_status_saying_the_run_is_inactive_is_the_last_item() {
        let running = decode(&status("running", true));
        assert!(matches!(
            running.item,
            Some(Ok(FindAllEvent::Status { .. }))
        ));
        assert!(!running.last);
        let done = decode(&status("completed", false));
        assert!(done.last);
        assert_eq!(done.cursor.as_deref(), Some("e1"));
    }

    #[test]
    fn a_candidate_kind_added_later_still_arrives_as_a_typed_candidate() {
        let d = decode(
            r#"{"type":"findall.candidate.reviewed","event_id":"e2","timestamp":"2025-01-01T00:00:00Z",
                "data":{"candidate_id":"c1","name":"Acme","url":"https://acme.example","match_status":"matched"}}"#,
        );
        match d.item {
            Some(Ok(FindAllEvent::Candidate {
                kind, candidate, ..
            })) => {
                assert_eq!(
                    kind,
                    CandidateEventKind::Other("findall.candidate.reviewed".into())
                );
                assert_eq!(candidate.name, "Acme");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn data_before_type_decodes_the_same_as_type_before_data() {
        let data = r#"{"candidate_id":"c1","name":"Acme","url":"https://acme.example","match_status":"matched","output":{"f":{"value":1,"type":"enrichment"}}}"#;
        let first = decode(&format!(
            r#"{{"type":"findall.candidate.enriched","event_id":"e5","data":{data}}}"#
        ));
        let later = decode(&format!(
            r#"{{"data":{data},"event_id":"e5","type":"findall.candidate.enriched"}}"#
        ));
        for d in [first, later] {
            assert_eq!(d.cursor.as_deref(), Some("e5"));
            match d.item {
                Some(Ok(FindAllEvent::Candidate {
                    kind, candidate, ..
                })) => {
                    assert_eq!(kind, CandidateEventKind::Enriched);
                    assert_eq!(candidate.output.unwrap()["f"]["value"], 1);
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn unknown_event_types_are_kept_with_their_cursor() {
        let d = decode(r#"{"type":"findall.budget","event_id":"e3","data":{"left":3}}"#);
        assert_eq!(d.cursor.as_deref(), Some("e3"));
        match d.item {
            Some(Ok(e @ FindAllEvent::Unknown { .. })) => assert_eq!(e.event_id(), Some("e3")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_known_type_whose_data_does_not_fit_is_a_decode_error_keeping_the_cursor() {
        let d = decode(r#"{"type":"findall.status","event_id":"e4","data":{"findall_id":7}}"#);
        assert_eq!(d.cursor.as_deref(), Some("e4"));
        assert!(
            matches!(&d.item, Some(Err(Error::Decode { what, .. })) if what.contains("findall.status")),
            "{:?}",
            d.item
        );
        let d = decode("not json");
        assert!(matches!(d.item, Some(Err(Error::Decode { .. }))));
    }
}
