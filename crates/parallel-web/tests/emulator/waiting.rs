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

#[tokio::test]
async fn result_wait_repeats_the_long_poll_after_each_408_until_the_run_is_done() {
    // lite-fast takes 10-20 s, scaled to 1.2-2.4 s: longer than one 1 s poll.
    let emu = start(Emulator::builder().time_scale(0.12).seed(9)).await;
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
        .timeout(std::time::Duration::from_secs(1))
        .wait(Duration::from_secs(600))
        .await
        .unwrap();
    assert_eq!(result.run.run_id, run.run_id);
    assert!(
        ops(&emu, "task_run_result") >= 2,
        "at least one 408 then the result"
    );
}
