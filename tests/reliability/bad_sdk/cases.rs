//! The SDK cases of the bad-input table, against the emulator binary.

use super::*;

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct Question {
    /// The question to research.
    question: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[expect(dead_code, reason = "only its schema is used")]
struct Answer {
    /// The answer.
    answer: String,
}

fn question(text: impl Into<String>) -> Question {
    Question {
        question: text.into(),
    }
}

/// An object schema nested `levels` objects deep.
fn nested_schema(levels: usize) -> Value {
    (0..levels).fold(
        json!({"type": "string"}),
        |inner, _| json!({"type": "object", "properties": {"a": inner}}),
    )
}

/// An error about the input at `index`, on a field starting with `field`.
fn input_error(index: Option<usize>, field: &'static str) -> Check {
    expect_err(
        move |e| matches!(e, Error::InvalidInput { index: i, field: f, .. } if *i == index && f.starts_with(field)),
    )
}

/// An `add_runs` that created nothing, stopped by an error passing `pred`.
fn batch_failed_with(pred: impl Fn(&Error) -> bool + Send + Sync + 'static) -> Check {
    expect_err(move |e| {
        matches!(e, Error::BatchIncomplete { created: 0, run_ids, source, .. }
            if run_ids.iter().all(Option::is_none) && pred(source))
    })
}

/// A `lite` batch of `inputs` added to a new group of the instant emulator.
async fn add_to_new_group(
    env: &Env,
    add: impl FnOnce(parallel_web::TaskGroup) -> parallel_web::AddRuns,
) -> Outcome {
    let group = env.client().task_groups().create().send().await?;
    let added = add(group).send().await?;
    Ok(format!("{} run(s)", added.run_ids.len()))
}

/// A `lite` run added to a new group, with `schema` as its output schema.
async fn with_output_schema(env: &Env, schema: Value) -> Outcome {
    let spec = TaskSpec::from_json_schemas(None, schema)?;
    add_to_new_group(env, |g| {
        g.add_runs(["q"]).processor("lite").default_spec(&spec)
    })
    .await
}

/// A 422 naming the query parameter `name`.
fn query_field_refused(name: &'static str) -> Check {
    expect_err(
        move |e| matches!(e, Error::Validation { fields, .. } if fields.iter().any(|f| f.loc.iter().any(|l| l == name))),
    )
}

/// A loopback port nothing listens on.
async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    listener.local_addr().expect("address").port()
}

/// The SDK cases, against the emulator binary.
pub(super) fn sdk_cases() -> Vec<Case> {
    vec![
        Case::new(
            "group_metadata_key_17_chars",
            "create group with metadata key of 17 characters",
            "InvalidInput on metadata.<key>, nothing sent",
            input_error(None, "metadata.seventeen_chars_"),
            |env| async move {
                let client = env.client();
                let sent = client.request_count();
                let r = client
                    .task_groups()
                    .create()
                    .metadata([("seventeen_chars_k", "v")])
                    .send()
                    .await;
                let extra = client.request_count() - sent;
                Observed::of(r.map(|g| g.id().to_owned()))
                    .check(extra == 0, || format!("{extra} request(s) sent"))
            },
        ),
        Case::new(
            "batch_metadata_key_17_chars",
            "add_runs with batch metadata key of 17 characters",
            "InvalidInput on metadata.<key> (no index: the batch's)",
            input_error(None, "metadata.seventeen_chars_"),
            |env| async move {
                Observed::of(
                    add_to_new_group(&env, |g| {
                        g.add_runs([question("q")])
                            .processor("lite")
                            .metadata([("seventeen_chars_k", "v")])
                    })
                    .await,
                )
            },
        ),
        Case::new(
            "run_metadata_value_513_chars",
            "add_run_inputs: input #1 has a metadata value of 513 characters",
            "InvalidInput for input #1 on metadata.note",
            input_error(Some(1), "metadata.note"),
            |env| async move {
                let runs = [
                    RunInput::new(question("fine")),
                    RunInput::new(question("long note")).metadata([("note", "x".repeat(513))]),
                ];
                Observed::of(
                    add_to_new_group(&env, |g| g.add_run_inputs(runs).processor("lite")).await,
                )
            },
        ),
        Case::new(
            "metadata_at_the_limits",
            "group and run metadata with a 16-character key and a 512-character value",
            "Ok: the documented limits are inclusive",
            expect_ok(|s| s == "1 run(s)"),
            |env| async move {
                let (key, value) = ("k".repeat(16), "v".repeat(512));
                let client = env.client();
                let group = match client
                    .task_groups()
                    .create()
                    .metadata([(key.clone(), value.clone())])
                    .send()
                    .await
                {
                    Ok(g) => g,
                    Err(e) => return Observed::of(Err(e)),
                };
                let run = RunInput::new(question("q")).metadata([(key, value)]);
                let r = group.add_run_inputs([run]).processor("lite").send().await;
                Observed::of(r.map(|a| format!("{} run(s)", a.run_ids.len())))
            },
        ),
        Case::new(
            "metadata_key_16_multibyte_chars",
            "run metadata key of 16 characters that is 32 bytes in UTF-8 (\"é\" x 16)",
            "Ok: the limit counts characters, not bytes",
            expect_ok(|s| s == "1 run(s)"),
            |env| async move {
                let run = RunInput::new(question("q")).metadata([("é".repeat(16), "v")]);
                Observed::of(
                    add_to_new_group(&env, |g| g.add_run_inputs([run]).processor("lite")).await,
                )
            },
        ),
        Case::new(
            "spec_plus_input_over_25000_chars",
            "a JSON spec plus an input of 24,990 characters (over 25,000 together)",
            "InvalidInput for input #0 on `input`, naming the 25000 limit",
            expect_err(
                |e| matches!(e, Error::InvalidInput { index: Some(0), field, message } if field == "input" && message.contains("25000")),
            ),
            |env| async move {
                let spec = TaskSpec::json::<Question, Answer>();
                Observed::of(
                    add_to_new_group(&env, |g| {
                        g.add_runs([question("q".repeat(24_990))])
                            .processor("lite")
                            .default_spec(&spec)
                    })
                    .await,
                )
            },
        ),
        Case::new(
            "spec_alone_over_15000_chars",
            "a text spec whose description is 15,001 characters",
            "InvalidInput on task_spec, naming the 15000 limit",
            expect_err(
                |e| matches!(e, Error::InvalidInput { field, message, .. } if field == "task_spec" && message.contains("15000")),
            ),
            |env| async move {
                let spec = TaskSpec::text("d".repeat(15_001));
                Observed::of(
                    add_to_new_group(&env, |g| {
                        g.add_runs(["q"]).processor("lite").default_spec(&spec)
                    })
                    .await,
                )
            },
        ),
        Case::new(
            "schema_not_an_object",
            "TaskSpec::from_json_schemas with output schema `\"a string\"`",
            "InvalidInput on task_spec.output_schema",
            input_error(None, "task_spec.output_schema"),
            |_env| async move {
                Observed::of(
                    TaskSpec::from_json_schemas(None, json!("a string"))
                        .map(|s| format!("{} chars", s.len_chars())),
                )
            },
        ),
        Case::new(
            "schema_with_ref",
            "output schema using `$ref` / `$defs` (a shared or recursive type)",
            "InvalidInput on task_spec.output_schema naming $ref",
            expect_err(
                |e| matches!(e, Error::InvalidInput { field, message, .. } if field == "task_spec.output_schema" && message.contains("$ref")),
            ),
            |env| async move {
                let schema = json!({"type": "object", "properties": {"a": {"$ref": "#/$defs/A"}},
                    "$defs": {"A": {"type": "string"}}});
                Observed::of(with_output_schema(&env, schema).await)
            },
        ),
        Case::new(
            "schema_with_meaningless_type",
            "output schema `{\"type\":\"no_such_type\"}` (valid JSON, not valid JSON Schema)",
            "Ok: the SDK checks the documented limits, not JSON Schema semantics; the emulator accepts it too (the live API may answer 422)",
            expect_ok(|s| s == "1 run(s)"),
            |env| async move {
                Observed::of(with_output_schema(&env, json!({"type": "no_such_type"})).await)
            },
        ),
        Case::new(
            "schema_nested_6_levels",
            "output schema with objects nested 6 deep (limit 5)",
            "InvalidInput on task_spec.output_schema: nesting depth is 6",
            expect_err(
                |e| matches!(e, Error::InvalidInput { message, .. } if message.contains("nesting depth is 6")),
            ),
            |env| async move { Observed::of(with_output_schema(&env, nested_schema(6)).await) },
        ),
        Case::new(
            "schema_101_properties",
            "output schema with 101 properties (limit 100)",
            "InvalidInput on task_spec.output_schema: 101 properties",
            expect_err(
                |e| matches!(e, Error::InvalidInput { message, .. } if message.contains("101 properties")),
            ),
            |env| async move {
                let props: serde_json::Map<String, Value> = (0..101)
                    .map(|i| (format!("p{i}"), json!({"type": "string"})))
                    .collect();
                let schema = json!({"type": "object", "properties": props});
                Observed::of(with_output_schema(&env, schema).await)
            },
        ),
        Case::new(
            "input_is_a_number",
            "add_runs([\"ok\", 42]): the second input is a JSON number",
            "InvalidInput for input #1 on `input` (objects or strings only)",
            input_error(Some(1), "input"),
            |env| async move {
                let inputs = [json!("ok"), json!(42)];
                Observed::of(add_to_new_group(&env, |g| g.add_runs(inputs).processor("lite")).await)
            },
        ),
        Case::new(
            "input_is_an_array",
            "add_runs([[1, 2]])",
            "InvalidInput for input #0 on `input`",
            input_error(Some(0), "input"),
            |env| async move {
                Observed::of(
                    add_to_new_group(&env, |g| g.add_runs([vec![1, 2]]).processor("lite")).await,
                )
            },
        ),
        Case::new(
            "input_is_null",
            "add_runs([null])",
            "InvalidInput for input #0 on `input`",
            input_error(Some(0), "input"),
            |env| async move {
                Observed::of(
                    add_to_new_group(&env, |g| g.add_runs([Value::Null]).processor("lite")).await,
                )
            },
        ),
        Case::new(
            "no_processor",
            "add_runs without a processor on the batch or the run",
            "InvalidInput for input #0 on `processor`",
            input_error(Some(0), "processor"),
            |env| async move { Observed::of(add_to_new_group(&env, |g| g.add_runs(["q"])).await) },
        ),
        Case::new(
            "unknown_processor",
            "add_runs with processor \"warp-speed\"",
            "Error::BatchIncomplete { created: 0 } whose source is Error::Validation (HTTP 422) naming body.inputs.0.processor (add_runs wraps every failure)",
            batch_failed_with(
                |e| matches!(e, Error::Validation { fields, .. } if fields.iter().any(|f| f.loc.iter().any(|l| l == "processor"))),
            ),
            |env| async move {
                Observed::of(
                    add_to_new_group(&env, |g| g.add_runs(["q"]).processor("warp-speed")).await,
                )
            },
        ),
        Case::new(
            "unknown_processor_single_run",
            "task_runs().create(RunInput::new(\"q\").processor(\"warp-speed\"))",
            "the documented 403 \"invalid processor\", as Error::Authentication (the SDK maps every 401/403 there)",
            expect_err(|e| matches!(e, Error::Authentication(a) if a.status == 403)),
            |env| async move {
                let run = RunInput::new("q").processor("warp-speed");
                Observed::of(
                    env.client()
                        .task_runs()
                        .create(run)
                        .send()
                        .await
                        .map(|r| r.run_id),
                )
            },
        ),
        Case::new(
            "batch_id_with_a_dot",
            "add_runs(..).batch_id(\"a.b\")",
            "InvalidInput on batch_id",
            input_error(None, "batch_id"),
            |env| async move {
                Observed::of(
                    add_to_new_group(&env, |g| {
                        g.add_runs(["q"]).processor("lite").batch_id("a.b")
                    })
                    .await,
                )
            },
        ),
        Case::new(
            "zero_inputs",
            "add_runs with an empty list of inputs",
            "Ok with no run ids and no request sent (documented: any number of inputs)",
            expect_ok(|s| s == "0 run ids, 0 requests"),
            |env| async move {
                let client = env.client();
                let group = match client.task_groups().create().send().await {
                    Ok(g) => g,
                    Err(e) => return Observed::of(Err(e)),
                };
                let before = client.request_count();
                let r = group
                    .add_runs(Vec::<Question>::new())
                    .processor("lite")
                    .send()
                    .await;
                let sent = client.request_count() - before;
                Observed::of(r.map(|a| format!("{} run ids, {sent} requests", a.run_ids.len())))
            },
        ),
        Case::new(
            "empty_api_key",
            "Client::builder().api_key(\"\").build()",
            "Error::Config (no key)",
            expect_err(|e| matches!(e, Error::Config(m) if m.contains("no API key"))),
            |env| async move {
                Observed::of(
                    Client::builder()
                        .api_key("")
                        .base_url(env.instant.base_url())
                        .build()
                        .map(|c| format!("{c:?}")),
                )
            },
        ),
        Case::new(
            "api_key_with_a_line_break",
            "the key followed by \"\\n\" (not a valid header value)",
            "Error::Config that does not quote the key",
            expect_err(|e| matches!(e, Error::Config(m) if m.contains("not a valid header value"))),
            |env| async move {
                Observed::of(
                    Client::builder()
                        .api_key(format!("{}\nx", env.key))
                        .base_url(env.instant.base_url())
                        .build()
                        .map(|c| format!("{c:?}")),
                )
            },
        ),
        Case::new(
            "wrong_api_key",
            "create a group with a wrong key",
            "Error::Authentication, HTTP 401, not retried",
            expect_err(|e| matches!(e, Error::Authentication(a) if a.status == 401)),
            |env| async move {
                let client = env
                    .builder()
                    .api_key(format!("{}-wrong", env.key))
                    .build()
                    .expect("client");
                let r = client.task_groups().create().send().await;
                let sent = client.request_count();
                Observed::of(r.map(|g| g.id().to_owned())).check(sent == 1, || {
                    format!("{sent} requests; 401 must not be retried")
                })
            },
        ),
        Case::new(
            "invalid_header_name",
            "builder .header(\"bad header\", \"v\")",
            "Error::Config naming the header",
            expect_err(|e| matches!(e, Error::Config(m) if m.contains("bad header"))),
            |env| async move {
                Observed::of(
                    env.builder()
                        .header("bad header", "v")
                        .build()
                        .map(|_| "built".to_owned()),
                )
            },
        ),
        Case::new(
            "base_url_not_a_url",
            "base_url(\"not a url\")",
            "Error::Config at build()",
            expect_err(|e| matches!(e, Error::Config(m) if m.contains("invalid base URL"))),
            |env| async move {
                Observed::of(
                    env.builder()
                        .base_url("not a url")
                        .build()
                        .map(|_| "built".to_owned()),
                )
            },
        ),
        Case::new(
            "base_url_ftp",
            "base_url(\"ftp://127.0.0.1:21\")",
            "Error::Config at build() (fixed: it used to build, then fail every request as a broken connection, retried)",
            expect_err(|e| matches!(e, Error::Config(m) if m.contains("ftp"))),
            |env| async move {
                let r = env.builder().base_url("ftp://127.0.0.1:21").build();
                let r = match r {
                    Ok(c) => c
                        .task_groups()
                        .create()
                        .send()
                        .await
                        .map(|g| g.id().to_owned()),
                    Err(e) => Err(e),
                };
                Observed::of(r)
            },
        ),
        Case::new(
            "base_url_refused_port",
            "create a group at http://127.0.0.1:<closed port>, default retries",
            "Error::Connection { before_sending: true } after 3 attempts",
            expect_err(|e| {
                matches!(
                    e,
                    Error::Connection {
                        before_sending: true,
                        ..
                    }
                )
            }),
            |env| async move {
                let port = closed_port().await;
                let client = env
                    .builder()
                    .base_url(format!("http://127.0.0.1:{port}"))
                    .build()
                    .expect("client");
                let r = client.task_groups().create().send().await;
                let sent = client.request_count();
                Observed::of(r.map(|g| g.id().to_owned()))
                    .check(sent == 3, || format!("{sent} attempts instead of 3"))
            },
        ),
        Case::new(
            "unknown_group_retrieve",
            "retrieve(\"tgrp_doesnotexist\")",
            "Error::Api, HTTP 404",
            expect_err(|e| matches!(e, Error::Api(a) if a.status == 404)),
            |env| async move {
                Observed::of(
                    env.client()
                        .task_groups()
                        .retrieve("tgrp_doesnotexist")
                        .await
                        .map(|g| g.id().to_owned()),
                )
            },
        ),
        Case::new(
            "unknown_group_runs_stream",
            "handle(\"tgrp_doesnotexist\").runs().send()",
            "Error::Api, HTTP 404, at send() (not as a stream item)",
            expect_err(|e| matches!(e, Error::Api(a) if a.status == 404)),
            |env| async move {
                let r = env
                    .client()
                    .task_groups()
                    .handle("tgrp_doesnotexist")
                    .runs()
                    .send()
                    .await;
                Observed::of(r.map(|_| "a stream".to_owned()))
            },
        ),
        Case::new(
            "unknown_group_add_runs",
            "handle(\"tgrp_doesnotexist\").add_runs([\"q\"])",
            "Error::BatchIncomplete { created: 0 } whose source is Error::Api, HTTP 404 (add_runs wraps every failure)",
            batch_failed_with(|e| matches!(e, Error::Api(a) if a.status == 404)),
            |env| async move {
                let r = env
                    .client()
                    .task_groups()
                    .handle("tgrp_doesnotexist")
                    .add_runs(["q"])
                    .processor("lite")
                    .send()
                    .await;
                Observed::of(r.map(|a| format!("{} run(s)", a.run_ids.len())))
            },
        ),
        Case::new(
            "unknown_run_retrieve",
            "task_runs().retrieve(\"trun_doesnotexist\")",
            "Error::Api, HTTP 404",
            expect_err(|e| matches!(e, Error::Api(a) if a.status == 404)),
            |env| async move {
                Observed::of(
                    env.client()
                        .task_runs()
                        .retrieve("trun_doesnotexist")
                        .await
                        .map(|r| r.run_id),
                )
            },
        ),
        Case::new(
            "unknown_run_events",
            "task_runs().events(\"trun_doesnotexist\").send()",
            "Error::Api, HTTP 404, at send()",
            expect_err(|e| matches!(e, Error::Api(a) if a.status == 404)),
            |env| async move {
                let r = env
                    .client()
                    .task_runs()
                    .events("trun_doesnotexist")
                    .send()
                    .await;
                Observed::of(r.map(|_| "a stream".to_owned()))
            },
        ),
        Case::new(
            "garbage_cursor_runs",
            "group.runs().after(\"not-a-cursor\").send()",
            "Error::Validation (HTTP 422) naming query.last_event_id",
            query_field_refused("last_event_id"),
            |env| async move {
                let opened = async {
                    let group = env.client().task_groups().create().send().await?;
                    group
                        .runs()
                        .after("not-a-cursor")
                        .send()
                        .await
                        .map(|_| "a stream".to_owned())
                };
                Observed::of(opened.await)
            },
        ),
        Case::new(
            "garbage_cursor_events",
            "group.events().after(\"\\u{1F4A5}%00\").send()",
            "Error::Validation (HTTP 422) naming query.last_event_id",
            query_field_refused("last_event_id"),
            |env| async move {
                let opened = async {
                    let group = env.client().task_groups().create().send().await?;
                    group
                        .events()
                        .after("\u{1F4A5}%00")
                        .send()
                        .await
                        .map(|_| "a stream".to_owned())
                };
                Observed::of(opened.await)
            },
        ),
        Case::new(
            "wait_max_wait_zero_active_group",
            "group with a `lite` run that takes real time; wait().max_wait(Duration::ZERO)",
            "Error::WaitTimeout after one final poll",
            expect_err(|e| matches!(e, Error::WaitTimeout(w) if w.polls >= 1)),
            |env| async move {
                let client = Client::builder()
                    .api_key(env.key.as_str())
                    .base_url(env.slow.base_url())
                    .build()
                    .expect("client");
                let group = match client.task_groups().create().send().await {
                    Ok(g) => g,
                    Err(e) => return Observed::of(Err(e)),
                };
                if let Err(e) = group.add_runs(["q"]).processor("lite").send().await {
                    return Observed::of(Err(e));
                }
                let r = group.wait().max_wait(Duration::ZERO).await;
                Observed::of(r.map(|s| format!("active: {}", s.is_active)))
            },
        ),
        Case::new(
            "wait_max_wait_zero_finished_group",
            "group whose runs finished; wait().max_wait(Duration::ZERO)",
            "Ok with the inactive status (the first status is enough)",
            expect_ok(|s| s == "active: false, 2 runs"),
            |env| async move {
                let client = env.client();
                let group = match client.task_groups().create().send().await {
                    Ok(g) => g,
                    Err(e) => return Observed::of(Err(e)),
                };
                if let Err(e) = group.add_runs(["a", "b"]).processor("lite").send().await {
                    return Observed::of(Err(e));
                }
                // Runs of the instant emulator finish at once; let the
                // stream confirm it before the zero-length wait.
                if let Ok(mut events) = group.events().send().await {
                    while events.next().await.is_some() {}
                }
                let r = group.wait().max_wait(Duration::ZERO).await;
                Observed::of(
                    r.map(|s| format!("active: {}, {} runs", s.is_active, s.num_task_runs)),
                )
            },
        ),
    ]
}
