//! One `parallel-web enrich` process of the CLI chaos run: started in the
//! run's directory against the emulator, its stderr read line by line on a
//! thread (so the test sees when it has opened its journal), and stopped,
//! continued or killed with signals.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use parallel_web_tests::{EmulatorProcess, TEST_API_KEY, cli_binary};

/// The line the CLI prints once it has opened its journal (and so, with the
/// one-process-per-journal lock, once it holds that lock).
pub const JOURNAL_OPENED: &str = "journal: ";
/// The line the CLI prints once it knows its group (the input is read in).
pub const GROUP: &str = "group: ";
/// The start of the line the CLI prints when it has written the output; the
/// process is about to exit and let go of its journal.
pub const DONE: &str = "done: ";

/// The command line every process of a run gets: the same input, output
/// (and so the same journal), columns and processor.
pub fn enrich_command(emulator: &EmulatorProcess, dir: &Path) -> Command {
    let mut command = Command::new(cli_binary());
    command
        .current_dir(dir)
        .args(["enrich", "in.csv", "-o", "out.csv", "--processor", "lite"])
        .args(["--column", "ceo: CEO name", "--input-columns", "name"])
        .env("PARALLEL_BASE_URL", emulator.base_url())
        .env("PARALLEL_API_KEY", TEST_API_KEY)
        // The emulator commits a cut-after-commit POST before cutting it
        // (no late-commit faults here), so a 1 s settle window is as safe as
        // the default 60 s and keeps each cut from costing a minute.
        .env("PARALLEL_SETTLE_WINDOW", "1")
        .env_remove("PARALLEL_WEB_CLI_TEST_PAUSE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// A running `parallel-web enrich`.
pub struct CliProcess {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<JoinHandle<()>>,
}

impl CliProcess {
    /// Starts `command` (from [`enrich_command`]); `label` prefixes its
    /// stderr lines, echoed to the test's stderr.
    pub fn start(mut command: Command, label: String) -> CliProcess {
        let mut child = command.spawn().expect("start parallel-web");
        let pipe = child.stderr.take().expect("stderr is piped");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                eprintln!("[{label}] {line}");
                sink.lock().expect("stderr lines").push(line);
            }
        });
        CliProcess {
            child,
            lines,
            reader: Some(reader),
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether some stderr line so far starts with `prefix`.
    pub fn printed(&self, prefix: &str) -> bool {
        self.lines
            .lock()
            .expect("stderr lines")
            .iter()
            .any(|l| l.starts_with(prefix))
    }

    /// Its exit code once it has exited (`-1` when a signal ended it).
    pub fn exited(&mut self) -> Option<i32> {
        let status = self.child.try_wait().expect("poll parallel-web")?;
        Some(status.code().unwrap_or(-1))
    }

    /// Sends SIGSTOP: the process stays alive, holding whatever it holds.
    pub fn stop(&self) {
        signal("-STOP", self.pid());
    }

    /// Sends SIGCONT after [`stop`](Self::stop).
    pub fn resume(&self) {
        signal("-CONT", self.pid());
    }

    /// SIGKILL (`kill -9`: no cleanup of any kind), and reaps the process.
    pub fn kill(&mut self) {
        self.child.kill().expect("kill -9 parallel-web");
        self.child.wait().expect("reap parallel-web");
    }

    /// Every stderr line, once the process has exited (the pipe is then
    /// read to its end).
    pub fn stderr(mut self) -> String {
        if let Some(reader) = self.reader.take() {
            reader.join().expect("the stderr reader");
        }
        self.lines.lock().expect("stderr lines").join("\n")
    }
}

impl Drop for CliProcess {
    fn drop(&mut self) {
        // A test that failed half-way leaves no CLI running behind it.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn signal(which: &str, pid: u32) {
    let status = Command::new("kill")
        .args([which, &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill {which} {pid} failed");
}
