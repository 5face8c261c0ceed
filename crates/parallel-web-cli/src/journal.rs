//! The enrichment journal: an SQLite database (WAL, synchronous commits)
//! that holds everything a rerun needs to resume without creating any row
//! twice: the command it belongs to, the group id, every input row, the
//! batch tag each row was sent under (written *before* its POST), each
//! row's run id, each result, and the cursor of the result stream.
//!
//! Rows live here rather than in memory, so a table of any size runs in
//! constant memory.

use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use crate::fail::{Failure, Result};

/// Bumped when the schema changes; an older journal is refused.
const SCHEMA_VERSION: &str = "1";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rows (
    idx INTEGER PRIMARY KEY,
    line INTEGER NOT NULL,
    original TEXT NOT NULL,
    input TEXT NOT NULL,
    run_id TEXT UNIQUE
);
CREATE TABLE IF NOT EXISTS tags (
    batch TEXT NOT NULL,
    pos INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    PRIMARY KEY (batch, pos)
);
CREATE TABLE IF NOT EXISTS results (
    idx INTEGER PRIMARY KEY,
    status TEXT NOT NULL,
    output TEXT,
    error TEXT
);
";

/// One row as written to the output: what the journal holds for it.
pub struct Stored {
    /// The input row as read, a JSON object.
    pub original: String,
    /// Its run, if it was created.
    pub run_id: Option<String>,
    /// The run's final status, if read.
    pub status: Option<String>,
    /// The output content (JSON), if the run completed.
    pub output: Option<String>,
    /// The run's error message, if it failed.
    pub error: Option<String>,
}

/// A result to record.
pub struct Received {
    /// The run.
    pub run_id: String,
    /// Its final status.
    pub status: String,
    /// Its output content as JSON.
    pub output: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

/// An open journal.
pub struct Journal {
    conn: Connection,
    path: PathBuf,
}

impl Journal {
    /// Opens (or creates) the journal at `path`; `fresh` deletes it first.
    pub fn open(path: &Path, fresh: bool) -> Result<Journal> {
        if fresh {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.as_os_str().to_owned();
                p.push(suffix);
                match std::fs::remove_file(&p) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(Failure::new(format!(
                            "cannot remove the old journal {}: {e}",
                            path.display()
                        )));
                    }
                    _ => {}
                }
            }
        }
        let conn = Connection::open(path).map_err(|e| {
            Failure::new(format!("cannot open the journal {}: {e}", path.display()))
        })?;
        // WAL: a crash at any point leaves the last commit intact. FULL:
        // a commit is on disk before the POST it precedes is sent.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA).map_err(|e| {
            Failure::new(format!(
                "{} is not a journal this tool can use ({e}); pass --journal elsewhere or --fresh",
                path.display()
            ))
        })?;
        let journal = Journal {
            conn,
            path: path.to_owned(),
        };
        match journal.meta("schema")? {
            None => journal.set_meta("schema", SCHEMA_VERSION)?,
            Some(v) if v == SCHEMA_VERSION => {}
            Some(v) => {
                return Err(Failure::new(format!(
                    "the journal {} has schema {v}, this version writes {SCHEMA_VERSION}: finish it with the version that started it, or pass --fresh",
                    path.display()
                )));
            }
        }
        if journal.meta("batch_base")?.is_none() {
            journal.set_meta("batch_base", &random_u64().to_string())?;
        }
        Ok(journal)
    }

    /// A stored value.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Stores a value (committed at once).
    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Ties the journal to `command` (a JSON object of everything that
    /// decides what is sent), or refuses, listing each difference, when it
    /// belongs to another command.
    pub fn bind_command(&self, command: &Value) -> Result<()> {
        let Some(stored) = self.meta("command")? else {
            return self.set_meta("command", &command.to_string());
        };
        let stored: Value = serde_json::from_str(&stored)?;
        if &stored == command {
            return Ok(());
        }
        let mut lines = Vec::new();
        differences("", &stored, command, &mut lines);
        Err(Failure::new(format!(
            "the journal {} belongs to a different command:\n{}\nrerun that command to finish it, pass --fresh to start over (a new group), or --journal to use another file",
            self.path.display(),
            lines.join("\n")
        )))
    }

    /// How many rows were read in, once reading the input has finished.
    pub fn ingested(&self) -> Result<Option<u64>> {
        Ok(self.meta("ingested")?.and_then(|n| n.parse().ok()))
    }

    /// Forgets rows of an earlier, unfinished read of the input.
    pub fn clear_rows(&self) -> Result<()> {
        self.conn.execute("DELETE FROM rows", [])?;
        Ok(())
    }

    /// Stores rows `(index, line, original JSON, input JSON)` in one
    /// transaction.
    pub fn insert_rows(&mut self, rows: &[(u64, u64, String, String)]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO rows (idx, line, original, input) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (idx, line, original, input) in rows {
                st.execute(params![idx, line, original, input])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Marks the input as completely read: `count` rows with these columns.
    pub fn finish_ingest(&self, count: u64, columns: &[String]) -> Result<()> {
        self.set_meta("columns", &serde_json::to_string(columns)?)?;
        self.set_meta("ingested", &count.to_string())
    }

    /// The input's columns, in order, once read.
    pub fn columns(&self) -> Result<Vec<String>> {
        match self.meta("columns")? {
            Some(c) => Ok(serde_json::from_str(&c)?),
            None => Ok(Vec::new()),
        }
    }

    /// Up to `limit` rows without a run, after row `after`: (index, input JSON).
    pub fn unsubmitted(&self, after: i64, limit: usize) -> Result<Vec<(u64, String)>> {
        let mut st = self.conn.prepare_cached(
            "SELECT idx, input FROM rows WHERE run_id IS NULL AND idx > ?1 ORDER BY idx LIMIT ?2",
        )?;
        let rows = st
            .query_map(params![after, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Allocates a new batch id and records, durably, which row each of
    /// its positions is. Call before the POST that uses it.
    pub fn new_batch(&mut self, rows: &[u64]) -> Result<String> {
        let base: u64 = self
            .meta("batch_base")?
            .and_then(|b| b.parse().ok())
            .unwrap_or_default();
        let seq: u64 = self
            .meta("next_batch")?
            .and_then(|b| b.parse().ok())
            .unwrap_or_default();
        let batch = format!("{:016x}", base.wrapping_add(seq));
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('next_batch', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [(seq + 1).to_string()],
        )?;
        {
            let mut st =
                tx.prepare_cached("INSERT INTO tags (batch, pos, idx) VALUES (?1, ?2, ?3)")?;
            for (pos, idx) in rows.iter().enumerate() {
                st.execute(params![batch, pos as i64, idx])?;
            }
        }
        tx.commit()?;
        Ok(batch)
    }

    /// Whether some row was sent (tagged) but its run id is not known:
    /// the tool stopped between a POST and its answer.
    pub fn has_unconfirmed(&self) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM tags JOIN rows USING (idx) WHERE rows.run_id IS NULL)",
            [],
            |r| r.get(0),
        )?)
    }

    /// The row sent at `pos` of `batch`, if this journal sent it.
    pub fn row_of_tag(&self, batch: &str, pos: u64) -> Result<Option<u64>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT idx FROM tags WHERE batch = ?1 AND pos = ?2")?;
        Ok(st
            .query_row(params![batch, pos as i64], |r| r.get(0))
            .optional()?)
    }

    /// The run id of row `idx`, if known.
    pub fn run_of_row(&self, idx: u64) -> Result<Option<String>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT run_id FROM rows WHERE idx = ?1")?;
        Ok(st.query_row([idx], |r| r.get(0)).optional()?.flatten())
    }

    /// Records run ids `(row, run id)` in one transaction.
    pub fn record_runs(&mut self, runs: &[(u64, String)]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut st =
                tx.prepare_cached("UPDATE rows SET run_id = ?2 WHERE idx = ?1 AND run_id IS NULL")?;
            for (idx, run) in runs {
                st.execute(params![idx, run])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Rows in total, and rows with a run.
    pub fn counts(&self) -> Result<(u64, u64)> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*), COUNT(run_id) FROM rows", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?)
    }

    /// Records results and the stream cursor after them, in one
    /// transaction. Returns how many results belonged to rows of this journal.
    pub fn record_results(&mut self, results: &[Received], cursor: Option<&str>) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let mut mine = 0;
        {
            let mut find = tx.prepare_cached("SELECT idx FROM rows WHERE run_id = ?1")?;
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO results (idx, status, output, error) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for r in results {
                let idx: Option<i64> = find.query_row([&r.run_id], |row| row.get(0)).optional()?;
                if let Some(idx) = idx {
                    put.execute(params![idx, r.status, r.output, r.error])?;
                    mine += 1;
                }
            }
        }
        if let Some(c) = cursor {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('results_cursor', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [c],
            )?;
        }
        tx.commit()?;
        Ok(mine)
    }

    /// Rows with a result, and rows with a result by status.
    pub fn result_counts(&self) -> Result<(u64, u64)> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE status = 'completed') FROM results",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// Calls `each` for every row in input order with what is known of it.
    pub fn for_each_row(&self, mut each: impl FnMut(Stored) -> Result<()>) -> Result<()> {
        let mut st = self.conn.prepare(
            "SELECT rows.original, rows.run_id, results.status, results.output, results.error
             FROM rows LEFT JOIN results USING (idx) ORDER BY idx",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            each(Stored {
                original: r.get(0)?,
                run_id: r.get(1)?,
                status: r.get(2)?,
                output: r.get(3)?,
                error: r.get(4)?,
            })?;
        }
        Ok(())
    }
}

/// One line per leaf where `old` and `new` differ, named by its dotted path.
fn differences(path: &str, old: &Value, new: &Value, lines: &mut Vec<String>) {
    if old == new {
        return;
    }
    if let (Value::Object(a), Value::Object(b)) = (old, new) {
        for key in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
            let sub = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            match (a.get(key), b.get(key)) {
                (Some(x), Some(y)) => differences(&sub, x, y, lines),
                (x, y) => lines.push(format!(
                    "  {sub}: journal has {}, this command has {}",
                    x.map_or("nothing".into(), short),
                    y.map_or("nothing".into(), short)
                )),
            }
        }
        return;
    }
    lines.push(format!(
        "  {path}: journal has {}, this command has {}",
        short(old),
        short(new)
    ));
}

/// A JSON value, cut short for a one-line message.
fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 120 {
        format!("{}…", text.chars().take(120).collect::<String>())
    } else {
        text
    }
}

/// A random number for batch ids, from the standard library's per-process
/// random hash keys (no extra dependency needed for one number).
fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    h.finish()
}

impl Journal {
    /// Rows whose input is longer than `chars` characters: up to `limit`
    /// of them as (line, characters), and how many there are.
    pub fn rows_longer_than(&self, chars: u64, limit: usize) -> Result<(Vec<(u64, u64)>, u64)> {
        let mut st = self.conn.prepare(
            "SELECT line, length(input) FROM rows WHERE length(input) > ?1 ORDER BY idx LIMIT ?2",
        )?;
        let shown = st
            .query_map(params![chars as i64, limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let count = self.conn.query_row(
            "SELECT COUNT(*) FROM rows WHERE length(input) > ?1",
            [chars as i64],
            |r| r.get(0),
        )?;
        Ok((shown, count))
    }
}
