//! Measuring one client process: it runs under `rusage_exec` (see that
//! binary for why), which reports wall clock from spawn to exit and the
//! kernel's user+sys CPU time and peak resident set size from `wait4(2)`.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

/// What one run of one client cost.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Seconds from spawn to exit.
    pub wall: f64,
    /// User + system CPU seconds of the process (and any children it waited for).
    pub cpu: f64,
    /// Peak resident set size, MiB.
    pub rss_mib: f64,
}

/// Runs `cmd` under the `rusage_exec` binary at `launcher`, with stdout and
/// stderr going to `log` (`.out` / `.err`), and returns its cost and its
/// stdout. A non-zero exit is an error that quotes the end of its stderr.
pub fn run(launcher: &Path, cmd: &Command, log: &Path) -> Result<(Sample, String), String> {
    run_allowing(launcher, cmd, log, &[0]).map(|(sample, stdout, _)| (sample, stdout))
}

/// [`run`] for a command whose exit codes in `ok` are all results (e.g. 2
/// for "some rows failed"); returns the exit code too. Any other exit, or
/// death by a signal, is an error that quotes the end of its stderr.
pub fn run_allowing(
    launcher: &Path,
    cmd: &Command,
    log: &Path,
    ok: &[i32],
) -> Result<(Sample, String, i32), String> {
    let out_path = log.with_extension("out");
    let err_path = log.with_extension("err");
    let usage_path = log.with_extension("rusage");
    let out = File::create(&out_path).map_err(|e| format!("{}: {e}", out_path.display()))?;
    let err = File::create(&err_path).map_err(|e| format!("{}: {e}", err_path.display()))?;
    let _ = std::fs::remove_file(&usage_path);
    let mut wrapped = Command::new(launcher);
    wrapped
        .arg(&usage_path)
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err));
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => wrapped.env(key, v),
            None => wrapped.env_remove(key),
        };
    }
    let status = wrapped
        .status()
        .map_err(|e| format!("cannot start {}: {e}", launcher.display()))?;
    let code = status.code().filter(|c| ok.contains(c));
    let Some(code) = code else {
        let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
        let lines: Vec<&str> = stderr.lines().collect();
        let tail = lines[lines.len().saturating_sub(8)..].join("\n");
        return Err(format!(
            "{:?} failed ({status}):\n{tail}",
            cmd.get_program()
        ));
    };
    let usage = std::fs::read_to_string(&usage_path)
        .map_err(|e| format!("{}: {e}", usage_path.display()))?;
    let v: Value = serde_json::from_str(&usage).map_err(|e| format!("{usage:?}: {e}"))?;
    let field = |k: &str| v[k].as_f64().ok_or_else(|| format!("no {k} in {usage:?}"));
    let sample = Sample {
        wall: field("wall")?,
        cpu: field("cpu")?,
        rss_mib: field("maxrss_kib")? / 1024.0,
    };
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    Ok((sample, stdout, code))
}

/// The median of each measure taken on its own.
pub fn median(samples: &[Sample]) -> Sample {
    fn mid(mut v: Vec<f64>) -> f64 {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    }
    Sample {
        wall: mid(samples.iter().map(|s| s.wall).collect()),
        cpu: mid(samples.iter().map(|s| s.cpu).collect()),
        rss_mib: mid(samples.iter().map(|s| s.rss_mib).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_takes_each_measure_on_its_own() {
        let s = |wall, cpu, rss_mib| Sample { wall, cpu, rss_mib };
        let m = median(&[s(3.0, 1.0, 9.0), s(1.0, 3.0, 7.0), s(2.0, 2.0, 8.0)]);
        assert_eq!((m.wall, m.cpu, m.rss_mib), (2.0, 2.0, 8.0));
        let m = median(&[s(1.0, 1.0, 1.0), s(2.0, 4.0, 3.0)]);
        assert_eq!((m.wall, m.cpu, m.rss_mib), (1.5, 2.5, 2.0));
    }
}
