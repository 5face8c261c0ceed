//! Tests of chunked, exactly-once submission against a fake group whose
//! commits can be delayed or lost.

use super::*;
use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;

/// What the fake server does with one POST.
#[derive(Clone, Copy)]
enum Post {
    /// Commits the runs and answers.
    Ok,
    /// Commits the runs, visible to reads only after this long, and
    /// fails as if the connection had dropped.
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
    script: Mutex<VecDeque<Post>>,
    posts: Mutex<Vec<usize>>,
    /// How long each POST takes (zero unless a test needs overlap).
    post_time: Duration,
    /// POSTs in flight now, and the most ever.
    in_flight: Mutex<(usize, usize)>,
}

fn timeout_error() -> Error {
    let api =
        crate::error::ApiError::from_parts("task_group_add_runs", 504, &Default::default(), "");
    Error::from_response(api)
}

impl Submitter for FakeGroup {
    fn post<'a>(&'a self, indexes: &'a [usize]) -> BoxFut<'a, PostOutcome> {
        Box::pin(async move {
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
            let step = self.script.lock().unwrap().pop_front().unwrap_or(Post::Ok);
            let visible = match step {
                Post::Ok => Instant::now(),
                Post::Ambiguous { visible_after } => Instant::now() + visible_after,
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
                run_cursor: None,
                status: serde_json::from_value(serde_json::json!({"num_task_runs": runs.len(),
                    "task_run_status_counts": {"queued": runs.len()}, "is_active": true}))
                .unwrap(),
            })
        })
    }

    fn find_tagged<'a>(&'a self, _cursor: Option<String>, batch: &'a str) -> BoxFut<'a, Tagged> {
        Box::pin(async move {
            let now = Instant::now();
            let mut found = Tagged::new();
            for (id, meta, visible) in self.runs.lock().unwrap().iter() {
                if let (true, Some(i)) = (*visible <= now, tagged_index(Some(meta), batch)) {
                    found.entry(i).or_default().push(id.clone());
                }
            }
            Ok(found)
        })
    }
}

fn fake(script: impl IntoIterator<Item = Post>) -> FakeGroup {
    FakeGroup {
        runs: Mutex::new(Vec::new()),
        batch: Some("b"),
        script: Mutex::new(script.into_iter().collect()),
        posts: Mutex::new(Vec::new()),
        post_time: Duration::ZERO,
        in_flight: Mutex::new((0, 0)),
    }
}

fn cut_after(secs: f64) -> Post {
    Post::Ambiguous {
        visible_after: Duration::from_secs_f64(secs),
    }
}

/// Submits `n` tagged inputs (or untagged with `tags: false`), one POST
/// at a time, with backoff delays of 0.5 s, 1 s, 2 s, ... (no jitter).
async fn submit(g: &FakeGroup, n: usize, tags: bool) -> Result<AddRunsOutcome, Error> {
    let policy = RetryPolicy::default().jitter(crate::Jitter::None);
    let batch = tags.then_some("b");
    submit_all(g, n, batch, 1, &Progress::new(None), &policy).await
}

#[tokio::test(start_paused = true)]
async fn inputs_are_split_into_posts_of_at_most_a_thousand_in_order() {
    let g = fake([]);
    let out = submit_all(
        &g,
        2_500,
        Some("b"),
        3,
        &Progress::new(None),
        &RetryPolicy::default(),
    )
    .await
    .unwrap();
    assert_eq!(*g.posts.lock().unwrap(), [1000, 1000, 500]);
    let expected: Vec<String> = (0..2_500).map(|i| format!("trun_{i}")).collect();
    assert_eq!(out.run_ids, expected);
}

#[tokio::test(start_paused = true)]
async fn no_more_posts_than_the_concurrency_are_in_flight() {
    let g = FakeGroup {
        post_time: Duration::from_secs(1),
        ..fake([])
    };
    let policy = RetryPolicy::default();
    let out = submit_all(&g, 5_500, Some("b"), 2, &Progress::new(None), &policy)
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
async fn a_post_the_server_is_still_committing_is_waited_for_not_resent() {
    // The first read (at 0.5 s) sees nothing, the second (1.5 s) sees the
    // runs, the third (3.5 s) agrees with it: they are found, not resent.
    let g = fake([cut_after(1.0)]);
    let out = submit(&g, 5, true).await.unwrap();
    assert_eq!(*g.posts.lock().unwrap(), [5], "nothing resent");
    assert_eq!(g.runs.lock().unwrap().len(), 5, "no duplicates");
    assert_eq!(out.recovered, 5);
}

#[tokio::test(start_paused = true)]
async fn runs_missing_after_two_agreeing_reads_are_resent_once() {
    let g = fake([Post::Lost]);
    let out = submit(&g, 3, true).await.unwrap();
    assert_eq!(*g.posts.lock().unwrap(), [3, 3], "resent once");
    assert_eq!(g.runs.lock().unwrap().len(), 3, "each input once");
    assert_eq!(out.recovered, 0);
    assert_eq!(out.run_ids, ["trun_0", "trun_1", "trun_2"]);
}

#[tokio::test(start_paused = true)]
async fn a_commit_that_lands_after_the_resubmission_is_reported_as_duplicates() {
    // Reads at 0.5 s and 1.5 s agree on nothing, so the three inputs are
    // resent; the cut POST lands at 2.5 s, and the read-back finds each
    // input twice.
    let g = fake([cut_after(2.5)]);
    let err = submit(&g, 3, true).await.unwrap_err();
    match err {
        Error::DuplicateRuns {
            duplicates,
            run_ids,
            error,
        } => {
            let indexes: Vec<usize> = duplicates.iter().map(|d| d.index).collect();
            assert_eq!(indexes, [0, 1, 2]);
            assert_eq!(duplicates[0].run_ids, ["trun_0", "trun_3"]);
            assert_eq!(run_ids.iter().flatten().count(), 3);
            assert!(error.is_none());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(g.runs.lock().unwrap().len(), 6);
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
        ..fake([Post::Ok, Post::Lost])
    };
    let policy = RetryPolicy::default().jitter(crate::Jitter::None);
    let err = submit_all(&g, 3_000, None, 1, &Progress::new(None), &policy)
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
