//! Remembering accepted `webhook-id`s, so a replayed delivery is refused.
//!
//! The timestamp tolerance already refuses old deliveries; this memory covers
//! the window inside it. An id only needs remembering until its delivery
//! would fail the timestamp check anyway, which bounds the memory.

use std::collections::HashMap;
use std::sync::Mutex;

/// A memory of accepted delivery ids, plugged into a verifier with
/// [`WebhookVerifier::remember_ids`](super::WebhookVerifier::remember_ids).
///
/// Implement it over a shared store (Redis, a database table) when several
/// receiver processes share the traffic; [`SeenIds`] is the in-process one.
pub trait SeenIdStore: Send + Sync {
    /// Records `id` and returns true if it was new. The check and the record
    /// must be one atomic step, or two copies of one delivery arriving at
    /// once could both pass. `now` and `keep_until` are Unix seconds: after
    /// `keep_until` the id may be forgotten (the timestamp check refuses a
    /// replay from then on).
    fn remember(&self, id: &str, now: i64, keep_until: i64) -> bool;

    /// Forgets `id`: call it when handling an accepted delivery failed, so
    /// that the sender's retry (same id) is accepted.
    fn forget(&self, id: &str);
}

/// An in-process [`SeenIdStore`]: a map from id to expiry, swept of expired
/// ids whenever it has doubled since the last sweep.
#[derive(Debug, Default)]
pub struct SeenIds {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    keep_until: HashMap<String, i64>,
    /// Size at which the next sweep runs.
    sweep_at: usize,
}

/// The smallest map size worth sweeping.
const MIN_SWEEP: usize = 1024;

impl SeenIds {
    /// An empty memory.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many ids are remembered right now (expired ones included until the next sweep).
    pub fn len(&self) -> usize {
        self.lock().keep_until.len()
    }

    /// True when no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SeenIdStore for SeenIds {
    fn remember(&self, id: &str, now: i64, keep_until: i64) -> bool {
        let mut inner = self.lock();
        if let Some(until) = inner.keep_until.get(id)
            && *until >= now
        {
            return false;
        }
        inner.keep_until.insert(id.to_owned(), keep_until);
        if inner.keep_until.len() >= inner.sweep_at.max(MIN_SWEEP) {
            inner.keep_until.retain(|_, until| *until >= now);
            inner.sweep_at = inner.keep_until.len() * 2;
        }
        true
    }

    fn forget(&self, id: &str) {
        self.lock().keep_until.remove(id);
    }
}
