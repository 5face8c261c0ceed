//! Moves inline schemas into named components so the generator can see and
//! name them (or swap them for a handwritten type).

use serde_json::{Map, Value};

use super::visit::{component_ref, operations_mut, responses_mut};

const EVENT_STREAM: &str = "text/event-stream";

/// The component name for the event union of a streaming path.
fn stream_item_name(path: &str) -> Option<&'static str> {
    if path.contains("/tasks/groups/") && path.ends_with("/events") {
        Some("TaskGroupEventStreamItem")
    } else if path.contains("/tasks/groups/") && path.ends_with("/runs") {
        Some("TaskGroupRunStreamItem")
    } else if path.contains("/tasks/runs/") && path.ends_with("/events") {
        Some("TaskRunEventStreamItem")
    } else if path.starts_with("/v1beta/findall/runs/") && path.ends_with("/events") {
        Some("FindAllEventStreamItem")
    } else {
        None
    }
}

/// Lifts each inline `text/event-stream` response schema into
/// `components.schemas` (`TaskGroupEventStreamItem`, `TaskGroupRunStreamItem`,
/// `TaskRunEventStreamItem`, `FindAllEventStreamItem`) and leaves a `$ref`
/// behind.
///
/// progenitor answers a non-JSON response with raw bytes and ignores its
/// schema, so without this the event unions would never be generated. The GA
/// and beta paths share one component; they must then agree.
pub fn lift_stream_schemas(doc: &mut Value) -> Result<(), String> {
    let mut lifted: Map<String, Value> = Map::new();
    for (path, _, operation) in operations_mut(doc) {
        for (_, response) in responses_mut(operation) {
            let Some(schema) = response.pointer_mut(&format!(
                "/content/{}/schema",
                EVENT_STREAM.replace('/', "~1")
            )) else {
                continue;
            };
            if schema.get("$ref").is_some() {
                continue;
            }
            let name = stream_item_name(path).ok_or_else(|| {
                format!(
                    "{path}: a new event stream; name its event union in stream_item_name \
                     (xtask/src/normalize/lift.rs) and add its operationId to STREAM_OPERATIONS \
                     (crates/parallel-web-api/src/hooks.rs)"
                )
            })?;
            let mut body = std::mem::replace(schema, component_ref(name));
            if let Some(object) = body.as_object_mut() {
                // FastAPI's title names the response, not the event.
                object.remove("title");
            }
            match lifted.get(name) {
                Some(previous) if *previous != body => {
                    return Err(format!(
                        "{path}: event schema differs from another path's {name}"
                    ));
                }
                Some(_) => {}
                None => {
                    lifted.insert(name.into(), body);
                }
            }
        }
    }
    let schemas = components_schemas(doc)?;
    for (name, body) in lifted {
        schemas.entry(name).or_insert(body);
    }
    Ok(())
}

/// Inline enums the client keeps open: (component, property, name of the
/// lifted component). Each lifted component is replaced by the handwritten
/// `crate::open::<name>` (see `generate.rs`), whose `Other(String)` variant
/// keeps values this crate does not know, so a new server value never fails
/// a whole response or event. progenitor can only replace named components,
/// hence the lift.
pub const OPEN_ENUMS: &[(&str, &str, &str)] = &[
    ("TaskRun", "status", "TaskRunStatus"),
    ("Warning", "type", "WarningType"),
    (
        "TaskRunProgressMessageEvent",
        "type",
        "TaskRunProgressMessageEventType",
    ),
    ("FindAllRunStatus", "status", "FindAllStatus"),
    (
        "FindAllRunStatus",
        "termination_reason",
        "FindAllTerminationReason",
    ),
    ("FindAllCandidate", "match_status", "FindAllMatchStatus"),
    (
        "FindAllCandidateMatchStatusEvent",
        "type",
        "FindAllCandidateEventType",
    ),
    ("MonitorResponse", "status", "MonitorStatus"),
];

/// Inline schemas the client replaces with a handwritten type: (component,
/// property, name of the lifted component, the type's path in the client
/// crate). progenitor can only replace named components, hence the lift.
pub const HANDWRITTEN_TYPES: &[(&str, &str, &str, &str)] = &[
    // A run's input (object or string) is kept as compact JSON text instead
    // of an untagged enum over `String` and `serde_json::Map`: serialised
    // once, written into request bodies as it is.
    (
        "TaskRunInput",
        "input",
        "InputValue",
        "crate::input_value::InputValue",
    ),
    // A task spec's JSON Schema is kept as compact JSON text in the order
    // the caller gave it: property order is the order a processor fills an
    // output, and a `serde_json::Map` without `preserve_order` re-sorts it.
    (
        "JsonSchema",
        "json_schema",
        "SchemaText",
        "crate::schema_text::SchemaText",
    ),
    // The same for the JSON Schema of a chat answer's `json_schema`
    // response format (named `ChatJsonSchema` in the generated code).
    (
        "JSONSchema",
        "schema",
        "ChatSchemaText",
        "crate::schema_text::SchemaText",
    ),
];

/// Lifts every inline schema of [`HANDWRITTEN_TYPES`] into its own component.
pub fn lift_handwritten_types(doc: &mut Value) -> Result<(), String> {
    for (component, property, name, _) in HANDWRITTEN_TYPES {
        let schemas = components_schemas(doc)?;
        let Some(inline) = schemas
            .get_mut(*component)
            .and_then(|s| s.get_mut("properties"))
            .and_then(|p| p.get_mut(*property))
        else {
            continue;
        };
        if let Some(reference) = inline.get("$ref") {
            if *reference == component_ref(name)["$ref"] {
                continue;
            }
            return Err(format!(
                "{component}.{property} now refers to {reference}, not {name}; \
                 update HANDWRITTEN_TYPES in xtask/src/normalize/lift.rs"
            ));
        }
        let mut body = std::mem::replace(inline, component_ref(name));
        if let Some(object) = body.as_object_mut() {
            object.remove("title");
        }
        schemas.insert((*name).into(), body);
    }
    Ok(())
}

/// Lifts every inline enum of [`OPEN_ENUMS`] into its own component, and
/// points each query parameter of the same name and values (or a subset or
/// superset of them) at it (this merges the `status` filters of the runs
/// streams into `TaskRunStatus`).
pub fn lift_open_enums(doc: &mut Value) -> Result<(), String> {
    for (component, property, name) in OPEN_ENUMS {
        lift_enum(doc, component, property, name)?;
    }
    Ok(())
}

fn lift_enum(doc: &mut Value, component: &str, property: &str, name: &str) -> Result<(), String> {
    let schemas = components_schemas(doc)?;
    let Some(inline) = schemas
        .get_mut(component)
        .and_then(|s| s.get_mut("properties"))
        .and_then(|p| p.get_mut(property))
    else {
        return Ok(());
    };
    if let Some(reference) = inline.get("$ref") {
        // Already a component: fine if it is the one the replacement names;
        // under another name the replacement would silently not apply and
        // the generated enum would be closed again.
        if *reference == component_ref(name)["$ref"] {
            return Ok(());
        }
        return Err(format!(
            "{component}.{property} now refers to {reference}, not {name}; \
             update OPEN_ENUMS in xtask/src/normalize/lift.rs"
        ));
    }
    // A nullable enum (`anyOf: [{enum}, {type: null}]`): the enum
    // alternative is lifted, the union stays nullable.
    let inline = match nullable_alternative(inline) {
        Some((key, index)) => &mut inline[key][index],
        None => inline,
    };
    if let Some(reference) = inline.get("$ref") {
        if *reference == component_ref(name)["$ref"] {
            return Ok(());
        }
        return Err(format!(
            "{component}.{property} now refers to {reference}, not {name}; \
             update OPEN_ENUMS in xtask/src/normalize/lift.rs"
        ));
    }
    if inline.get("enum").is_none() {
        return Err(format!(
            "{component}.{property} is neither a $ref nor an enum"
        ));
    }
    let mut body = std::mem::replace(inline, component_ref(name));
    if let Some(object) = body.as_object_mut() {
        object.remove("title");
    }
    let values = enum_values(&body);
    schemas.insert(name.into(), body);

    for (_, _, operation) in operations_mut(doc) {
        let Some(parameters) = operation
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        for parameter in parameters {
            let same_name = parameter.get("name") == Some(&Value::from(property));
            let Some(schema) = parameter.get_mut("schema") else {
                continue;
            };
            // The same set of values, or one that has grown or lags behind
            // by some (a provider adds a status in one place first): the
            // open enum takes any of them.
            let related = |v: Vec<String>| {
                v.iter().all(|x| values.contains(x)) || values.iter().all(|x| v.contains(x))
            };
            if same_name && non_null_enum_values(schema).is_some_and(related) {
                *schema = component_ref(name);
            }
        }
    }
    Ok(())
}

/// Where the one non-null alternative of a nullable `anyOf`/`oneOf` is
/// (keyword and index), if `schema` is one; or the single `allOf` entry the
/// normalised form of such a union has (`allOf: [{$ref}], nullable: true`).
fn nullable_alternative(schema: &Value) -> Option<(&'static str, usize)> {
    if schema
        .get("allOf")
        .and_then(Value::as_array)
        .is_some_and(|all| all.len() == 1)
    {
        return Some(("allOf", 0));
    }
    let key = ["anyOf", "oneOf"]
        .into_iter()
        .find(|key| schema.get(*key).is_some())?;
    let alternatives = schema.get(key)?.as_array()?;
    let is_null = |a: &Value| a.get("type").and_then(Value::as_str) == Some("null");
    if alternatives.len() != 2 || !alternatives.iter().any(is_null) {
        return None;
    }
    let index = alternatives.iter().position(|a| !is_null(a))?;
    Some((key, index))
}

fn components_schemas(doc: &mut Value) -> Result<&mut Map<String, Value>, String> {
    doc.pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| "the document has no components.schemas".to_string())
}

fn enum_values(schema: &Value) -> Vec<String> {
    let mut values: Vec<String> = schema
        .get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    values.sort();
    values
}

/// The sorted enum values of `schema`, or of its one non-null alternative.
fn non_null_enum_values(schema: &Value) -> Option<Vec<String>> {
    if schema.get("enum").is_some() {
        return Some(enum_values(schema));
    }
    let alternatives = schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))?
        .as_array()?;
    let with_enum: Vec<&Value> = alternatives
        .iter()
        .filter(|a| a.get("enum").is_some())
        .collect();
    match with_enum.as_slice() {
        [single] => Some(enum_values(single)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_run_input_becomes_a_component_for_its_handwritten_type() {
        let input = json!({"anyOf": [{"type": "string"}, {"type": "object"}], "title": "Input"});
        let mut doc =
            json!({"components": {"schemas": {"TaskRunInput": {"properties": {"input": input}}}}});
        lift_handwritten_types(&mut doc).unwrap();
        assert_eq!(
            doc["components"]["schemas"]["TaskRunInput"]["properties"]["input"],
            component_ref("InputValue")
        );
        assert_eq!(
            doc["components"]["schemas"]["InputValue"],
            json!({"anyOf": [{"type": "string"}, {"type": "object"}]})
        );
        // Running it again changes nothing; a $ref elsewhere is an error.
        let before = doc.clone();
        lift_handwritten_types(&mut doc).unwrap();
        assert_eq!(doc, before);
        doc["components"]["schemas"]["TaskRunInput"]["properties"]["input"] =
            component_ref("Other");
        assert!(lift_handwritten_types(&mut doc).is_err());
    }

    #[test]
    fn stream_schemas_become_components_shared_by_ga_and_beta() {
        let union = json!({"oneOf": [{"$ref": "#/components/schemas/TaskRunEvent"}], "title": "Response 200"});
        let stream = |u: &Value| json!({"get": {"responses": {"200": {"content": {"text/event-stream": {"schema": u}}}}}});
        let mut doc = json!({
            "paths": {
                "/v1/tasks/groups/{id}/events": stream(&union),
                "/v1beta/tasks/groups/{id}/events": stream(&union),
                "/v1/tasks/runs/{id}/events": stream(&union),
            },
            "components": {"schemas": {}}
        });
        lift_stream_schemas(&mut doc).unwrap();
        let ref_of = |p: &str| {
            doc["paths"][p]["get"]["responses"]["200"]["content"]["text/event-stream"]["schema"]
                .clone()
        };
        assert_eq!(
            ref_of("/v1/tasks/groups/{id}/events"),
            component_ref("TaskGroupEventStreamItem")
        );
        assert_eq!(
            ref_of("/v1beta/tasks/groups/{id}/events"),
            component_ref("TaskGroupEventStreamItem")
        );
        assert_eq!(
            ref_of("/v1/tasks/runs/{id}/events"),
            component_ref("TaskRunEventStreamItem")
        );
        assert_eq!(
            doc["components"]["schemas"]["TaskGroupEventStreamItem"],
            json!({"oneOf": [{"$ref": "#/components/schemas/TaskRunEvent"}]})
        );
    }

    #[test]
    fn differing_stream_schemas_for_one_name_fail() {
        let stream = |u: Value| json!({"get": {"responses": {"200": {"content": {"text/event-stream": {"schema": u}}}}}});
        let mut doc = json!({
            "paths": {
                "/v1/tasks/groups/{id}/runs": stream(json!({"oneOf": [{"type": "string"}]})),
                "/v1beta/tasks/groups/{id}/runs": stream(json!({"oneOf": [{"type": "integer"}]})),
            },
            "components": {"schemas": {}}
        });
        assert!(lift_stream_schemas(&mut doc).is_err());
    }

    #[test]
    fn an_unknown_stream_path_fails_naming_what_to_update() {
        let mut doc = json!({
            "paths": {"/v1/tasks/watch": {"get": {"responses": {"200": {"content": {
                "text/event-stream": {"schema": {"type": "object"}}
            }}}}}},
            "components": {"schemas": {}}
        });
        let error = lift_stream_schemas(&mut doc).unwrap_err();
        assert!(
            error.starts_with("/v1/tasks/watch: a new event stream"),
            "{error}"
        );
        assert!(error.contains("STREAM_OPERATIONS"), "{error}");
    }

    #[test]
    fn open_enums_are_lifted_to_their_own_components() {
        let mut doc = json!({
            "paths": {},
            "components": {"schemas": {"Warning": {"properties": {
                "type": {"type": "string", "enum": ["warning"], "title": "Type"}
            }}}}
        });
        lift_open_enums(&mut doc).unwrap();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["Warning"]["properties"]["type"],
            component_ref("WarningType")
        );
        assert_eq!(
            schemas["WarningType"],
            json!({"type": "string", "enum": ["warning"]})
        );
    }

    #[test]
    fn a_nullable_open_enum_is_lifted_and_stays_nullable() {
        let mut doc = json!({
            "paths": {},
            "components": {"schemas": {"FindAllRunStatus": {"properties": {
                "termination_reason": {"anyOf": [
                    {"type": "string", "enum": ["timeout", "user_cancelled"]},
                    {"type": "null"}
                ], "title": "Termination Reason"}
            }}}}
        });
        lift_open_enums(&mut doc).unwrap();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["FindAllRunStatus"]["properties"]["termination_reason"],
            json!({"anyOf": [component_ref("FindAllTerminationReason"), {"type": "null"}], "title": "Termination Reason"})
        );
        assert_eq!(
            schemas["FindAllTerminationReason"],
            json!({"type": "string", "enum": ["timeout", "user_cancelled"]})
        );
        let before = doc.clone();
        lift_open_enums(&mut doc).unwrap();
        assert_eq!(doc, before, "lifting twice changes nothing");
        // The normalised form of the nullable reference is left alone too.
        let property = "/components/schemas/FindAllRunStatus/properties/termination_reason";
        *doc.pointer_mut(property).unwrap() = json!({
            "allOf": [component_ref("FindAllTerminationReason")], "nullable": true
        });
        let normalised = doc.clone();
        lift_open_enums(&mut doc).unwrap();
        assert_eq!(doc, normalised);
    }

    #[test]
    fn an_open_enum_moved_to_another_component_fails() {
        let mut doc = json!({
            "paths": {},
            "components": {"schemas": {"TaskRun": {"properties": {
                "status": {"$ref": "#/components/schemas/RunState"}
            }}}}
        });
        let error = lift_open_enums(&mut doc).unwrap_err();
        assert!(error.starts_with("TaskRun.status now refers to"), "{error}");
        assert!(error.contains("RunState"), "{error}");
    }

    #[test]
    fn an_open_enum_already_under_its_name_is_left_alone() {
        let mut doc = json!({
            "paths": {},
            "components": {"schemas": {
                "TaskRun": {"properties": {"status": {"$ref": "#/components/schemas/TaskRunStatus"}}},
                "TaskRunStatus": {"type": "string", "enum": ["queued"]}
            }}
        });
        let before = doc.clone();
        lift_open_enums(&mut doc).unwrap();
        assert_eq!(doc, before);
    }

    #[test]
    fn task_run_status_is_lifted_and_status_parameters_point_at_it() {
        let values = json!(["queued", "running", "completed"]);
        let mut doc = json!({
            "paths": {"/v1/tasks/groups/{id}/runs": {"get": {"parameters": [
                {"name": "status", "in": "query", "schema": {"anyOf": [{"type": "string", "enum": values}, {"type": "null"}]}},
                {"name": "other", "in": "query", "schema": {"type": "string", "enum": values}}
            ]}}},
            "components": {"schemas": {"TaskRun": {"properties": {
                "status": {"type": "string", "enum": values, "title": "Status", "description": "d"}
            }}}}
        });
        lift_open_enums(&mut doc).unwrap();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["TaskRun"]["properties"]["status"],
            component_ref("TaskRunStatus")
        );
        assert_eq!(
            schemas["TaskRunStatus"],
            json!({"type": "string", "enum": values, "description": "d"})
        );
        let parameters = &doc["paths"]["/v1/tasks/groups/{id}/runs"]["get"]["parameters"];
        assert_eq!(parameters[0]["schema"], component_ref("TaskRunStatus"));
        assert_eq!(
            parameters[1]["schema"],
            json!({"type": "string", "enum": values})
        );
    }
}
