//! Memory scopes (beta): what task runs, monitors and FindAll runs created
//! with a `memory_scope_key` are remembered under, for
//! `/v1beta/memory/retrieve`, `clear` and `evict`. The HTTP side is
//! `handlers/memory.rs`.
//!
//! Monitors and single task runs (`POST /v1/tasks/runs`) add to a scope
//! when created with a key; runs added to a group and FindAll runs do not
//! yet, and can call [`Memory::remember`] the same way. A request without
//! a key uses the personal scope (`None`).

use crate::ids;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Results a retrieve returns when it names no `limit`.
pub const DEFAULT_LIMIT: usize = 10;

/// What a memory is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryKind {
    /// A task run.
    Task,
    /// A monitor.
    Monitor,
    /// A FindAll run.
    FindAll,
}

impl MemoryKind {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            MemoryKind::Task => "task",
            MemoryKind::Monitor => "monitor",
            MemoryKind::FindAll => "findall",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<MemoryKind> {
        match name {
            "task" => Some(MemoryKind::Task),
            "monitor" => Some(MemoryKind::Monitor),
            "findall" => Some(MemoryKind::FindAll),
            _ => None,
        }
    }
}

/// One remembered thing.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Its kind.
    pub kind: MemoryKind,
    /// Its id (`trun_…`, `monitor_…`, `findall_…`).
    pub id: String,
    /// What it was asked (a query, an input, an objective), cut short.
    pub input_excerpt: String,
    /// Its kind's own fields (`output_excerpt`, `status`, `matched_count`).
    pub extra: Value,
    /// When it was remembered (µs since the epoch).
    pub updated_us: i64,
}

/// Every memory scope of one emulator.
#[derive(Debug, Default)]
pub struct Memory {
    scopes: HashMap<Option<String>, Vec<Entry>>,
}

/// Longest input excerpt kept.
const EXCERPT_CHARS: usize = 200;

impl Memory {
    /// Remembers `entry` in `scope` (replacing an earlier memory of the same id).
    pub fn remember(&mut self, scope: Option<&str>, mut entry: Entry) {
        crate::web::truncate_chars(&mut entry.input_excerpt, EXCERPT_CHARS);
        let list = self.scopes.entry(scope.map(str::to_owned)).or_default();
        list.retain(|e| e.id != entry.id);
        list.push(entry);
    }

    /// Up to `limit` memories of `scope`, of `kind` if given, updated at or
    /// after `since_us` if given: those sharing most words with `query`
    /// first, else the most recent first.
    pub fn retrieve(
        &self,
        scope: Option<&str>,
        kind: Option<MemoryKind>,
        query: Option<&str>,
        since_us: Option<i64>,
        limit: usize,
    ) -> Vec<Value> {
        let Some(list) = self.scopes.get(&scope.map(str::to_owned)) else {
            return Vec::new();
        };
        let words = query.map(crate::web::words_of).unwrap_or_default();
        let mut found: Vec<(usize, &Entry)> = list
            .iter()
            .filter(|e| kind.is_none_or(|k| e.kind == k))
            .filter(|e| since_us.is_none_or(|s| e.updated_us >= s))
            .map(|e| {
                let text = e.input_excerpt.to_lowercase();
                (
                    words.iter().filter(|w| text.contains(w.as_str())).count(),
                    e,
                )
            })
            .filter(|(score, _)| words.is_empty() || *score > 0)
            .collect();
        found.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.updated_us.cmp(&a.1.updated_us)));
        found
            .into_iter()
            .take(limit)
            .map(|(_, e)| {
                let mut v = json!({
                    "kind": e.kind.name(),
                    "id": e.id,
                    "input_excerpt": e.input_excerpt,
                    "updated_at": ids::timestamp(e.updated_us),
                });
                if let (Value::Object(out), Value::Object(extra)) = (&mut v, &e.extra) {
                    out.extend(extra.clone());
                }
                v
            })
            .collect()
    }

    /// Forgets everything in `scope`.
    pub fn clear(&mut self, scope: Option<&str>) {
        self.scopes.remove(&scope.map(str::to_owned));
    }

    /// Forgets `id` of `kind` in `scope`; true when it was there.
    pub fn evict(&mut self, scope: Option<&str>, kind: MemoryKind, id: &str) -> bool {
        let Some(list) = self.scopes.get_mut(&scope.map(str::to_owned)) else {
            return false;
        };
        let before = list.len();
        list.retain(|e| !(e.kind == kind && e.id == id));
        list.len() != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, input: &str, at: i64) -> Entry {
        Entry {
            kind: MemoryKind::Monitor,
            id: id.into(),
            input_excerpt: input.into(),
            extra: json!({"status": "active"}),
            updated_us: at,
        }
    }

    #[test]
    fn without_a_query_the_most_recent_come_first_and_scopes_stay_apart() {
        let mut m = Memory::default();
        m.remember(Some("a"), entry("monitor_1", "solar prices", 1));
        m.remember(Some("a"), entry("monitor_2", "wind farms", 2));
        m.remember(None, entry("monitor_3", "solar", 3));
        let ids: Vec<_> = m
            .retrieve(Some("a"), None, None, None, 10)
            .into_iter()
            .map(|v| v["id"].clone())
            .collect();
        assert_eq!(ids, [json!("monitor_2"), json!("monitor_1")]);
        assert_eq!(
            m.retrieve(Some("a"), None, Some("solar"), None, 10).len(),
            1
        );
        assert_eq!(
            m.retrieve(Some("a"), Some(MemoryKind::Task), None, None, 10)
                .len(),
            0
        );
        assert_eq!(m.retrieve(Some("a"), None, None, Some(2), 10).len(), 1);
    }

    #[test]
    fn evict_removes_one_memory_and_clear_the_whole_scope() {
        let mut m = Memory::default();
        m.remember(Some("a"), entry("monitor_1", "x", 1));
        m.remember(Some("a"), entry("monitor_2", "y", 2));
        assert!(m.evict(Some("a"), MemoryKind::Monitor, "monitor_1"));
        assert!(!m.evict(Some("a"), MemoryKind::Task, "monitor_2"));
        assert_eq!(m.retrieve(Some("a"), None, None, None, 10).len(), 1);
        m.clear(Some("a"));
        assert!(m.retrieve(Some("a"), None, None, None, 10).is_empty());
    }
}
