//! A monitor's events: [`MonitorEvent`], the typed kinds (an unknown kind
//! is kept, never an error), and [`MonitorEventsRequest`], which reads
//! them page by page (`GET /v1/monitors/{id}/events`) as one stream.

use reqwest::Method;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::pages::every_page;
use super::raw::send;
use crate::client::request::Call;
use crate::search::invalid;
use crate::spec::wire::built;
use crate::types::{
    MonitorCompletionEvent, MonitorErrorEvent, MonitorEventStreamEvent, MonitorSnapshotEvent,
};
use crate::{Client, Error, RequestOptions};

/// The most events one page may hold (documented).
pub const MAX_MONITOR_EVENTS_PAGE: u32 = 100;

/// One item of a monitor's event list.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MonitorEvent {
    /// An `event_stream` monitor found something (`event_type: event_stream`).
    /// Boxed, as the snapshot, to keep the enum small for the kinds
    /// without outputs.
    Event(Box<MonitorEventStreamEvent>),
    /// A `snapshot` monitor's output changed.
    Snapshot(Box<MonitorSnapshotEvent>),
    /// A check that found nothing new (listed only with
    /// [`include_completions`](MonitorEventsRequest::include_completions)).
    Completion(MonitorCompletionEvent),
    /// A check that failed.
    Error(MonitorErrorEvent),
    /// A kind this version of the SDK does not know, kept as sent.
    Unknown {
        /// The `event_type` the server sent (empty when it sent none).
        event_type: String,
        /// The whole event, as JSON text.
        raw: String,
    },
}

impl MonitorEvent {
    /// The check the event belongs to (`event_group_id`, or the older
    /// `monitor_group_id`), for the kinds that name one.
    ///
    /// ```
    /// use parallel_web::MonitorEvent;
    /// let e = MonitorEvent::Unknown { event_type: "later".into(), raw: "{}".into() };
    /// assert_eq!(e.event_group_id(), None);
    /// ```
    pub fn event_group_id(&self) -> Option<&str> {
        match self {
            MonitorEvent::Event(e) => e
                .event_group_id
                .as_deref()
                .or(e.monitor_group_id.as_deref()),
            MonitorEvent::Snapshot(e) => e
                .event_group_id
                .as_deref()
                .or(e.monitor_group_id.as_deref()),
            _ => None,
        }
    }

    /// Reads one event from its JSON text; a kind this version does not
    /// know is [`MonitorEvent::Unknown`], a known kind with missing or
    /// mistyped fields is an error.
    ///
    /// ```
    /// use parallel_web::MonitorEvent;
    /// let e = MonitorEvent::from_json(r#"{"event_type":"completion","timestamp":"2025-01-01T00:00:00Z"}"#).unwrap();
    /// assert!(matches!(e, MonitorEvent::Completion(_)));
    /// let later = MonitorEvent::from_json(r#"{"event_type":"digest","items":3}"#).unwrap();
    /// assert!(matches!(later, MonitorEvent::Unknown { ref event_type, .. } if event_type == "digest"));
    /// ```
    pub fn from_json(json: &str) -> Result<MonitorEvent, Error> {
        let decode_error = |kind: &str, e: serde_json::Error| Error::Decode {
            what: format!("monitor event of type `{kind}`"),
            message: e.to_string(),
            raw: json.to_owned(),
        };
        let kind = kind_of(json).map_err(|e| decode_error("?", e))?;
        let typed = match kind.as_ref() {
            "event_stream" => event_stream_event(json).map(|e| MonitorEvent::Event(Box::new(e))),
            "snapshot" => serde_json::from_str(json).map(|e| MonitorEvent::Snapshot(Box::new(e))),
            "completion" => serde_json::from_str(json).map(MonitorEvent::Completion),
            "error" => serde_json::from_str(json).map(MonitorEvent::Error),
            other => {
                return Ok(MonitorEvent::Unknown {
                    event_type: other.to_owned(),
                    raw: json.to_owned(),
                });
            }
        };
        typed.map_err(|e| decode_error(&kind, e))
    }
}

/// One page of events, as the server answered it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MonitorEventsPage {
    /// The events, newest first.
    pub events: Vec<MonitorEvent>,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// A page as sent, its events left unread (borrowed from the body).
#[derive(Deserialize)]
struct WirePage<'a> {
    #[serde(borrow)]
    events: Vec<&'a RawValue>,
    #[serde(default)]
    next_cursor: Option<String>,
}

/// An `event_stream` event as sent, its output left unread: the generated
/// output type is an untagged union, which buffers the whole output to try
/// each branch; reading `type` first and then the one branch is cheaper.
#[derive(Deserialize)]
struct WireEventStream<'a> {
    event_id: String,
    #[serde(default)]
    event_group_id: Option<String>,
    #[serde(default)]
    monitor_group_id: Option<String>,
    event_date: Option<String>,
    #[serde(borrow)]
    output: &'a RawValue,
}

/// An output as sent: both variants' fields in one pass, `content` left
/// unread until `type` says whether it is text or a JSON object.
#[derive(Deserialize)]
struct WireOutput<'a> {
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
    #[serde(default)]
    basis: Vec<crate::types::FieldBasis>,
    #[serde(borrow)]
    content: &'a RawValue,
    #[serde(default)]
    beta_fields: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    mcp_tool_calls: Option<Vec<crate::types::McpToolCall>>,
    #[serde(default)]
    output_schema: Option<serde_json::Map<String, serde_json::Value>>,
}

fn event_stream_event(json: &str) -> Result<MonitorEventStreamEvent, serde_json::Error> {
    use crate::types::{
        MonitorEventStreamEventEventType, MonitorEventStreamEventOutput, TaskRunJsonOutput,
        TaskRunJsonOutputType, TaskRunTextOutput, TaskRunTextOutputType,
    };
    use serde::de::Error as _;
    let wire: WireEventStream<'_> = serde_json::from_str(json)?;
    let out: WireOutput<'_> = serde_json::from_str(wire.output.get())?;
    // Through the generated builders, not struct literals, so a field the
    // spec adds later does not break this code (`cargo xtask spec-evolution`).
    let output = match out.kind.as_ref() {
        "text" => MonitorEventStreamEventOutput::TextOutput(built(
            TaskRunTextOutput::builder()
                .basis(out.basis)
                .beta_fields(out.beta_fields)
                .content(serde_json::from_str::<String>(out.content.get())?)
                .mcp_tool_calls(out.mcp_tool_calls)
                .type_(TaskRunTextOutputType::Text),
        )),
        "json" => MonitorEventStreamEventOutput::JsonOutput(built(
            TaskRunJsonOutput::builder()
                .basis(out.basis)
                .beta_fields(out.beta_fields)
                .content(serde_json::from_str::<
                    serde_json::Map<String, serde_json::Value>,
                >(out.content.get())?)
                .mcp_tool_calls(out.mcp_tool_calls)
                .output_schema(out.output_schema)
                .type_(TaskRunJsonOutputType::Json),
        )),
        other => {
            return Err(serde_json::Error::custom(format!(
                "unknown output type `{other}` (expected `text` or `json`)"
            )));
        }
    };
    Ok(built(
        MonitorEventStreamEvent::builder()
            .event_id(wire.event_id)
            .event_group_id(wire.event_group_id)
            .monitor_group_id(wire.monitor_group_id)
            .event_date(wire.event_date)
            .event_type(MonitorEventStreamEventEventType::EventStream)
            .output(output),
    ))
}

/// The `event_type` of an event: read from the text when it is the first
/// field (as the emulator and pydantic-style servers write it), else by
/// reading the whole event.
fn kind_of(json: &str) -> Result<std::borrow::Cow<'_, str>, serde_json::Error> {
    const PREFIX: &str = "{\"event_type\":\"";
    if let Some(rest) = json.strip_prefix(PREFIX)
        && let Some(end) = rest.find('"')
        && !rest[..end].contains('\\')
    {
        return Ok(std::borrow::Cow::Borrowed(&rest[..end]));
    }
    #[derive(Deserialize)]
    struct Kind<'a> {
        #[serde(borrow, default)]
        event_type: Option<std::borrow::Cow<'a, str>>,
    }
    let kind: Kind<'_> = serde_json::from_str(json)?;
    Ok(kind.event_type.unwrap_or_default())
}

/// A stream of a monitor's events, newest first, over every page.
pub type MonitorEventStream = futures::stream::BoxStream<'static, Result<MonitorEvent, Error>>;

/// Builder for a monitor's events; from [`Monitor::events`](crate::Monitor::events).
/// Finish with [`stream`](Self::stream) for every event, or
/// [`page`](Self::page) for one page.
#[derive(Debug, Clone)]
#[must_use]
pub struct MonitorEventsRequest {
    client: Client,
    monitor_id: String,
    event_group_id: Option<String>,
    include_completions: bool,
    page_size: Option<u32>,
    options: RequestOptions,
}

impl MonitorEventsRequest {
    pub(crate) fn new(client: &Client, monitor_id: &str) -> Self {
        MonitorEventsRequest {
            client: client.clone(),
            monitor_id: monitor_id.to_owned(),
            event_group_id: None,
            include_completions: false,
            page_size: None,
            options: RequestOptions::new(),
        }
    }

    /// Only the events of one check (the id a listed event or a webhook
    /// delivery carries); the server answers them on one page.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let group = client.monitors().monitor("monitor_1").events().event_group_id("mevtgrp_1");
    /// # let _ = group;
    /// ```
    pub fn event_group_id(mut self, id: impl Into<String>) -> Self {
        self.event_group_id = Some(id.into());
        self
    }

    /// Also list the checks that found nothing new
    /// ([`MonitorEvent::Completion`]).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let all = client.monitors().monitor("monitor_1").events().include_completions(true);
    /// # let _ = all;
    /// ```
    pub fn include_completions(mut self, on: bool) -> Self {
        self.include_completions = on;
        self
    }

    /// Events per page, 1 to [`MAX_MONITOR_EVENTS_PAGE`] (the API's default is 20).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let big_pages = client.monitors().monitor("monitor_1").events().page_size(100);
    /// # let _ = big_pages;
    /// ```
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n);
        self
    }

    fn check(&self) -> Result<(), Error> {
        if let Some(n) = self.page_size
            && !(1..=MAX_MONITOR_EVENTS_PAGE).contains(&n)
        {
            return Err(invalid(
                "limit",
                format!("a page holds 1 to {MAX_MONITOR_EVENTS_PAGE} events; {n} was asked for"),
            ));
        }
        Ok(())
    }

    /// Reads one page, from `cursor` (`None` for the newest events).
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// let first = client.monitors().monitor("monitor_1").events().page(None).await?;
    /// if let Some(next) = &first.next_cursor {
    ///     let second = client.monitors().monitor("monitor_1").events().page(Some(next)).await?;
    ///     # let _ = second;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn page(&self, cursor: Option<&str>) -> Result<MonitorEventsPage, Error> {
        self.check()?;
        let client = self.client.with_options(self.options.clone());
        fetch(&client, &self.query(cursor), &self.path()).await
    }

    /// Every event, newest first, over every page; a bad page size or a
    /// failed page is the stream's last item.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use futures::TryStreamExt;
    /// let events: Vec<_> = client.monitors().monitor("monitor_1").events().page_size(100).stream().try_collect().await?;
    /// # let _ = events; Ok(()) }
    /// ```
    pub fn stream(self) -> MonitorEventStream {
        if let Err(e) = self.check() {
            return Box::pin(futures::stream::once(async move { Err(e) }));
        }
        let client = self.client.with_options(self.options.clone());
        let path = self.path();
        every_page(move |cursor: Option<String>| {
            let query = self.query(cursor.as_deref());
            let client = client.clone();
            let path = path.clone();
            async move {
                let page = fetch(&client, &query, &path).await?;
                Ok((page.events, page.next_cursor))
            }
        })
    }

    fn path(&self) -> String {
        format!(
            "/v1/monitors/{}/events",
            progenitor_client::encode_path(&self.monitor_id)
        )
    }

    fn query(&self, cursor: Option<&str>) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(g) = &self.event_group_id {
            q.push(("event_group_id", g.clone()));
        }
        if let Some(c) = cursor {
            q.push(("cursor", c.to_owned()));
        }
        if let Some(n) = self.page_size {
            q.push(("limit", n.to_string()));
        }
        if self.include_completions {
            q.push(("include_completions", "true".to_owned()));
        }
        q
    }
}

impl crate::WithOptions for MonitorEventsRequest {
    fn options_mut(&mut self) -> &mut RequestOptions {
        &mut self.options
    }
}

async fn fetch(
    client: &Client,
    query: &[(&'static str, String)],
    path: &str,
) -> Result<MonitorEventsPage, Error> {
    let body = send(
        client,
        Call::read("monitor_events"),
        Method::GET,
        path,
        query,
        None,
    )
    .await?;
    let page: WirePage<'_> = serde_json::from_slice(&body).map_err(|e| Error::Decode {
        what: "monitor_events page".into(),
        message: e.to_string(),
        raw: String::from_utf8_lossy(&body[..body.len().min(4096)]).into_owned(),
    })?;
    let events = page
        .events
        .iter()
        .map(|raw| MonitorEvent::from_json(raw.get()))
        .collect::<Result<_, _>>()?;
    Ok(MonitorEventsPage {
        events,
        next_cursor: page.next_cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_known_kind_decodes_to_its_variant() {
        let event = r#"{"event_type":"event_stream","event_id":"e1","event_group_id":"g1","event_date":"2025-01",
            "output":{"type":"text","content":"x","basis":[]}}"#;
        let e = MonitorEvent::from_json(event).unwrap();
        assert!(matches!(&e, MonitorEvent::Event(ev) if ev.event_id == "e1"));
        assert_eq!(e.event_group_id(), Some("g1"));
        let snapshot = r#"{"event_type":"snapshot","event_id":"e2","monitor_group_id":"g2","event_date":null,
            "changed_output":{"type":"text","content":"new","basis":[]},
            "previous_output":{"type":"text","content":"old","basis":[]}}"#;
        let s = MonitorEvent::from_json(snapshot).unwrap();
        assert!(matches!(s, MonitorEvent::Snapshot(_)));
        assert_eq!(
            s.event_group_id(),
            Some("g2"),
            "the older field is read too"
        );
        let error =
            r#"{"event_type":"error","error_message":"boom","timestamp":"2025-01-01T00:00:00Z"}"#;
        assert!(
            matches!(MonitorEvent::from_json(error).unwrap(), MonitorEvent::Error(e) if e.error_message == "boom")
        );
    }

    #[test]
    fn the_kind_is_found_wherever_it_sits_in_the_event() {
        let last = r#"{"timestamp":"2025-01-01T00:00:00Z","event_type":"completion"}"#;
        assert!(matches!(
            MonitorEvent::from_json(last).unwrap(),
            MonitorEvent::Completion(_)
        ));
        let spaced = r#"{ "event_type" : "completion", "timestamp":"2025-01-01T00:00:00Z"}"#;
        assert!(matches!(
            MonitorEvent::from_json(spaced).unwrap(),
            MonitorEvent::Completion(_)
        ));
        let escaped = r#"{"event_type":"compl\u0065tion","timestamp":"2025-01-01T00:00:00Z"}"#;
        assert!(matches!(
            MonitorEvent::from_json(escaped).unwrap(),
            MonitorEvent::Completion(_)
        ));
        let unknown_output = r#"{"event_type":"event_stream","event_id":"e","event_date":null,
            "output":{"type":"audio","content":"x","basis":[]}}"#;
        assert!(matches!(
            MonitorEvent::from_json(unknown_output),
            Err(Error::Decode { .. })
        ));
    }

    #[test]
    fn an_unknown_kind_is_kept_whole_and_a_broken_known_kind_is_an_error() {
        let raw = r#"{"event_type":"digest","n":1}"#;
        assert_eq!(
            MonitorEvent::from_json(raw).unwrap(),
            MonitorEvent::Unknown {
                event_type: "digest".into(),
                raw: raw.into()
            }
        );
        let broken = r#"{"event_type":"error","timestamp":"2025-01-01T00:00:00Z"}"#;
        assert!(matches!(
            MonitorEvent::from_json(broken),
            Err(Error::Decode { .. })
        ));
    }

    #[test]
    fn page_sizes_outside_one_to_a_hundred_are_refused_before_sending() {
        let client = Client::builder().api_key("k").build().unwrap();
        for n in [0, 101] {
            let r = client.monitors().monitor("m").events().page_size(n);
            assert!(
                matches!(r.check(), Err(Error::InvalidInput { field, .. }) if field == "limit")
            );
        }
        assert!(
            client
                .monitors()
                .monitor("m")
                .events()
                .page_size(100)
                .check()
                .is_ok()
        );
    }
}
