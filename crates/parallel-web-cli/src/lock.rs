//! One process per journal. Two processes on one journal would each send
//! the rows the other has not journaled yet (a duplicate paid run per row)
//! and trip over each other's SQLite writes, so `enrich` holds an
//! exclusive OS lock (fs4: `flock` on Unix, `LockFileEx` on Windows) on
//! `<journal>.lock` from before it opens the journal until it exits. The
//! OS drops the lock when the process ends, however it ends, so a killed
//! run never leaves a stale lock. The holder writes its PID into the file
//! for the message the next process prints.
//!
//! The file stays in place after a run (removing it would let a process
//! that opened it just before lock a file nobody else sees); only
//! [`JournalLock::remove`] deletes it, together with a journal that was
//! never used, and [`JournalLock::acquire`] checks, after locking, that it
//! locked the file that is at the path.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use fs4::TryLockError;
use same_file::Handle;

use crate::fail::{Failure, Result};

/// How many times the loser reads the holder's PID, which the holder
/// writes just after it locks.
const PID_READS: u32 = 20;
const PID_READ_PAUSE: Duration = Duration::from_millis(25);

/// The held lock of one journal; released when dropped (or at exit).
pub struct JournalLock {
    file: File,
    path: PathBuf,
}

/// `<journal>.lock`.
fn lock_path(journal: &Path) -> PathBuf {
    let mut p = journal.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

impl JournalLock {
    /// Locks `journal` for this process, or fails at once, naming the
    /// journal and the PID of the process that holds it.
    pub fn acquire(journal: &Path) -> Result<JournalLock> {
        let path = lock_path(journal);
        let cannot = |e: std::io::Error| {
            Failure::new(format!(
                "cannot lock the journal {} (with {}): {e}",
                journal.display(),
                path.display()
            ))
        };
        loop {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false) // the holder's PID is in it
                .open(&path)
                .map_err(cannot)?;
            // Called through the trait: std's own `File::try_lock` is newer
            // than the MSRV.
            match fs4::FileExt::try_lock(&file) {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => return Err(held(journal, &path)),
                Err(TryLockError::Error(e)) => return Err(cannot(e)),
            }
            if !is_at(&file, &path) {
                continue; // its holder removed it before we locked it
            }
            file.set_len(0).map_err(cannot)?;
            file.write_all(format!("{}\n", std::process::id()).as_bytes())
                .and_then(|()| file.sync_data())
                .map_err(cannot)?;
            return Ok(JournalLock { file, path });
        }
    }

    /// Deletes the lock file, then releases the lock: for a journal that
    /// was created by this run and removed again.
    pub fn remove(self) {
        let _ = std::fs::remove_file(&self.path);
        drop(self.file);
    }
}

/// Whether `file` is still the file at `path`.
fn is_at(file: &File, path: &Path) -> bool {
    let Ok(ours) = file.try_clone().and_then(Handle::from_file) else {
        return false;
    };
    Handle::from_path(path).is_ok_and(|there| there == ours)
}

/// The failure of a process that finds the journal locked.
fn held(journal: &Path, path: &Path) -> Failure {
    let mut pid = None;
    for _ in 0..PID_READS {
        let mut text = String::new();
        if File::open(path)
            .and_then(|mut f| f.read_to_string(&mut text))
            .is_ok()
            && let Ok(n) = text.trim().parse::<u32>()
        {
            pid = Some(n);
            break;
        }
        std::thread::sleep(PID_READ_PAUSE);
    }
    let holder = pid.map_or_else(|| "PID unknown".to_owned(), |p| format!("PID {p}"));
    Failure::new(format!(
        "the journal {} is in use by another parallel-web process ({holder}); \
         wait for it to finish or stop it, then rerun (two processes on one journal would create runs twice)",
        journal.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("parallel-web-lock-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_held_journal_is_refused_naming_it_and_the_holders_pid() {
        let dir = scratch("held");
        let journal = dir.join("out.csv.journal");
        let held = JournalLock::acquire(&journal).unwrap();
        // flock locks belong to the open file: a second open in the same
        // process conflicts like a second process would.
        let refused = JournalLock::acquire(&journal).err().unwrap().message;
        assert!(
            refused.contains(&journal.display().to_string()),
            "{refused}"
        );
        assert!(
            refused.contains(&format!("PID {}", std::process::id())),
            "{refused}"
        );
        drop(held);
        JournalLock::acquire(&journal).unwrap().remove();
        assert!(!lock_path(&journal).exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
