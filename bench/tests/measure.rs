//! The measuring path end to end: a command run under the `rusage_exec`
//! binary is measured, its stdout comes back, its failure is reported, and
//! its peak RSS is its own, not its (large) parent's.

use std::path::Path;
use std::process::Command;

use parallel_web_bench::measure::{run, run_allowing};

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pw-bench-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_child_is_measured_and_its_stdout_returned() {
    let launcher = Path::new(env!("CARGO_BIN_EXE_rusage_exec"));
    let dir = scratch("echo");
    let mut echo = Command::new("sh");
    echo.args(["-c", "echo \"$GREETING\""])
        .env("GREETING", "hello");
    let (sample, out) = run(launcher, &echo, &dir.join("echo")).unwrap();
    assert_eq!(out.trim(), "hello");
    assert!(sample.wall > 0.0 && sample.rss_mib > 0.0);
    let mut fail = Command::new("sh");
    fail.args(["-c", "echo oops >&2; exit 3"]);
    assert!(
        run(launcher, &fail, &dir.join("fail"))
            .unwrap_err()
            .contains("oops")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_allowed_exit_code_is_a_result_and_any_other_an_error() {
    let launcher = Path::new(env!("CARGO_BIN_EXE_rusage_exec"));
    let dir = scratch("exit");
    let mut some_failed = Command::new("sh");
    some_failed.args(["-c", "echo kept; exit 2"]);
    let (_, out, code) = run_allowing(launcher, &some_failed, &dir.join("two"), &[0, 2]).unwrap();
    assert_eq!((out.trim(), code), ("kept", 2));
    let err = run_allowing(launcher, &some_failed, &dir.join("zero"), &[0]).unwrap_err();
    assert!(err.contains("failed"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn peak_rss_is_the_childs_own_not_its_parents() {
    // The harness holds the stream fixtures (hundreds of MiB) while it
    // spawns clients; a child's peak RSS must not include them.
    let ballast = vec![1u8; 256 << 20];
    let launcher = Path::new(env!("CARGO_BIN_EXE_rusage_exec"));
    let dir = scratch("rss");
    let (sample, _) = run(launcher, Command::new("true").arg("x"), &dir.join("true")).unwrap();
    assert!(sample.rss_mib < 32.0, "{} MiB", sample.rss_mib);
    assert_eq!(
        ballast.iter().map(|b| *b as usize).sum::<usize>(),
        256 << 20
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
