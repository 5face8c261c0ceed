//! Waiting for groups and for results.

use crate::*;

#[tokio::test]
async fn wait_follows_events_to_the_final_status_and_reports_progress() {
    let emu = start(Emulator::builder().time_scale(0.001).seed(3)).await;
    let client = client_for(&emu);
    let group = client
        .task_groups()
        .create()
        .metadata([("project", "q4")])
        .send()
        .await
        .unwrap();
    add_questions(&group, 5).await;
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = lines.clone();
    let status = group
        .wait()
        .on_progress(move |p| sink.lock().unwrap().push(p.to_string()))
        .max_wait(Duration::from_secs(600))
        .await
        .unwrap();
    assert!(!status.is_active);
    assert_eq!(status.num_task_runs, 5);
    let lines = lines.lock().unwrap();
    assert!(
        lines.last().unwrap().starts_with("5/5 runs done"),
        "{lines:?}"
    );
    assert!(ops(&emu, "task_group_events") >= 1, "push-based");
}

#[tokio::test]
async fn wait_is_not_ended_by_an_inactive_status_from_before_more_runs_were_added() {
    // Found by the reliability suite: the events stream replays the group's
    // log from the start, and a group whose first runs all finished before
    // more were added has an inactive status in the middle of it.
    // lite takes 10-60 s, scaled to 0.2-1.2 s.
    let emu = start(Emulator::builder().time_scale(0.02).seed(4)).await;
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    add_questions(&group, 1).await;
    let first = group
        .wait()
        .max_wait(Duration::from_secs(600))
        .await
        .unwrap();
    assert_eq!((first.num_task_runs, first.is_active), (1, false));

    add_questions(&group, 2).await;
    let status = group
        .wait()
        .max_wait(Duration::from_secs(600))
        .await
        .unwrap();
    assert_eq!(
        status.num_task_runs, 3,
        "the current status, not the replayed one"
    );
    assert!(!status.is_active);
    assert_eq!(status.task_run_status_counts.get("completed"), Some(&3));

    // The public events stream goes past the old inactive status too.
    let mut events = group.events().send().await.unwrap();
    let mut run_states = 0;
    let mut last_status = None;
    while let Some(event) = events.next().await {
        match event.unwrap() {
            GroupEvent::RunState(_) => run_states += 1,
            GroupEvent::GroupStatus { status, .. } => last_status = Some(status),
            _ => {}
        }
    }
    assert_eq!(run_states, 3, "every run's final state");
    assert_eq!(last_status.map(|s| s.num_task_runs), Some(3));
}

#[tokio::test]
async fn wait_gives_up_at_max_wait_saying_how_long_and_how_often() {
    let emu = start(Emulator::builder().time_scale(1.0)).await;
    let client = client_for(&emu);
    let group = client.task_groups().create().send().await.unwrap();
    group
        .add_runs(questions(1))
        .processor("ultra")
        .send()
        .await
        .unwrap();
    let err = group
        .wait()
        .max_wait(Duration::from_millis(300))
        .polling_only()
        .await
        .unwrap_err();
    match err {
        Error::WaitTimeout(t) => {
            assert!(t.polls >= 2, "first and final poll: {t:?}");
            assert!(t.to_string().contains("still running"));
        }
        other => panic!("{other:?}"),
    }
}

// Paused tokio time: the emulator's run (10-20 s for lite-fast at time
// scale 1) and its 1 s long polls share one virtual clock, so the run
// outlasts the first poll however slowly the machine gets the request there.
#[tokio::test(start_paused = true)]
async fn result_wait_repeats_the_long_poll_after_each_408_until_the_run_is_done() {
    let emu = start(Emulator::builder().time_scale(1.0).seed(9)).await;
    let client = client_for(&emu);
    let run = client
        .task_runs()
        .create(RunInput::new("q").processor("lite-fast"))
        .send()
        .await
        .unwrap();
    let result = client
        .task_runs()
        .result(&run.run_id)
        .api_timeout(std::time::Duration::from_secs(1))
        .wait(Duration::from_secs(600))
        .await
        .unwrap();
    assert_eq!(result.run.run_id, run.run_id);
    assert!(
        ops(&emu, "task_run_result") >= 2,
        "at least one 408 then the result"
    );
}
