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
        let err = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let mut child = Command::new(bin)
            .args(["--addr", "127.0.0.1:0", "--api-key", API_KEY])
            .args(["--time-scale", "0", "--seed", "7", "--rate-limit", "0"])
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

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
