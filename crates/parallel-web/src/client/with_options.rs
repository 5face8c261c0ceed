//! [`WithOptions`], the trait by which every request builder takes
//! per-call options ([`RequestOptions`], `options.rs`), and
//! `request_builder!`, which makes a builder a request: `.await` sends it
//! and its options are reachable. Every public builder is declared with the
//! macro once, instead of an `IntoFuture` impl copied per builder.

use std::time::Duration;

use crate::client::options::RequestOptions;
use crate::client::retry::RetryPolicy;

/// Per-call options on every request builder of the SDK: `.timeout(..)`,
/// `.max_retries(..)`, `.retry_policy(..)`, `.header(..)`, `.query(..)`,
/// `.beta(..)`, or a whole [`RequestOptions`] with `.options(..)`. Bring it
/// into scope with `use parallel_web::WithOptions;`.
///
/// What a builder's options apply to: every HTTP request the call makes,
/// and nothing after it returns. The timeout bounds each API call from its
/// first attempt to its last, retries and their delays included:
///
/// - an `add_runs` of three chunks makes three calls (and its read-backs);
/// - a stream's timeout bounds opening each connection, not reading the
///   events: the first connection's timeout is returned by `send`, a
///   reconnect that times out is retried like any dropped connection;
/// - a [`ResultRequest::wait`](crate::ResultRequest::wait), a group's
///   [`wait`](crate::TaskGroup::wait) and
///   [`execute`](crate::TaskRuns::execute) bound each request they make
///   (a long-poll cut by it counts as "still running") and go on until
///   their own `max_wait`.
///
/// ```no_run
/// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
/// use std::time::Duration;
/// use parallel_web::WithOptions;
///
/// let group = client
///     .task_groups()
///     .create()
///     .timeout(Duration::from_secs(10))
///     .max_retries(5)
///     .header("x-request-tag", "nightly")
///     .await?;
/// let run = client
///     .task_runs()
///     .retrieve("trun_123")
///     .query("trace", "1")
///     .await?;
/// # let _ = (group, run); Ok(()) }
/// ```
pub trait WithOptions: Sized {
    /// The builder's options, to change in place.
    ///
    /// ```
    /// use parallel_web::WithOptions;
    /// let client = parallel_web::Client::builder().api_key("k").build().unwrap();
    /// let mut create = client.task_groups().create();
    /// assert!(create.options_mut().is_empty());
    /// let create = create.max_retries(3);
    /// # let _ = create;
    /// ```
    fn options_mut(&mut self) -> &mut RequestOptions;

    /// Lays `options` over the ones set so far (what `options` sets wins).
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use parallel_web::{RequestOptions, WithOptions};
    /// let quick = RequestOptions::new().max_retries(0);
    /// let group = client.task_groups().retrieve("tgrp_123").options(quick).await?;
    /// # let _ = group; Ok(()) }
    /// ```
    fn options(mut self, options: RequestOptions) -> Self {
        self.options_mut().merge(options);
        self
    }

    /// See [`RequestOptions::timeout`].
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use std::time::Duration;
    /// use parallel_web::WithOptions;
    /// let run = client.task_runs().retrieve("trun_123").timeout(Duration::from_secs(5)).await?;
    /// # let _ = run; Ok(()) }
    /// ```
    fn timeout(mut self, timeout: Duration) -> Self {
        let o = std::mem::take(self.options_mut());
        *self.options_mut() = o.timeout(timeout);
        self
    }

    /// See [`RequestOptions::retry_policy`].
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use parallel_web::{RetryPolicy, WithOptions};
    /// let run = client.task_runs().retrieve("trun_123").retry_policy(RetryPolicy::none()).await?;
    /// # let _ = run; Ok(()) }
    /// ```
    fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        let o = std::mem::take(self.options_mut());
        *self.options_mut() = o.retry_policy(policy);
        self
    }

    /// See [`RequestOptions::max_retries`].
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use parallel_web::WithOptions;
    /// let run = client.task_runs().retrieve("trun_123").max_retries(6).await?;
    /// # let _ = run; Ok(()) }
    /// ```
    fn max_retries(mut self, n: u32) -> Self {
        let o = std::mem::take(self.options_mut());
        *self.options_mut() = o.max_retries(n);
        self
    }

    /// See [`RequestOptions::header`].
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use parallel_web::WithOptions;
    /// let run = client.task_runs().retrieve("trun_123").header("x-request-tag", "nightly").await?;
    /// # let _ = run; Ok(()) }
    /// ```
    fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let o = std::mem::take(self.options_mut());
        *self.options_mut() = o.header(name, value);
        self
    }

    /// See [`RequestOptions::query`].
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use parallel_web::WithOptions;
    /// let run = client.task_runs().retrieve("trun_123").query("trace", "1").await?;
    /// # let _ = run; Ok(()) }
    /// ```
    fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let o = std::mem::take(self.options_mut());
        *self.options_mut() = o.query(name, value);
        self
    }

    /// See [`RequestOptions::beta`].
    ///
    /// ```no_run
    /// # async fn demo(client: parallel_web::Client) -> Result<(), parallel_web::Error> {
    /// use parallel_web::{WithOptions, beta};
    /// let result = client.task_runs().result("trun_123").beta(beta::FIELD_BASIS).await?;
    /// # let _ = result; Ok(()) }
    /// ```
    fn beta(mut self, name: impl Into<String>) -> Self {
        let o = std::mem::take(self.options_mut());
        *self.options_mut() = o.beta(name);
        self
    }
}

/// Makes a request builder a request: `.await` sends it (through its
/// `send`, boxed as a `Send` future), and [`WithOptions`] reaches its
/// options at the given field path. Every public builder is declared here
/// once, instead of an `IntoFuture` impl copied per builder.
///
/// `request_builder!(Builder => Output, options: path.to.options)`, or for
/// a generic builder
/// `request_builder!(impl<O> Typed<O> => Out<O>, options: inner.options, where O: Bound)`.
macro_rules! request_builder {
    (impl<$($g:ident),*> $ty:ty => $out:ty, options: $($field:ident).+, where $($w:tt)*) => {
        impl<$($g),*> ::std::future::IntoFuture for $ty where $($w)* {
            type Output = Result<$out, $crate::Error>;
            type IntoFuture = ::std::pin::Pin<
                Box<dyn ::std::future::Future<Output = Self::Output> + Send>,
            >;
            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }

        impl<$($g),*> $crate::WithOptions for $ty {
            fn options_mut(&mut self) -> &mut $crate::RequestOptions {
                &mut self.$($field).+
            }
        }
    };
    ($ty:ty => $out:ty, options: $($field:ident).+) => {
        $crate::client::with_options::request_builder!(
            impl<> $ty => $out, options: $($field).+, where
        );
    };
}
pub(crate) use request_builder;
