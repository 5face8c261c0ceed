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
use crate::table::Format;

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
    /// The input's format, when the config's `source_type` names it (else
    /// the file's extension decides).
    pub source_format: Option<Format>,
    /// Metadata for the group and every run.
    pub metadata: Vec<(String, String)>,
    /// `--basis`: each added column's citations and confidence too.
    pub basis: bool,
}

/// The suffixes of the columns `--basis` adds after each added column.
pub const BASIS_SUFFIXES: [&str; 2] = ["_citations", "_confidence"];

/// A `parallel-cli enrich run` config; fields it has that this tool does
/// not need are ignored.
#[derive(Debug, Default, Deserialize)]
struct Config {
    source: Option<String>,
    target: Option<String>,
    /// How to read `source`: `csv` or `json` (`duckdb` and `bigquery`
    /// are refused with what to do instead).
    source_type: Option<String>,
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

        let metadata = metadata_pairs(&args.metadata)?;

        let source_format = match config.source_type.as_deref() {
            None => None,
            Some(kind) => Some(source_format(kind, &input)?),
        };
        let mut plan = Plan {
            source_format,
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
            basis: args.basis,
        };
        plan.check_basis_columns(&[])?;
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

    /// The JSON Schema of each added column.
    pub fn enriched_schemas(&self) -> Map<String, Value> {
        self.output_schema
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }

    /// The columns `--basis` adds, in order: for each added column, its
    /// citations then its confidence (none without `--basis`).
    pub fn basis_columns(&self) -> Vec<String> {
        if !self.basis {
            return Vec::new();
        }
        self.enriched
            .iter()
            .flat_map(|c| BASIS_SUFFIXES.map(|suffix| format!("{c}{suffix}")))
            .collect()
    }

    /// Fails when a column `--basis` adds has the name of an added column
    /// or of an input column: one would overwrite the other.
    fn check_basis_columns(&self, input_columns: &[String]) -> Result<()> {
        for name in self.basis_columns() {
            let clash = if self.enriched.contains(&name) {
                "a column to add"
            } else if input_columns.contains(&name) {
                "a column of the input"
            } else {
                continue;
            };
            return Err(Failure::usage(format!(
                "--basis adds the column {name:?}, which is also {clash}; rename that column or leave out --basis"
            )));
        }
        Ok(())
    }

    /// Sets the spec's input schema once the input's columns are known.
    pub fn with_input_columns(&mut self, all_columns: &[String]) -> Result<()> {
        self.check_basis_columns(all_columns)?;
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

/// The format a config's `source_type` names for `input`: `csv`, `json`
/// (a `.jsonl` file is read as JSON lines, anything else as one array) or
/// `parquet` (when the build has the `parquet` feature).
fn source_format(kind: &str, input: &str) -> Result<Format> {
    match kind.trim().to_ascii_lowercase().as_str() {
        "csv" => Ok(Format::Csv),
        "json" => Ok(match Format::of(input) {
            Ok(Format::Jsonl) => Format::Jsonl,
            _ => Format::Json,
        }),
        "parquet" => Format::parquet(input),
        "duckdb" | "bigquery" => Err(Failure::usage(format!(
            "source_type {kind:?}: this tool reads files only; export the table to CSV or JSON and name that file as `source`"
        ))),
        other => Err(Failure::usage(format!(
            "source_type {other:?} is not one this tool reads; use csv, json or parquet"
        ))),
    }
}

/// `--metadata key=value` flags as pairs (the key trimmed); one without
/// `=` is a usage error.
pub(crate) fn metadata_pairs(flags: &[String]) -> Result<Vec<(String, String)>> {
    flags
        .iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
                .ok_or_else(|| Failure::usage(format!("--metadata {kv:?}: write it as key=value")))
        })
        .collect()
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
    let kind = kind.map(str::trim).unwrap_or("string");
    let mut schema = type_schema(kind).ok_or_else(|| {
        Failure::usage(format!(
            "column {name:?}: unknown type {kind:?}; use str, int, float, bool, date, datetime, \
             list[T] or T | None (also string, integer, number, boolean, list)"
        ))
    })?;
    schema["description"] = Value::String(description.unwrap_or(name).to_owned());
    Ok(schema)
}

/// The JSON Schema of a column type: `parallel-cli`'s type names (`str`,
/// `int`, `float`, `bool`, `date`, `datetime`, `list[T]`, `T | None`),
/// mapped as pydantic maps those Python types, and JSON Schema's own
/// names. `None` for a type neither knows.
fn type_schema(kind: &str) -> Option<Value> {
    let kind = kind.trim();
    if let Some(inner) = kind
        .strip_suffix("None")
        .and_then(|k| k.trim_end().strip_suffix('|'))
    {
        let inner = type_schema(inner)?;
        return Some(json!({ "anyOf": [inner, { "type": "null" }] }));
    }
    if let Some(inner) = kind.strip_prefix("list[").and_then(|k| k.strip_suffix(']')) {
        return Some(json!({ "type": "array", "items": type_schema(inner)? }));
    }
    Some(match kind {
        "str" | "string" | "text" => json!({ "type": "string" }),
        "int" | "integer" => json!({ "type": "integer" }),
        "float" | "number" => json!({ "type": "number" }),
        "bool" | "boolean" => json!({ "type": "boolean" }),
        "date" => json!({ "type": "string", "format": "date" }),
        "datetime" => json!({ "type": "string", "format": "date-time" }),
        "list" | "array" => json!({ "type": "array", "items": { "type": "string" } }),
        _ => return None,
    })
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
    fn every_type_parallel_cli_accepts_maps_to_the_json_schema_of_its_python_type() {
        let string = json!({ "type": "string" });
        let integer = json!({ "type": "integer" });
        let number = json!({ "type": "number" });
        let boolean = json!({ "type": "boolean" });
        let date = json!({ "type": "string", "format": "date" });
        let datetime = json!({ "type": "string", "format": "date-time" });
        let scalars = [
            ("str", &string),
            ("int", &integer),
            ("float", &number),
            ("bool", &boolean),
            ("date", &date),
            ("datetime", &datetime),
        ];
        for (name, schema) in scalars {
            assert_eq!(type_schema(name).as_ref(), Some(schema), "{name}");
            let optional = json!({ "anyOf": [schema, { "type": "null" }] });
            assert_eq!(
                type_schema(&format!("{name} | None")),
                Some(optional.clone())
            );
            assert_eq!(type_schema(&format!("{name}|None")), Some(optional));
        }
        for (name, schema) in &scalars[..4] {
            let list = json!({ "type": "array", "items": schema });
            assert_eq!(type_schema(&format!("list[{name}]")), Some(list), "{name}");
        }
        // JSON Schema's own names, as `--column name:type` takes them.
        assert_eq!(type_schema("integer"), Some(integer));
        assert_eq!(type_schema("list"), type_schema("list[str]"));
        for unknown in [
            "colour",
            "list[colour]",
            "| None",
            "list[str",
            "dict[str, int]",
            "",
        ] {
            assert_eq!(type_schema(unknown), None, "{unknown:?}");
        }
        let refused = column_schema("c", Some("colour"), None).unwrap_err();
        assert_eq!(refused.exit, crate::fail::Exit::Usage);
        assert!(
            refused.message.contains("\"colour\""),
            "{}",
            refused.message
        );
    }

    #[test]
    fn a_configs_source_type_names_the_input_format() {
        assert_eq!(source_format("csv", "data.txt").unwrap(), Format::Csv);
        assert_eq!(source_format("CSV", "data.json").unwrap(), Format::Csv);
        assert_eq!(source_format("json", "data.txt").unwrap(), Format::Json);
        assert_eq!(source_format("json", "data.jsonl").unwrap(), Format::Jsonl);
        assert_eq!(source_format("json", "-").unwrap(), Format::Jsonl);
        assert_eq!(
            source_format("parquet", "data.bin").ok(),
            cfg!(feature = "parquet").then_some(Format::Parquet)
        );
        for refused in ["duckdb", "bigquery", "excel"] {
            let e = source_format(refused, "x").unwrap_err();
            assert_eq!(e.exit, crate::fail::Exit::Usage, "{refused}");
            assert!(e.message.contains(refused), "{}", e.message);
        }
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
