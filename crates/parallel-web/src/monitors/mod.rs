//! Monitors: `client.monitors()`, which watch the web on a schedule and
//! report what changed.
//!
//! - this file: the [`Monitors`] accessor, the [`Monitor`] handle (get,
//!   cancel, trigger) and the frequency check;
//! - `create.rs`, `update.rs`: the create and update builders;
//! - `list.rs`: every monitor, as one stream over the pages;
//! - `events.rs`: a monitor's events, typed, as one stream over the pages;
//! - `pages.rs`: the cursor loop both streams share;
//! - `raw.rs`: the two calls whose JSON the SDK reads or writes itself.

pub(crate) mod create;
pub(crate) mod events;
pub(crate) mod list;
mod pages;
mod raw;
pub(crate) mod update;

use std::time::Duration;

use crate::client::read::ReadRequest;
use crate::client::request::{Call, versioned};
use crate::search::invalid;
use crate::types::MonitorResponse;
use crate::{Client, Error};

pub use create::CreateMonitor;
pub use events::{MonitorEvent, MonitorEventStream, MonitorEventsPage, MonitorEventsRequest};
pub use list::{ListMonitors, MonitorStream};
pub use update::UpdateMonitor;

/// Shortest frequency the API accepts: one hour (`1h`).
pub const MIN_MONITOR_FREQUENCY: Duration = Duration::from_secs(3600);

/// Longest frequency the API accepts: thirty days (`30d`).
pub const MAX_MONITOR_FREQUENCY: Duration = Duration::from_secs(30 * 24 * 3600);

impl Client {
    /// Monitors: create, list, read, update, cancel, trigger and page
    /// through events.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// let monitor = client
    ///     .monitors()
    ///     .create()
    ///     .event_stream("New grid-scale battery projects announced in Europe")
    ///     .frequency("1d")
    ///     .await?;
    /// println!("watching as {}", monitor.id());
    /// # Ok(()) }
    /// ```
    pub fn monitors(&self) -> Monitors {
        Monitors {
            client: self.clone(),
        }
    }
}

/// The monitors of an account; from [`Client::monitors`].
#[derive(Debug, Clone)]
pub struct Monitors {
    client: Client,
}

impl Monitors {
    /// Starts a new monitor; choose its kind with
    /// [`event_stream`](CreateMonitor::event_stream) or
    /// [`snapshot`](CreateMonitor::snapshot) and give a
    /// [`frequency`](CreateMonitor::frequency).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let create = client.monitors().create().event_stream("EU AI act guidance").frequency("1w");
    /// # let _ = create;
    /// ```
    pub fn create(&self) -> CreateMonitor {
        CreateMonitor::new(&self.client)
    }

    /// Every monitor, newest first, as one stream over the pages (only
    /// active ones unless [`statuses`](ListMonitors::statuses) says otherwise).
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use futures::TryStreamExt;
    /// let all: Vec<_> = client.monitors().list().stream().try_collect().await?;
    /// # let _ = all; Ok(()) }
    /// ```
    pub fn list(&self) -> ListMonitors {
        ListMonitors::new(&self.client)
    }

    /// Reads a monitor by id; the answer is a [`Monitor`] handle holding it.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// let monitor = client.monitors().get("monitor_123").await?;
    /// println!("{:?}", monitor.info().map(|m| &m.status));
    /// # Ok(()) }
    /// ```
    pub fn get(&self, monitor_id: impl Into<String>) -> ReadRequest<Monitor> {
        let id = monitor_id.into();
        ReadRequest::new(&self.client, "monitor_retrieve", move |client| {
            let id = id.clone();
            async move {
                let info = retrieve(&client, &id).await?;
                Ok(Monitor::with_info(&client, info))
            }
        })
    }

    /// A handle on monitor `monitor_id` without reading it first.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let monitor = client.monitors().monitor("monitor_123");
    /// assert_eq!(monitor.id(), "monitor_123");
    /// assert!(monitor.info().is_none());
    /// ```
    pub fn monitor(&self, monitor_id: impl Into<String>) -> Monitor {
        Monitor {
            client: self.client.clone(),
            id: monitor_id.into(),
            info: None,
        }
    }
}

/// One monitor: its id, what the server last said about it, and its
/// operations.
#[derive(Debug, Clone)]
pub struct Monitor {
    client: Client,
    id: String,
    info: Option<MonitorResponse>,
}

impl Monitor {
    pub(crate) fn with_info(client: &Client, info: MonitorResponse) -> Monitor {
        Monitor {
            client: client.clone(),
            id: info.monitor_id.clone(),
            info: Some(info),
        }
    }

    /// The monitor's id (`monitor_…`).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// assert_eq!(client.monitors().monitor("monitor_9").id(), "monitor_9");
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }

    /// What the server answered when this handle was made (created or
    /// read); `None` for a handle from [`Monitors::monitor`].
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// let m = client.monitors().get("monitor_123").await?;
    /// if let Some(info) = m.info() {
    ///     println!("{} every {}", info.monitor_id, info.frequency);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn info(&self) -> Option<&MonitorResponse> {
        self.info.as_ref()
    }

    /// Reads the monitor again.
    ///
    /// ```no_run
    /// # async fn demo(monitor: parallel_web::Monitor) -> Result<(), parallel_web::Error> {
    /// let now = monitor.retrieve().await?;
    /// println!("last ran at {:?}", now.last_run_at);
    /// # Ok(()) }
    /// ```
    pub fn retrieve(&self) -> ReadRequest<MonitorResponse> {
        let id = self.id.clone();
        ReadRequest::new(&self.client, "monitor_retrieve", move |client| {
            let id = id.clone();
            async move { retrieve(&client, &id).await }
        })
    }

    /// Changes some of the monitor's settings; only what the builder sets
    /// is sent.
    ///
    /// ```no_run
    /// # async fn demo(monitor: parallel_web::Monitor) -> Result<(), parallel_web::Error> {
    /// let changed = monitor.update().frequency("12h").remove_webhook().await?;
    /// # let _ = changed; Ok(()) }
    /// ```
    pub fn update(&self) -> UpdateMonitor {
        UpdateMonitor::new(&self.client, &self.id)
    }

    /// Stops the monitor for good (cancelling it again changes nothing, so
    /// a failed attempt is retried like a read).
    ///
    /// ```no_run
    /// # async fn demo(monitor: parallel_web::Monitor) -> Result<(), parallel_web::Error> {
    /// let stopped = monitor.cancel().await?;
    /// # let _ = stopped; Ok(()) }
    /// ```
    pub fn cancel(&self) -> ReadRequest<MonitorResponse> {
        let id = self.id.clone();
        ReadRequest::new(&self.client, "monitor_cancel", move |client| {
            let id = id.clone();
            async move {
                Ok(versioned!(&client, Call::read, monitor_cancel, |b| b
                    .monitor_id(id.clone()))
                .await?
                .into_inner())
            }
        })
    }

    /// Runs one extra check now; the schedule stays as it was. Not retried
    /// after a failure that may have reached the server (a retry could run
    /// two checks).
    ///
    /// ```no_run
    /// # async fn demo(monitor: parallel_web::Monitor) -> Result<(), parallel_web::Error> {
    /// monitor.trigger().await?;
    /// # Ok(()) }
    /// ```
    pub fn trigger(&self) -> ReadRequest<()> {
        let id = self.id.clone();
        ReadRequest::new(&self.client, "monitor_trigger", move |client| {
            let id = id.clone();
            async move {
                versioned!(&client, Call::action, monitor_trigger, |b| b
                    .monitor_id(id.clone()))
                .await?;
                Ok(())
            }
        })
    }

    /// The monitor's events, newest first, as one typed stream over the
    /// pages.
    ///
    /// ```no_run
    /// # async fn demo(monitor: parallel_web::Monitor) -> Result<(), parallel_web::Error> {
    /// use futures::TryStreamExt;
    /// use parallel_web::MonitorEvent;
    /// let mut events = monitor.events().include_completions(true).stream();
    /// while let Some(event) = events.try_next().await? {
    ///     match event {
    ///         MonitorEvent::Event(e) => println!("{} {:?}", e.event_id, e.event_date),
    ///         MonitorEvent::Completion(c) => println!("nothing new at {}", c.timestamp),
    ///         other => println!("{other:?}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn events(&self) -> MonitorEventsRequest {
        MonitorEventsRequest::new(&self.client, &self.id)
    }
}

async fn retrieve(client: &Client, id: &str) -> Result<MonitorResponse, Error> {
    Ok(
        versioned!(client, Call::read, monitor_retrieve, |b| b.monitor_id(id))
            .await?
            .into_inner(),
    )
}

/// Checks a frequency as the API documents it: a whole number and `h`,
/// `d` or `w`, from [`MIN_MONITOR_FREQUENCY`] to [`MAX_MONITOR_FREQUENCY`].
pub(crate) fn check_frequency(frequency: &str) -> Result<Duration, Error> {
    let hint = "give a whole number and a unit, h (hours), d (days) or w (weeks), from 1h \
                to 30d, such as `6h`, `1d` or `2w`";
    let t = frequency.trim();
    let unit = match t.chars().last() {
        Some('h') => 3600,
        Some('d') => 24 * 3600,
        Some('w') => 7 * 24 * 3600,
        _ => {
            return Err(invalid(
                "frequency",
                format!("`{frequency}` is not a frequency: {hint}"),
            ));
        }
    };
    let n: u64 = t[..t.len() - 1].parse().map_err(|_| {
        invalid(
            "frequency",
            format!("`{frequency}` is not a frequency: {hint}"),
        )
    })?;
    let period = Duration::from_secs(n.saturating_mul(unit));
    if !(MIN_MONITOR_FREQUENCY..=MAX_MONITOR_FREQUENCY).contains(&period) {
        return Err(invalid(
            "frequency",
            format!("`{frequency}` is out of range: {hint}"),
        ));
    }
    Ok(period)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_frequencies_pass_and_others_are_refused_before_sending() {
        assert_eq!(check_frequency("1h").unwrap(), MIN_MONITOR_FREQUENCY);
        assert_eq!(check_frequency("30d").unwrap(), MAX_MONITOR_FREQUENCY);
        assert_eq!(
            check_frequency("2w").unwrap(),
            Duration::from_secs(14 * 86400)
        );
        for bad in ["", "daily", "0h", "31d", "5w", "90m", "1.5h", "-1h", "h"] {
            let e = check_frequency(bad).unwrap_err();
            assert!(
                matches!(&e, Error::InvalidInput { field, .. } if field == "frequency"),
                "{bad:?}: {e}"
            );
        }
    }
}
