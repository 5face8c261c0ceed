//! `webhook_verify`: how long `parallel_web::webhooks` takes to verify one
//! delivery, over 100,000 distinct signed `task_run.status` deliveries.
//!
//! The harness's `webhook-verify-100k` workload runs it (Rust only: no
//! official SDK verifies webhooks, and the goal is absolute, ≤ 2 µs per
//! delivery) and reports its figures. It signs the deliveries first (not timed), then times passes over all of
//! them in three modes and prints one JSON line with the median ns per
//! delivery of each, in this thread's CPU time and in wall time:
//!
//! - `authenticate`: size, timestamp and HMAC-SHA256 check only;
//! - `decode`: `WebhookEvent::from_json` alone (no signature), for scale;
//! - `verify`: the same from an `http::HeaderMap`, plus decoding the payload
//!   into the typed `WebhookEvent` (the run object);
//! - `verify_remembering`: `verify` with the in-process replay memory
//!   (`SeenIds`), a fresh one per pass.
//!
//! ```text
//! cargo run --release -p parallel-web-bench --bin webhook_verify -- [N] [PASSES]
//! ```

use std::hint::black_box;
use std::time::Instant;

use parallel_web::webhooks::{
    HeaderMap, SeenIds, WebhookEvent, WebhookHeaders, WebhookSecret, WebhookVerifier, sign,
};

const SECRET: &str = "bench-webhook-secret";
const NOW: i64 = 1_751_498_975;

struct Delivery {
    id: String,
    timestamp: String,
    signature: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

fn deliveries(n: usize) -> Vec<Delivery> {
    let secret = WebhookSecret::new(SECRET);
    (0..n)
        .map(|i| {
            let id = format!("whevent_{i:016x}");
            let body = format!(
                r#"{{"timestamp":"2025-07-02T23:29:35.123456Z","type":"task_run.status","data":{{"run_id":"trun_{i:032x}","interaction_id":"trun_{i:032x}","status":"completed","is_active":false,"processor":"core","metadata":{{"customer":"c{i}","batch":7}},"created_at":"2025-07-02T23:20:01.000000Z","modified_at":"2025-07-02T23:29:35.000000Z","taskgroup_id":null,"warnings":null,"error":null}}}}"#
            )
            .into_bytes();
            let timestamp = NOW.to_string();
            let signature = sign(&secret, &id, NOW, &body);
            let mut headers = HeaderMap::new();
            headers.insert("webhook-id", id.parse().unwrap());
            headers.insert("webhook-timestamp", timestamp.parse().unwrap());
            headers.insert("webhook-signature", signature.parse().unwrap());
            Delivery {
                id,
                timestamp,
                signature,
                headers,
                body,
            }
        })
        .collect()
}

/// This thread's CPU time (user + system), in ns: on a shared machine it
/// moves much less with the neighbours' load than wall time does.
fn thread_cpu_ns() -> u128 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write to; the clock id is a constant.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u128 * 1_000_000_000 + ts.tv_nsec as u128
}

/// Median (CPU, wall) ns per delivery of `passes` runs of `pass`, each over
/// every delivery.
fn median_ns(passes: usize, n: usize, mut pass: impl FnMut() -> usize) -> (f64, f64) {
    let (mut cpu, mut wall) = (Vec::with_capacity(passes), Vec::with_capacity(passes));
    for _ in 0..passes {
        let (start, start_cpu) = (Instant::now(), thread_cpu_ns());
        let ok = pass();
        let (elapsed, elapsed_cpu) = (start.elapsed(), thread_cpu_ns() - start_cpu);
        assert_eq!(ok, n, "every delivery verifies");
        cpu.push(elapsed_cpu as f64 / n as f64);
        wall.push(elapsed.as_nanos() as f64 / n as f64);
    }
    for v in [&mut cpu, &mut wall] {
        v.sort_by(f64::total_cmp);
    }
    (cpu[passes / 2], wall[passes / 2])
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let passes: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let all = deliveries(n);
    let verifier = WebhookVerifier::new(WebhookSecret::new(SECRET)).clock(|| NOW);

    let authenticate = median_ns(passes, n, || {
        all.iter()
            .filter(|d| {
                let h = WebhookHeaders {
                    id: &d.id,
                    timestamp: &d.timestamp,
                    signature: &d.signature,
                };
                black_box(verifier.authenticate(h, &d.body)).is_ok()
            })
            .count()
    });
    let decode = median_ns(passes, n, || {
        all.iter()
            .filter(|d| black_box(WebhookEvent::from_json(&d.body)).is_ok())
            .count()
    });
    let verify = median_ns(passes, n, || {
        all.iter()
            .filter(|d| black_box(verifier.verify(&d.headers, &d.body)).is_ok())
            .count()
    });
    let verify_remembering = median_ns(passes, n, || {
        let remembering = verifier.clone().remember_ids(SeenIds::new());
        all.iter()
            .filter(|d| black_box(remembering.verify(&d.headers, &d.body)).is_ok())
            .count()
    });
    let fmt = |(cpu, wall): (f64, f64)| format!("{{\"cpu\":{cpu:.0},\"wall\":{wall:.0}}}");
    println!(
        "{{\"deliveries\":{n},\"passes\":{passes},\"body_bytes\":{},\"ns_per_delivery\":{{\"authenticate\":{},\"decode\":{},\"verify\":{},\"verify_remembering\":{}}}}}",
        all[0].body.len(),
        fmt(authenticate),
        fmt(decode),
        fmt(verify),
        fmt(verify_remembering)
    );
}
