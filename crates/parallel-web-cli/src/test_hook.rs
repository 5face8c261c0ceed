//! A test-only hook: `PARALLEL_WEB_CLI_TEST_PAUSE=<point>:<n>` makes the
//! tool stop for good at the `n`-th time it reaches `point` (after saying
//! so on stderr), so that a test can `kill -9` it exactly there. Points:
//! `tagged` (batch tags journaled, POST not sent), `posted` (POST
//! answered, run ids not yet journaled), `results` (a batch of results
//! journaled). Unset, it costs one environment lookup per call.

use std::sync::Mutex;

static SEEN: Mutex<Vec<(&'static str, u64)>> = Mutex::new(Vec::new());

/// Pauses forever if the hook asks for `point` now.
pub async fn checkpoint(point: &'static str) {
    let Ok(spec) = std::env::var("PARALLEL_WEB_CLI_TEST_PAUSE") else {
        return;
    };
    let Some((want, n)) = spec.split_once(':') else {
        return;
    };
    if want != point {
        return;
    }
    let count = {
        let Ok(mut seen) = SEEN.lock() else { return };
        match seen.iter_mut().find(|(p, _)| *p == point) {
            Some((_, c)) => {
                *c += 1;
                *c
            }
            None => {
                seen.push((point, 1));
                1
            }
        }
    };
    if n.parse() == Ok(count) {
        eprintln!("test-pause: {point} {count}");
        std::future::pending::<()>().await;
    }
}
