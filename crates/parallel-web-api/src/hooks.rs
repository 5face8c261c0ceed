//! Crate-wide request behaviour, applied to every generated operation.
//!
//! progenitor implements `ClientHooks` for `&Client` with empty hooks; this
//! implementation for `Client` itself takes precedence (auto-ref
//! specialisation), so the generated methods call these hooks instead.

use progenitor_client::{ClientHooks, Error, OperationInfo};
use reqwest::header::{ACCEPT, HeaderValue};

use crate::Client;
use crate::ClientExtras;

/// operationIds of the operations that answer with a `text/event-stream`
/// body. Their methods return a raw [`ByteStream`](crate::ByteStream).
///
/// Kept in step with the spec by a test: a new stream operation must be
/// added here, or its requests would not ask for `text/event-stream`.
pub const STREAM_OPERATIONS: &[&str] = &[
    "task_group_events",
    "task_group_get_runs",
    "task_run_events",
    "beta_task_group_events",
    "beta_task_group_get_runs",
    "beta_task_run_events",
    "findall_events",
];

/// Operations that answer JSON, or a `text/event-stream` when the request
/// body asks for it: (operationId, the name of the handwritten call that
/// asks for the stream). The generated method reads the JSON answer; the
/// streaming call gets the stream treatment of [`STREAM_OPERATIONS`].
pub const JSON_OR_STREAM_OPERATIONS: &[(&str, &str)] = &[(
    "chat_completions",
    crate::chat_stream::CHAT_COMPLETIONS_STREAM,
)];

/// progenitor sends the spec's `info.version` in this header on every
/// request; the API does not use it, so it is not sent.
const API_VERSION_HEADER: &str = "api-version";

/// True when the operation answers with server-sent events.
///
/// ```
/// use parallel_web_api::is_stream_operation;
///
/// assert!(is_stream_operation("task_group_events"));
/// assert!(!is_stream_operation("task_run_result"));
/// assert!(is_stream_operation("chat_completions_stream"));
/// assert!(!is_stream_operation("chat_completions"));
/// ```
pub fn is_stream_operation(operation_id: &str) -> bool {
    STREAM_OPERATIONS.contains(&operation_id)
        || JSON_OR_STREAM_OPERATIONS
            .iter()
            .any(|(_, streamed)| *streamed == operation_id)
}

impl ClientHooks<ClientExtras> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let headers = request.headers_mut();
        headers.remove(API_VERSION_HEADER);
        // progenitor only sets `Accept` for JSON responses; the stream
        // operations would otherwise go out with reqwest's `*/*`.
        if is_stream_operation(info.operation_id) {
            headers.insert(ACCEPT, HeaderValue::from_static("text/event-stream"));
        }
        self.inner.apply(request);
        Ok(())
    }

    /// Sends the request; a non-stream response gets its body limited (see
    /// `body_limit.rs`).
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client.execute(request).await?;
        if is_stream_operation(info.operation_id) {
            return Ok(response);
        }
        Ok(crate::body_limit::limit(response, self.inner.max_response_bytes()).await)
    }
}
