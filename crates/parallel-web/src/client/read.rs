//! [`ReadRequest`]: the one builder of every call that reads one thing by
//! id (a group, a run, a run's input), so that each of them takes per-call
//! options without a builder type of its own.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::client::Client;
use crate::client::options::RequestOptions;
use crate::client::with_options::request_builder;
use crate::error::Error;

type Read<T> =
    Arc<dyn Fn(Client) -> Pin<Box<dyn Future<Output = Result<T, Error>> + Send>> + Send + Sync>;

/// Builder for a call that reads one thing (a group, a run, a run's
/// input); finish with [`send`](ReadRequest::send) or `.await`, after
/// per-call options if any ([`WithOptions`](crate::WithOptions)).
///
/// ```no_run
/// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
/// use std::time::Duration;
/// use parallel_web::{ReadRequest, WithOptions, types::TaskRun};
/// let request: ReadRequest<TaskRun> = client.task_runs().retrieve("trun_123");
/// let run = request.timeout(Duration::from_secs(5)).await?;
/// # let _ = run; Ok(()) }
/// ```
#[must_use]
pub struct ReadRequest<T> {
    client: Client,
    operation: &'static str,
    options: RequestOptions,
    read: Read<T>,
}

impl<T> Clone for ReadRequest<T> {
    fn clone(&self) -> Self {
        ReadRequest {
            client: self.client.clone(),
            operation: self.operation,
            options: self.options.clone(),
            read: self.read.clone(),
        }
    }
}

impl<T> fmt::Debug for ReadRequest<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadRequest")
            .field("operation", &self.operation)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<T: Send + 'static> ReadRequest<T> {
    /// A read named `operation` (for Debug) that `read` performs with the
    /// client view of the call's options.
    pub(crate) fn new<F, Fut>(client: &Client, operation: &'static str, read: F) -> ReadRequest<T>
    where
        F: Fn(Client) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, Error>> + Send + 'static,
    {
        ReadRequest {
            client: client.clone(),
            operation,
            options: RequestOptions::new(),
            read: Arc::new(move |c| Box::pin(read(c))),
        }
    }

    /// Sends the request.
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// let input = client.task_runs().input("trun_123").send().await?;
    /// # let _ = input; Ok(()) }
    /// ```
    pub async fn send(self) -> Result<T, Error> {
        (self.read)(self.client.with_options(self.options)).await
    }
}

request_builder!(impl<T> ReadRequest<T> => T, options: options, where T: Send + 'static);
