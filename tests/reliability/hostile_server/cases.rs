//! The hostile-server cases of the bad-input table.

use super::*;

/// The run stream's cursors, then the `last_event_id` of each request the
/// server got: `c1, c2; requests [None, Some("c1")]`.
pub(super) async fn cursors_and_reopens(
    client: &Client,
    server: &ScriptedServer,
) -> crate::bad_sdk::Outcome {
    let ids = all_runs(client).await.and_then(cursors)?;
    Ok(format!(
        "{}; requests {:?}",
        ids.join(", "),
        resumed_from(server)
    ))
}

/// Each item's event id, or its error's variant, comma-separated.
pub(super) fn ids_and_errors(items: Vec<Result<GroupEvent, Error>>) -> String {
    items
        .into_iter()
        .map(|i| match i {
            Ok(e) => e.event_id().unwrap_or("?").to_owned(),
            Err(e) => crate::bad_sdk::variant(&e),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The hostile-server cases of the bad-input table.
pub(crate) fn cases() -> Vec<Case> {
    vec![
        Case::new(
            "sse_data_not_json",
            "runs stream: `data: this is not json` then a valid event",
            "a Decode item for the bad event, then the valid one; no panic",
            expect_ok(|s| s == "Decode, c2"),
            |env| async move {
                let body = format!("data: this is not json\n\n{}", run_event("c2", "trun_2"));
                let server = always([sse_head(), body.as_bytes()].concat()).await;
                let items = all_runs(&client_for(&env, &server.url(), |b| b)).await;
                Observed::of(items.map(ids_and_errors))
            },
        ),
        Case::new(
            "sse_unknown_event_type",
            "runs stream: `{\"type\":\"task_group.alien\",\"event_id\":\"c1\"}` then a run event",
            "GroupEvent::Unknown { kind: \"task_group.alien\" } (not an error), cursor kept",
            expect_ok(|s| s == "Unknown(task_group.alien)@c1, RunState@c2"),
            |env| async move {
                let body = format!(
                    "event: task_group.alien\ndata: {{\"type\":\"task_group.alien\",\"event_id\":\"c1\",\"shape\":[1,2]}}\n\n{}",
                    run_event("c2", "trun_2")
                );
                let server = always([sse_head(), body.as_bytes()].concat()).await;
                let items = all_runs(&client_for(&env, &server.url(), |b| b)).await;
                Observed::of(items.and_then(|items| {
                    items
                        .into_iter()
                        .map(|i| {
                            i.map(|e| match &e {
                                GroupEvent::Unknown { kind, .. } => {
                                    format!("Unknown({kind})@{}", e.event_id().unwrap_or("?"))
                                }
                                GroupEvent::RunState(r) => {
                                    format!("RunState@{}", r.event_id.as_deref().unwrap_or("?"))
                                }
                                other => format!("{other:?}"),
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map(|v| v.join(", "))
                }))
            },
        ),
        Case::new(
            "sse_single_50mb_event",
            "runs stream: one event whose data line is 50 MB (the SDK caps events at 32 MiB)",
            "Error::EventTooLarge naming the limit, then the stream ends; resident memory grows < 256 MiB",
            expect_err(|e| matches!(e, Error::EventTooLarge { limit, .. } if *limit == 32 << 20)),
            |env| async move {
                let server = ScriptedServer::start(|_req, mut sock| async move {
                    if !write(&mut sock, sse_head()).await || !write(&mut sock, b"data: \"").await {
                        return;
                    }
                    let block = vec![b'x'; 64 * 1024];
                    for _ in 0..(50 * 1024 * 1024 / block.len()) {
                        if !write(&mut sock, &block).await {
                            return;
                        }
                    }
                    write(&mut sock, b"\"\n\n").await;
                })
                .await;
                let client = client_for(&env, &server.url(), |b| b);
                let (result, grown) = with_rss_growth(all_runs(&client)).await;
                let outcome = match result {
                    Ok(items) => {
                        let n = items.len();
                        match items.into_iter().next() {
                            Some(Err(e)) if n == 1 => Err(e),
                            _ => Ok(format!("{n} items, expected exactly one error")),
                        }
                    }
                    Err(e) => Err(e),
                };
                bounded(outcome, grown)
            },
        ),
        Case::new(
            "sse_crlf_framing",
            "runs stream: the same three events framed with CRLF instead of LF",
            "exactly the events of the LF-framed stream",
            expect_ok(|s| s == "c1, c2, c3 (identical to LF)"),
            |env| async move {
                let lf: String = ["c1", "c2", "c3"]
                    .iter()
                    .map(|c| run_event(c, &format!("trun_{c}")))
                    .collect();
                let crlf = lf.replace('\n', "\r\n");
                let lf_server = always([sse_head(), lf.as_bytes()].concat()).await;
                let crlf_server = always([sse_head(), crlf.as_bytes()].concat()).await;
                // Each event's full Debug form, and the cursors.
                let read = |url: String| {
                    let client = client_for(&env, &url, |b| b);
                    async move {
                        let items = all_runs(&client).await?;
                        let debug: Vec<String> = items.iter().map(|i| format!("{i:?}")).collect();
                        Ok::<_, Error>((debug, cursors(items)?))
                    }
                };
                let from_lf = read(lf_server.url()).await;
                let from_crlf = read(crlf_server.url()).await;
                Observed::of(match (from_lf, from_crlf) {
                    (Ok((a, _)), Ok((b, ids))) if a == b => {
                        Ok(format!("{} (identical to LF)", ids.join(", ")))
                    }
                    (Ok(a), Ok(b)) => Ok(format!("differ: LF {a:?} vs CRLF {b:?}")),
                    (Err(e), _) | (_, Err(e)) => Err(e),
                })
            },
        ),
        Case::new(
            "sse_only_keepalive_comments",
            "runs stream: one event (c1), then only `:keepalive` comments every 50 ms; stream_idle_timeout 300 ms",
            "comments do not count as activity (documented): the SDK reconnects after 300 ms with last_event_id=c1; c2 from the new connection; nothing twice",
            expect_ok(|s| s == "c1, c2; requests [None, Some(\"c1\")]"),
            |env| async move {
                let server = ScriptedServer::start(|req, mut sock| async move {
                    write(&mut sock, sse_head()).await;
                    if req.connection == 0 {
                        write(&mut sock, run_event("c1", "trun_1").as_bytes()).await;
                        // Comments until the client hangs up.
                        while write(&mut sock, b":keepalive\n\n").await {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    } else {
                        write(&mut sock, run_event("c2", "trun_2").as_bytes()).await;
                    }
                })
                .await;
                let client = client_for(&env, &server.url(), |b| {
                    b.stream_idle_timeout(Some(Duration::from_millis(300)))
                });
                Observed::of(cursors_and_reopens(&client, &server).await)
            },
        ),
        Case::new(
            "sse_truncated_last_event",
            "runs stream (close-delimited body): c1, then half of c2, then the connection closes",
            "the SDK resumes from c1 (fixed: it used to end the stream and lose c2); c1, c2 once each",
            expect_ok(|s| s == "c1, c2; requests [None, Some(\"c1\")]"),
            |env| async move {
                let server = ScriptedServer::start(|req, mut sock| async move {
                    write(&mut sock, sse_head()).await;
                    if req.connection == 0 {
                        let c2 = run_event("c2", "trun_2");
                        let body = format!("{}{}", run_event("c1", "trun_1"), &c2[..c2.len() / 2]);
                        write(&mut sock, body.as_bytes()).await;
                    } else if req.query("last_event_id").as_deref() == Some("c1") {
                        write(&mut sock, run_event("c2", "trun_2").as_bytes()).await;
                    }
                })
                .await;
                let client = client_for(&env, &server.url(), |b| b);
                Observed::of(cursors_and_reopens(&client, &server).await)
            },
        ),
        Case::new(
            "sse_truncated_chunked_body",
            "runs stream (chunked body): c1, then a chunk cut in the middle, then the connection closes",
            "the SDK resumes from c1; c1, c2 once each",
            expect_ok(|s| s == "c1, c2; requests [None, Some(\"c1\")]"),
            |env| async move {
                let server = ScriptedServer::start(|req, mut sock| async move {
                    let head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
                    write(&mut sock, head).await;
                    let chunk = |s: &str| format!("{:x}\r\n{s}\r\n", s.len());
                    if req.connection == 0 {
                        let c2 = run_event("c2", "trun_2");
                        let cut = format!("{:x}\r\n{}", c2.len(), &c2[..c2.len() / 2]);
                        let body = format!("{}{cut}", chunk(&run_event("c1", "trun_1")));
                        write(&mut sock, body.as_bytes()).await;
                    } else {
                        let body = format!("{}0\r\n\r\n", chunk(&run_event("c2", "trun_2")));
                        write(&mut sock, body.as_bytes()).await;
                    }
                })
                .await;
                let client = client_for(&env, &server.url(), |b| b);
                Observed::of(cursors_and_reopens(&client, &server).await)
            },
        ),
        Case::new(
            "sse_error_event_mid_stream",
            "runs stream: c1, an `error` event, c2",
            "GroupEvent::Error with the server's message, and the stream goes on",
            expect_ok(|s| s == "c1, Error(overloaded), c2"),
            |env| async move {
                let body = format!(
                    "{}event: error\ndata: {{\"type\":\"error\",\"error\":{{\"ref_id\":\"r-9\",\"message\":\"overloaded\"}}}}\n\n{}",
                    run_event("c1", "trun_1"),
                    run_event("c2", "trun_2")
                );
                let server = always([sse_head(), body.as_bytes()].concat()).await;
                let items = all_runs(&client_for(&env, &server.url(), |b| b)).await;
                Observed::of(items.and_then(|items| {
                    items
                        .into_iter()
                        .map(|i| {
                            i.map(|e| match e {
                                GroupEvent::Error(err) => format!("Error({})", err.message),
                                other => other.event_id().unwrap_or("?").to_owned(),
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map(|v| v.join(", "))
                }))
            },
        ),
        Case::new(
            "sse_invalid_utf8_data",
            "runs stream: a data line with bytes 0xff 0xfe inside a JSON string, then c2",
            "a Decode item, then c2",
            expect_ok(|s| s == "Decode, c2"),
            |env| async move {
                let mut body = b"data: {\"type\":\"task_run.state\",\"event_id\":\"c1\",\"x\":\"\xff\xfe\"}\n\n".to_vec();
                body.extend_from_slice(run_event("c2", "trun_2").as_bytes());
                let server = always([sse_head(), &body].concat()).await;
                let items = all_runs(&client_for(&env, &server.url(), |b| b)).await;
                Observed::of(items.map(ids_and_errors))
            },
        ),
        Case::new(
            "html_500_with_retries",
            "POST /v1/tasks/groups answered 500 text/html with a 100 KB page, every time",
            "Error::Api status 500 after 3 attempts; message cut to about 200 characters, body kept to 4 KiB",
            expect_err(
                |e| matches!(e, Error::Api(a) if a.status == 500 && a.message.chars().count() <= 201 && a.body.len() <= 4100),
            ),
            |env| async move {
                let page = format!(
                    "<!DOCTYPE html><html><body>{}</body></html>",
                    "<p>Internal Server Error</p>".repeat(3600)
                );
                let server = always(response(
                    500,
                    "text/html; charset=utf-8",
                    &[],
                    page.as_bytes(),
                ))
                .await;
                let client = client_for(&env, &server.url(), |b| b);
                let result = client.task_groups().create().send().await;
                let attempts = server.requests().len();
                Observed::of(result.map(|g| g.id().to_owned())).check(attempts == 3, || {
                    format!("{attempts} attempts instead of 3")
                })
            },
        ),
        Case::new(
            "html_401",
            "GET a group answered 401 text/html",
            "Error::Authentication (no retry)",
            expect_err(|e| matches!(e, Error::Authentication(a) if a.status == 401)),
            |env| async move {
                let server =
                    always(response(401, "text/html", &[], b"<h1>Unauthorized</h1>")).await;
                let client = client_for(&env, &server.url(), |b| b);
                let result = client.task_groups().retrieve("tgrp_hostile").await;
                let attempts = server.requests().len();
                Observed::of(result.map(|g| g.id().to_owned())).check(attempts == 1, || {
                    format!("{attempts} attempts instead of 1")
                })
            },
        ),
        Case::new(
            "sse_endpoint_200_text_html",
            "GET .../runs answered 200 text/html with a web page",
            "Error::NotAnEventStream at send() naming the content type (fixed: it used to be an empty, successful stream)",
            expect_err(
                |e| matches!(e, Error::NotAnEventStream { content_type, .. } if content_type.contains("text/html")),
            ),
            |env| async move {
                let server = always(response(
                    200,
                    "text/html",
                    &[],
                    b"<html><body>Welcome</body></html>\n\n",
                ))
                .await;
                let result = all_runs(&client_for(&env, &server.url(), |b| b)).await;
                Observed::of(result.map(|items| format!("{} items", items.len())))
            },
        ),
        Case::new(
            "json_endpoint_200_text_html",
            "GET a group answered 200 text/html with a web page",
            "Error::Decode keeping the raw text",
            expect_err(|e| matches!(e, Error::Decode { raw, .. } if raw.contains("<html>"))),
            |env| async move {
                let server = always(response(
                    200,
                    "text/html",
                    &[],
                    b"<html><body>Welcome</body></html>",
                ))
                .await;
                let client = client_for(&env, &server.url(), |b| b);
                Observed::of(
                    client
                        .task_groups()
                        .retrieve("tgrp_hostile")
                        .await
                        .map(|g| g.id().to_owned()),
                )
            },
        ),
        Case::new(
            "redirect_307_to_another_host",
            "POST /v1/tasks/groups answered 307 to a second server (another port)",
            "not followed (fixed: reqwest forwarded x-api-key): Error::Api status 307 saying why; the second server gets nothing",
            expect_err(
                |e| matches!(e, Error::Api(a) if a.status == 307 && a.message.contains("not followed")),
            ),
            |env| async move {
                let (outcome, other) = redirect_to_another_host(&env, 307).await;
                let leaked = other
                    .iter()
                    .filter(|r| r.header("x-api-key").is_some())
                    .count();
                Observed::of(outcome).check(other.is_empty(), || {
                    format!(
                        "the other host got {} request(s), {leaked} with x-api-key",
                        other.len()
                    )
                })
            },
        ),
        Case::new(
            "redirect_302_to_another_host",
            "GET a group answered 302 to a second server (another port)",
            "not followed: Error::Api status 302; the second server gets nothing",
            expect_err(|e| matches!(e, Error::Api(a) if a.status == 302)),
            |env| async move {
                let (outcome, other) = redirect_to_another_host(&env, 302).await;
                Observed::of(outcome).check(other.is_empty(), || {
                    format!("the other host got {} request(s)", other.len())
                })
            },
        ),
        Case::new(
            "redirect_302_same_origin",
            "GET a group answered 302 to another path of the same server",
            "followed (same origin keeps working), with the key: Ok",
            expect_ok(|s| s == "tgrp_hostile; key sent 2 times"),
            |env| async move {
                let server = ScriptedServer::start(|req, mut sock| async move {
                    let bytes = if req.target.starts_with("/moved") {
                        response(
                            200,
                            "application/json",
                            &[],
                            group_json("completed").as_bytes(),
                        )
                    } else {
                        response(
                            302,
                            "text/plain",
                            &[("location", "/moved/tgrp_hostile")],
                            b"",
                        )
                    };
                    write(&mut sock, &bytes).await;
                })
                .await;
                let client = client_for(&env, &server.url(), |b| b);
                let result = client.task_groups().retrieve("tgrp_hostile").await;
                let with_key = server
                    .requests()
                    .iter()
                    .filter(|r| r.header("x-api-key") == Some(env.key.as_str()))
                    .count();
                Observed::of(result.map(|g| format!("{}; key sent {with_key} times", g.id())))
            },
        ),
        Case::new(
            "unknown_run_status",
            "GET /v1/tasks/runs/{id} with status \"paused_by_alien\"",
            "Ok, status TaskRunStatus::Other(\"paused_by_alien\")",
            expect_ok(|s| s == "Other(\"paused_by_alien\")"),
            |env| async move {
                let run = run_json("c1", "trun_1", "paused_by_alien");
                let run =
                    serde_json::from_str::<serde_json::Value>(&run).unwrap()["run"].to_string();
                let server = always(response(200, "application/json", &[], run.as_bytes())).await;
                let client = client_for(&env, &server.url(), |b| b);
                Observed::of(
                    client
                        .task_runs()
                        .retrieve("trun_1")
                        .await
                        .map(|r| format!("{:?}", r.status)),
                )
            },
        ),
        Case::new(
            "unknown_status_in_group_and_stream",
            "group status counts {\"paused_by_alien\":1}, and a run event with that status",
            "Ok: the count is kept under its name; the run's status is Other(\"paused_by_alien\")",
            expect_ok(|s| s == "count 1; Other(\"paused_by_alien\")"),
            |env| async move {
                let server = ScriptedServer::start(|req, mut sock| async move {
                    let bytes = if req.target.contains("/runs") {
                        let body =
                            format!("data: {}\n\n", run_json("c1", "trun_1", "paused_by_alien"));
                        [sse_head(), body.as_bytes()].concat()
                    } else {
                        response(
                            200,
                            "application/json",
                            &[],
                            group_json("paused_by_alien").as_bytes(),
                        )
                    };
                    write(&mut sock, &bytes).await;
                })
                .await;
                let client = client_for(&env, &server.url(), |b| b);
                let group = match client.task_groups().retrieve("tgrp_hostile").await {
                    Ok(g) => g,
                    Err(e) => return Observed::of(Err(e)),
                };
                let count = group.info().and_then(|i| {
                    i.status
                        .task_run_status_counts
                        .get("paused_by_alien")
                        .copied()
                });
                let items = all_runs(&client).await;
                Observed::of(items.and_then(|items| {
                    let statuses = items
                        .into_iter()
                        .map(|i| {
                            i.map(|e| match e {
                                GroupEvent::RunState(r) => format!("{:?}", r.run.status),
                                other => format!("{other:?}"),
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(format!(
                        "count {}; {}",
                        count.unwrap_or(0),
                        statuses.join(", ")
                    ))
                }))
            },
        ),
        Case::new(
            "invalid_utf8_json_body",
            "GET a group answered 200 application/json with bytes 0xff 0xfe in a string",
            "Error::Decode",
            expect_err(|e| matches!(e, Error::Decode { .. })),
            |env| async move {
                let body = b"{\"taskgroup_id\":\"tgrp_\xff\xfe\",\"status\":{\"num_task_runs\":0,\"task_run_status_counts\":{},\"is_active\":false},\"created_at\":null}";
                let server = always(response(200, "application/json", &[], body)).await;
                let client = client_for(&env, &server.url(), |b| b);
                Observed::of(
                    client
                        .task_groups()
                        .retrieve("tgrp_hostile")
                        .await
                        .map(|g| g.id().to_owned()),
                )
            },
        ),
        Case::new(
            "empty_200_json_body",
            "POST /v1/tasks/groups answered 200 application/json with an empty body",
            "Error::Decode",
            expect_err(|e| matches!(e, Error::Decode { .. })),
            |env| async move {
                let server = always(response(200, "application/json", &[], b"")).await;
                let client = client_for(&env, &server.url(), |b| b);
                Observed::of(
                    client
                        .task_groups()
                        .create()
                        .send()
                        .await
                        .map(|g| g.id().to_owned()),
                )
            },
        ),
        Case::new(
            "429_retry_after_1e9_seconds",
            "POST /v1/tasks/groups answered 429 with `retry-after: 1000000000`, every time; default retry policy",
            "no sleep of 1e9 s: the request is retried on the computed backoff (server delays over 60 s are not obeyed), then Error::RateLimited with retry_after capped at one day",
            expect_err(
                |e| matches!(e, Error::RateLimited { retry_after: Some(d), .. } if *d == Duration::from_secs(86_400)),
            ),
            |env| async move {
                let server = always(response(
                    429,
                    "application/json",
                    &[("retry-after", "1000000000")],
                    br#"{"type":"error","error":{"ref_id":"r-429","message":"Too many requests: quota temporarily exceeded"}}"#,
                ))
                .await;
                let client = client_for(&env, &server.url(), |b| {
                    b.retry_policy(RetryPolicy::default())
                });
                let result = client.task_groups().create().send().await;
                let attempts = server.requests().len();
                Observed::of(result.map(|g| g.id().to_owned())).check(attempts == 3, || {
                    format!("{attempts} attempts instead of 3")
                })
            },
        ),
        Case::new(
            "server_never_answers",
            "GET a group: the server reads the request and stays silent; read_timeout 300 ms",
            "Error::Timeout (after the retries of a read)",
            expect_err(|e| matches!(e, Error::Timeout { .. })),
            |env| async move {
                let server = ScriptedServer::start(|_req, sock| async move {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    drop(sock);
                })
                .await;
                let client = client_for(&env, &server.url(), |b| {
                    b.read_timeout(Some(Duration::from_millis(300)))
                });
                Observed::of(
                    client
                        .task_groups()
                        .retrieve("tgrp_hostile")
                        .await
                        .map(|g| g.id().to_owned()),
                )
            },
        ),
        Case::new(
            "server_closes_at_once",
            "GET a group: the server reads the request and closes the connection without a byte",
            "Error::Connection { before_sending: false } after the retries",
            expect_err(|e| {
                matches!(
                    e,
                    Error::Connection {
                        before_sending: false,
                        ..
                    }
                )
            }),
            |env| async move {
                let server = ScriptedServer::start(|_req, sock| async move { drop(sock) }).await;
                let client = client_for(&env, &server.url(), |b| b);
                let result = client.task_groups().retrieve("tgrp_hostile").await;
                let attempts = server.requests().len();
                Observed::of(result.map(|g| g.id().to_owned())).check(attempts == 3, || {
                    format!("{attempts} attempts instead of 3")
                })
            },
        ),
    ]
}
