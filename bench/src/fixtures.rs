//! Stream fixtures: the exact bytes the emulator sends for
//! `GET /v1/tasks/groups/{id}/runs?include_input=true&include_output=true`
//! on a group of N completed company-research runs, saved once per size
//! under `target/bench-fixtures/` and reused by later runs.
//!
//! Made with raw HTTP (not the SDK under test): create a group, add the
//! inputs 1,000 per POST (the API's limit) with the task spec of
//! `TaskSpec::json::<CompanyInput, CompanyOutput>()`, wait until the group
//! is inactive (time scale 0 finishes runs at once), then download the
//! stream, count its `task_run.state` events and only then move the file
//! into place.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::StreamExt;
use parallel_web_bench::{CompanyInput, CompanyOutput};
use serde_json::{Value, json};

use crate::emulator::{API_KEY, Emulator};

/// The API's limit on inputs per add-runs POST.
const MAX_PER_POST: usize = 1_000;
/// A generous upper bound of one event's size, for the disk-space check.
const BYTES_PER_RUN_BOUND: u64 = 4_096;

/// A stream body on disk.
pub struct Fixture {
    /// Where it is.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
}

/// The fixture of `runs` runs in `dir`, made first if it is not there yet.
pub async fn ensure(
    dir: &Path,
    runs: usize,
    emulator_bin: &Path,
    logs: &Path,
) -> Result<Fixture, String> {
    let path = dir.join(format!("runs-{runs}.sse"));
    if let Ok(meta) = std::fs::metadata(&path) {
        return Ok(Fixture {
            path,
            bytes: meta.len(),
        });
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let need = runs as u64 * BYTES_PER_RUN_BOUND;
    let free = free_bytes(dir)?;
    if free < need {
        return Err(format!(
            "not enough disk for the {runs}-run fixture in {}: {} MiB free, up to {} MiB needed",
            dir.display(),
            free >> 20,
            need >> 20
        ));
    }
    eprintln!(
        "making the {runs}-run stream fixture (once; cached in {})",
        dir.display()
    );
    let emulator = Emulator::start(
        emulator_bin,
        &logs.join(format!("fixture-{runs}-emulator.err")),
    )?;
    let tmp = path.with_extension("sse.partial");
    let http = reqwest::Client::new();
    let base = emulator.base_url.as_str();
    let group = create_group(&http, base).await?;
    add_runs(&http, base, &group, runs).await?;
    wait_inactive(&http, base, &group).await?;
    let bytes = download(&http, base, &group, &tmp).await?;
    drop(emulator);
    let counted = count_runs(&tmp)?;
    if counted != runs {
        return Err(format!(
            "{}: expected {runs} task_run.state events, found {counted}",
            tmp.display()
        ));
    }
    std::fs::rename(&tmp, &path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Fixture { path, bytes })
}

/// Sends a request with the key and returns the JSON answer, or an error
/// naming the request and quoting the answer.
async fn call(req: reqwest::RequestBuilder, what: &str) -> Result<Value, String> {
    let resp = req
        .header("x-api-key", API_KEY)
        .send()
        .await
        .map_err(|e| format!("{what}: {e}"))?;
    let status = resp.status();
    let text = resp.text().await.map_err(|e| format!("{what}: {e}"))?;
    if !status.is_success() {
        return Err(format!("{what}: HTTP {status}: {text}"));
    }
    serde_json::from_str(&text).map_err(|e| format!("{what}: {e}: {text}"))
}

async fn create_group(http: &reqwest::Client, base: &str) -> Result<String, String> {
    let v = call(
        http.post(format!("{base}/v1/tasks/groups"))
            .json(&json!({})),
        "create group",
    )
    .await?;
    v["taskgroup_id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("create group: no taskgroup_id in {v}"))
}

async fn add_runs(
    http: &reqwest::Client,
    base: &str,
    group: &str,
    runs: usize,
) -> Result<(), String> {
    let spec = parallel_web::TaskSpec::json::<CompanyInput, CompanyOutput>().to_json();
    let url = format!("{base}/v1/tasks/groups/{group}/runs");
    for start in (0..runs).step_by(MAX_PER_POST) {
        let inputs: Vec<Value> = (start..runs.min(start + MAX_PER_POST))
            .map(|i| json!({"input": CompanyInput::numbered(i), "processor": "lite"}))
            .collect();
        let body = json!({"inputs": inputs, "default_task_spec": spec});
        let v = call(http.post(&url).json(&body), "add runs").await?;
        let added = v["run_ids"].as_array().map_or(0, Vec::len);
        if added != inputs.len() {
            return Err(format!(
                "add runs: {added} run ids for {} inputs",
                inputs.len()
            ));
        }
    }
    Ok(())
}

async fn wait_inactive(http: &reqwest::Client, base: &str, group: &str) -> Result<(), String> {
    let url = format!("{base}/v1/tasks/groups/{group}");
    for _ in 0..6_000 {
        let v = call(http.get(&url), "retrieve group").await?;
        if v["status"]["is_active"] == json!(false) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("group {group} was still active after 10 minutes"))
}

async fn download(
    http: &reqwest::Client,
    base: &str,
    group: &str,
    to: &Path,
) -> Result<u64, String> {
    let resp = http
        .get(format!("{base}/v1/tasks/groups/{group}/runs"))
        .query(&[("include_input", "true"), ("include_output", "true")])
        .header("x-api-key", API_KEY)
        .send()
        .await
        .map_err(|e| format!("runs stream: {e}"))?;
    if !resp.status().is_success() {
        return Err(format!("runs stream: HTTP {}", resp.status()));
    }
    let file = std::fs::File::create(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut body = resp.bytes_stream();
    let mut bytes = 0;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| format!("runs stream: {e}"))?;
        bytes += chunk.len() as u64;
        out.write_all(&chunk)
            .map_err(|e| format!("{}: {e}", to.display()))?;
    }
    out.flush().map_err(|e| format!("{}: {e}", to.display()))?;
    Ok(bytes)
}

/// How many `task_run.state` events an SSE file holds.
fn count_runs(path: &Path) -> Result<usize, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut line = Vec::new();
    let mut runs = 0;
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => return Ok(runs),
            Ok(_) => runs += usize::from(line.starts_with(b"event: task_run.state")),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
}

/// Free bytes on the file system holding `dir`.
fn free_bytes(dir: &Path) -> Result<u64, String> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    // SAFETY: an all-zero `statvfs` is a valid value of that plain C struct.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a NUL-terminated path and `st` is valid for writes.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return Err(format!(
            "statvfs {}: {}",
            dir.display(),
            std::io::Error::last_os_error()
        ));
    }
    Ok(st.f_bavail as u64 * st.f_frsize as u64)
}

/// A streamed chat completion of `chunks` chunks, as the API frames it:
/// `data:` lines only, a role chunk first, one word per chunk, the last
/// chunk with `finish_reason`, then `data: [DONE]`. Made in memory: the
/// chat workloads measure reading a stream, and a synthetic one of any size
/// takes no server work. The words are ASCII, so a client's checksum (the
/// answer's length) is the same in bytes and characters.
pub fn chat_stream(chunks: usize) -> bytes::Bytes {
    const WORDS: [&str; 8] = [
        "rivers ",
        "cross ",
        "Lyon ",
        "from ",
        "the ",
        "Alps ",
        "and ",
        "Burgundy ",
    ];
    let head = r#"{"type":"chat.completion.chunk","id":"chatcmpl-bench","object":"chat.completion.chunk","created":1764720000,"model":"speed","choices":[{"index":0,"delta":{"#;
    let mut out = String::with_capacity(chunks * 200 + 64);
    for i in 0..chunks {
        out.push_str("data: ");
        out.push_str(head);
        let last = i + 1 == chunks;
        if i == 0 {
            out.push_str(r#""role":"assistant","#);
        }
        out.push_str(r#""content":""#);
        out.push_str(WORDS[i % WORDS.len()]);
        out.push_str(r#""},"finish_reason":"#);
        out.push_str(if last { r#""stop"}]"# } else { "null}]" });
        if last {
            out.push_str(r#","usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2},"interaction_id":"intr_bench""#);
        }
        out.push_str("}\n\n");
    }
    out.push_str("data: [DONE]\n\n");
    bytes::Bytes::from(out)
}

#[cfg(test)]
mod chat_tests {
    #[test]
    fn a_chat_fixture_has_its_chunks_then_done() {
        let body = super::chat_stream(10);
        let text = std::str::from_utf8(&body).unwrap();
        let blocks: Vec<&str> = text.split_terminator("\n\n").collect();
        assert_eq!(blocks.len(), 11);
        assert_eq!(blocks[10], "data: [DONE]");
        for block in &blocks[..10] {
            let v: serde_json::Value =
                serde_json::from_str(block.strip_prefix("data: ").unwrap()).unwrap();
            assert_eq!(v["object"], "chat.completion.chunk");
        }
        assert!(blocks[9].contains(r#""finish_reason":"stop""#));
    }
}
