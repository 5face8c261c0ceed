//! Helpers the benchmarks share: the process RSS, settings from the
//! environment, and counting the events of an SSE body.
#![allow(dead_code)]

use futures::StreamExt;

/// The process's resident set size, in MiB.
pub fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// A setting from the environment, or `default`.
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Reads an SSE body to its end and counts `event:` frames.
pub async fn count_events(http: &reqwest::Client, url: String, key: &str) -> u64 {
    let resp = http
        .get(url)
        .header("x-api-key", key)
        .send()
        .await
        .expect("stream opens");
    assert!(resp.status().is_success(), "{}", resp.status());
    let mut body = resp.bytes_stream();
    let mut n = 0u64;
    let mut carry = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.expect("stream reads");
        carry.extend_from_slice(&chunk);
        // Count complete frames; keep a partial tail for the next chunk.
        let mut start = 0;
        while let Some(pos) = carry[start..].windows(2).position(|w| w == b"\n\n") {
            if carry[start..].starts_with(b"event: ") {
                n += 1;
            }
            start += pos + 2;
        }
        carry.drain(..start);
    }
    n
}
