//! The FindAll cases of the bad-input table (issue 16), against the
//! emulator binary: the documented limits and malformed conditions are
//! refused before sending, with the field named; an unknown run and a
//! garbage cursor are the server's typed errors.

use super::*;

/// An `InvalidInput` on `field` (exactly).
fn refused(field: &'static str) -> Check {
    expect_err(move |e| matches!(e, Error::InvalidInput { field: f, .. } if f == field))
}

/// Runs `call` on a client of the instant emulator; the outcome, with a
/// violation recorded if a request was sent when `sends` is false.
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

/// A run that would be accepted: one condition, the default limit.
fn good(c: &Client) -> parallel_web::CreateFindAll {
    c.findall()
        .create("Robotics companies")
        .entity_type("companies")
        .match_condition("robots", "Builds robots")
}

async fn created(create: parallel_web::CreateFindAll) -> Outcome {
    let run = create.await?;
    Ok(format!("run {}", run.id()))
}

pub(super) fn findall_cases() -> Vec<Case> {
    vec![
        Case::new(
            "findall_match_limit_4",
            "findall().create(..).match_limit(4)",
            "InvalidInput on match_limit (5 to 1000), nothing sent",
            refused("match_limit"),
            |env| async move { counted(&env, false, |c| created(good(&c).match_limit(4))).await },
        ),
        Case::new(
            "findall_match_limit_1001",
            "findall().create(..).match_limit(1001)",
            "InvalidInput on match_limit (5 to 1000), nothing sent",
            refused("match_limit"),
            |env| async move { counted(&env, false, |c| created(good(&c).match_limit(1001))).await },
        ),
        Case::new(
            "findall_match_limits_inclusive",
            "findall().create(..).match_limit(5), then another with 1000",
            "Ok: the documented bounds are inclusive",
            expect_ok(|s| s.starts_with("run findall_")),
            |env| async move {
                counted(&env, true, |c| async move {
                    created(good(&c).match_limit(1000)).await?;
                    created(good(&c).match_limit(5)).await
                })
                .await
            },
        ),
        Case::new(
            "findall_no_match_condition",
            "findall().create(..) with an entity type and no match condition",
            "InvalidInput on match_conditions, nothing sent",
            refused("match_conditions"),
            |env| async move {
                counted(&env, false, |c| {
                    created(c.findall().create("x").entity_type("companies"))
                })
                .await
            },
        ),
        Case::new(
            "findall_condition_named_twice",
            "two match conditions both named `robots`",
            "InvalidInput on match_conditions[1].name (names key the output), nothing sent",
            refused("match_conditions[1].name"),
            |env| async move {
                counted(&env, false, |c| {
                    created(good(&c).match_condition("robots", "Sells robots"))
                })
                .await
            },
        ),
        Case::new(
            "findall_condition_blank_description",
            "a match condition whose description is blank",
            "InvalidInput on match_conditions[1].description, nothing sent",
            refused("match_conditions[1].description"),
            |env| async move {
                counted(&env, false, |c| {
                    created(good(&c).match_condition("size", "  "))
                })
                .await
            },
        ),
        Case::new(
            "findall_no_entity_type",
            "findall().create(..) without .entity_type(..)",
            "InvalidInput on entity_type, nothing sent",
            refused("entity_type"),
            |env| async move {
                counted(&env, false, |c| {
                    created(c.findall().create("x").match_condition("a", "b"))
                })
                .await
            },
        ),
        Case::new(
            "findall_exclude_list_10001",
            "an exclude list of 10,001 entities (limit 10,000)",
            "InvalidInput on exclude_list, nothing sent",
            refused("exclude_list"),
            |env| async move {
                counted(&env, false, |c| {
                    let mut create = good(&c);
                    for i in 0..10_001 {
                        create = create.exclude(format!("e{i}"), format!("https://e{i}.example"));
                    }
                    created(create)
                })
                .await
            },
        ),
        Case::new(
            "findall_extend_by_0",
            "run.extend(0)",
            "InvalidInput on additional_match_limit, nothing sent",
            refused("additional_match_limit"),
            |env| async move {
                counted(&env, false, |c| async move {
                    let schema = c.findall().get("findall_1").extend(0).await?;
                    Ok(format!("limit {:?}", schema.match_limit))
                })
                .await
            },
        ),
        Case::new(
            "findall_enrich_without_fields",
            "run.enrich_schema({\"type\":\"object\",\"properties\":{}})",
            "InvalidInput on output_schema, nothing sent",
            refused("output_schema"),
            |env| async move {
                counted(&env, false, |c| async move {
                    let schema = c
                        .findall()
                        .get("findall_1")
                        .enrich_schema(json!({"type": "object", "properties": {}}))
                        .await?;
                    Ok(format!("{:?}", schema.enrichments.map(|e| e.len())))
                })
                .await
            },
        ),
        Case::new(
            "findall_unknown_run",
            "findall().get(\"findall_doesnotexist\").status()",
            "Error::Api, HTTP 404",
            expect_err(|e| matches!(e, Error::Api(_)) && e.status() == Some(404)),
            |env| async move {
                counted(&env, true, |c| async move {
                    let run = c.findall().get("findall_doesnotexist").status().await?;
                    Ok(run.status.status.to_string())
                })
                .await
            },
        ),
        Case::new(
            "findall_garbage_cursor",
            "run.events().after(\"not-a-cursor\") on a real run",
            "Error::Validation (HTTP 422) naming query.last_event_id, at send()",
            expect_err(|e| {
                matches!(e, Error::Validation { .. }) && e.to_string().contains("last_event_id")
            }),
            |env| async move {
                counted(&env, true, |c| async move {
                    let run = good(&c).await?;
                    let _stream = run.events().after("not-a-cursor").await?;
                    Ok("stream opened".into())
                })
                .await
            },
        ),
    ]
}
