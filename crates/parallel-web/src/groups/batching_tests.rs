//! Tests of chunked, exactly-once submission against a fake group whose
//! commits can be delayed or lost, in paused time.

use super::*;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// What the fake server does with one POST.
#[derive(Clone, Copy)]
enum Post {
    /// Commits the runs and answers.
    Ok,
    /// Commits the runs, visible to reads only this long after the POST
    /// was sent, and fails as if the connection had dropped.
    Ambiguous { visible_after: Duration },
    /// Commits nothing and fails as if the connection had dropped.
    Lost,
}

/// A run's metadata.
type Metadata = BTreeMap<String, TaskRunMetadataValue>;

/// A fake group: runs with the instant they become visible to reads.
struct FakeGroup {
    /// Each run's id, batch tag metadata and when it becomes visible.
    runs: Mutex<Vec<(String, Metadata, Instant)>>,
    /// The batch id the tags are made with (`None`: untagged).
    batch: Option<&'static str>,
    /// What each POST does, per chunk (keyed by its first input), in order.
    script: Mutex<HashMap<usize, VecDeque<Post>>>,
    posts: Mutex<Vec<usize>>,
    /// When each read of the group's runs was made.
    reads: Mutex<Vec<Instant>>,
    /// Reads from this one on (0-based) fail.
    failing_reads_from: Option<usize>,
    /// How long each POST takes (zero unless a test needs overlap or a
    /// client-side timeout).
    post_time: Duration,
    /// POSTs in flight now, and the most ever.
    in_flight: Mutex<(usize, usize)>,
    /// The cursor each read of the group's runs started after.
    read_cursors: Mutex<Vec<Option<String>>>,
}

fn timeout_error() -> Error {
    let api =
        crate::error::ApiError::from_parts("task_group_add_runs", 504, &Default::default(), "");
    Error::from_response(api)
}

impl FakeGroup {
    async fn answer(&self, indexes: &[usize], sent_at: Instant) -> Result<PostOutcome, Error> {
        self.posts.lock().unwrap().push(indexes.len());
        if !self.post_time.is_zero() {
            {
                let mut f = self.in_flight.lock().unwrap();
                f.0 += 1;
                f.1 = f.1.max(f.0);
            }
            tokio::time::sleep(self.post_time).await;
            self.in_flight.lock().unwrap().0 -= 1;
        }
        let first = indexes.first().copied().unwrap_or_default();
        let step = self
            .script
            .lock()
            .unwrap()
            .get_mut(&first)
            .and_then(VecDeque::pop_front)
            .unwrap_or(Post::Ok);
        let visible = match step {
            Post::Ok => Instant::now(),
            Post::Ambiguous { visible_after } => sent_at + visible_after,
            Post::Lost => return Err(timeout_error()),
        };
        let mut runs = self.runs.lock().unwrap();
        let start = runs.len();
        for i in indexes {
            let id = format!("trun_{}", runs.len());
            let mut meta = BTreeMap::new();
            if let Some(b) = self.batch {
                meta.insert(
                    BATCH_TAG_KEY.to_owned(),
                    TaskRunMetadataValue::String(tag(b, *i)),
                );
            }
            runs.push((id, meta, visible));
        }
        if let Post::Ambiguous { .. } = step {
            return Err(timeout_error());
        }
        Ok(PostOutcome {
            run_ids: runs[start..].iter().map(|(id, ..)| id.clone()).collect(),
            // The group's run stream up to here: `cur_<runs so far>`.
            run_cursor: Some(format!("cur_{}", runs.len())),
            status: serde_json::from_value(serde_json::json!({"num_task_runs": runs.len(),
                "task_run_status_counts": {"queued": runs.len()}, "is_active": true}))
            .unwrap(),
        })
    }

    /// What a read made now finds: input index → run ids, oldest first.
    fn visible(&self, batch: &str) -> Tagged {
        let now = Instant::now();
        let mut found = Tagged::new();
        for (id, meta, visible) in self.runs.lock().unwrap().iter() {
            if let (true, Some(i)) = (*visible <= now, tagged_index(Some(meta), batch)) {
                found.entry(i).or_default().push(id.clone());
            }
        }
        found
    }
}

impl Submitter for FakeGroup {
    fn post<'a>(
        &'a self,
        indexes: &'a [usize],
    ) -> Pin<Box<dyn Future<Output = Posted> + Send + 'a>> {
        Box::pin(async move {
            let sent_at = Instant::now();
            let result = self.answer(indexes, sent_at).await;
            Posted { sent_at, result }
        })
    }

    fn find_tagged<'a>(&'a self, cursor: Option<String>, batch: &'a str) -> BoxFut<'a, Tagged> {
        Box::pin(async move {
            self.read_cursors.lock().unwrap().push(cursor);
            let made = {
                let mut reads = self.reads.lock().unwrap();
                reads.push(Instant::now());
                reads.len() - 1
            };
            if self.failing_reads_from.is_some_and(|from| made >= from) {
                return Err(timeout_error());
            }
            Ok(self.visible(batch))
        })
    }
}

/// A fake whose first chunk (input 0 on) meets `script`.
fn fake(script: impl IntoIterator<Item = Post>) -> FakeGroup {
    fake_chunks([(0, script.into_iter().collect())])
}

/// A fake with a script per chunk, keyed by the chunk's first input.
fn fake_chunks(scripts: impl IntoIterator<Item = (usize, Vec<Post>)>) -> FakeGroup {
    FakeGroup {
        runs: Mutex::new(Vec::new()),
        batch: Some("b"),
        script: Mutex::new(
            scripts
                .into_iter()
                .map(|(k, v)| (k, v.into_iter().collect()))
                .collect(),
        ),
        posts: Mutex::new(Vec::new()),
        reads: Mutex::new(Vec::new()),
        failing_reads_from: None,
        post_time: Duration::ZERO,
        in_flight: Mutex::new((0, 0)),
        read_cursors: Mutex::new(Vec::new()),
    }
}

fn cut_after(secs: f64) -> Post {
    Post::Ambiguous {
        visible_after: Duration::from_secs_f64(secs),
    }
}

/// The settle window of these tests.
const WINDOW: Duration = Duration::from_secs(10);

/// Submits `n` tagged inputs (or untagged with `tags: false`), one POST
/// at a time, with a settle window of 10 s.
async fn submit(g: &FakeGroup, n: usize, tags: bool) -> Result<AddRunsOutcome, Error> {
    let batch = tags.then_some("b");
    submit_all(g, n, batch, 1, &Progress::new(None), WINDOW).await
}

#[tokio::test(start_paused = true)]
async fn inputs_are_split_into_posts_of_at_most_a_thousand_in_order() {
    let g = fake([]);
    let out = submit_all(&g, 2_500, Some("b"), 3, &Progress::new(None), WINDOW)
        .await
        .unwrap();
    assert_eq!(*g.posts.lock().unwrap(), [1000, 1000, 500]);
    assert_eq!(out.posts, 3);
    let expected: Vec<String> = (0..2_500).map(|i| format!("trun_{i}")).collect();
    assert_eq!(out.run_ids, expected);
}

#[tokio::test(start_paused = true)]
async fn no_more_posts_than_the_concurrency_are_in_flight() {
    let g = FakeGroup {
        post_time: Duration::from_secs(1),
        ..fake([])
    };
    let out = submit_all(&g, 5_500, Some("b"), 2, &Progress::new(None), WINDOW)
        .await
        .unwrap();
    assert_eq!(out.run_ids.len(), 5_500);
    assert_eq!(g.posts.lock().unwrap().len(), 6);
    assert_eq!(
        g.in_flight.lock().unwrap().1,
        2,
        "two at a time, never more"
    );
}

#[tokio::test(start_paused = true)]
async fn an_ambiguous_failure_is_reconciled_not_resent() {
    let g = fake([cut_after(0.0)]);
    let out = submit(&g, 5, true).await.unwrap();
    assert_eq!(g.runs.lock().unwrap().len(), 5, "no duplicates");
    assert_eq!(*g.posts.lock().unwrap(), [5], "nothing resent");
    assert_eq!(out.recovered, 5);
    assert_eq!(
        out.run_ids,
        ["trun_0", "trun_1", "trun_2", "trun_3", "trun_4"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_commit_landing_within_the_settle_window_is_found_not_resent() {
    // The cut POST lands 9.9 s after it was sent: the read at 10 s finds it.
    let g = fake([cut_after(9.9)]);
    let out = submit(&g, 5, true).await.unwrap();
    assert_eq!(*g.posts.lock().unwrap(), [5], "nothing resent");
    assert_eq!(g.runs.lock().unwrap().len(), 5, "no duplicates");
    assert_eq!(out.recovered, 5);
    assert!(out.unsettled.is_empty(), "{:?}", out.unsettled);
}

#[tokio::test(start_paused = true)]
async fn the_read_back_waits_the_settle_window_from_when_the_post_was_sent() {
    // The POST fails after 4 s (a client-side timeout): the window counts
    // from the send, so the reconciliation reads at 10 s, not at 14 s.
    let g = FakeGroup {
        post_time: Duration::from_secs(4),
        ..fake([cut_after(9.0)])
    };
    let started = Instant::now();
    let out = submit(&g, 3, true).await.unwrap();
    let reads: Vec<Duration> = g
        .reads
        .lock()
        .unwrap()
        .iter()
        .map(|r| *r - started)
        .collect();
    // The chunk's read, then the final read-back (its window is over too).
    assert_eq!(reads, [WINDOW, WINDOW]);
    assert_eq!(out.recovered, 3);
    assert_eq!(*g.posts.lock().unwrap(), [3]);
}

#[tokio::test(start_paused = true)]
async fn nothing_is_read_or_waited_for_without_an_ambiguous_failure() {
    let g = fake([]);
    let started = Instant::now();
    submit(&g, 2_500, true).await.unwrap();
    assert!(g.reads.lock().unwrap().is_empty(), "no read-back");
    assert_eq!(Instant::now(), started, "no wait");
}

#[tokio::test(start_paused = true)]
async fn runs_missing_after_the_settle_window_are_resent_once_and_left_unsettled() {
    // A lost POST looks like one that has not landed yet: the inputs are
    // resent once, and reported as unsettled (a late commit would duplicate
    // them).
    let g = fake([Post::Lost]);
    let out = submit(&g, 3, true).await.unwrap();
    assert_eq!(*g.posts.lock().unwrap(), [3, 3], "resent once");
    assert_eq!(g.runs.lock().unwrap().len(), 3, "each input once");
    assert_eq!(out.recovered, 0);
    assert_eq!(out.run_ids, ["trun_0", "trun_1", "trun_2"]);
    assert_eq!(out.unsettled, [0, 1, 2]);
}

#[tokio::test(start_paused = true)]
async fn a_commit_landing_after_the_window_but_before_the_final_read_back_is_reported() {
    // The first POST lands at 15 s. The read at 10 s does not see it, so
    // the inputs are resent; that POST is cut too (landing at once), so its
    // own window runs to 20 s, when the final read-back sees both.
    let g = fake([cut_after(15.0), cut_after(0.0)]);
    let err = submit(&g, 3, true).await.unwrap_err();
    match err {
        Error::DuplicateRuns {
            duplicates,
            unsettled,
            run_ids,
            error,
        } => {
            let indexes: Vec<usize> = duplicates.iter().map(|d| d.index).collect();
            assert_eq!(indexes, [0, 1, 2]);
            assert_eq!(duplicates[0].run_ids, ["trun_0", "trun_3"], "oldest first");
            assert!(unsettled.is_empty(), "every POST has landed: {unsettled:?}");
            assert_eq!(run_ids.iter().flatten().count(), 3);
            assert!(error.is_none());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(g.runs.lock().unwrap().len(), 6);
}

#[tokio::test(start_paused = true)]
async fn duplicates_of_every_chunk_are_reported_by_the_one_final_read_back() {
    // Two chunks at a time. The first two land at 12 s, after their
    // windows, and are resent at 10 s; the third chunk's POST (sent at
    // 10 s) is cut, so the final read-back comes at 20 s and sees both.
    let g = fake_chunks([
        (0, vec![cut_after(12.0)]),
        (1_000, vec![cut_after(12.0)]),
        (2_000, vec![cut_after(0.0)]),
    ]);
    let err = submit_all(&g, 2_500, Some("b"), 2, &Progress::new(None), WINDOW)
        .await
        .unwrap_err();
    let Error::DuplicateRuns {
        duplicates,
        unsettled,
        ..
    } = err
    else {
        panic!("{err:?}")
    };
    let indexes: Vec<usize> = duplicates.iter().map(|d| d.index).collect();
    assert_eq!(indexes, (0..2_000).collect::<Vec<_>>());
    assert!(duplicates.iter().all(|d| d.run_ids.len() == 2));
    assert!(unsettled.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_commit_landing_after_the_final_read_back_is_announced_as_unsettled() {
    // Lands at 30 s: after the read at 10 s, the resend and the final
    // read-back. It cannot be reported as a duplicate, so the inputs it
    // will duplicate are named.
    let g = fake([cut_after(30.0)]);
    let out = submit(&g, 3, true).await.unwrap();
    assert_eq!(out.unsettled, [0, 1, 2]);
    tokio::time::sleep(Duration::from_secs(30)).await;
    let later = g.visible("b");
    let duplicated: Vec<usize> = later
        .iter()
        .filter(|(_, ids)| ids.len() > 1)
        .map(|(i, _)| *i)
        .collect();
    assert_eq!(
        duplicated, out.unsettled,
        "every late duplicate was announced"
    );
}

#[tokio::test(start_paused = true)]
async fn without_tags_an_ambiguous_failure_is_reported_with_what_was_created() {
    let g = FakeGroup {
        batch: None,
        ..fake([cut_after(0.0)])
    };
    let err = submit(&g, 3, false).await.unwrap_err();
    match err {
        Error::BatchIncomplete {
            created,
            total,
            source,
            ..
        } => {
            assert_eq!((created, total), (0, 3));
            assert!(
                matches!(*source, Error::Unconfirmed { ref indexes, .. } if indexes == &[0, 1, 2]),
                "{source:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(g.runs.lock().unwrap().len(), 3, "the POST was not repeated");
}

#[tokio::test(start_paused = true)]
async fn the_final_read_back_waits_for_the_window_of_a_post_its_chunk_gave_up_on() {
    // Four resends, then the chunk gives up at once on its fifth POST (sent
    // at 40 s, landing at once). The fourth (sent at 30 s) lands at 45 s:
    // only a final read-back that waits out the fifth POST's window (50 s)
    // sees both.
    let g = fake([
        Post::Lost,
        Post::Lost,
        Post::Lost,
        cut_after(15.0),
        cut_after(0.0),
    ]);
    let err = submit(&g, 3, true).await.unwrap_err();
    let Error::DuplicateRuns {
        duplicates, error, ..
    } = err
    else {
        panic!("{err:?}")
    };
    let indexes: Vec<usize> = duplicates.iter().map(|d| d.index).collect();
    assert_eq!(indexes, [0, 1, 2]);
    assert!(
        matches!(error.as_deref(), Some(Error::Unconfirmed { .. })),
        "the chunk's own failure is kept: {error:?}"
    );
    assert_eq!(*g.posts.lock().unwrap(), [3, 3, 3, 3, 3]);
}

#[tokio::test(start_paused = true)]
async fn a_failed_final_read_back_is_an_error_naming_the_inputs_sent_twice() {
    // The chunk's read works and the inputs are resent; the final read-back
    // fails, so whether they now exist twice is unknown: never `Ok`.
    let g = FakeGroup {
        failing_reads_from: Some(1),
        ..fake([Post::Lost])
    };
    let err = submit(&g, 3, true).await.unwrap_err();
    match err {
        Error::BatchIncomplete {
            created,
            total,
            run_ids,
            source,
        } => {
            assert_eq!((created, total), (3, 3));
            assert_eq!(run_ids.iter().flatten().count(), 3, "the ids are kept");
            assert!(
                matches!(*source, Error::Unconfirmed { ref indexes, .. } if indexes == &[0, 1, 2]),
                "{source:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn tags_fit_the_metadata_limits() {
    let t = tag(&new_batch_id(), 999_999);
    assert!(t.len() <= crate::MAX_METADATA_VALUE_CHARS);
    assert!(BATCH_TAG_KEY.len() <= crate::MAX_METADATA_KEY_CHARS);
}

#[tokio::test(start_paused = true)]
async fn a_failed_chunk_stops_later_chunks_and_is_the_reported_cause() {
    // One POST at a time: the second chunk's POST is lost with tags off.
    let g = FakeGroup {
        batch: None,
        ..fake_chunks([(1_000, vec![Post::Lost])])
    };
    let err = submit_all(&g, 3_000, None, 1, &Progress::new(None), WINDOW)
        .await
        .unwrap_err();
    match err {
        Error::BatchIncomplete {
            created,
            total,
            source,
            ..
        } => {
            assert_eq!((created, total), (1_000, 3_000));
            assert!(matches!(*source, Error::Unconfirmed { .. }), "{source:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        *g.posts.lock().unwrap(),
        [1000, 1000],
        "the third chunk was not sent"
    );
}

#[tokio::test(start_paused = true)]
async fn a_chunk_is_reconciled_from_the_cursor_before_it_and_the_final_read_from_the_first() {
    // The first chunk lands (the server's cursor is then `cur_1000`); the
    // second chunk's POST is cut, and lands.
    let g = fake_chunks([(1_000, vec![cut_after(0.0)])]);
    let progress = Progress::new(Some("cur_before".into()));
    let out = submit_all(&g, 1_500, Some("b"), 1, &progress, WINDOW)
        .await
        .unwrap();
    assert_eq!((out.posts, out.recovered), (1, 500));
    assert_eq!(out.run_ids.len(), 1_500);
    assert_eq!(
        *g.read_cursors.lock().unwrap(),
        [Some("cur_1000".to_owned()), Some("cur_before".to_owned())],
        "the chunk's reconciliation, then the final read-back"
    );
}

#[tokio::test(start_paused = true)]
async fn resent_inputs_count_as_posts_once_they_land() {
    // Lost, then resent and answered: one POST succeeded.
    let g = fake([Post::Lost]);
    let out = submit(&g, 3, true).await.unwrap();
    assert_eq!((out.posts, out.recovered), (1, 0));
}

#[test]
fn batch_ids_are_sixteen_lowercase_hex_digits_and_fresh_each_time() {
    let id = new_batch_id();
    assert_eq!(id.len(), 16, "{id}");
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "{id}"
    );
    assert_ne!(id, new_batch_id());
}
