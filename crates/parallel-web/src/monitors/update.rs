//! [`UpdateMonitor`]: the builder for `POST /v1/monitors/{id}/update`.
//!
//! The body is written as JSON here (`raw.rs`) because removing the
//! webhook or the metadata is a `null` on the wire, which the generated
//! request type cannot send.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::check_frequency;
use super::raw::send_json;
use crate::client::request::Call;
use crate::client::with_options::request_builder;
use crate::search::invalid;
use crate::spec::wire::built;
use crate::types::{
    AdvancedMonitorSettings, MonitorResponse, MonitorWebhook, MonitorWebhookEventTypesItem,
    UpdateMonitorRequestProcessor,
};
use crate::{Client, Error, RequestOptions};

/// A field to set, or to remove.
#[derive(Debug, Clone)]
enum Change<T> {
    Set(T),
    Remove,
}

/// Builder for changing a monitor; from [`Monitor::update`](crate::Monitor::update).
/// Only what it sets is sent; `.await` (or [`send`](Self::send)) answers
/// the monitor as changed. An update is idempotent, so a failed attempt
/// is retried like a read.
#[derive(Debug, Clone)]
#[must_use]
pub struct UpdateMonitor {
    client: Client,
    monitor_id: String,
    frequency: Option<String>,
    processor: Option<UpdateMonitorRequestProcessor>,
    webhook: Option<Change<MonitorWebhook>>,
    metadata: Option<Change<BTreeMap<String, String>>>,
    advanced_settings: Option<AdvancedMonitorSettings>,
    options: RequestOptions,
}

impl UpdateMonitor {
    pub(crate) fn new(client: &Client, monitor_id: &str) -> Self {
        UpdateMonitor {
            client: client.clone(),
            monitor_id: monitor_id.to_owned(),
            frequency: None,
            processor: None,
            webhook: None,
            metadata: None,
            advanced_settings: None,
            options: RequestOptions::new(),
        }
    }

    /// A new frequency (`1h` to `30d`, checked before sending).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let update = client.monitors().monitor("monitor_1").update().frequency("2d");
    /// # let _ = update;
    /// ```
    pub fn frequency(mut self, frequency: impl Into<String>) -> Self {
        self.frequency = Some(frequency.into());
        self
    }

    /// A new processor.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// use parallel_web::types::UpdateMonitorRequestProcessor;
    /// let update = client.monitors().monitor("monitor_1").update().processor(UpdateMonitorRequestProcessor::Base);
    /// # let _ = update;
    /// ```
    pub fn processor(mut self, processor: UpdateMonitorRequestProcessor) -> Self {
        self.processor = Some(processor);
        self
    }

    /// Replaces the webhook (all three kinds when `event_types` is empty).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let update = client.monitors().monitor("monitor_1").update().webhook("https://example.com/hook", []);
    /// # let _ = update;
    /// ```
    pub fn webhook(
        mut self,
        url: impl Into<String>,
        event_types: impl IntoIterator<Item = MonitorWebhookEventTypesItem>,
    ) -> Self {
        self.webhook = Some(Change::Set(built(
            MonitorWebhook::builder()
                .url(url.into())
                .event_types(event_types.into_iter().collect::<Vec<_>>()),
        )));
        self
    }

    /// Removes the webhook.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let update = client.monitors().monitor("monitor_1").update().remove_webhook();
    /// # let _ = update;
    /// ```
    pub fn remove_webhook(mut self) -> Self {
        self.webhook = Some(Change::Remove);
        self
    }

    /// Replaces the metadata with these entries.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let update = client.monitors().monitor("monitor_1").update().metadata([("team", "ops")]);
    /// # let _ = update;
    /// ```
    pub fn metadata<K: Into<String>, V: Into<String>>(
        mut self,
        entries: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.metadata = Some(Change::Set(
            entries
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        ));
        self
    }

    /// Removes the metadata.
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let update = client.monitors().monitor("monitor_1").update().remove_metadata();
    /// # let _ = update;
    /// ```
    pub fn remove_metadata(mut self) -> Self {
        self.metadata = Some(Change::Remove);
        self
    }

    /// New advanced settings (`event_stream` monitors only).
    ///
    /// ```
    /// # let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// use parallel_web::types::AdvancedMonitorSettings;
    /// let advanced: AdvancedMonitorSettings = serde_json::from_value(serde_json::json!({"location": "fr"})).unwrap();
    /// let update = client.monitors().monitor("monitor_1").update().advanced_settings(advanced);
    /// # let _ = update;
    /// ```
    pub fn advanced_settings(mut self, settings: AdvancedMonitorSettings) -> Self {
        self.advanced_settings = Some(settings);
        self
    }

    /// The JSON body this builder sends, after the checks; nothing is sent.
    ///
    /// ```
    /// let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let body = client.monitors().monitor("m").update().remove_webhook().body().unwrap();
    /// assert_eq!(body, serde_json::json!({"webhook": null}));
    /// assert!(client.monitors().monitor("m").update().body().is_err());
    /// ```
    pub fn body(&self) -> Result<Value, Error> {
        let mut body = Map::new();
        if let Some(f) = &self.frequency {
            check_frequency(f)?;
            body.insert("frequency".into(), json!(f));
        }
        if let Some(p) = &self.processor {
            body.insert("processor".into(), json!(p));
        }
        match &self.webhook {
            Some(Change::Set(w)) => {
                body.insert("webhook".into(), json!(w));
            }
            Some(Change::Remove) => {
                body.insert("webhook".into(), Value::Null);
            }
            None => {}
        }
        match &self.metadata {
            Some(Change::Set(m)) => {
                for (k, v) in m {
                    crate::spec::run_input::check_entry(None, k, v)?;
                }
                body.insert("metadata".into(), json!(m));
            }
            Some(Change::Remove) => {
                body.insert("metadata".into(), Value::Null);
            }
            None => {}
        }
        if let Some(a) = &self.advanced_settings {
            // The API takes settings only with the type they belong to.
            body.insert("type".into(), json!("event_stream"));
            body.insert("settings".into(), json!({"advanced_settings": a}));
        }
        if body.is_empty() {
            return Err(invalid(
                "body",
                "nothing to change: set at least one field (frequency, processor, webhook, \
                 metadata or advanced settings)",
            ));
        }
        Ok(Value::Object(body))
    }

    /// Checks, then sends the change.
    pub async fn send(self) -> Result<MonitorResponse, Error> {
        let body = self.body()?;
        let client = self.client.with_options(self.options);
        let path = format!(
            "/v1/monitors/{}/update",
            progenitor_client::encode_path(&self.monitor_id)
        );
        send_json(
            &client,
            Call::read("monitor_update"),
            Method::POST,
            &path,
            &[],
            Some(&body),
        )
        .await
    }
}

request_builder!(UpdateMonitor => MonitorResponse, options: options);
