//! The monitor and memory cases of the bad-input table (issue 16),
//! against the emulator binary: what the API documents is refused before
//! sending with the field named; what only the server knows (an unknown
//! monitor, a garbage cursor, a cancelled monitor) comes back typed.

use super::*;
use futures::TryStreamExt;

/// An `InvalidInput` on `field` (exactly), with nothing sent.
fn refused(field: &'static str) -> Check {
    expect_err(move |e| matches!(e, Error::InvalidInput { field: f, .. } if f == field))
}

/// Runs `call` on a client of the emulator; a violation is recorded if a
/// request was sent when `sends` is false.
async fn counted<F, Fut>(env: &Env, sends: bool, call: F) -> Observed
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let client = env.client();
    let before = client.request_count();
    let outcome = call(client.clone()).await;
    let sent = client.request_count() - before;
    Observed::of(outcome).check(sends || sent == 0, || format!("{sent} request(s) sent"))
}

async fn create(create: parallel_web::CreateMonitor) -> Outcome {
    let m = create.await?;
    Ok(format!("created {}", m.id()))
}

async fn new_monitor(c: &Client) -> Result<parallel_web::Monitor, Error> {
    c.monitors()
        .create()
        .event_stream("offshore wind")
        .frequency("1d")
        .await
}

pub(super) fn monitor_cases() -> Vec<Case> {
    vec![
        Case::new(
            "monitor_unknown_frequency",
            "monitors().create().event_stream(..).frequency(\"daily\")",
            "InvalidInput on frequency, nothing sent",
            refused("frequency"),
            |env| async move {
                counted(&env, false, |c| {
                    create(c.monitors().create().event_stream("x").frequency("daily"))
                })
                .await
            },
        ),
        Case::new(
            "monitor_frequency_31d",
            "frequency(\"31d\") (the documented range is 1h to 30d)",
            "InvalidInput on frequency, nothing sent",
            refused("frequency"),
            |env| async move {
                counted(&env, false, |c| {
                    create(c.monitors().create().event_stream("x").frequency("31d"))
                })
                .await
            },
        ),
        Case::new(
            "monitor_no_kind",
            "monitors().create().frequency(\"1d\") with neither event_stream nor snapshot",
            "InvalidInput on type, nothing sent",
            refused("type"),
            |env| async move {
                counted(&env, false, |c| {
                    create(c.monitors().create().frequency("1d"))
                })
                .await
            },
        ),
        Case::new(
            "monitor_blank_query",
            "event_stream(\"   \")",
            "InvalidInput on settings.query, nothing sent",
            refused("settings.query"),
            |env| async move {
                counted(&env, false, |c| {
                    create(c.monitors().create().event_stream("   ").frequency("1d"))
                })
                .await
            },
        ),
        Case::new(
            "monitor_metadata_key_17_chars",
            "monitor metadata with a 17-character key",
            "InvalidInput on metadata.<key>, nothing sent",
            expect_err(
                |e| matches!(e, Error::InvalidInput { field, .. } if field.starts_with("metadata.")),
            ),
            |env| async move {
                counted(&env, false, |c| {
                    create(
                        c.monitors()
                            .create()
                            .event_stream("x")
                            .frequency("1d")
                            .metadata("seventeen_chars_k", "v"),
                    )
                })
                .await
            },
        ),
        Case::new(
            "monitor_events_page_101",
            "events().page_size(101) (at most 100)",
            "InvalidInput on limit, nothing sent",
            refused("limit"),
            |env| async move {
                counted(&env, false, |c| async move {
                    let page = c
                        .monitors()
                        .monitor("monitor_x")
                        .events()
                        .page_size(101)
                        .page(None)
                        .await?;
                    Ok(format!("{} events", page.events.len()))
                })
                .await
            },
        ),
        Case::new(
            "monitor_update_nothing",
            "monitor(..).update() with no field set",
            "InvalidInput on body, nothing sent",
            refused("body"),
            |env| async move {
                counted(&env, false, |c| async move {
                    c.monitors().monitor("monitor_x").update().await?;
                    Ok("updated".into())
                })
                .await
            },
        ),
        Case::new(
            "monitor_garbage_events_cursor",
            "events().page(Some(\"garbage\")) on a real monitor",
            "HTTP 422 naming the cursor, as a typed error (not an empty page)",
            expect_err(|e| e.status() == Some(422) && e.to_string().contains("cursor")),
            |env| async move {
                counted(&env, true, |c| async move {
                    let m = new_monitor(&c).await?;
                    let page = m.events().page(Some("garbage")).await?;
                    Ok(format!("{} events", page.events.len()))
                })
                .await
            },
        ),
        Case::new(
            "monitor_unknown_id",
            "monitors().get(\"monitor_doesnotexist\")",
            "Error::Api, HTTP 404",
            expect_err(|e| e.status() == Some(404)),
            |env| async move {
                counted(&env, true, |c| async move {
                    let m = c.monitors().get("monitor_doesnotexist").await?;
                    Ok(m.id().to_owned())
                })
                .await
            },
        ),
        Case::new(
            "monitor_trigger_cancelled",
            "trigger() after cancel()",
            "HTTP 422 saying the monitor is cancelled",
            expect_err(|e| e.status() == Some(422) && e.to_string().contains("cancelled")),
            |env| async move {
                counted(&env, true, |c| async move {
                    let m = new_monitor(&c).await?;
                    m.cancel().await?;
                    m.trigger().await?;
                    Ok("triggered".into())
                })
                .await
            },
        ),
        Case::new(
            "monitor_events_of_unknown_monitor",
            "monitor(\"monitor_doesnotexist\").events().stream()",
            "the stream's one item is Error::Api, HTTP 404",
            expect_err(|e| e.status() == Some(404)),
            |env| async move {
                counted(&env, true, |c| async move {
                    let all: Vec<_> = c
                        .monitors()
                        .monitor("monitor_doesnotexist")
                        .events()
                        .stream()
                        .try_collect()
                        .await?;
                    Ok(format!("{} events", all.len()))
                })
                .await
            },
        ),
        Case::new(
            "memory_limit_zero",
            "memory().retrieve().limit(0)",
            "InvalidInput on limit, nothing sent",
            refused("limit"),
            |env| async move {
                counted(&env, false, |c| async move {
                    let found = c.memory().retrieve().limit(0).await?;
                    Ok(format!("{} memories", found.len()))
                })
                .await
            },
        ),
    ]
}
