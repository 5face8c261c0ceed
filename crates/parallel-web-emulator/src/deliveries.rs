//! The webhook pump: one background task that turns what FindAll runs and
//! monitors do into webhook deliveries ([`crate::webhooks`]), when it
//! happens rather than when a client looks.
//!
//! - FindAll runs are otherwise advanced only when a request or a stream
//!   looks at them. The pump follows every run created with a webhook,
//!   advances it as its next step falls due (on the emulator's time scale)
//!   and sends what its new events call for
//!   ([`FindAllRun::notifications`](crate::findall::FindAllRun::notifications)).
//!   A finished run stays followed: `extend` and `enrich` can reopen it.
//! - Monitors run their checks on their own clocks and record a
//!   [`Notice`](crate::monitors::Notice) for each subscribed outcome; the
//!   pump sends each notice once.
//!
//! The pump wakes when the world changes (`AppState::changes`), when the
//! earliest followed run's next step is due, and stops with the emulator.
//! Rendering happens under the FindAll lock, sending after it is released.

use crate::findall::FindAllRun;
use crate::state::AppState;
use crate::webhooks::Registration;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::time::Instant;

/// A FindAll run with a webhook, and how far its events have been sent.
#[derive(Debug)]
struct Followed {
    index: u32,
    registration: Registration,
    /// The first event position not yet looked at.
    sent_to: usize,
}

/// What the pump remembers between wake-ups.
#[derive(Debug, Default)]
struct Pump {
    /// FindAll runs looked at so far (runs are only ever appended).
    runs_seen: usize,
    followed: Vec<Followed>,
    /// Monitor notices sent so far.
    notices_sent: usize,
}

impl Pump {
    /// Sends everything new; returns when a followed FindAll run next
    /// changes by itself, if one will.
    fn step(&mut self, st: &Arc<AppState>, now: Instant) -> Option<Instant> {
        let mut outgoing: Vec<(Registration, &'static str, String)> = Vec::new();
        let mut next: Option<Instant> = None;
        {
            let renderer = crate::handlers::findall::renderer(st);
            let mut runs = st.findall();
            for (i, run) in runs.runs.iter().enumerate().skip(self.runs_seen) {
                if let Some(registration) = registration_of(run) {
                    self.followed.push(Followed {
                        index: i as u32,
                        registration,
                        sent_to: 0,
                    });
                }
            }
            self.runs_seen = runs.runs.len();
            for f in &mut self.followed {
                let run = &mut runs.runs[f.index as usize];
                run.advance(now);
                if run.events.len() > f.sent_to {
                    for (kind, data) in run.notifications(&renderer, f.index, f.sent_to) {
                        if f.registration.wants(kind) {
                            outgoing.push((f.registration.clone(), kind, data));
                        }
                    }
                    f.sent_to = run.events.len();
                }
                if let Some(due) = run.next_due() {
                    next = Some(next.map_or(due, |n| n.min(due)));
                }
            }
        }
        {
            let monitors = st.monitors();
            for notice in monitors.notices_since(self.notices_sent) {
                // The monitor already kept only the subscribed outcomes.
                let registration = Registration {
                    url: notice.url.clone(),
                    event_types: Vec::new(),
                };
                outgoing.push((registration, notice.event_type, notice.data.to_string()));
                self.notices_sent += 1;
            }
        }
        for (registration, kind, data) in outgoing {
            st.webhooks.deliver(&registration, kind, &data);
        }
        next
    }
}

/// The registration a FindAll run was created with, if any.
fn registration_of(run: &FindAllRun) -> Option<Registration> {
    let hook = run.spec.webhook.as_ref()?;
    Some(Registration {
        url: hook.url.clone(),
        event_types: hook.event_types.clone(),
    })
}

/// Runs the pump until `shutdown` turns true.
pub async fn pump(st: Arc<AppState>, mut shutdown: watch::Receiver<bool>) {
    let mut changes = st.changes.subscribe();
    let mut pump = Pump::default();
    loop {
        if *shutdown.borrow() || st.is_closing() {
            return;
        }
        let next = pump.step(&st, Instant::now());
        tokio::select! {
            r = changes.changed() => if r.is_err() { return },
            _ = async {
                match next {
                    Some(t) => tokio::time::sleep_until(t).await,
                    None => std::future::pending::<()>().await,
                }
            } => {}
            _ = shutdown.changed() => return,
        }
    }
}
