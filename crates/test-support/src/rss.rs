//! Resident memory of a process, from `/proc` (Linux).

/// A process's resident memory in KiB: `VmRSS` of `/proc/<process>/status`,
/// where `process` is a pid or `self`. `None` where there is no such line
/// (no `/proc`, or the process is gone).
///
/// ```
/// let kib = parallel_web_test_support::rss::resident_kib("self");
/// assert!(kib.is_none_or(|k| k > 0));
/// ```
pub fn resident_kib(process: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{process}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
