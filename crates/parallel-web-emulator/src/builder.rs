//! Starting and stopping an emulator in-process.

use crate::config::{Config, MAX_TIME_SCALE};
use crate::faults::Fault;
use crate::routes;
use crate::server;
use crate::state::AppState;
use crate::stats::Stats;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Entry point: `Emulator::builder()…start().await`.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// A builder with the defaults: key
    /// [`DEFAULT_API_KEY`](crate::config::DEFAULT_API_KEY), time scale 1,
    /// seed 0, no failures, no running cap, rate limit
    /// [`DEFAULT_RATE_LIMIT`](crate::config::DEFAULT_RATE_LIMIT),
    /// no faults, address `127.0.0.1:0`.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder {
            config: Config::default(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

/// Configures an emulator before it starts.
#[derive(Clone)]
pub struct EmulatorBuilder {
    config: Config,
    addr: SocketAddr,
}

impl std::fmt::Debug for EmulatorBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorBuilder")
            .field("addr", &self.addr)
            .field("time_scale", &self.config.time_scale)
            .field("seed", &self.config.seed)
            .finish_non_exhaustive()
    }
}

impl EmulatorBuilder {
    /// The accepted `x-api-key`.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.config.api_key = key.into();
        self
    }

    /// Multiplier on documented latencies (0 = runs finish at once), clamped
    /// to `0..=`[`MAX_TIME_SCALE`]; stream lifetimes (one hour for group
    /// events, 570 s for run events) and keep-alive intervals scale too.
    pub fn time_scale(mut self, scale: f64) -> Self {
        self.config.time_scale = if scale.is_finite() {
            scale.clamp(0.0, MAX_TIME_SCALE)
        } else {
            0.0
        };
        self
    }

    /// Seed for ids, timings, failures, outputs and fault decisions.
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = seed;
        self
    }

    /// Share of runs (0..=1) that end `failed`.
    pub fn failure_rate(mut self, rate: f64) -> Self {
        self.config.failure_rate = rate.clamp(0.0, 1.0);
        self
    }

    /// Most runs executing at once; the rest wait in `queued` (0 = unlimited).
    pub fn max_running(mut self, n: usize) -> Self {
        self.config.max_running = n;
        self
    }

    /// Run-creating POSTs allowed per minute (0 = unlimited); per
    /// [`rate_window`](Self::rate_window) if that is set.
    pub fn rate_limit(mut self, per_minute: u32) -> Self {
        self.config.rate_limit = per_minute;
        self
    }

    /// The window the rate limit counts over (default one minute, as
    /// documented; at least 1 ms). A shorter window lets a test hit the limit,
    /// and recover from it, in a fraction of a second: its 429s then also
    /// carry `retry-after-ms`.
    ///
    /// ```
    /// use parallel_web_emulator::Emulator;
    /// use std::time::Duration;
    /// // At most 5 run-creating POSTs per 200 ms.
    /// let builder = Emulator::builder().rate_limit(5).rate_window(Duration::from_millis(200));
    /// # let _ = builder;
    /// ```
    pub fn rate_window(mut self, window: Duration) -> Self {
        self.config.rate_window = window.max(Duration::from_millis(1));
        self
    }

    /// Adds a fault to inject.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.config.faults.push(fault);
        self
    }

    /// The secret webhook deliveries are signed with (default
    /// [`DEFAULT_WEBHOOK_SECRET`](crate::DEFAULT_WEBHOOK_SECRET)); keyed as
    /// given, as Parallel does.
    pub fn webhook_secret(mut self, secret: impl Into<String>) -> Self {
        self.config.webhook_secret = secret.into();
        self
    }

    /// The address to bind (default `127.0.0.1:0`, a free port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Binds, starts serving in the background, and returns a handle.
    pub async fn start(self) -> std::io::Result<EmulatorHandle> {
        let listener = tokio::net::TcpListener::bind(self.addr).await?;
        let addr = listener.local_addr()?;
        let state = AppState::new(self.config);
        let (stop_tx, stop_rx) = watch::channel(false);
        let driver = tokio::spawn(state.clone().drive(stop_rx.clone()));
        // Ends on its own when `stop` turns true.
        tokio::spawn(crate::deliveries::pump(state.clone(), stop_rx.clone()));
        let app = routes::router(state.clone());
        let server = tokio::spawn(server::serve(listener, app, stop_rx));
        Ok(EmulatorHandle {
            addr,
            state,
            stop: stop_tx,
            server: Some(server),
            driver: Some(driver),
        })
    }
}

/// A running emulator. Dropping it stops it too (without waiting).
pub struct EmulatorHandle {
    addr: SocketAddr,
    state: Arc<AppState>,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    driver: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The accepted API key.
    pub fn api_key(&self) -> &str {
        &self.state.config.api_key
    }

    /// The counters right now.
    pub fn stats(&self) -> Stats {
        self.state.stats()
    }

    /// Every request received so far (up to
    /// [`REQUEST_LOG_CAPACITY`](crate::REQUEST_LOG_CAPACITY)), in arrival
    /// order, with its arrival time and answer status.
    ///
    /// ```
    /// # async fn demo() -> std::io::Result<()> {
    /// use parallel_web_emulator::Emulator;
    /// let emu = Emulator::builder().start().await?;
    /// assert!(emu.request_log().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn request_log(&self) -> Vec<crate::RequestRecord> {
        self.state.counters.logged()
    }

    /// The webhook notices of monitors from number `from` on, in the order
    /// the checks ran: what a webhook delivery would carry (see
    /// [`MonitorNotice`](crate::MonitorNotice)).
    pub fn monitor_notices(&self, from: usize) -> Vec<crate::MonitorNotice> {
        self.state.monitors().notices_since(from).to_vec()
    }

    /// Every webhook delivery attempt so far, in the order they ended (also
    /// served as JSON by `GET /_emulator/webhooks`).
    ///
    /// ```
    /// # async fn demo() -> std::io::Result<()> {
    /// use parallel_web_emulator::Emulator;
    /// let emu = Emulator::builder().start().await?;
    /// assert!(emu.webhook_deliveries().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn webhook_deliveries(&self) -> Vec<crate::WebhookDelivery> {
        self.state.webhooks.deliveries()
    }

    /// Waits until at least `n` webhook delivery attempts have ended, then
    /// returns them all (an event to wait on, rather than a poll).
    pub async fn wait_for_webhook_deliveries(&self, n: usize) -> Vec<crate::WebhookDelivery> {
        self.state.webhooks.wait_for(n).await
    }

    /// Stops serving: open streams end, then the server and driver stop.
    pub async fn shutdown(mut self) {
        self.state.close();
        let _ = self.stop.send(true);
        if let Some(server) = self.server.take()
            && tokio::time::timeout(Duration::from_secs(2), server)
                .await
                .is_err()
        {
            tracing::warn!("emulator connections did not close in time");
        }
        if let Some(driver) = self.driver.take() {
            let _ = driver.await;
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        self.state.close();
        let _ = self.stop.send(true);
    }
}
