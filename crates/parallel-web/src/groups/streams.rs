//! A group's run stream and event stream: the public builders and the
//! openers that connect at a cursor for the resumable machine in
//! `streams/resume.rs`, with the decoders of `streams/events.rs`.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{Stream, StreamExt};
use serde::de::DeserializeOwned;

use crate::client::request::{Call, versioned};
use crate::client::with_options::request_builder;
use crate::streams::body::event_stream_body;
use crate::streams::events::{GroupEvent, GroupEvents, TypedRun, TypedRuns};
use crate::streams::resume::{self, Decode, EndRule, Opener};
use crate::types::TaskRunStatus;
use crate::{Error, RequestOptions, TaskGroup};

/// A stream of group events that resumes itself after drops.
pub type GroupEventStream = Pin<Box<dyn Stream<Item = Result<GroupEvent, Error>> + Send>>;
/// A stream of typed runs.
pub type TypedRunStream<I, O> = Pin<Box<dyn Stream<Item = Result<TypedRun<I, O>, Error>> + Send>>;

/// Builder for a group's run stream; finish with [`send`](RunsRequest::send)
/// or `.await`.
#[derive(Debug, Clone)]
#[must_use]
pub struct RunsRequest {
    group: TaskGroup,
    include_input: bool,
    include_output: bool,
    status: Option<TaskRunStatus>,
    after: Option<String>,
    options: RequestOptions,
}

impl RunsRequest {
    pub(crate) fn new(group: TaskGroup) -> RunsRequest {
        RunsRequest {
            group,
            include_input: false,
            include_output: false,
            status: None,
            after: None,
            options: RequestOptions::new(),
        }
    }

    /// Include each run's input.
    pub fn include_input(mut self) -> Self {
        self.include_input = true;
        self
    }

    /// Include each completed run's output.
    pub fn include_output(mut self) -> Self {
        self.include_output = true;
        self
    }

    /// Only runs with this status.
    pub fn status(mut self, status: TaskRunStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Start after this cursor (an `event_id` seen earlier).
    pub fn after(mut self, last_event_id: impl Into<String>) -> Self {
        self.after = Some(last_event_id.into());
        self
    }

    pub(crate) fn after_opt(mut self, last_event_id: Option<String>) -> Self {
        self.after = last_event_id;
        self
    }

    /// Decode inputs as `I` and outputs as `O`.
    pub fn typed<I, O>(self) -> TypedRunsRequest<I, O> {
        TypedRunsRequest {
            inner: self,
            _types: std::marker::PhantomData,
        }
    }

    /// Opens the stream. HTTP errors (unknown group, invalid cursor) are
    /// returned here, with the server's message.
    pub async fn send(self) -> Result<GroupEventStream, Error> {
        let decode = GroupEvents {
            end_when_inactive: false,
        };
        Ok(self.open(decode).await?.boxed())
    }

    /// Opens the stream with `decode`.
    async fn open<D: Decode>(
        self,
        decode: D,
    ) -> Result<impl Stream<Item = Result<D::Item, Error>> + Send + 'static, Error> {
        let client = self.group.client.with_options(self.options);
        let (group, input, output, status) = (
            self.group.id.clone(),
            self.include_input,
            self.include_output,
            self.status,
        );
        let opener: Opener = Arc::new(move |cursor: Option<String>| {
            let (client, group, status) = (client.clone(), group.clone(), status.clone());
            Box::pin(async move {
                let c = &client;
                let rv = versioned!(
                    c,
                    Call::read,
                    task_group_get_runs | beta_task_group_get_runs,
                    before {
                        let (g, cursor, status) = (group.as_str(), cursor.clone(), status.clone());
                    },
                    |b| {
                        let mut b = b
                            .taskgroup_id(g)
                            .include_input(input)
                            .include_output(output);
                        if let Some(cur) = cursor {
                            b = b.last_event_id(cur);
                        }
                        if let Some(s) = status {
                            b = b.status(s);
                        }
                        b
                    }
                )
                .await?;
                event_stream_body(rv, cursor.as_deref())
            })
        });
        let settings = self.group.client.stream_settings().clone();
        resume::open(opener, decode, settings, EndRule::AtEndOfBody, self.after).await
    }
}

request_builder!(RunsRequest => GroupEventStream, options: options);

/// A run stream decoding inputs as `I` and outputs as `O`; finish with
/// [`send`](TypedRunsRequest::send) or `.await`.
#[must_use]
pub struct TypedRunsRequest<I, O> {
    inner: RunsRequest,
    _types: std::marker::PhantomData<fn() -> (I, O)>,
}

impl<I, O> std::fmt::Debug for TypedRunsRequest<I, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl<I, O> TypedRunsRequest<I, O>
where
    I: DeserializeOwned + Send + 'static,
    O: DeserializeOwned + Send + 'static,
{
    /// Opens the stream of typed runs: each event is decoded once, from its
    /// bytes, straight into `I` and `O`.
    pub async fn send(self) -> Result<TypedRunStream<I, O>, Error> {
        Ok(self.inner.open(TypedRuns::<I, O>::new()).await?.boxed())
    }
}

request_builder!(
    impl<I, O> TypedRunsRequest<I, O> => TypedRunStream<I, O>,
    options: inner.options,
    where I: DeserializeOwned + Send + 'static, O: DeserializeOwned + Send + 'static
);

/// Builder for a group's live event stream; finish with
/// [`send`](EventsRequest::send) or `.await`.
#[derive(Debug, Clone)]
#[must_use]
pub struct EventsRequest {
    group: TaskGroup,
    after: Option<String>,
    options: RequestOptions,
    api_timeout: Option<Duration>,
}

impl EventsRequest {
    pub(crate) fn new(group: TaskGroup) -> EventsRequest {
        EventsRequest {
            group,
            after: None,
            options: RequestOptions::new(),
            api_timeout: None,
        }
    }

    /// Asks the server to keep each connection of the stream open at most
    /// this long (the `timeout` query, in seconds; named `api_timeout` as
    /// in the Python SDK, since [`WithOptions::timeout`](crate::WithOptions::timeout)
    /// bounds the call on the client). When the server closes a connection
    /// the stream reconnects from its cursor as after any close, so this
    /// bounds one connection, not the whole stream.
    ///
    /// ```no_run
    /// # async fn demo(group: parallel_web::TaskGroup) -> Result<(), parallel_web::Error> {
    /// use std::time::Duration;
    /// let events = group.events().api_timeout(Duration::from_secs(30)).await?;
    /// # let _ = events;
    /// # Ok(())
    /// # }
    /// ```
    pub fn api_timeout(mut self, timeout: Duration) -> Self {
        self.api_timeout = Some(timeout);
        self
    }

    /// Start after this cursor (an `event_id` seen earlier).
    pub fn after(mut self, last_event_id: impl Into<String>) -> Self {
        self.after = Some(last_event_id.into());
        self
    }

    /// Opens the stream. It ends when the server closes it right after a
    /// status saying the group is inactive; an inactive status followed by
    /// more events (a replayed history: the group was idle, then got more
    /// runs) does not end it.
    pub async fn send(self) -> Result<GroupEventStream, Error> {
        let client = self.group.client.with_options(self.options);
        let group = self.group.id.clone();
        let timeout = self.api_timeout.map(|t| t.as_secs_f64());
        let opener: Opener = Arc::new(move |cursor: Option<String>| {
            let (client, group) = (client.clone(), group.clone());
            Box::pin(async move {
                let c = &client;
                let rv = versioned!(
                    c,
                    Call::read,
                    task_group_events | beta_task_group_events,
                    before {
                        let (g, cursor) = (group.as_str(), cursor.clone());
                    },
                    |b| {
                        let b = b.taskgroup_id(g);
                        let b = match timeout {
                            Some(seconds) => b.timeout(seconds),
                            None => b,
                        };
                        match cursor {
                            Some(cur) => b.last_event_id(cur),
                            None => b,
                        }
                    }
                )
                .await?;
                event_stream_body(rv, cursor.as_deref())
            })
        });
        let settings = self.group.client.stream_settings().clone();
        let decode = GroupEvents {
            end_when_inactive: true,
        };
        let events = resume::open(
            opener,
            decode,
            settings,
            EndRule::AtCloseAfterLastItem,
            self.after,
        )
        .await?;
        Ok(events.boxed())
    }
}

request_builder!(EventsRequest => GroupEventStream, options: options);
