//! The release emulator as a child process: started on a free loopback port
//! with runs finishing at once and no rate limit, stopped when dropped.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The key every benchmark client sends.
pub const API_KEY: &str = "bench-key";

/// A running emulator; killed and reaped on drop.
pub struct Emulator {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
}

impl Emulator {
    /// Starts `bin` and waits for its `listening on URL` line.
    pub fn start(bin: &Path, log: &Path) -> Result<Emulator, String> {
        Emulator::start_with(bin, log, &[])
    }

    /// [`start`](Self::start) with `extra` arguments after the usual ones
    /// (e.g. `--failure-rate 0.05`).
    pub fn start_with(bin: &Path, log: &Path, extra: &[&str]) -> Result<Emulator, String> {
        let err = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let mut child = Command::new(bin)
            .args(["--addr", "127.0.0.1:0", "--api-key", API_KEY])
            .args(["--time-scale", "0", "--seed", "7", "--rate-limit", "0"])
            .args(extra)
            .env_remove("PARALLEL_API_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(err))
            .spawn()
            .map_err(|e| format!("cannot start the emulator {}: {e}", bin.display()))?;
        let mut line = String::new();
        let read = child
            .stdout
            .take()
            .map(|out| BufReader::new(out).read_line(&mut line));
        let mut emulator = Emulator {
            child,
            base_url: String::new(),
        };
        match (read, line.trim().strip_prefix("listening on ")) {
            (Some(Ok(_)), Some(url)) => {
                emulator.base_url = url.to_string();
                Ok(emulator)
            }
            _ => Err(format!("the emulator did not start; see {}", log.display())),
        }
    }
}

impl Emulator {
    /// User + system CPU seconds the emulator has used so far, all its
    /// threads (`/proc/PID/stat`), or `None` where that cannot be read.
    pub fn cpu_seconds(&self) -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        // The fields after the command name, which is in parentheses and may hold spaces.
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of the whole line, 12 and 13 here.
        let ticks: f64 =
            fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
        // SAFETY: sysconf has no preconditions.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        (per_second > 0).then(|| ticks / per_second as f64)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
