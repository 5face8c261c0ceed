//! What an enrichment sends: the columns to add (from `--column`, an
//! output JSON Schema, or a `parallel-cli`-style YAML config), the input
//! columns, the processor and metadata, turned into one task spec. Every
//! check that needs no row happens here, before anything is read or sent.

use std::path::Path;

use parallel_web::TaskSpec;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::cli::EnrichArgs;
use crate::fail::{Failure, Result};

/// The processor when neither `--processor` nor a config names one.
pub const DEFAULT_PROCESSOR: &str = "core";
/// Columns the tool adds after the enriched ones.
pub const STATUS_COLUMNS: [&str; 3] = ["_run_id", "_status", "_error"];

/// Everything decided before reading the input.
pub struct Plan {
    /// Input path (`-`: stdin).
    pub input: String,
    /// Output path (`-`: stdout).
    pub output: String,
    /// The spec sent with every run.
    pub spec: TaskSpec,
    /// Names of the columns the runs add, in order.
    pub enriched: Vec<String>,
    /// Input columns sent (empty: all).
    pub input_columns: Vec<String>,
    /// The JSON Schema of the added columns.
    output_schema: Value,
    /// Descriptions of input columns, from a config.
    input_descriptions: Map<String, Value>,
    /// The processor.
    pub processor: String,
    /// Metadata for the group and every run.
    pub metadata: Vec<(String, String)>,
}

/// A `parallel-cli enrich run` config; fields it has that this tool does
/// not need (such as `source_type`) are ignored.
#[derive(Debug, Default, Deserialize)]
struct Config {
    source: Option<String>,
    target: Option<String>,
    #[serde(default)]
    source_columns: Vec<ColumnDef>,
    #[serde(default)]
    enriched_columns: Vec<ColumnDef>,
    processor: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ColumnDef {
    name: String,
    description: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

impl Plan {
    /// The plan for these arguments.
    pub fn from_args(args: &EnrichArgs) -> Result<Plan> {
        let config = match &args.config {
            Some(path) => read_config(path)?,
            None => Config::default(),
        };
        let input = args.input.clone().or(config.source).ok_or_else(|| {
            Failure::usage("no input: name the input table (or `source` in --config)")
        })?;
        let output =
            args.output.clone().or(config.target).ok_or_else(|| {
                Failure::usage("no output: pass -o OUTPUT (or `target` in --config)")
            })?;

        let mut properties = Map::new();
        let given = [
            !args.columns.is_empty(),
            args.output_schema.is_some(),
            !config.enriched_columns.is_empty(),
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err(Failure::usage(
                "give the columns to add one way: --column, --output-schema or the config's enriched_columns",
            ));
        }
        let output_schema = if let Some(path) = &args.output_schema {
            read_output_schema(path)?
        } else {
            for spec in &args.columns {
                let (name, schema) = parse_column(spec)?;
                add_property(&mut properties, name, schema)?;
            }
            for c in &config.enriched_columns {
                let schema = column_schema(&c.name, c.kind.as_deref(), c.description.as_deref())?;
                add_property(&mut properties, c.name.clone(), schema)?;
            }
            if properties.is_empty() {
                return Err(Failure::usage(
                    "no columns to add: pass --column 'name: description' (repeatable), --output-schema FILE or --config FILE",
                ));
            }
            object_schema(properties)
        };
        let enriched: Vec<String> = output_schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        for name in &enriched {
            if STATUS_COLUMNS.contains(&name.as_str()) {
                return Err(Failure::usage(format!(
                    "the column name {name:?} is the tool's own; choose another"
                )));
            }
        }

        let mut input_columns = args.input_columns.clone();
        input_columns.retain(|c| !c.trim().is_empty());
        let mut input_descriptions = Map::new();
        for c in &config.source_columns {
            if args.input_columns.is_empty() {
                input_columns.push(c.name.clone());
            }
            if let Some(d) = &c.description {
                input_descriptions.insert(c.name.clone(), Value::String(d.clone()));
            }
        }

        let metadata = args
            .metadata
            .iter()
            .map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
                    .ok_or_else(|| {
                        Failure::usage(format!("--metadata {kv:?}: write it as key=value"))
                    })
            })
            .collect::<Result<Vec<_>>>()?;

        let mut plan = Plan {
            input,
            output,
            spec: TaskSpec::auto(),
            enriched,
            input_columns,
            output_schema: output_schema.clone(),
            input_descriptions,
            processor: args
                .processor
                .clone()
                .or(config.processor)
                .unwrap_or_else(|| DEFAULT_PROCESSOR.to_owned()),
            metadata,
        };
        plan.spec = plan.build_spec(output_schema, None)?;
        Ok(plan)
    }

    /// What a row with these columns sends: the input columns, or all.
    pub fn sent_content(&self, fields: Map<String, Value>) -> Map<String, Value> {
        if self.input_columns.is_empty() {
            return fields;
        }
        self.input_columns
            .iter()
            .map(|c| (c.clone(), fields.get(c).cloned().unwrap_or(Value::Null)))
            .collect()
    }

    /// Sets the spec's input schema once the input's columns are known.
    pub fn with_input_columns(&mut self, all_columns: &[String]) -> Result<()> {
        let sent: Vec<String> = if self.input_columns.is_empty() {
            all_columns.to_vec()
        } else {
            self.input_columns.clone()
        };
        let mut properties = Map::new();
        for c in &sent {
            let description = self
                .input_descriptions
                .get(c)
                .cloned()
                .unwrap_or_else(|| Value::String(c.clone()));
            properties.insert(c.clone(), json!({ "description": description }));
        }
        let input_schema = json!({ "type": "object", "properties": properties });
        self.spec = self.build_spec(self.output_schema.clone(), Some(input_schema))?;
        Ok(())
    }

    fn build_spec(&self, output: Value, input: Option<Value>) -> Result<TaskSpec> {
        let spec = TaskSpec::from_json_schemas(input, output).map_err(|e| {
            Failure::usage(format!(
                "the columns to add do not make a valid task spec: {}",
                crate::fail::chain(&e)
            ))
        })?;
        spec.validate().map_err(|e| {
            Failure::usage(format!(
                "the task spec is over the API's limits: {}",
                crate::fail::chain(&e)
            ))
        })?;
        Ok(spec)
    }

    /// Everything that decides how rows are sent, to tie a journal to this
    /// command: a rerun must send rows the same way. The input is not part
    /// of it: the journal matches the rows of whatever input a rerun reads
    /// by their content.
    pub fn identity(&self) -> Value {
        json!({
            "output": self.output,
            "processor": self.processor,
            "input_columns": self.input_columns,
            "metadata": self.metadata,
            "task_spec": self.spec.to_json(),
        })
    }
}

/// The object schema that `--column` flags describe (every column
/// required), or `None` when there are none.
pub(crate) fn schema_of_columns(columns: &[String]) -> Result<Option<Value>> {
    let mut properties = Map::new();
    for spec in columns {
        let (name, schema) = parse_column(spec)?;
        add_property(&mut properties, name, schema)?;
    }
    Ok((!properties.is_empty()).then(|| object_schema(properties)))
}

/// An object of these properties, each required, no others.
fn object_schema(properties: Map<String, Value>) -> Value {
    let required: Vec<&String> = properties.keys().collect();
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// `name: description`, `name:type` or `name:type: description`.
fn parse_column(spec: &str) -> Result<(String, Value)> {
    let (name, rest) = match spec.split_once(':') {
        Some((n, r)) => (n.trim(), r),
        None => (spec.trim(), ""),
    };
    if name.is_empty() {
        return Err(Failure::usage(format!(
            "--column {spec:?}: no name; write it as 'name: description' or 'name:type: description'"
        )));
    }
    // A type follows the colon directly: `ceo:string` or `ceo:string: CEO name`.
    let (kind, description) = match rest.split_once(':') {
        Some((k, d)) if !k.starts_with(' ') && !k.is_empty() && !k.contains(' ') => {
            (Some(k), d.trim())
        }
        _ if !rest.starts_with(' ') && !rest.is_empty() && !rest.contains(' ') => (Some(rest), ""),
        _ => (None, rest.trim()),
    };
    let description = (!description.is_empty()).then_some(description);
    let schema = column_schema(name, kind, description)?;
    Ok((name.to_owned(), schema))
}

/// The JSON Schema of one added column.
fn column_schema(name: &str, kind: Option<&str>, description: Option<&str>) -> Result<Value> {
    let mut schema = match kind.map(str::trim).unwrap_or("string") {
        "str" | "string" | "text" => json!({ "type": "string" }),
        "int" | "integer" => json!({ "type": "integer" }),
        "float" | "number" => json!({ "type": "number" }),
        "bool" | "boolean" => json!({ "type": "boolean" }),
        "list" | "array" => json!({ "type": "array", "items": { "type": "string" } }),
        other => {
            return Err(Failure::usage(format!(
                "column {name:?}: unknown type {other:?}; use string, integer, number, boolean or list"
            )));
        }
    };
    schema["description"] = Value::String(description.unwrap_or(name).to_owned());
    Ok(schema)
}

fn add_property(properties: &mut Map<String, Value>, name: String, schema: Value) -> Result<()> {
    if properties.contains_key(&name) {
        return Err(Failure::usage(format!(
            "the column {name:?} is given twice"
        )));
    }
    properties.insert(name, schema);
    Ok(())
}

fn read_config(path: &Path) -> Result<Config> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read the config {}: {e}", path.display())))?;
    serde_norway::from_str(&text)
        .map_err(|e| Failure::usage(format!("the config {} is not valid: {e}", path.display())))
}

pub(crate) fn read_output_schema(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::usage(format!(
            "cannot read the output schema {}: {e}",
            path.display()
        ))
    })?;
    let schema: Value = serde_json::from_str(&text).map_err(|e| {
        Failure::usage(format!(
            "the output schema {} is not JSON: {e}",
            path.display()
        ))
    })?;
    let has_properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| !p.is_empty());
    if !has_properties {
        return Err(Failure::usage(format!(
            "the output schema {} must be an object schema with `properties` (one per column to add)",
            path.display()
        )));
    }
    Ok(schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_spec_has_a_name_an_optional_type_and_a_description() {
        let (n, s) = parse_column("ceo: CEO name").unwrap();
        assert_eq!(
            (n.as_str(), &s["type"], &s["description"]),
            ("ceo", &json!("string"), &json!("CEO name"))
        );
        let (n, s) = parse_column("employees:integer: Number of employees").unwrap();
        assert_eq!((n.as_str(), &s["type"]), ("employees", &json!("integer")));
        assert_eq!(s["description"], "Number of employees");
        let (n, s) = parse_column("founded:integer").unwrap();
        assert_eq!(
            (n.as_str(), &s["description"]),
            ("founded", &json!("founded"))
        );
        let (_, s) = parse_column("url: see https://example.com").unwrap();
        assert_eq!(s["description"], "see https://example.com");
        assert!(parse_column("x:colour: nope").is_err());
        assert!(parse_column(": nameless").is_err());
    }

    #[test]
    fn a_parallel_cli_config_reads_unchanged() {
        let config: Config = serde_norway::from_str(
            "source_type: csv\nsource: in.csv\ntarget: out.csv\nsource_columns:\n  - name: company\n    description: The company\nenriched_columns:\n  - name: ceo\n    description: CEO name\n    type: str\nprocessor: lite-fast\n",
        )
        .unwrap();
        assert_eq!(config.source.as_deref(), Some("in.csv"));
        assert_eq!(config.target.as_deref(), Some("out.csv"));
        let source = &config.source_columns[..];
        assert_eq!(source.len(), 1);
        assert_eq!(
            (source[0].name.as_str(), source[0].description.as_deref()),
            ("company", Some("The company"))
        );
        let enriched = &config.enriched_columns[..];
        assert_eq!(enriched.len(), 1);
        assert_eq!(
            (
                enriched[0].name.as_str(),
                enriched[0].description.as_deref(),
                enriched[0].kind.as_deref()
            ),
            ("ceo", Some("CEO name"), Some("str"))
        );
        assert_eq!(config.processor.as_deref(), Some("lite-fast"));
    }
}
