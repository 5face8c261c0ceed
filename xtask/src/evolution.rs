//! `cargo xtask spec-evolution`: proves that the additive changes an API
//! provider makes do not break the handwritten crates.
//!
//! It copies the workspace's sources into a scratch folder, applies
//! [`evolve`] to the copy's `openapi/openapi.json` (an optional field in
//! every object schema, a new value in every string enum, a new GET and a new
//! POST operation nobody gave a short name), regenerates the copy's
//! generated files with this xtask, and type-checks the whole copied
//! workspace, every target included (`cargo clippy`, whose dependency
//! artifacts `.ci/run` has already built; warnings are not errors here). The
//! scratch copy shares this workspace's target directory, so only the
//! workspace's own crates are compiled again.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::contract::CONTRACT_JSON;
use crate::generate::generate;
use crate::outputs::{CLIENT_RS, HTTPMOCK_RS, OPENAPI_30, read_json, write_if_changed};
use crate::workspace_root;

/// The optional field added to every object schema.
pub const NEW_FIELD: &str = "pw_evolution_note";
/// The value added to every string enum.
pub const NEW_ENUM_VALUE: &str = "pw_evolution_value";
/// The new operations' paths (in scope, so they are generated).
const NEW_COLLECTION: &str = "/v1/tasks/runs/{run_id}/evolution-notes";
const NEW_ITEM: &str = "/v1/tasks/runs/{run_id}/evolution-notes/{note_id}";

/// Folders of the workspace that are not sources.
const SKIPPED: &[&str] = &["target", ".git", "node_modules", ".venv", "__pycache__"];

/// Runs the whole check; `dir` is the scratch folder (default
/// `target/spec-evolution`).
pub fn spec_evolution(dir: Option<&Path>) -> Result<(), String> {
    let root = workspace_root();
    let scratch = dir.map_or_else(|| root.join("target/spec-evolution"), Path::to_path_buf);
    if scratch.exists() {
        fs::remove_dir_all(&scratch).map_err(|e| format!("clearing {}: {e}", scratch.display()))?;
    }
    copy_sources(&root, &scratch)?;

    let spec_path = scratch.join("openapi/openapi.json");
    let mut spec = read_json(&spec_path)?;
    let changes = evolve(&mut spec)?;
    let text = serde_json::to_string_pretty(&spec).map_err(|e| e.to_string())? + "\n";
    fs::write(&spec_path, text).map_err(|e| format!("writing {}: {e}", spec_path.display()))?;
    println!("evolved the copy's spec: {changes}");

    let generated = generate(spec, "openapi/openapi.json")?;
    for (path, text) in [
        (OPENAPI_30, &generated.openapi_30),
        (CLIENT_RS, &generated.client),
        (HTTPMOCK_RS, &generated.httpmock),
        (CONTRACT_JSON, &generated.emulator_contract),
    ] {
        write_if_changed(&scratch.join(path), text)?;
    }
    for method in [
        "post_tasks_runs_evolution_notes",
        "get_tasks_runs_evolution_notes",
    ] {
        if !generated.client.contains(&format!("pub fn {method}(")) {
            return Err(format!("the regenerated client has no method `{method}`"));
        }
    }
    println!("regenerated the copy; type-checking its workspace");

    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--quiet",
        ])
        .current_dir(&scratch)
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .map_err(|e| format!("running cargo: {e}"))?;
    if !status.success() {
        return Err(format!(
            "the workspace does not build against the evolved spec (copy kept in {}): \
             the handwritten crates must build generated types so that new optional \
             fields, enum values and operations do not break them",
            scratch.display()
        ));
    }
    println!("the workspace builds against the evolved spec");
    Ok(())
}

/// Copies the workspace's source tree (everything but build output and VCS
/// data) from `from` into `to`.
fn copy_sources(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|e| format!("creating {}: {e}", to.display()))?;
    let entries = fs::read_dir(from).map_err(|e| format!("reading {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("reading {}: {e}", from.display()))?;
        let name = entry.file_name();
        if SKIPPED.iter().any(|s| name == *s) {
            continue;
        }
        let source = entry.path();
        let dest = to.join(&name);
        let kind = entry
            .file_type()
            .map_err(|e| format!("reading {}: {e}", source.display()))?;
        if kind.is_dir() {
            copy_sources(&source, &dest)?;
        } else {
            // Symlinks (the crates' license files) are copied as the files
            // they point at.
            fs::copy(&source, &dest).map_err(|e| format!("copying {}: {e}", source.display()))?;
        }
    }
    Ok(())
}

/// Applies the additive changes to `spec`; returns a one-line summary.
pub fn evolve(spec: &mut Value) -> Result<String, String> {
    let schemas = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or("the spec has no components.schemas")?;
    let (mut fields, mut enums) = (0, 0);
    for schema in schemas.values_mut() {
        let (f, e) = evolve_schema(schema);
        fields += f;
        enums += e;
    }
    schemas.insert(
        "EvolutionNote".into(),
        json!({
            "title": "EvolutionNote",
            "type": "object",
            "description": "A note on a run (a resource the spec-evolution check adds).",
            "properties": {
                "note_id": {"type": "string", "description": "The note's id."},
                "text": {"type": "string", "description": "What the note says."},
                "pinned": {"type": "boolean", "description": "Shown first."}
            },
            "required": ["note_id", "text"]
        }),
    );
    // Parameters' enums grow too (a new run status is also a new filter).
    if let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for operation in item.values_mut() {
                let parameters = operation
                    .get_mut("parameters")
                    .and_then(Value::as_array_mut);
                for parameter in parameters.into_iter().flatten() {
                    if let Some(schema) = parameter.get_mut("schema") {
                        enums += evolve_schema(schema).1;
                    }
                }
            }
        }
    }
    let run_id =
        json!({"name": "run_id", "in": "path", "required": true, "schema": {"type": "string"}});
    let note = json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/EvolutionNote"}}}, "description": "The note."});
    let paths = spec
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .ok_or("the spec has no paths")?;
    paths.insert(
        NEW_COLLECTION.into(),
        json!({"post": {
            "operationId": "tasks_runs_evolution_notes_post_v1_tasks_runs__run_id__evolution_notes_post",
            "summary": "Add a note to a run",
            "parameters": [run_id],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object",
                "properties": {"text": {"type": "string"}},
                "required": ["text"]
            }}}},
            "responses": {"200": note}
        }}),
    );
    paths.insert(
        NEW_ITEM.into(),
        json!({"get": {
            "operationId": "tasks_runs_evolution_notes_get_v1_tasks_runs__run_id__evolution_notes__note_id__get",
            "summary": "Read a note",
            "parameters": [run_id, {"name": "note_id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "responses": {"200": note}
        }}),
    );
    Ok(format!(
        "+1 optional field in {fields} object schemas, +1 value in {enums} string enums, +2 operations (GET and POST)"
    ))
}

/// Adds the field and enum value to `schema` and every schema nested in it.
fn evolve_schema(schema: &mut Value) -> (usize, usize) {
    let (mut fields, mut enums) = (0, 0);
    let Some(map) = schema.as_object_mut() else {
        return (0, 0);
    };
    if let Some(props) = map.get_mut("properties").and_then(Value::as_object_mut)
        && !props.contains_key(NEW_FIELD)
    {
        props.insert(
            NEW_FIELD.into(),
            json!({"type": "string", "description": "A field the spec-evolution check adds."}),
        );
        fields += 1;
    }
    if let Some(values) = map.get_mut("enum").and_then(Value::as_array_mut)
        && values.iter().all(Value::is_string)
        && !values.contains(&Value::String(NEW_ENUM_VALUE.into()))
    {
        values.push(Value::String(NEW_ENUM_VALUE.into()));
        enums += 1;
    }
    for (key, child) in map.iter_mut() {
        let nested: Vec<&mut Value> = match key.as_str() {
            "properties" => child
                .as_object_mut()
                .map(|m| m.values_mut().collect())
                .unwrap_or_default(),
            "items" | "additionalProperties" => vec![child],
            "anyOf" | "oneOf" | "allOf" => child
                .as_array_mut()
                .map(|a| a.iter_mut().collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        for n in nested {
            let (f, e) = evolve_schema(n);
            fields += f;
            enums += e;
        }
    }
    (fields, enums)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn our_spec() -> Value {
        read_json(&workspace_root().join("openapi/openapi.json")).unwrap()
    }

    #[test]
    fn the_evolved_spec_generates_with_the_new_field_value_and_operations() {
        let mut spec = our_spec();
        let summary = evolve(&mut spec).unwrap();
        assert!(summary.contains("+2 operations"), "{summary}");
        let generated = generate(spec, "openapi/openapi.json").unwrap();
        assert!(generated.client.contains(&format!("pub {NEW_FIELD}:")));
        assert!(
            generated
                .client
                .contains("pub fn post_tasks_runs_evolution_notes(")
        );
        assert!(
            generated
                .client
                .contains("pub fn get_tasks_runs_evolution_notes(")
        );
        assert!(generated.client.contains(NEW_ENUM_VALUE));
    }

    #[test]
    fn evolving_twice_adds_each_change_once() {
        let mut once = our_spec();
        evolve(&mut once).unwrap();
        let mut twice = once.clone();
        evolve(&mut twice).unwrap();
        let count = |v: &Value| v.to_string().matches(NEW_FIELD).count();
        assert_eq!(count(&once), count(&twice));
    }
}
