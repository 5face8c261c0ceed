//! Remembering which events a stream already handed out, so that a server
//! that replays or rewinds after a reconnect (`c1, c2, c3`, cut, then `c2,
//! c3, c4` from cursor `c3`) never gets an event delivered twice.
//!
//! Event ids are opaque strings with no order the client may rely on, so
//! the only test is "seen before". Memory is bounded: the ids of the most
//! recent events are kept (`StreamSettings::replay_window`, 65,536 by
//! default), as 64-bit keyed hashes (about 24 bytes each with the set's
//! and the queue's overhead, so at most about 1.5 MiB by default). A replay
//! that reaches further back than that is not recognised; a collision
//! between two different ids (which would drop an event) has a
//! probability of about 2⁻⁴⁸ per stream at full window. Events without an
//! id are never treated as replays.

use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

/// The set's own hasher: its keys are already keyed hashes, so hashing
/// them again (as the default hasher would, per event) buys nothing.
#[derive(Default)]
struct KeyIsHash(u64);

impl Hasher for KeyIsHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used (the keys are `u64`); fold anything
        // else in rather than lose it.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The ids of the most recent events handed out.
pub(crate) struct SeenIds {
    keys: RandomState,
    order: VecDeque<u64>,
    set: HashSet<u64, BuildHasherDefault<KeyIsHash>>,
    window: usize,
}

impl SeenIds {
    pub(crate) fn new(window: usize) -> SeenIds {
        SeenIds {
            keys: RandomState::new(),
            order: VecDeque::new(),
            set: HashSet::default(),
            window: window.max(1),
        }
    }

    /// True the first time `id` is offered (within the window); it is then
    /// remembered, and the oldest id forgotten once the window is full.
    pub(crate) fn first_time(&mut self, id: &str) -> bool {
        let hash = self.keys.hash_one(id);
        if !self.set.insert(hash) {
            return false;
        }
        self.order.push_back(hash);
        if self.order.len() > self.window
            && let Some(oldest) = self.order.pop_front()
        {
            self.set.remove(&oldest);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_new_once_and_forgotten_past_the_window() {
        let mut seen = SeenIds::new(3);
        assert!(seen.first_time("c1"));
        assert!(!seen.first_time("c1"));
        assert!(seen.first_time("c2"));
        assert!(seen.first_time("c3"));
        assert!(!seen.first_time("c1"), "still within the window");
        assert!(seen.first_time("c4"));
        assert!(seen.first_time("c1"), "c1 fell out of the window");
        assert!(!seen.first_time("c4"));
        assert_eq!(seen.order.len(), 3);
        assert_eq!(seen.set.len(), 3);
    }
}
