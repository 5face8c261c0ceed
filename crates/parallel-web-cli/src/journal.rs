//! The enrichment journal: an SQLite database (WAL, synchronous commits)
//! that holds everything a rerun needs to resume without creating any row
//! twice: the command it belongs to, the group id, every row's sent
//! content, the batch tag each content was sent under (written *before*
//! its POST), its run id and result, and the cursor of the result stream.
//!
//! The journal knows rows by content, not by position. An *entry* is one
//! sent content (the row's input after column selection) with its run;
//! entries outlive reruns. Each run reads the current input afresh and
//! matches each row to an entry: the k-th row with a given content takes
//! the k-th entry of that content (entries in the order they were made),
//! and a row with no entry left gets a new one, sent once. So a rerun on an
//! edited input (rows reordered, deleted, changed, appended) reuses the
//! runs of unchanged rows, sends only new or changed ones, and writes the
//! output in the current input's order. Entries no row matched are kept
//! (a row added back later reuses its run) but not written out.
//!
//! Rows and entries live here rather than in memory, indexed by a stable
//! hash of the content, so a table of any size runs in constant memory.
//!
//! Each kind of fact has a table of its own, written in the order facts
//! arrive, so that a million rows cost appends rather than rewrites: an
//! entry's run (`runs`) and its result (`results`) are rows keyed by the
//! entry, not columns filled in later. A result read back from the group is
//! matched to its entry through the batch tag its run carries (`tags`,
//! which was written in the same order), falling back to an index of run
//! ids built only when some result has no usable tag.
//!
//! What is synced when: the tags of a batch are committed with a sync
//! (`synchronous = FULL`) before its POST is sent, so no power cut can hide
//! a sent batch from the next run. Everything else (rows read from the
//! input, run ids, results) is committed without waiting for the disk
//! (`NORMAL`, in WAL mode): a crash of the tool loses none of it, and a
//! power cut can lose only the last commits, which the next run recovers
//! (it reads the input again, finds the runs of tagged rows in the group,
//! and reads results again from the cursor committed with them).

use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::Value;

use crate::fail::{Failure, Result};

/// Bumped when the schema changes. Schema 1 knew rows by position and is
/// refused; schema 2 kept runs and results in `entries` and is upgraded in
/// place on opening (see `upgrade_from_2`).
const SCHEMA_VERSION: &str = "3";

const META: &str = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);";

/// `entries.claim` is the number of the last read of the input that
/// matched a row to the entry (`meta.generation`); `rows` is the current
/// input, rebuilt by every read (`original` is null when the row as read
/// is the entry's sent content, as it is when every column is sent).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    hash INTEGER NOT NULL,
    input TEXT NOT NULL,
    claim INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_content ON entries (hash, claim, id);
CREATE TABLE IF NOT EXISTS runs (
    entry INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS results (
    entry INTEGER PRIMARY KEY,
    status TEXT NOT NULL,
    output TEXT,
    error TEXT,
    basis TEXT
);
CREATE TABLE IF NOT EXISTS rows (
    idx INTEGER PRIMARY KEY,
    line INTEGER NOT NULL,
    original TEXT,
    entry INTEGER NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS tags (
    batch TEXT NOT NULL,
    pos INTEGER NOT NULL,
    entry INTEGER NOT NULL,
    PRIMARY KEY (batch, pos)
);
CREATE INDEX IF NOT EXISTS tags_by_entry ON tags (entry);
CREATE TABLE IF NOT EXISTS batches (
    batch TEXT PRIMARY KEY,
    sent_at_ms INTEGER NOT NULL
);
";

/// How the current input's rows matched the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matched {
    /// Rows in the input.
    pub rows: u64,
    /// Rows whose content already has a run (or was sent before a stop).
    pub reused: u64,
    /// Rows to send.
    pub new: u64,
    /// Journaled runs that no row of this input matched.
    pub dropped: u64,
}

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
    /// The output's basis (JSON), if it was read (`enrich --basis`).
    pub basis: Option<String>,
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
    /// The output's basis as JSON, when asked for (`None` keeps what
    /// the journal has).
    pub basis: Option<String>,
    /// The batch and position its run was tagged with
    /// ([`parallel_web::batch_tag`]), which finds its entry without an
    /// index of run ids.
    pub tag: Option<(String, u64)>,
}

/// True when `path` does not exist, is empty, or starts with SQLite's file
/// header: the only files `--fresh` may delete. (A file it cannot read is
/// not deleted either.)
fn is_sqlite_or_absent(path: &Path) -> bool {
    use std::io::Read;
    const HEADER: &[u8; 16] = b"SQLite format 3\0";
    match std::fs::File::open(path) {
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
        Ok(file) => {
            let mut start = Vec::with_capacity(16);
            match file.take(16).read_to_end(&mut start) {
                Ok(_) => start.is_empty() || start == HEADER,
                Err(_) => false,
            }
        }
    }
}

/// An open journal.
pub struct Journal {
    conn: Connection,
    path: PathBuf,
    /// The number of the current read of the input.
    generation: i64,
    /// The current read of the input started with no entries: no row can
    /// match an earlier one, so `insert_rows` looks nothing up.
    first_read: bool,
}

impl Journal {
    /// Opens (or creates) the journal at `path`; `fresh` deletes it first.
    pub fn open(path: &Path, fresh: bool) -> Result<Journal> {
        if fresh {
            if !is_sqlite_or_absent(path) {
                return Err(Failure::usage(format!(
                    "{} is not a journal, so --fresh leaves it alone: pass --journal with another path",
                    path.display()
                )));
            }
            Journal::remove(path).map_err(|e| {
                Failure::new(format!(
                    "cannot remove the old journal {}: {e}",
                    path.display()
                ))
            })?;
        }
        let conn = Connection::open(path).map_err(|e| {
            Failure::new(format!("cannot open the journal {}: {e}", path.display()))
        })?;
        let not_a_journal = |e: rusqlite::Error| {
            Failure::new(format!(
                "{} is not a journal this tool can use ({e}); pass --journal with another path",
                path.display()
            ))
        };
        // WAL: a crash at any point leaves the last commit intact. NORMAL:
        // commits do not wait for the disk, except a batch's tags, which
        // `new_batch` syncs before its POST (see the module's docs). (The
        // first statement to read the file: where another kind of file is
        // found out.)
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(not_a_journal)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(META).map_err(not_a_journal)?;
        let mut journal = Journal {
            conn,
            path: path.to_owned(),
            generation: 0,
            first_read: false,
        };
        match journal.meta("schema")? {
            None => journal.set_meta("schema", SCHEMA_VERSION)?,
            Some(v) if v == SCHEMA_VERSION => {}
            Some(v) if v == "2" => journal.upgrade_from_2()?,
            Some(v) => {
                return Err(Failure::new(format!(
                    "the journal {} has schema {v}, this version writes {SCHEMA_VERSION} (it knows rows by content): finish it with the version that started it, or pass --fresh (a new group)",
                    path.display()
                )));
            }
        }
        journal.conn.execute_batch(SCHEMA).map_err(not_a_journal)?;
        if journal.meta("batch_base")?.is_none() {
            journal.set_meta("batch_base", &random_u64().to_string())?;
        }
        Ok(journal)
    }

    /// Opens an existing journal to read it only (`enrich status`): nothing
    /// is created or changed, and a file that is not a journal of this
    /// version is refused.
    pub fn open_read_only(path: &Path) -> Result<Journal> {
        let refused = |why: String| {
            Failure::usage(format!(
                "{} is not a journal this tool can read ({why})",
                path.display()
            ))
        };
        if !path.is_file() || !is_sqlite_or_absent(path) {
            return Err(refused("not an SQLite file".into()));
        }
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| refused(e.to_string()))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let journal = Journal {
            conn,
            path: path.to_owned(),
            generation: 0,
            first_read: false,
        };
        match journal.meta("schema") {
            Ok(Some(v)) if v == SCHEMA_VERSION => Ok(journal),
            Ok(Some(v)) if v == "2" => Err(refused(
                "written by an earlier version; run the `enrich` command that made it once with this version, which upgrades it"
                    .into(),
            )),
            Ok(Some(v)) => Err(refused(format!(
                "schema {v}; this version reads {SCHEMA_VERSION}"
            ))),
            Ok(None) => Err(refused("no schema version".into())),
            Err(e) => Err(refused(e.message)),
        }
    }

    /// Deletes the journal at `path` and SQLite's files beside it, if any.
    pub fn remove(path: &Path) -> std::io::Result<()> {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            match std::fs::remove_file(&p) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(())
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
        Err(Failure::usage(format!(
            "the journal {} belongs to a different command:\n{}\nrerun that command to finish it, pass --fresh to start over (a new group), or --journal to use another file",
            self.path.display(),
            lines.join("\n")
        )))
    }

    /// Starts a new read of the input: forgets the rows of the last one
    /// (their entries stay).
    pub fn begin_ingest(&mut self) -> Result<()> {
        let tx = self.conn.transaction()?;
        let generation = meta_in(&tx, "generation")?.map_or(0, |g| g + 1);
        set_meta_in(&tx, "generation", &generation.to_string())?;
        tx.execute("DELETE FROM rows", [])?;
        let first_read: bool =
            tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM entries)", [], |r| {
                r.get(0)
            })?;
        if first_read {
            // Built once, sorted, by `finish_ingest`: a million inserts of
            // random hashes into it rewrote pages all over the file. (A
            // crash before that leaves it to `open`, which creates it.)
            tx.execute("DROP INDEX IF EXISTS entries_by_content", [])?;
        }
        tx.commit()?;
        self.generation = generation;
        self.first_read = first_read;
        Ok(())
    }

    /// Stores rows `(index, line, original JSON, input JSON)` in one
    /// transaction (the original only when it differs), matching each to the first entry of its content that
    /// no earlier row of this read took, or to a new entry.
    pub fn insert_rows(&mut self, rows: &[(u64, u64, String, String)]) -> Result<()> {
        let generation = self.generation;
        let tx = self.conn.transaction()?;
        {
            // Entries of one content that this read took are a prefix of
            // them (in id order), and those the last read took come first
            // among the rest: look there before the older ones.
            let mut recent = tx.prepare_cached(
                "SELECT id FROM entries WHERE hash = ?1 AND claim = ?3 - 1 AND input = ?2
                 ORDER BY id LIMIT 1",
            )?;
            let mut older = tx.prepare_cached(
                "SELECT id FROM entries WHERE hash = ?1 AND claim < ?3 - 1 AND input = ?2
                 ORDER BY id LIMIT 1",
            )?;
            let mut take = tx.prepare_cached("UPDATE entries SET claim = ?2 WHERE id = ?1")?;
            let mut make =
                tx.prepare_cached("INSERT INTO entries (hash, input, claim) VALUES (?1, ?2, ?3)")?;
            let mut put = tx.prepare_cached(
                "INSERT INTO rows (idx, line, original, entry) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (idx, line, original, input) in rows {
                let hash = content_hash(input);
                let q = params![hash, input, generation];
                let found: Option<i64> = if self.first_read {
                    None
                } else {
                    match recent.query_row(q, |r| r.get(0)).optional()? {
                        Some(id) => Some(id),
                        None => older.query_row(q, |r| r.get(0)).optional()?,
                    }
                };
                let entry = match found {
                    Some(id) => {
                        take.execute(params![id, generation])?;
                        id
                    }
                    None => {
                        make.execute(params![hash, input, generation])?;
                        tx.last_insert_rowid()
                    }
                };
                let original = (original != input).then_some(original);
                put.execute(params![idx, line, original, entry])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Marks the input as completely read, with these columns; forgets
    /// entries no row took that were never sent. Says how the rows matched.
    pub fn finish_ingest(&self, columns: &[String]) -> Result<Matched> {
        self.set_meta("columns", &serde_json::to_string(columns)?)?;
        self.conn.execute_batch(
            "CREATE INDEX IF NOT EXISTS entries_by_content ON entries (hash, claim, id);",
        )?;
        self.conn.execute(
            "DELETE FROM entries WHERE claim < ?1
             AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.entry = entries.id)
             AND NOT EXISTS (SELECT 1 FROM tags WHERE tags.entry = entries.id)",
            [self.generation],
        )?;
        let (rows, reused): (u64, u64) = self.conn.query_row(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE
                 EXISTS (SELECT 1 FROM runs WHERE runs.entry = rows.entry)
                 OR EXISTS (SELECT 1 FROM tags WHERE tags.entry = rows.entry))
             FROM rows",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let dropped = self.conn.query_row(
            "SELECT COUNT(*) FROM entries WHERE claim < ?1",
            [self.generation],
            |r| r.get(0),
        )?;
        Ok(Matched {
            rows,
            reused,
            new: rows - reused,
            dropped,
        })
    }

    /// The input's columns, in order, once read.
    pub fn columns(&self) -> Result<Vec<String>> {
        match self.meta("columns")? {
            Some(c) => Ok(serde_json::from_str(&c)?),
            None => Ok(Vec::new()),
        }
    }

    /// Up to `limit` entries of the current rows without a run, after
    /// entry `after`: (entry, input JSON).
    pub fn unsubmitted(&self, after: i64, limit: usize) -> Result<Vec<(u64, String)>> {
        let mut st = self.conn.prepare_cached(
            "SELECT e.id, e.input FROM entries e
             WHERE e.id > ?1 AND EXISTS (SELECT 1 FROM rows WHERE rows.entry = e.id)
             AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.entry = e.id)
             ORDER BY e.id LIMIT ?2",
        )?;
        let rows = st
            .query_map(params![after, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Allocates a new batch id and records, durably, which entry each of
    /// its positions is. Call before the POST that uses it.
    pub fn new_batch(&mut self, entries: &[u64]) -> Result<String> {
        let base: u64 = self
            .meta("batch_base")?
            .and_then(|b| b.parse().ok())
            .unwrap_or_default();
        let seq: u64 = self
            .meta("next_batch")?
            .and_then(|b| b.parse().ok())
            .unwrap_or_default();
        let batch = format!("{:016x}", base.wrapping_add(seq));
        // The one commit that waits for the disk: the tags must outlive a
        // power cut once the POST may have left.
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        let written = self.write_batch(&batch, seq, entries);
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        written?;
        Ok(batch)
    }

    /// `new_batch`'s transaction: batch number `seq` is taken, sent now,
    /// with `entries` at its positions.
    fn write_batch(&mut self, batch: &str, seq: u64, entries: &[u64]) -> Result<()> {
        let tx = self.conn.transaction()?;
        set_meta_in(&tx, "next_batch", &(seq + 1).to_string())?;
        // When it was sent: after a stop, a POST still held by the server
        // may commit up to the settle window later (see `enrich/submit.rs`).
        tx.execute(
            "INSERT INTO batches (batch, sent_at_ms) VALUES (?1, ?2)",
            params![batch, unix_ms()],
        )?;
        {
            let mut st =
                tx.prepare_cached("INSERT INTO tags (batch, pos, entry) VALUES (?1, ?2, ?3)")?;
            for (pos, entry) in entries.iter().enumerate() {
                st.execute(params![batch, pos as i64, entry])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Whether some entry was sent (tagged) but its run id is not known:
    /// the tool stopped between a POST and its answer.
    pub fn has_unconfirmed(&self) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM tags
                            WHERE NOT EXISTS (SELECT 1 FROM runs WHERE runs.entry = tags.entry))",
            [],
            |r| r.get(0),
        )?)
    }

    /// The batches that hold entries sent without a known run, each with
    /// when it was sent (milliseconds since the Unix epoch).
    pub fn unconfirmed_batches(&self) -> Result<Vec<(String, i64)>> {
        let mut st = self.conn.prepare(
            "SELECT DISTINCT tags.batch, COALESCE(b.sent_at_ms, 0) FROM tags
             LEFT JOIN batches b ON b.batch = tags.batch
             WHERE NOT EXISTS (SELECT 1 FROM runs WHERE runs.entry = tags.entry)
             ORDER BY tags.batch",
        )?;
        let batches = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(batches)
    }

    /// Forgets the tags of entries still without a run once the group was
    /// searched for them: their POST never created them, and a row that
    /// needs one is sent again under a new tag.
    pub fn forget_unconfirmed(&self) -> Result<()> {
        self.conn.execute(
            "DELETE FROM tags WHERE NOT EXISTS (SELECT 1 FROM runs WHERE runs.entry = tags.entry)",
            [],
        )?;
        Ok(())
    }

    /// The entry sent at `pos` of `batch`, if this journal sent it.
    pub fn entry_of_tag(&self, batch: &str, pos: u64) -> Result<Option<u64>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT entry FROM tags WHERE batch = ?1 AND pos = ?2")?;
        Ok(st
            .query_row(params![batch, pos as i64], |r| r.get(0))
            .optional()?)
    }

    /// The run id of entry `entry`, if known.
    pub fn run_of_entry(&self, entry: u64) -> Result<Option<String>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT run_id FROM runs WHERE entry = ?1")?;
        Ok(st.query_row([entry], |r| r.get(0)).optional()?)
    }

    /// Records run ids `(entry, run id)` in one transaction; returns how
    /// many were new (a journaled run id is never replaced).
    pub fn record_runs(&mut self, runs: &[(u64, String)]) -> Result<u64> {
        let tx = self.conn.transaction()?;
        let mut recorded = 0;
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO runs (entry, run_id) VALUES (?1, ?2) ON CONFLICT (entry) DO NOTHING",
            )?;
            for (entry, run) in runs {
                recorded += st.execute(params![entry, run])? as u64;
            }
        }
        tx.commit()?;
        Ok(recorded)
    }

    /// Rows of the input, and rows with a run.
    pub fn counts(&self) -> Result<(u64, u64)> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*), COUNT(runs.run_id) FROM rows LEFT JOIN runs ON runs.entry = rows.entry",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// Records results and the stream cursor after them, in one
    /// transaction. Returns how many results belonged to rows of this journal.
    ///
    /// A result finds its entry through its run's batch tag (the tags were
    /// written in the order the runs were created, which is the order the
    /// group streams them back, so these look-ups read the journal in
    /// order); a result without a tag that names its run is looked up by
    /// run id, in an index built the first time one is needed.
    pub fn record_results(&mut self, results: &[Received], cursor: Option<&str>) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let mut mine = 0;
        {
            let mut by_tag = tx.prepare_cached(
                "SELECT tags.entry FROM tags JOIN runs ON runs.entry = tags.entry
                 WHERE tags.batch = ?1 AND tags.pos = ?2 AND runs.run_id = ?3",
            )?;
            let mut put = tx.prepare_cached(
                "INSERT INTO results (entry, status, output, error, basis) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (entry) DO UPDATE SET status = excluded.status, output = excluded.output,
                     error = excluded.error, basis = COALESCE(excluded.basis, results.basis)",
            )?;
            for r in results {
                let tagged = match &r.tag {
                    Some((batch, pos)) => by_tag
                        .query_row(params![batch, *pos as i64, r.run_id], |row| {
                            row.get::<_, i64>(0)
                        })
                        .optional()?,
                    None => None,
                };
                let entry = match tagged {
                    Some(entry) => Some(entry),
                    None => entry_of_run(&tx, &r.run_id)?,
                };
                if let Some(entry) = entry {
                    put.execute(params![entry, r.status, r.output, r.error, r.basis])?;
                    mine += 1;
                }
            }
        }
        if let Some(c) = cursor {
            set_meta_in(&tx, "results_cursor", c)?;
        }
        tx.commit()?;
        Ok(mine)
    }

    /// Rows of the input with a result, and those completed.
    pub fn result_counts(&self) -> Result<(u64, u64)> {
        Ok(self.conn.query_row(
            "SELECT COUNT(r.status), COUNT(*) FILTER (WHERE r.status = 'completed')
             FROM rows LEFT JOIN results r ON r.entry = rows.entry",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// Rows of the input that completed but whose basis was not read (a
    /// journal collected without `--basis`).
    pub fn completed_without_basis(&self) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM rows JOIN results r ON r.entry = rows.entry
             WHERE r.status = 'completed' AND r.basis IS NULL",
            [],
            |r| r.get(0),
        )?)
    }

    /// Moves a schema-2 journal's runs and results out of `entries` into
    /// their own tables and lets `rows.original` be null, in one
    /// transaction (a failure leaves it as it was). Its entries keep the
    /// old columns, unused; versions before this one refuse the upgraded
    /// journal by its schema number.
    fn upgrade_from_2(&mut self) -> Result<()> {
        let has_basis: bool = self.conn.query_row(
            "SELECT COUNT(*) > 0 FROM pragma_table_info('entries') WHERE name = 'basis'",
            [],
            |r| r.get(0),
        )?;
        // Journals written before `--basis` have no basis column.
        let basis = if has_basis { "basis" } else { "NULL" };
        let tx = self.conn.transaction()?;
        tx.execute_batch("ALTER TABLE rows RENAME TO rows_2")?;
        tx.execute_batch(SCHEMA)?;
        tx.execute_batch(&format!(
            "INSERT INTO runs (entry, run_id) SELECT id, run_id FROM entries WHERE run_id IS NOT NULL;
             INSERT INTO results (entry, status, output, error, basis)
                 SELECT id, status, output, error, {basis} FROM entries WHERE status IS NOT NULL;
             INSERT INTO rows (idx, line, original, entry) SELECT idx, line, original, entry FROM rows_2;
             DROP TABLE rows_2;"
        ))?;
        set_meta_in(&tx, "schema", SCHEMA_VERSION)?;
        tx.commit()?;
        Ok(())
    }

    /// Calls `each` for every row in input order with what is known of it.
    pub fn for_each_row(&self, mut each: impl FnMut(Stored) -> Result<()>) -> Result<()> {
        let mut st = self.conn.prepare(
            "SELECT COALESCE(rows.original, e.input), runs.run_id, r.status, r.output, r.error, r.basis
             FROM rows JOIN entries e ON e.id = rows.entry
             LEFT JOIN runs ON runs.entry = rows.entry
             LEFT JOIN results r ON r.entry = rows.entry
             ORDER BY rows.idx",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            each(Stored {
                original: r.get(0)?,
                run_id: r.get(1)?,
                status: r.get(2)?,
                output: r.get(3)?,
                error: r.get(4)?,
                basis: r.get(5)?,
            })?;
        }
        Ok(())
    }
}

/// The entry whose run is `run_id`, looked up in an index of run ids that
/// is built (sorted, in one pass) the first time it is needed and kept up
/// to date from then on.
fn entry_of_run(tx: &Transaction<'_>, run_id: &str) -> Result<Option<i64>> {
    tx.execute_batch("CREATE INDEX IF NOT EXISTS runs_by_run_id ON runs (run_id)")?;
    let mut st = tx.prepare_cached("SELECT entry FROM runs WHERE run_id = ?1")?;
    Ok(st.query_row([run_id], |r| r.get(0)).optional()?)
}

/// A value of `meta`, read inside a transaction, as a number.
fn meta_in(tx: &Transaction<'_>, key: &str) -> Result<Option<i64>> {
    let text: Option<String> = tx
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?;
    Ok(text.and_then(|t| t.parse().ok()))
}

fn set_meta_in(tx: &Transaction<'_>, key: &str, value: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// The index key of a sent content: 64-bit FNV-1a, stable across builds
/// and Rust versions (std's hashers are not). Two contents with one hash
/// are told apart by comparing the content itself.
fn content_hash(input: &str) -> i64 {
    let mut h = fnv::FnvHasher::default();
    h.write(input.as_bytes());
    h.finish() as i64
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

/// Now, in milliseconds since the Unix epoch (0 if the clock is before it).
pub fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
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
            "SELECT rows.line, length(e.input) FROM rows JOIN entries e ON e.id = rows.entry
             WHERE length(e.input) > ?1 ORDER BY rows.idx LIMIT ?2",
        )?;
        let shown = st
            .query_map(params![chars as i64, limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let count = self.conn.query_row(
            "SELECT COUNT(*) FROM rows JOIN entries e ON e.id = rows.entry
             WHERE length(e.input) > ?1",
            [chars as i64],
            |r| r.get(0),
        )?;
        Ok((shown, count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A journal in a fresh temporary file.
    fn journal(name: &str) -> Journal {
        let path = std::env::temp_dir().join(format!(
            "parallel-web-journal-{name}-{}.journal",
            std::process::id()
        ));
        Journal::open(&path, true).unwrap()
    }

    /// Reads `contents` as the input (each row's original is its content).
    fn read(j: &mut Journal, contents: &[&str]) -> Matched {
        j.begin_ingest().unwrap();
        j.insert_rows(&rows(contents)).unwrap();
        j.finish_ingest(&["c".to_owned()]).unwrap()
    }

    fn rows(contents: &[&str]) -> Vec<(u64, u64, String, String)> {
        contents
            .iter()
            .enumerate()
            .map(|(i, c)| {
                (
                    i as u64,
                    i as u64 + 1,
                    format!("\"{c}\""),
                    format!("\"{c}\""),
                )
            })
            .collect()
    }

    /// Sends every row without a run: run ids `<content>#<n>`, n counting
    /// the runs made so far.
    fn send(j: &mut Journal) {
        let pending = j.unsubmitted(-1, 1_000).unwrap();
        let start = j
            .conn
            .query_row("SELECT COUNT(*) FROM runs", [], |r| r.get::<_, u64>(0));
        let start = start.unwrap();
        let runs: Vec<(u64, String)> = pending
            .into_iter()
            .enumerate()
            .map(|(n, (entry, input))| {
                (
                    entry,
                    format!("{}#{}", input.trim_matches('"'), start + n as u64),
                )
            })
            .collect();
        j.record_runs(&runs).unwrap();
    }

    /// Each row's run, in input order.
    fn runs(j: &Journal) -> Vec<String> {
        let mut out = Vec::new();
        j.for_each_row(|row| {
            out.push(row.run_id.unwrap_or_default());
            Ok(())
        })
        .unwrap();
        out
    }

    fn matched(rows: u64, reused: u64, new: u64, dropped: u64) -> Matched {
        Matched {
            rows,
            reused,
            new,
            dropped,
        }
    }

    #[test]
    fn the_kth_row_of_a_content_takes_the_kth_journaled_run_of_it() {
        let mut j = journal("kth");
        assert_eq!(read(&mut j, &["A", "B", "A"]), matched(3, 0, 3, 0));
        send(&mut j);
        assert_eq!(runs(&j), ["A#0", "B#1", "A#2"]);
        assert_eq!(read(&mut j, &["A", "A", "A", "B"]), matched(4, 3, 1, 0));
        send(&mut j);
        assert_eq!(runs(&j), ["A#0", "A#2", "A#3", "B#1"]);
        // Fewer copies: the first ones keep their runs, the last is dropped.
        assert_eq!(read(&mut j, &["B", "A", "A"]), matched(3, 3, 0, 1));
        assert_eq!(runs(&j), ["B#1", "A#0", "A#2"]);
    }

    #[test]
    fn reordered_rows_keep_their_runs_and_the_output_follows_the_new_order() {
        let mut j = journal("reorder");
        read(&mut j, &["A", "B", "C"]);
        send(&mut j);
        assert_eq!(read(&mut j, &["C", "A", "B"]), matched(3, 3, 0, 0));
        assert_eq!(runs(&j), ["C#2", "A#0", "B#1"]);
        assert!(j.unsubmitted(-1, 10).unwrap().is_empty());
    }

    #[test]
    fn a_deleted_row_is_dropped_and_reuses_its_run_when_it_comes_back() {
        let mut j = journal("delete");
        read(&mut j, &["A", "B", "C"]);
        send(&mut j);
        assert_eq!(read(&mut j, &["A", "C"]), matched(2, 2, 0, 1));
        assert_eq!(runs(&j), ["A#0", "C#2"]);
        assert_eq!(read(&mut j, &["A", "B", "C"]), matched(3, 3, 0, 0));
        assert_eq!(runs(&j), ["A#0", "B#1", "C#2"]);
    }

    #[test]
    fn a_changed_row_is_new_and_its_old_content_is_dropped() {
        let mut j = journal("change");
        read(&mut j, &["A", "B", "C"]);
        send(&mut j);
        assert_eq!(read(&mut j, &["A", "B2", "C"]), matched(3, 2, 1, 1));
        assert_eq!(j.unsubmitted(-1, 10).unwrap().len(), 1);
        send(&mut j);
        assert_eq!(runs(&j), ["A#0", "B2#3", "C#2"]);
        assert_eq!(j.counts().unwrap(), (3, 3));
    }

    #[test]
    fn appended_rows_are_the_only_ones_sent() {
        let mut j = journal("append");
        read(&mut j, &["A", "B"]);
        send(&mut j);
        assert_eq!(read(&mut j, &["A", "B", "C", "D"]), matched(4, 2, 2, 0));
        let pending: Vec<String> = j
            .unsubmitted(-1, 10)
            .unwrap()
            .into_iter()
            .map(|(_, input)| input)
            .collect();
        assert_eq!(pending, ["\"C\"", "\"D\""]);
    }

    #[test]
    fn a_row_sent_before_a_stop_counts_as_reused_and_unsent_leftovers_are_forgotten() {
        let mut j = journal("unsent");
        read(&mut j, &["A", "B", "C"]);
        // A was tagged (its POST may have reached the server); B and C never left.
        let a = j.unsubmitted(-1, 1).unwrap()[0].0;
        j.new_batch(&[a]).unwrap();
        assert_eq!(read(&mut j, &["C"]), matched(1, 0, 1, 1));
        assert!(j.has_unconfirmed().unwrap());
        assert_eq!(read(&mut j, &["A", "B"]), matched(2, 1, 1, 0));
        // The group had no run for A: its tag goes, and A is sent anew.
        j.forget_unconfirmed().unwrap();
        assert!(!j.has_unconfirmed().unwrap());
        assert_eq!(j.unsubmitted(-1, 10).unwrap().len(), 2);
    }

    #[test]
    fn a_read_cut_short_is_redone_to_the_same_matches() {
        let mut j = journal("cut");
        read(&mut j, &["A", "A", "B"]);
        send(&mut j);
        j.begin_ingest().unwrap();
        j.insert_rows(&rows(&["A"])).unwrap(); // stopped here
        assert_eq!(read(&mut j, &["B", "A", "A"]), matched(3, 3, 0, 0));
        assert_eq!(runs(&j), ["B#2", "A#0", "A#1"]);
    }

    #[test]
    fn contents_with_one_hash_are_told_apart_by_the_content() {
        let mut j = journal("collide");
        read(&mut j, &["A"]);
        send(&mut j);
        // Give A's entry B's hash, as a collision of the two would.
        j.conn
            .execute(
                "UPDATE entries SET hash = ?1 WHERE input = '\"A\"'",
                [content_hash("\"B\"")],
            )
            .unwrap();
        assert_eq!(read(&mut j, &["B"]), matched(1, 0, 1, 1));
        send(&mut j);
        assert_eq!(runs(&j), ["B#1"]);
    }

    #[test]
    fn a_journal_of_schema_1_is_refused_with_what_to_do() {
        let path = std::env::temp_dir().join(format!(
            "parallel-web-journal-v1-{}.journal",
            std::process::id()
        ));
        drop(Journal::open(&path, true).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema'", [])
            .unwrap();
        drop(conn);
        let message = Journal::open(&path, false).err().unwrap().message;
        assert!(
            message.contains("schema 1") && message.contains("--fresh"),
            "{message}"
        );
        Journal::remove(&path).unwrap();
    }

    // ---- Crash safety: each transaction is all or nothing, durable once
    // committed, and what a rerun reads back. ----

    /// A journal in a fresh temporary file, and its path (to reopen it as
    /// a rerun after a crash would).
    fn journal_at(name: &str) -> (Journal, PathBuf) {
        let path = std::env::temp_dir().join(format!(
            "parallel-web-journal-{name}-{}.journal",
            std::process::id()
        ));
        (Journal::open(&path, true).unwrap(), path)
    }

    /// Makes SQLite fail the statement that writes `table` when `when`
    /// holds for the new row, as a crash or a full disk would mid-way.
    fn fail_writes(j: &Journal, table: &str, op: &str, when: &str) {
        j.conn
            .execute_batch(&format!(
                "CREATE TEMP TRIGGER injected BEFORE {op} ON {table} WHEN {when}
                 BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
            ))
            .unwrap();
    }

    fn received(run_id: &str, status: &str) -> Received {
        Received {
            run_id: run_id.to_owned(),
            status: status.to_owned(),
            output: (status == "completed").then(|| format!("{{\"for\":\"{run_id}\"}}")),
            error: (status != "completed").then(|| "it failed".to_owned()),
            basis: None,
            tag: None,
        }
    }

    /// Each row's (run, status, output) in input order.
    fn results(j: &Journal) -> Vec<(Option<String>, Option<String>, Option<String>)> {
        let mut out = Vec::new();
        j.for_each_row(|row| {
            out.push((row.run_id, row.status, row.output));
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn the_journal_is_in_wal_mode_and_syncs_only_a_batchs_tags() {
        let (mut j, path) = journal_at("pragmas");
        let pragmas = |j: &Journal| -> (String, i64) {
            let mode = j
                .conn
                .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .unwrap();
            let sync = j
                .conn
                .query_row("PRAGMA synchronous", [], |r| r.get(0))
                .unwrap();
            (mode, sync)
        };
        assert_eq!(pragmas(&j), ("wal".to_owned(), 1), "1 is NORMAL");
        read(&mut j, &["A", "B"]);
        let entries: Vec<u64> = j.unsubmitted(-1, 10).unwrap().iter().map(|e| e.0).collect();
        // The tags' commit is synced (checked by the trigger, which sees
        // the setting its statement runs under), and the setting is back
        // to NORMAL after it, also when the commit fails.
        j.conn
            .execute_batch(
                "CREATE TEMP TABLE seen (sync INTEGER);
                 CREATE TEMP TRIGGER watch BEFORE INSERT ON tags
                 BEGIN INSERT INTO seen SELECT synchronous FROM pragma_synchronous; END;",
            )
            .unwrap();
        j.new_batch(&entries[..1]).unwrap();
        let seen: i64 = j
            .conn
            .query_row("SELECT MIN(sync) FROM temp.seen", [], |r| r.get(0))
            .unwrap();
        assert_eq!(seen, 2, "2 is FULL");
        assert_eq!(pragmas(&j).1, 1);
        fail_writes(&j, "tags", "INSERT", "1");
        assert!(j.new_batch(&entries[1..]).is_err());
        assert_eq!(pragmas(&j).1, 1);
        drop(j);
        Journal::remove(&path).unwrap();
    }

    #[test]
    fn results_and_the_cursor_after_them_are_committed_together_or_not_at_all() {
        let (mut j, path) = journal_at("results-tx");
        read(&mut j, &["A", "B"]);
        send(&mut j);
        assert_eq!(
            j.record_results(&[received("A#0", "completed")], Some("cursor-1"))
                .unwrap(),
            1
        );
        // The second batch fails half-way (at B's result): neither A's new
        // result nor the cursor after the batch may stay.
        fail_writes(
            &j,
            "results",
            "INSERT",
            "NEW.entry = (SELECT entry FROM runs WHERE run_id = 'B#1')",
        );
        let failed = j.record_results(
            &[received("A#0", "failed"), received("B#1", "completed")],
            Some("cursor-2"),
        );
        assert!(failed.is_err());
        drop(j);
        // A rerun sees the last commit: A completed, B without a result,
        // and the cursor before the failed batch, from which it reads again.
        let j = Journal::open(&path, false).unwrap();
        assert_eq!(
            j.meta("results_cursor").unwrap().as_deref(),
            Some("cursor-1")
        );
        let got = results(&j);
        assert_eq!(got[0].1.as_deref(), Some("completed"));
        assert_eq!(got[0].2.as_deref(), Some("{\"for\":\"A#0\"}"));
        assert_eq!(got[1], (Some("B#1".to_owned()), None, None));
        assert_eq!(j.result_counts().unwrap(), (1, 1));
        drop(j);
        Journal::remove(&path).unwrap();
    }

    #[test]
    fn results_of_runs_not_in_the_journal_are_not_counted_and_no_cursor_keeps_the_last() {
        let (mut j, path) = journal_at("results-other");
        read(&mut j, &["A"]);
        send(&mut j);
        j.record_results(&[], Some("cursor-1")).unwrap();
        // Another client's run in the same group: not ours, not stored.
        let mine = j
            .record_results(&[received("trun_other", "completed")], None)
            .unwrap();
        assert_eq!(mine, 0);
        assert_eq!(
            j.meta("results_cursor").unwrap().as_deref(),
            Some("cursor-1")
        );
        assert_eq!(j.result_counts().unwrap(), (0, 0));
        drop(j);
        Journal::remove(&path).unwrap();
    }

    #[test]
    fn a_batchs_tags_are_durable_before_its_post_and_written_all_or_none() {
        let (mut j, path) = journal_at("tags-tx");
        read(&mut j, &["A", "B", "C"]);
        let entries: Vec<u64> = j
            .unsubmitted(-1, 10)
            .unwrap()
            .into_iter()
            .map(|(e, _)| e)
            .collect();
        let first = j.new_batch(&entries[..1]).unwrap();
        // The second batch fails at its second tag: no tag of it, no
        // record of it as sent, and its number is not used up.
        fail_writes(&j, "tags", "INSERT", "NEW.pos = 1");
        assert!(j.new_batch(&entries[1..]).is_err());
        drop(j);

        // Reopened as after a crash: the first batch's tag is there.
        let mut j = Journal::open(&path, false).unwrap();
        assert_eq!(j.entry_of_tag(&first, 0).unwrap(), Some(entries[0]));
        assert_eq!(j.unconfirmed_batches().unwrap().len(), 1);
        let tagged: i64 = j
            .conn
            .query_row("SELECT COUNT(*) FROM tags", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tagged, 1);
        // Batch ids go on from the journal, never repeating one sent before.
        let second = j.new_batch(&entries[1..]).unwrap();
        assert_ne!(second, first);
        assert_eq!(
            u64::from_str_radix(&second, 16).unwrap(),
            u64::from_str_radix(&first, 16).unwrap().wrapping_add(1)
        );
        assert_eq!(j.entry_of_tag(&second, 1).unwrap(), Some(entries[2]));
        drop(j);
        Journal::remove(&path).unwrap();
    }

    #[test]
    fn run_ids_are_recorded_all_or_none_and_never_replace_a_journaled_one() {
        let (mut j, path) = journal_at("runs-tx");
        read(&mut j, &["A", "B"]);
        let entries: Vec<u64> = j
            .unsubmitted(-1, 10)
            .unwrap()
            .into_iter()
            .map(|(e, _)| e)
            .collect();
        fail_writes(&j, "runs", "INSERT", "NEW.run_id = 'trun_b'");
        let both = [
            (entries[0], "trun_a".to_owned()),
            (entries[1], "trun_b".to_owned()),
        ];
        assert!(j.record_runs(&both).is_err());
        assert_eq!(j.counts().unwrap(), (2, 0));
        j.conn.execute_batch("DROP TRIGGER temp.injected").unwrap();
        j.record_runs(&both).unwrap();
        // A second answer for the same entry (a duplicate found while
        // reconciling, say) does not replace the run the row has.
        j.record_runs(&[(entries[0], "trun_a2".to_owned())])
            .unwrap();
        drop(j);
        let j = Journal::open(&path, false).unwrap();
        assert_eq!(runs(&j), ["trun_a", "trun_b"]);
        assert_eq!(
            j.run_of_entry(entries[0]).unwrap().as_deref(),
            Some("trun_a")
        );
        drop(j);
        Journal::remove(&path).unwrap();
    }

    #[test]
    fn a_read_of_the_input_that_fails_half_way_leaves_the_last_matches() {
        let (mut j, path) = journal_at("rows-tx");
        read(&mut j, &["A", "B"]);
        send(&mut j);
        j.begin_ingest().unwrap();
        fail_writes(&j, "rows", "INSERT", "NEW.idx = 1");
        assert!(j.insert_rows(&rows(&["B", "C"])).is_err());
        // Nothing of the failed batch of rows: no new entry for C, and B's
        // entry is not taken by half a read.
        let entries: i64 = j
            .conn
            .query_row("SELECT COUNT(*) FROM entries", [], |r| r.get(0))
            .unwrap();
        assert_eq!(entries, 2);
        drop(j);
        let mut j = Journal::open(&path, false).unwrap();
        assert_eq!(read(&mut j, &["B", "A"]), matched(2, 2, 0, 0));
        assert_eq!(runs(&j), ["B#1", "A#0"]);
        drop(j);
        Journal::remove(&path).unwrap();
    }

    #[test]
    fn a_journal_of_a_newer_schema_is_refused_and_left_as_it_was() {
        let (j, path) = journal_at("v4");
        j.set_meta("group_id", "tgrp_kept").unwrap();
        j.set_meta("schema", "4").unwrap();
        drop(j);
        let message = Journal::open(&path, false).err().unwrap().message;
        assert!(
            message.contains("schema 4") && message.contains("--fresh"),
            "{message}"
        );
        let conn = Connection::open(&path).unwrap();
        let kept: (String, String) = conn
            .query_row(
                "SELECT (SELECT value FROM meta WHERE key = 'schema'),
                        (SELECT value FROM meta WHERE key = 'group_id')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(kept, ("4".to_owned(), "tgrp_kept".to_owned()));
        drop(conn);
        Journal::remove(&path).unwrap();
    }

    #[test]
    fn a_file_that_is_not_a_journal_is_refused_with_what_to_do_and_left_alone() {
        let path = std::env::temp_dir().join(format!(
            "parallel-web-journal-notone-{}.journal",
            std::process::id()
        ));
        let text = "id,name\n1,not a database\n".repeat(200);
        std::fs::write(&path, &text).unwrap();
        let message = Journal::open(&path, false).err().unwrap().message;
        assert!(
            message.contains("not a journal") && message.contains("--journal"),
            "{message}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        // --fresh deletes journals only, never a file of the user's.
        let message = Journal::open(&path, true).err().unwrap().message;
        assert!(
            message.contains("not a journal") && message.contains("--fresh leaves it alone"),
            "{message}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        // A real journal is replaced.
        let journal = path.with_extension("real");
        drop(Journal::open(&journal, false).unwrap());
        assert!(Journal::open(&journal, true).is_ok());
        Journal::remove(&journal).unwrap();
        Journal::remove(&path).unwrap();
    }

    #[test]
    fn a_journal_of_another_command_names_each_difference_by_its_path() {
        let (j, path) = journal_at("bind");
        let first =
            serde_json::json!({"processor": "lite", "spec": {"columns": ["ceo"], "input": "all"}});
        j.bind_command(&first).unwrap();
        j.bind_command(&first).unwrap();
        let other = serde_json::json!({"processor": "base", "spec": {"columns": ["ceo", "cfo"], "input": "all"}, "fresh": true});
        let message = j.bind_command(&other).err().unwrap().message;
        for line in [
            r#"  processor: journal has "lite", this command has "base""#,
            r#"  spec.columns: journal has ["ceo"], this command has ["ceo","cfo"]"#,
            "  fresh: journal has nothing, this command has true",
        ] {
            assert!(message.contains(line), "{line:?} not in {message}");
        }
        assert!(!message.contains("spec.input"), "{message}");
        drop(j);
        Journal::remove(&path).unwrap();
    }

    #[test]
    fn a_journal_belongs_to_one_command_and_names_each_difference() {
        let j = journal("bind");
        let first = serde_json::json!({"processor": "base", "spec": {"a": 1, "b": "x"}});
        j.bind_command(&first).unwrap();
        j.bind_command(&first).unwrap();
        let other = serde_json::json!({"processor": "core", "spec": {"a": 1, "c": true}});
        let message = j.bind_command(&other).unwrap_err().message;
        let lines: Vec<&str> = message.lines().filter(|l| l.starts_with("  ")).collect();
        assert_eq!(
            lines,
            [
                "  processor: journal has \"base\", this command has \"core\"",
                "  spec.b: journal has \"x\", this command has nothing",
                "  spec.c: journal has nothing, this command has true",
            ],
            "{message}"
        );
        assert!(message.contains("--fresh"), "{message}");
        // The stored command is the first one, not the refused one.
        assert_eq!(j.meta("command").unwrap(), Some(first.to_string()));
    }

    #[test]
    fn a_long_value_is_cut_short_in_a_difference() {
        let long = "x".repeat(200);
        let text = short(&Value::String(long));
        assert_eq!(text.chars().count(), 121, "{text}");
        assert!(text.ends_with('…'));
        let exact = "y".repeat(118); // 120 characters with its quotes
        assert_eq!(short(&Value::String(exact.clone())), format!("\"{exact}\""));
        let mut lines = Vec::new();
        differences("", &serde_json::json!(1), &serde_json::json!(2), &mut lines);
        assert_eq!(lines, ["  : journal has 1, this command has 2"]);
    }

    #[test]
    fn meta_values_are_stored_and_replaced_and_the_columns_kept() {
        let mut j = journal("meta");
        assert_eq!(j.meta("group").unwrap(), None);
        j.set_meta("group", "tgrp_1").unwrap();
        j.set_meta("group", "tgrp_2").unwrap();
        assert_eq!(j.meta("group").unwrap().as_deref(), Some("tgrp_2"));
        assert!(j.columns().unwrap().is_empty());
        j.begin_ingest().unwrap();
        j.insert_rows(&rows(&["A"])).unwrap();
        j.finish_ingest(&["name".to_owned(), "url".to_owned()])
            .unwrap();
        assert_eq!(j.columns().unwrap(), ["name", "url"]);
    }

    #[test]
    fn a_reopened_journal_keeps_its_state_and_fresh_starts_over() {
        let path = std::env::temp_dir().join(format!(
            "parallel-web-journal-reopen-{}.journal",
            std::process::id()
        ));
        let mut j = Journal::open(&path, true).unwrap();
        read(&mut j, &["A", "B"]);
        send(&mut j);
        let base = j.meta("batch_base").unwrap().unwrap();
        drop(j);
        let mut j = Journal::open(&path, false).unwrap();
        assert_eq!(j.meta("batch_base").unwrap(), Some(base.clone()));
        assert_eq!(read(&mut j, &["A", "B"]), matched(2, 2, 0, 0));
        drop(j);
        let j = Journal::open(&path, true).unwrap();
        assert_eq!(j.counts().unwrap(), (0, 0));
        assert_ne!(j.meta("batch_base").unwrap(), Some(base));
        drop(j);
        Journal::remove(&path).unwrap();
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            assert!(!std::path::Path::new(&p).exists(), "{p:?}");
        }
        // Nothing to remove is not an error.
        Journal::remove(&path).unwrap();
    }

    #[test]
    fn each_batch_gets_the_next_id_and_remembers_its_entries_and_when_it_left() {
        let mut j = journal("batches");
        read(&mut j, &["A", "B", "C"]);
        let entries: Vec<u64> = j
            .unsubmitted(-1, 10)
            .unwrap()
            .into_iter()
            .map(|e| e.0)
            .collect();
        let before = unix_ms();
        let first = j.new_batch(&entries[..2]).unwrap();
        let second = j.new_batch(&entries[2..]).unwrap();
        let base: u64 = j.meta("batch_base").unwrap().unwrap().parse().unwrap();
        assert_eq!(first, format!("{base:016x}"));
        assert_eq!(second, format!("{:016x}", base.wrapping_add(1)));
        assert_eq!(j.entry_of_tag(&first, 0).unwrap(), Some(entries[0]));
        assert_eq!(j.entry_of_tag(&first, 1).unwrap(), Some(entries[1]));
        assert_eq!(j.entry_of_tag(&first, 2).unwrap(), None);
        assert_eq!(j.entry_of_tag(&second, 0).unwrap(), Some(entries[2]));
        let unconfirmed = j.unconfirmed_batches().unwrap();
        assert_eq!(
            unconfirmed.iter().map(|b| b.0.clone()).collect::<Vec<_>>(),
            [first.clone(), second.clone()]
        );
        assert!(
            unconfirmed
                .iter()
                .all(|b| b.1 >= before && b.1 <= unix_ms())
        );
        // Once the first batch's runs are known, only the second is in doubt.
        let recorded = j
            .record_runs(&[(entries[0], "run_a".into()), (entries[1], "run_b".into())])
            .unwrap();
        assert_eq!(recorded, 2, "both run ids are new");
        assert_eq!(j.unconfirmed_batches().unwrap().len(), 1);
        assert_eq!(
            j.run_of_entry(entries[0]).unwrap().as_deref(),
            Some("run_a")
        );
        assert_eq!(j.run_of_entry(entries[2]).unwrap(), None);
        // A run id already recorded is never replaced, nor counted as new.
        assert_eq!(j.record_runs(&[(entries[0], "run_x".into())]).unwrap(), 0);
        assert_eq!(
            j.run_of_entry(entries[0]).unwrap().as_deref(),
            Some("run_a")
        );
        assert_eq!(j.counts().unwrap(), (3, 2));
    }

    #[test]
    fn a_basis_read_later_fills_a_result_read_without_it_and_one_without_keeps_it() {
        let mut j = journal("basis-later");
        read(&mut j, &["A", "B"]);
        send(&mut j);
        j.record_results(
            &[received("A#0", "completed"), received("B#1", "failed")],
            None,
        )
        .unwrap();
        assert_eq!(j.completed_without_basis().unwrap(), 1, "only A completed");
        let with_basis = Received {
            basis: Some(r#"[{"field":"x"}]"#.to_owned()),
            ..received("A#0", "completed")
        };
        j.record_results(&[with_basis], None).unwrap();
        j.record_results(&[received("A#0", "completed")], None)
            .unwrap();
        assert_eq!(j.completed_without_basis().unwrap(), 0);
        let mut bases = Vec::new();
        j.for_each_row(|row| {
            bases.push(row.basis);
            Ok(())
        })
        .unwrap();
        assert_eq!(bases, [Some(r#"[{"field":"x"}]"#.to_owned()), None]);
    }

    /// The tables of a schema-2 journal, as versions before schema 3
    /// created them (`with_basis`: after `--basis` came).
    fn schema_2(with_basis: bool) -> String {
        format!(
            "CREATE TABLE entries (id INTEGER PRIMARY KEY, hash INTEGER NOT NULL, input TEXT NOT NULL,
                 claim INTEGER NOT NULL, run_id TEXT UNIQUE, status TEXT, output TEXT, error TEXT{});
             CREATE INDEX entries_by_content ON entries (hash, claim, id);
             CREATE TABLE rows (idx INTEGER PRIMARY KEY, line INTEGER NOT NULL, original TEXT NOT NULL,
                 entry INTEGER NOT NULL UNIQUE);
             CREATE TABLE tags (batch TEXT NOT NULL, pos INTEGER NOT NULL, entry INTEGER NOT NULL,
                 PRIMARY KEY (batch, pos));
             CREATE INDEX tags_by_entry ON tags (entry);
             CREATE TABLE batches (batch TEXT PRIMARY KEY, sent_at_ms INTEGER NOT NULL);",
            if with_basis { ", basis TEXT" } else { "" }
        )
    }

    #[test]
    fn a_schema_2_journal_is_upgraded_in_place_keeping_its_runs_results_and_rows() {
        for with_basis in [true, false] {
            let path = std::env::temp_dir().join(format!(
                "parallel-web-journal-v2-{with_basis}-{}.journal",
                std::process::id()
            ));
            Journal::remove(&path).unwrap();
            // A schema-2 journal mid-way: A completed, B failed, C sent
            // without a known run (tagged), D not sent.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(META).unwrap();
            conn.execute_batch(&schema_2(with_basis)).unwrap();
            let basis = if with_basis { ", basis" } else { "" };
            let basis_value = if with_basis { ", '[]'" } else { "" };
            conn.execute_batch(&format!(
                "INSERT INTO meta VALUES ('schema', '2'), ('batch_base', '7'), ('generation', '0'),
                     ('group_id', 'tgrp_1'), ('columns', '[\"c\"]');
                 INSERT INTO entries (id, hash, input, claim, run_id, status, output, error{basis}) VALUES
                     (1, 0, '\"A\"', 0, 'trun_a', 'completed', '{{\"x\":1}}', NULL{basis_value}),
                     (2, 0, '\"B\"', 0, 'trun_b', 'failed', NULL, 'boom'{}),
                     (3, 0, '\"C\"', 0, NULL, NULL, NULL, NULL{}),
                     (4, 0, '\"D\"', 0, NULL, NULL, NULL, NULL{});
                 INSERT INTO rows VALUES (0, 2, '\"A\"', 1), (1, 3, '\"B\"', 2),
                     (2, 4, '\"C\"', 3), (3, 5, '\"D\"', 4);
                 INSERT INTO tags VALUES ('b0', 0, 1), ('b0', 1, 2), ('b1', 0, 3);
                 INSERT INTO batches VALUES ('b0', 1), ('b1', 2);",
                if with_basis { ", NULL" } else { "" },
                if with_basis { ", NULL" } else { "" },
                if with_basis { ", NULL" } else { "" },
            ))
            .unwrap();
            drop(conn);

            let j = Journal::open(&path, false).unwrap();
            assert_eq!(j.meta("schema").unwrap().as_deref(), Some("3"));
            assert_eq!(j.meta("group_id").unwrap().as_deref(), Some("tgrp_1"));
            assert_eq!(j.counts().unwrap(), (4, 2));
            assert_eq!(j.result_counts().unwrap(), (2, 1));
            assert_eq!(j.unconfirmed_batches().unwrap(), [("b1".to_owned(), 2)]);
            assert_eq!(j.run_of_entry(1).unwrap().as_deref(), Some("trun_a"));
            let mut stored = Vec::new();
            j.for_each_row(|row| {
                stored.push((row.original, row.run_id, row.status, row.output, row.basis));
                Ok(())
            })
            .unwrap();
            let s = |v: &str| Some(v.to_owned());
            assert_eq!(
                stored,
                [
                    (
                        "\"A\"".to_owned(),
                        s("trun_a"),
                        s("completed"),
                        s("{\"x\":1}"),
                        if with_basis { s("[]") } else { None }
                    ),
                    ("\"B\"".to_owned(), s("trun_b"), s("failed"), None, None),
                    ("\"C\"".to_owned(), None, None, None, None),
                    ("\"D\"".to_owned(), None, None, None, None),
                ]
            );
            drop(j);
            // `enrich status` reads the upgraded journal.
            assert_eq!(
                Journal::open_read_only(&path).unwrap().counts().unwrap(),
                (4, 2)
            );
            Journal::remove(&path).unwrap();
        }
    }

    #[test]
    fn a_schema_2_journal_is_read_by_status_only_after_the_upgrade_with_what_to_do() {
        let path = std::env::temp_dir().join(format!(
            "parallel-web-journal-v2-status-{}.journal",
            std::process::id()
        ));
        Journal::remove(&path).unwrap();
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(META).unwrap();
        conn.execute_batch(&schema_2(true)).unwrap();
        conn.execute("INSERT INTO meta VALUES ('schema', '2')", [])
            .unwrap();
        drop(conn);
        let message = Journal::open_read_only(&path).err().unwrap().message;
        assert!(message.contains("upgrades it"), "{message}");
        Journal::remove(&path).unwrap();
    }

    #[test]
    fn results_find_their_rows_by_the_batch_tag_without_an_index_of_run_ids() {
        let mut j = journal("by-tag");
        read(&mut j, &["A", "B"]);
        let entries: Vec<u64> = j.unsubmitted(-1, 10).unwrap().iter().map(|e| e.0).collect();
        let batch = j.new_batch(&entries).unwrap();
        j.record_runs(&[(entries[0], "trun_a".into()), (entries[1], "trun_b".into())])
            .unwrap();
        let tagged = |run: &str, pos: u64| Received {
            tag: Some((batch.clone(), pos)),
            ..received(run, "completed")
        };
        // A second run under A's tag (a duplicate the journal never took)
        // is not A's result; a run whose tag does not name it (a server
        // that mixed up metadata) is still found, by its run id.
        let other_batch = Received {
            tag: Some(("ffffffffffffffff".to_owned(), 0)),
            ..received("trun_b", "failed")
        };
        assert_eq!(j.record_results(&[tagged("trun_a", 0)], None).unwrap(), 1);
        let index = |j: &Journal| -> bool {
            j.conn
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'runs_by_run_id')",
                    [],
                    |r| r.get(0),
                )
                .unwrap()
        };
        assert!(!index(&j), "a tagged result was looked up by run id");
        assert_eq!(j.record_results(&[tagged("trun_a2", 0)], None).unwrap(), 0);
        assert_eq!(j.record_results(&[other_batch], None).unwrap(), 1);
        assert!(index(&j));
        let got: Vec<_> = results(&j).into_iter().map(|r| r.1).collect();
        assert_eq!(
            got,
            [Some("completed".to_owned()), Some("failed".to_owned())]
        );
    }

    #[test]
    fn a_row_read_as_its_sent_content_is_stored_once_and_written_back_as_read() {
        let mut j = journal("original");
        j.begin_ingest().unwrap();
        j.insert_rows(&[
            (0, 2, "{\"a\":1}".into(), "{\"a\":1}".into()),
            (1, 3, "{\"a\":2,\"b\":3}".into(), "{\"a\":2}".into()),
        ])
        .unwrap();
        j.finish_ingest(&["a".to_owned(), "b".to_owned()]).unwrap();
        let stored: Vec<Option<String>> = j
            .conn
            .prepare("SELECT original FROM rows ORDER BY idx")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(stored, [None, Some("{\"a\":2,\"b\":3}".to_owned())]);
        let mut originals = Vec::new();
        j.for_each_row(|row| {
            originals.push(row.original);
            Ok(())
        })
        .unwrap();
        assert_eq!(originals, ["{\"a\":1}", "{\"a\":2,\"b\":3}"]);
    }

    #[test]
    fn results_go_to_their_own_rows_and_the_cursor_is_kept_with_them() {
        let mut j = journal("results");
        read(&mut j, &["A", "B", "C"]);
        send(&mut j);
        let received = |run: &str, status: &str, output: Option<&str>| Received {
            run_id: run.into(),
            status: status.into(),
            output: output.map(str::to_owned),
            error: (status == "failed").then(|| "boom".to_owned()),
            basis: None,
            tag: None,
        };
        let mine = j
            .record_results(
                &[
                    received("A#0", "completed", Some("{\"a\":1}")),
                    received("C#2", "failed", None),
                    received("someone-else", "completed", None),
                ],
                Some("cur_1"),
            )
            .unwrap();
        assert_eq!(mine, 2);
        assert_eq!(j.meta("results_cursor").unwrap().as_deref(), Some("cur_1"));
        assert_eq!(j.result_counts().unwrap(), (2, 1));
        j.record_results(&[received("B#1", "completed", Some("2"))], None)
            .unwrap();
        assert_eq!(j.meta("results_cursor").unwrap().as_deref(), Some("cur_1"));
        assert_eq!(j.result_counts().unwrap(), (3, 2));
        let mut stored = Vec::new();
        j.for_each_row(|row| {
            stored.push((row.original, row.run_id, row.status, row.output, row.error));
            Ok(())
        })
        .unwrap();
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            stored,
            [
                (
                    s("\"A\"").unwrap(),
                    s("A#0"),
                    s("completed"),
                    s("{\"a\":1}"),
                    None
                ),
                (s("\"B\"").unwrap(), s("B#1"), s("completed"), s("2"), None),
                (s("\"C\"").unwrap(), s("C#2"), s("failed"), None, s("boom")),
            ]
        );
    }

    #[test]
    fn rows_longer_than_a_limit_are_counted_and_the_first_shown() {
        let mut j = journal("long");
        read(
            &mut j,
            &["short", "a bit longer", "x", "the longest of all"],
        );
        // Inputs are JSON strings: the quotes count.
        let (shown, count) = j.rows_longer_than(7, 1).unwrap();
        assert_eq!((shown, count), (vec![(2, 14)], 2));
        let (shown, count) = j.rows_longer_than(7, 10).unwrap();
        assert_eq!((shown, count), (vec![(2, 14), (4, 20)], 2));
        let (shown, count) = j.rows_longer_than(20, 10).unwrap();
        assert_eq!((shown, count), (vec![], 0));
    }

    #[test]
    fn unsubmitted_entries_are_paged_after_an_entry() {
        let mut j = journal("paged");
        read(&mut j, &["A", "B", "C"]);
        let all = j.unsubmitted(-1, 10).unwrap();
        assert_eq!(all.len(), 3);
        let page = j.unsubmitted(all[0].0 as i64, 1).unwrap();
        assert_eq!(page, [all[1].clone()]);
    }

    #[test]
    fn batch_bases_differ_between_journals() {
        let a: Vec<u64> = (0..8).map(|_| random_u64()).collect();
        assert!(a.windows(2).any(|w| w[0] != w[1]), "{a:?}");
        assert!(unix_ms() > 1_700_000_000_000);
    }

    #[test]
    fn the_content_hash_is_fnv_1a_so_journals_outlive_the_build_that_wrote_them() {
        // The FNV-1a 64-bit test vectors: a journal written by another
        // build finds its entries only if this never changes.
        assert_eq!(content_hash(""), 0xcbf2_9ce4_8422_2325_u64 as i64);
        assert_eq!(content_hash("a"), 0xaf63_dc4c_8601_ec8c_u64 as i64);
    }

    #[test]
    fn a_journal_that_cannot_be_removed_is_an_error_not_a_silent_reuse() {
        // No journal, but a directory where its WAL file would be: removing
        // that fails, and `--fresh` must say so rather than go on.
        let path = std::env::temp_dir().join(format!(
            "parallel-web-journal-stuck-{}.journal",
            std::process::id()
        ));
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        std::fs::create_dir_all(&wal).unwrap();
        assert!(Journal::remove(&path).is_err());
        let message = Journal::open(&path, true).err().unwrap().message;
        assert!(
            message.contains("cannot remove the old journal"),
            "{message}"
        );
        std::fs::remove_dir(&wal).unwrap();
    }
}
