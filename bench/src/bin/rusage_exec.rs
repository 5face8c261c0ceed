//! `rusage_exec`: runs one command and writes what it cost to a file.
//!
//! ```text
//! rusage_exec REPORT_FILE PROGRAM [ARGS...]
//! ```
//!
//! Writes `{"wall":S,"cpu":S,"maxrss_kib":K,"status":W}` to REPORT_FILE
//! (wall clock from spawn to exit, user+sys CPU and peak RSS from
//! `wait4(2)`, the raw wait status) and exits with the command's exit code.
//!
//! Why a separate process: Linux folds the high-water RSS of the address
//! space a process replaces at `execve` into its peak RSS, and `posix_spawn`
//! (which `std::process::Command` uses) runs the child in its parent's
//! address space until then. Spawned straight from the harness, which holds
//! the stream fixtures in memory, every child would report the harness's
//! size. This program is small, so the floor it adds is about 2 MiB.

use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [report, program, rest @ ..] = args.as_slice() else {
        eprintln!("usage: rusage_exec REPORT_FILE PROGRAM [ARGS...]");
        return ExitCode::from(2);
    };
    let started = Instant::now();
    let child = match Command::new(program).args(rest).spawn() {
        Ok(child) => child,
        Err(e) => {
            eprintln!("rusage_exec: cannot start {program}: {e}");
            return ExitCode::from(127);
        }
    };
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of that plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own unwaited child; both pointers are valid
        // for writes for the duration of the call.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            eprintln!("rusage_exec: wait4: {e}");
            return ExitCode::from(125);
        }
    }
    let wall = started.elapsed().as_secs_f64();
    // `child` is dropped unwaited on purpose: wait4 above reaped it.
    drop(child);
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    // Linux reports ru_maxrss in KiB.
    let line = format!(
        "{{\"wall\":{wall},\"cpu\":{cpu},\"maxrss_kib\":{},\"status\":{status}}}\n",
        usage.ru_maxrss
    );
    if let Err(e) = std::fs::write(report, line) {
        eprintln!("rusage_exec: {report}: {e}");
        return ExitCode::from(125);
    }
    if libc::WIFEXITED(status) {
        ExitCode::from(libc::WEXITSTATUS(status) as u8)
    } else {
        ExitCode::from(128 + libc::WTERMSIG(status) as u8)
    }
}
