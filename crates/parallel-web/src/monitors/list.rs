//! Every monitor of the account (`GET /v1/monitors`), newest first, as one
//! stream over the pages, with the type and status filters.

use super::pages::every_page;
use crate::client::request::{Call, versioned};
use crate::types::{MonitorListStatusItem, MonitorListTypeItem, MonitorResponse};
use crate::{Client, Error, RequestOptions};

/// A stream of monitors, newest first, over every page.
pub type MonitorStream = futures::stream::BoxStream<'static, Result<MonitorResponse, Error>>;

/// Builder for the monitor list; from [`Monitors::list`](crate::Monitors::list).
/// Finish with [`stream`](Self::stream).
#[derive(Debug, Clone)]
#[must_use]
pub struct ListMonitors {
    client: Client,
    types: Vec<MonitorListTypeItem>,
    statuses: Vec<MonitorListStatusItem>,
    page_size: Option<u32>,
    options: RequestOptions,
}

impl ListMonitors {
    pub(crate) fn new(client: &Client) -> Self {
        ListMonitors {
            client: client.clone(),
            types: Vec::new(),
            statuses: Vec::new(),
            page_size: None,
            options: RequestOptions::new(),
        }
    }

    /// Only monitors of these types (all types when never called).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// use parallel_web::types::MonitorListTypeItem;
    /// let snapshots = client.monitors().list().types([MonitorListTypeItem::Snapshot]);
    /// # let _ = snapshots;
    /// ```
    pub fn types(mut self, types: impl IntoIterator<Item = MonitorListTypeItem>) -> Self {
        self.types.extend(types);
        self
    }

    /// Only monitors with these statuses (only active ones when never called).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// use parallel_web::types::MonitorListStatusItem;
    /// let every = client.monitors().list().statuses([MonitorListStatusItem::Active, MonitorListStatusItem::Cancelled]);
    /// # let _ = every;
    /// ```
    pub fn statuses(mut self, statuses: impl IntoIterator<Item = MonitorListStatusItem>) -> Self {
        self.statuses.extend(statuses);
        self
    }

    /// Monitors per page (the API's default is 100; 1 to 10,000). `0` is
    /// read as 1.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let small_pages = client.monitors().list().page_size(10);
    /// # let _ = small_pages;
    /// ```
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = Some(n.max(1));
        self
    }

    /// Every monitor that passes the filters, newest first; a failed page
    /// is the stream's last item.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use futures::TryStreamExt;
    /// let mut monitors = client.monitors().list().stream();
    /// while let Some(m) = monitors.try_next().await? {
    ///     println!("{} every {}", m.monitor_id, m.frequency);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn stream(self) -> MonitorStream {
        let client = self.client.with_options(self.options.clone());
        let (types, statuses) = (self.types, self.statuses);
        let limit = self
            .page_size
            .and_then(|n| std::num::NonZeroU64::new(u64::from(n)));
        every_page(move |cursor: Option<String>| {
            let client = client.clone();
            let (types, statuses) = (types.clone(), statuses.clone());
            async move {
                let page = versioned!(&client, Call::read, monitor_list, |b| {
                    let mut b = b;
                    if let Some(c) = &cursor {
                        b = b.cursor(c.clone());
                    }
                    if let Some(n) = limit {
                        b = b.limit(n);
                    }
                    if !types.is_empty() {
                        b = b.type_(types.clone());
                    }
                    if !statuses.is_empty() {
                        b = b.status(statuses.clone());
                    }
                    b
                })
                .await?
                .into_inner();
                Ok((page.monitors, page.next_cursor))
            }
        })
    }
}

impl crate::WithOptions for ListMonitors {
    fn options_mut(&mut self) -> &mut RequestOptions {
        &mut self.options
    }
}
