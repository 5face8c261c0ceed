//! Tests of the resumable stream machine against scripted bodies.

use super::*;
use crate::client::retry::RetryPolicy;
use bytes::Bytes;
use futures::StreamExt;
use serde_json::Value;
use std::future::Future;
use std::sync::Mutex;

/// Yields each event's JSON; its `event_id` is the cursor, and an object
/// with `"last": true` is the last item.
struct Json;

impl Decode for Json {
    type Item = Value;
    fn decode(&mut self, frame: &Frame<'_>) -> Decoded<Value> {
        let v: Value = serde_json::from_slice(&frame.data).unwrap_or(Value::Null);
        Decoded {
            cursor: v["event_id"].as_str().map(str::to_owned),
            last: v["last"] == Value::Bool(true),
            item: Some(Ok(v)),
        }
    }
}

/// An opener serving scripted bodies and recording the cursors asked for.
fn scripted(
    bodies: Vec<Vec<Result<&'static str, &'static str>>>,
) -> (Opener, Arc<Mutex<Vec<Option<String>>>>) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let bodies = Arc::new(Mutex::new(bodies.into_iter()));
    let seen = calls.clone();
    let opener: Opener = Arc::new(move |cursor| {
        seen.lock().unwrap().push(cursor);
        let next = bodies.lock().unwrap().next();
        Box::pin(async move {
            let chunks = next.ok_or_else(|| Error::Config("no more scripted bodies".into()))?;
            let s = futures::stream::iter(chunks.into_iter().map(|c| {
                c.map(|s| Bytes::from_static(s.as_bytes()))
                    .map_err(str::to_owned)
            }));
            Ok(s.boxed())
        })
    });
    (opener, calls)
}

fn settings() -> ResumeSettings {
    ResumeSettings {
        idle_timeout: None,
        backoff: RetryPolicy::default().jitter(crate::client::retry::Jitter::None),
        max_failures: 3,
        replay_window: 1024,
    }
}

/// Opens with the test settings and collects every item.
async fn collect_all(opener: Opener, end: EndRule) -> Vec<Result<Value, Error>> {
    open(opener, Json, settings(), end, None)
        .await
        .unwrap()
        .collect()
        .await
}

fn run_event(id: &str) -> String {
    format!(
        "event: task_run.state\ndata: {{\"type\":\"task_run.state\",\"event_id\":\"{id}\"}}\n\n"
    )
}

#[tokio::test(start_paused = true)]
async fn a_broken_connection_resumes_from_the_last_cursor() {
    let e1: &'static str = run_event("1").leak();
    let e2: &'static str = run_event("2").leak();
    let e3: &'static str = run_event("3").leak();
    let (opener, calls) = scripted(vec![
        vec![Ok(e1), Ok(e2), Err("connection reset")],
        vec![Ok(e3)],
    ]);
    let s = open(opener, Json, settings(), EndRule::AtEndOfBody, None)
        .await
        .unwrap();
    let ids: Vec<String> = s
        .map(|r| r.unwrap()["event_id"].as_str().unwrap().to_owned())
        .collect()
        .await;
    assert_eq!(ids, ["1", "2", "3"]);
    assert_eq!(*calls.lock().unwrap(), [None, Some("2".to_owned())]);
}

#[tokio::test(start_paused = true)]
async fn a_snapshot_cut_in_the_middle_of_an_event_is_resumed_not_ended() {
    let e1: &'static str = run_event("1").leak();
    let e2: &'static str = run_event("2").leak();
    let cut: &'static str = e2[..e2.len() - 10].to_owned().leak();
    let (opener, calls) = scripted(vec![vec![Ok(e1), Ok(cut)], vec![Ok(e2)]]);
    let items = collect_all(opener, EndRule::AtEndOfBody).await;
    let ids: Vec<&str> = items
        .iter()
        .map(|r| r.as_ref().unwrap()["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["1", "2"], "the cut event is read again, once");
    assert_eq!(*calls.lock().unwrap(), [None, Some("1".to_owned())]);
}

#[tokio::test(start_paused = true)]
async fn unknown_types_and_keepalives_pass_through() {
    let body = ": keep-alive\n\nevent: brand_new\ndata: {\"type\":\"brand_new\",\"x\":1}\n\n";
    let (opener, _) = scripted(vec![vec![Ok(body)]]);
    let items = collect_all(opener, EndRule::AtEndOfBody).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].as_ref().unwrap()["type"], "brand_new");
}

#[tokio::test(start_paused = true)]
async fn a_live_feed_is_reopened_after_a_clean_close_and_ends_when_closed_after_its_last_item() {
    let active = "data: {\"event_id\":\"a\"}\n\n";
    let done = "data: {\"event_id\":\"b\",\"last\":true}\n\n";
    let (opener, calls) = scripted(vec![vec![Ok(active)], vec![Ok(done)]]);
    let items = collect_all(opener, EndRule::AtCloseAfterLastItem).await;
    assert_eq!(
        items.len(),
        2,
        "reopened after the first close, over after the second"
    );
    assert_eq!(*calls.lock().unwrap(), [None, Some("a".to_owned())]);
}

#[tokio::test(start_paused = true)]
async fn a_last_item_followed_by_more_events_is_replayed_history_and_the_feed_goes_on() {
    // A group that went inactive, then got more runs: its replayed log has
    // an inactive status in the middle.
    let early_done = "data: {\"event_id\":\"a\",\"last\":true}\n\n";
    let more = "data: {\"event_id\":\"b\"}\n\n";
    let done = "data: {\"event_id\":\"c\",\"last\":true}\n\n";
    let (opener, calls) = scripted(vec![vec![Ok(early_done), Ok(more), Ok(done)]]);
    let ids: Vec<String> = collect_all(opener, EndRule::AtCloseAfterLastItem)
        .await
        .into_iter()
        .map(|r| r.unwrap()["event_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert_eq!(calls.lock().unwrap().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_feed_cut_after_its_last_item_ends_when_reopening_brings_nothing_new() {
    let done = "data: {\"event_id\":\"b\",\"last\":true}\n\n";
    let (opener, calls) = scripted(vec![vec![Ok(done), Err("reset")], vec![]]);
    let items = collect_all(opener, EndRule::AtCloseAfterLastItem).await;
    assert_eq!(items.len(), 1);
    assert!(items[0].is_ok());
    assert_eq!(*calls.lock().unwrap(), [None, Some("b".to_owned())]);
}

#[tokio::test(start_paused = true)]
async fn repeated_failures_end_with_an_error_naming_the_cursor() {
    let e1: &'static str = run_event("7").leak();
    // The drop after the event is resumed at once; then three failures in
    // a row without any event reach the limit (3).
    let (opener, _) = scripted(vec![
        vec![Ok(e1), Err("reset")],
        vec![Err("reset")],
        vec![Err("reset")],
        vec![Err("reset")],
        vec![Err("reset")],
    ]);
    let items = collect_all(opener, EndRule::AtEndOfBody).await;
    assert_eq!(items.len(), 2);
    match &items[1] {
        Err(Error::StreamStalled {
            last_event_id,
            connections,
            ..
        }) => {
            assert_eq!(last_event_id.as_deref(), Some("7"));
            assert_eq!(*connections, 4);
        }
        other => panic!("expected a stalled stream, got {other:?}"),
    }
}

/// An opener that records the cursor of each connection it opens and hands
/// the connection's number (from 1) to `connect`.
fn counted<F, Fut>(connect: F) -> (Opener, Arc<Mutex<Vec<Option<String>>>>)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<ByteChunks, Error>> + Send + 'static,
{
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = calls.clone();
    let opener: Opener = Arc::new(move |cursor| {
        let n = {
            let mut g = seen.lock().unwrap();
            g.push(cursor);
            g.len()
        };
        Box::pin(connect(n))
    });
    (opener, calls)
}

/// The number of connections an opener made.
fn opened(calls: &Mutex<Vec<Option<String>>>) -> usize {
    calls.lock().unwrap().len()
}

/// An opener whose first connection sends one event then `after_first`
/// (forever), and whose later connections end at once; it counts them.
fn one_event_then(after_first: fn() -> ByteChunks) -> (Opener, Arc<Mutex<Vec<Option<String>>>>) {
    counted(move |n| async move {
        if n > 1 {
            return Ok(futures::stream::empty().boxed());
        }
        let e1: &'static str = run_event("1").leak();
        let first = futures::stream::iter([Ok(Bytes::from_static(e1.as_bytes()))]);
        Ok(first.chain(after_first()).boxed())
    })
}

/// Opens with a 30 s idle timeout and collects every item.
async fn collect_with_idle_timeout(opener: Opener) -> Vec<Result<Value, Error>> {
    let mut s = settings();
    s.idle_timeout = Some(Duration::from_secs(30));
    open(opener, Json, s, EndRule::AtEndOfBody, None)
        .await
        .unwrap()
        .collect()
        .await
}

#[tokio::test(start_paused = true)]
async fn an_idle_connection_is_reopened() {
    let (opener, calls) = one_event_then(|| futures::stream::pending().boxed());
    let items = collect_with_idle_timeout(opener).await;
    assert_eq!(items.len(), 1);
    assert_eq!(opened(&calls), 2);
}

#[tokio::test(start_paused = true)]
async fn keep_alive_comments_do_not_hold_off_the_idle_timeout() {
    // A keep-alive comment every 10 s, forever: still idle after 30 s.
    let (opener, calls) = one_event_then(|| {
        futures::stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            Some((Ok(Bytes::from_static(b": keep-alive\n\n")), ()))
        })
        .boxed()
    });
    let items = collect_with_idle_timeout(opener).await;
    assert_eq!(items.len(), 1);
    assert_eq!(opened(&calls), 2, "reopened after 30 s of keep-alives");
}

#[tokio::test(start_paused = true)]
async fn a_connection_that_made_progress_is_reopened_at_once_and_never_gives_up() {
    // Each connection yields one event and then breaks: more drops than the
    // failure limit (3), yet every event arrives, with no backoff delay.
    let bodies: Vec<Vec<Result<&'static str, &'static str>>> = (0..6)
        .map(|i| vec![Ok(&*run_event(&i.to_string()).leak()), Err("reset")])
        .collect();
    let (opener, calls) = scripted(bodies);
    let started = tokio::time::Instant::now();
    let items = collect_all(opener, EndRule::AtEndOfBody).await;
    let ok = items.iter().filter(|i| i.is_ok()).count();
    assert_eq!(ok, 6, "every event arrived: {items:?}");
    assert_eq!(calls.lock().unwrap().len(), 7);
    assert_eq!(started.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn failures_without_events_back_off_and_a_later_event_resets_the_backoff() {
    // Two empty drops (0.5 s, then 1 s), an event, then two empty drops
    // again: the delays start over at 0.5 s after the event.
    let e1: &'static str = run_event("1").leak();
    let (opener, calls) = scripted(vec![
        vec![Err("reset")],
        vec![Err("reset")],
        vec![Err("reset")],
        vec![Ok(e1), Err("reset")],
        vec![Err("reset")],
        vec![Err("reset")],
        vec![],
    ]);
    let started = tokio::time::Instant::now();
    let items = collect_all(opener, EndRule::AtEndOfBody).await;
    assert_eq!(items.iter().filter(|i| i.is_ok()).count(), 1, "{items:?}");
    assert_eq!(calls.lock().unwrap().len(), 7);
    // 0.5 + 1 + 2 before the event, 0 after it, then 0.5 + 1.
    assert_eq!(
        started.elapsed(),
        Duration::from_millis(500 + 1000 + 2000 + 500 + 1000)
    );
}

#[tokio::test(start_paused = true)]
async fn an_event_past_the_size_limit_is_an_error_not_a_growing_buffer() {
    let huge: &'static str = format!("data: {}", "x".repeat(MAX_EVENT_BYTES)).leak();
    let (opener, calls) = scripted(vec![vec![Ok(huge)]]);
    let items = collect_all(opener, EndRule::AtEndOfBody).await;
    assert_eq!(items.len(), 1);
    assert!(
        matches!(&items[0], Err(Error::EventTooLarge { limit, .. }) if *limit == MAX_EVENT_BYTES),
        "{items:?}"
    );
    assert_eq!(calls.lock().unwrap().len(), 1, "not reopened");
}

/// The event ids of the items, or `Err(variant)` for errors.
fn ids(items: &[Result<Value, Error>]) -> Vec<String> {
    items
        .iter()
        .map(|i| match i {
            Ok(v) => v["event_id"].as_str().unwrap_or("?").to_owned(),
            Err(Error::StreamStalled { .. }) => "Err(StreamStalled)".to_owned(),
            Err(e) => format!("Err({e})"),
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_server_that_rewinds_after_a_reconnect_delivers_nothing_twice() {
    let e = |id: &str| -> &'static str { run_event(id).leak() };
    // c1, c2, c3, cut; reopened from c3, the server starts again at c2.
    let (opener, calls) = scripted(vec![
        vec![Ok(e("c1")), Ok(e("c2")), Ok(e("c3")), Err("reset")],
        vec![Ok(e("c2")), Ok(e("c3")), Ok(e("c4"))],
    ]);
    let items = collect_all(opener, EndRule::AtEndOfBody).await;
    assert_eq!(ids(&items), ["c1", "c2", "c3", "c4"]);
    assert_eq!(*calls.lock().unwrap(), [None, Some("c3".to_owned())]);
}

#[tokio::test(start_paused = true)]
async fn a_replay_cut_before_anything_new_resumes_from_the_newest_cursor_not_the_replayed_one() {
    let e = |id: &str| -> &'static str { run_event(id).leak() };
    let (opener, calls) = scripted(vec![
        vec![Ok(e("c1")), Ok(e("c2")), Err("reset")],
        vec![Ok(e("c1")), Err("reset")],
        vec![Ok(e("c3"))],
    ]);
    let items = collect_all(opener, EndRule::AtEndOfBody).await;
    assert_eq!(ids(&items), ["c1", "c2", "c3"]);
    assert_eq!(
        *calls.lock().unwrap(),
        [None, Some("c2".to_owned()), Some("c2".to_owned())]
    );
}

/// An opener that serves `body` on every connection, forever, counting them.
fn forever(body: &'static str) -> (Opener, Arc<Mutex<Vec<Option<String>>>>) {
    counted(move |_| async move {
        let chunks = [
            Ok(Bytes::from_static(body.as_bytes())),
            Err("reset".to_owned()),
        ];
        Ok(futures::stream::iter(chunks).boxed())
    })
}

#[tokio::test(start_paused = true)]
async fn a_server_that_repeats_one_event_and_cuts_forever_ends_with_a_stalled_error() {
    let (opener, calls) = forever(run_event("c1").leak());
    let items = collect_all(opener, EndRule::AtEndOfBody).await;
    assert_eq!(ids(&items), ["c1", "Err(StreamStalled)"]);
    // The first connection (progress: c1), then the limit (3) plus one
    // connections that only replay c1.
    assert_eq!(opened(&calls), 1 + 4);
    match &items[1] {
        Err(Error::StreamStalled {
            reason,
            last_event_id,
            ..
        }) => {
            assert_eq!(last_event_id.as_deref(), Some("c1"));
            assert!(reason.contains("reset"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_live_feed_that_replays_its_history_and_closes_forever_ends_with_a_stalled_error() {
    let e = |id: &str| -> &'static str { run_event(id).leak() };
    let history = vec![Ok(e("a")), Ok(e("b"))];
    let (opener, calls) = scripted(vec![history.clone(); 6]);
    let items = collect_all(opener, EndRule::AtCloseAfterLastItem).await;
    assert_eq!(ids(&items), ["a", "b", "Err(StreamStalled)"]);
    assert_eq!(calls.lock().unwrap().len(), 5);
}

#[tokio::test(start_paused = true)]
async fn a_replay_followed_by_silence_counts_as_no_progress() {
    let e1: &'static str = run_event("c1").leak();
    let (opener, calls) = counted(move |_| async move {
        let first = futures::stream::iter([Ok(Bytes::from_static(e1.as_bytes()))]);
        Ok(first.chain(futures::stream::pending()).boxed())
    });
    let items = collect_with_idle_timeout(opener).await;
    assert_eq!(ids(&items), ["c1", "Err(StreamStalled)"]);
    assert_eq!(opened(&calls), 1 + 4);
}

/// An opener whose first `silent` connections never answer (no headers);
/// later ones serve one event. It counts the attempts.
fn headers_withheld(silent: usize) -> (Opener, Arc<Mutex<Vec<Option<String>>>>) {
    counted(move |n| async move {
        if n <= silent {
            futures::future::pending::<()>().await;
        }
        let e1: &'static str = run_event("c1").leak();
        Ok(futures::stream::iter([Ok(Bytes::from_static(e1.as_bytes()))]).boxed())
    })
}

#[tokio::test(start_paused = true)]
async fn response_headers_that_never_come_are_asked_for_again_after_the_idle_timeout() {
    let (opener, calls) = headers_withheld(2);
    let started = tokio::time::Instant::now();
    let items = collect_with_idle_timeout(opener).await;
    assert_eq!(ids(&items), ["c1"]);
    assert_eq!(opened(&calls), 3);
    // Two idle timeouts of 30 s, with the backoff (0.5 s) between them.
    assert_eq!(
        started.elapsed(),
        Duration::from_millis(30_000 + 500 + 30_000 + 1000)
    );
}

#[tokio::test(start_paused = true)]
async fn a_server_that_never_answers_fails_the_open_with_a_stalled_error() {
    let (opener, calls) = headers_withheld(usize::MAX);
    let mut s = settings();
    s.idle_timeout = Some(Duration::from_secs(30));
    let Err(error) = open(opener, Json, s, EndRule::AtEndOfBody, None).await else {
        panic!("the open cannot succeed")
    };
    assert!(
        matches!(&error, Error::StreamStalled { reason, .. } if reason.contains("no response headers")),
        "{error:?}"
    );
    assert_eq!(opened(&calls), 4);
}

#[tokio::test(start_paused = true)]
async fn headers_withheld_on_a_reconnect_are_asked_for_again_too() {
    let e1: &'static str = run_event("c1").leak();
    let e2: &'static str = run_event("c2").leak();
    let (opener, calls) = counted(move |n| async move {
        match n {
            1 => Ok(futures::stream::iter([
                Ok(Bytes::from_static(e1.as_bytes())),
                Err("reset".to_owned()),
            ])
            .boxed()),
            2 => futures::future::pending().await,
            _ => Ok(futures::stream::iter([Ok(Bytes::from_static(e2.as_bytes()))]).boxed()),
        }
    });
    let items = collect_with_idle_timeout(opener).await;
    assert_eq!(ids(&items), ["c1", "c2"]);
    assert_eq!(
        *calls.lock().unwrap(),
        [None, Some("c1".to_owned()), Some("c1".to_owned())]
    );
}

#[tokio::test(start_paused = true)]
async fn a_pause_shorter_than_the_idle_timeout_keeps_the_connection() {
    // Event 1, then 20 s of silence (under the 30 s idle timeout), then
    // event 2 and a clean end: one connection.
    let (opener, calls) = one_event_then(|| {
        futures::stream::once(async {
            tokio::time::sleep(Duration::from_secs(20)).await;
            Ok(Bytes::from(run_event("2")))
        })
        .boxed()
    });
    let items = collect_with_idle_timeout(opener).await;
    assert_eq!(ids(&items), ["1", "2"]);
    assert_eq!(opened(&calls), 1);
}

#[tokio::test(start_paused = true)]
async fn a_retryable_refusal_of_a_reconnect_backs_off_and_asks_again() {
    let e1: &'static str = run_event("c1").leak();
    let e2: &'static str = run_event("c2").leak();
    let (opener, calls) = counted(move |n| async move {
        match n {
            1 => Ok(futures::stream::iter([
                Ok(Bytes::from_static(e1.as_bytes())),
                Err("reset".to_owned()),
            ])
            .boxed()),
            2 => Err(Error::from_response(crate::error::ApiError::from_parts(
                "op",
                503,
                &reqwest::header::HeaderMap::new(),
                "{}",
            ))),
            _ => Ok(futures::stream::iter([Ok(Bytes::from_static(e2.as_bytes()))]).boxed()),
        }
    });
    let started = tokio::time::Instant::now();
    let items = collect_all(opener, EndRule::AtEndOfBody).await;
    assert_eq!(ids(&items), ["c1", "c2"]);
    assert_eq!(
        *calls.lock().unwrap(),
        [None, Some("c1".to_owned()), Some("c1".to_owned())]
    );
    // The 503 is a failure: the backoff's first delay before the third.
    assert_eq!(started.elapsed(), Duration::from_millis(500));
}

#[tokio::test(start_paused = true)]
async fn connections_quiet_until_the_idle_timeout_are_reopened_at_once_without_giving_up() {
    // Five connections with headers but no event (more than the failure
    // limit of 3), then one with an event: quiet is not a failure.
    let e1: &'static str = run_event("c1").leak();
    let (opener, calls) = counted(move |n| async move {
        if n <= 5 {
            return Ok(futures::stream::pending().boxed());
        }
        Ok(futures::stream::iter([Ok(Bytes::from_static(e1.as_bytes()))]).boxed())
    });
    let started = tokio::time::Instant::now();
    let items = collect_with_idle_timeout(opener).await;
    assert_eq!(ids(&items), ["c1"]);
    assert_eq!(opened(&calls), 6);
    assert_eq!(started.elapsed(), Duration::from_secs(5 * 30), "no backoff");
}
