//! `cargo xtask spec-parity REFERENCE`: does our spec describe the same wire
//! format as an official document?
//!
//! Both documents are reduced to "facts" (one line per operation, parameter,
//! request body, response and schema field, keyed by where it sits), and the
//! two fact sets are compared. Prose (titles, descriptions, examples) is not a
//! fact: ours is written in our own words. Differences on the short,
//! commented [`ALLOWED`] list are printed but do not fail the run.

#[cfg(test)]
mod detects;
mod facts;

use std::collections::BTreeMap;
use std::path::Path;

use crate::normalize::short_operation_id;
use crate::outputs::{read_json, source_label};

/// A difference between the two documents at one key.
#[derive(Debug, PartialEq, Eq)]
pub enum Difference {
    /// Only our spec has this fact.
    MissingInReference { key: String, ours: String },
    /// Only the reference has this fact.
    MissingInOurs { key: String, reference: String },
    /// Both have it, with different values.
    Differs {
        key: String,
        ours: String,
        reference: String,
    },
}

impl Difference {
    fn key(&self) -> &str {
        match self {
            Self::MissingInReference { key, .. }
            | Self::MissingInOurs { key, .. }
            | Self::Differs { key, .. } => key,
        }
    }
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::MissingInReference { key, ours } => write!(f, "{key}: only in ours ({ours})"),
            Self::MissingInOurs { key, reference } => {
                write!(f, "{key}: missing in ours (reference: {reference})")
            }
            Self::Differs {
                key,
                ours,
                reference,
            } => write!(
                f,
                "{key}:\n      ours:      {ours}\n      reference: {reference}"
            ),
        }
    }
}

/// Does an allow-list entry cover a difference?
type Applies = fn(&Difference) -> bool;

/// Differences that are by design. Each entry: does it apply, and why.
const ALLOWED: &[(Applies, &str)] = &[
    (
        |d| {
            matches!(d, Difference::Differs { key, ours, reference }
            if key.ends_with(" operationId") && short_operation_id(reference) == Some(ours.as_str()))
        },
        "our operationIds are the short generated method names; `regen` maps the official ones to them",
    ),
    (
        |d| matches!(d, Difference::MissingInReference { key, .. } if is_beta_group_key(key)),
        "the GA document no longer lists the /v1beta task group paths; we keep them for the beta-era API",
    ),
    (
        |d| matches!(d, Difference::MissingInReference { key, .. } if is_newer_than_reference(key)),
        "fields the newest official SDKs send that no published OpenAPI document lists yet",
    ),
    (
        |d| {
            matches!(d, Difference::Differs { key, ours, reference }
            if WIDER_ENUMS_THAN_REFERENCE.contains(&key.as_str()) && only_widens_enum(ours, reference))
        },
        "enum values the newest official SDKs send that no published OpenAPI document lists yet",
    ),
];

/// Schemas and fields (fact keys, or their prefixes up to a `.`) that the
/// newest official SDKs send but no published OpenAPI document describes:
/// only additions are allowed, never a changed or missing fact.
const NEWER_THAN_REFERENCE: &[&str] = &[
    "schema TaskRunInput.memory_scope_key",
    "schema TaskAdvancedSettings.data_sources",
    "schema TaskDataSources",
];

/// Fields whose enum the newest official SDK widens beyond every published
/// document: ours may list more values (the SDK's), never fewer or others.
/// `V1SearchRequest.mode`: the Python SDK 1.3.7 sends `turbo` and `fast`
/// besides the documented `basic` and `advanced`.
const WIDER_ENUMS_THAN_REFERENCE: &[&str] = &["schema V1SearchRequest.mode"];

/// Operations and schemas of one API era that the other era's document does
/// not have: the GA document dropped the beta-era `/v1beta` search and
/// extract, the beta-era document predates `/v1` search and extract. Each is
/// allowed to be missing from a reference only as a whole (see
/// [`missing_as_a_whole`]), never field by field.
const ONE_ERA_ONLY: &[&str] = &[
    "POST /v1/search",
    "POST /v1/extract",
    "schema V1SearchRequest",
    "schema V1SearchResponse",
    "schema V1WebSearchResult",
    "schema V1ExcerptSettings",
    "schema AdvancedSearchSettings",
    "schema V1ExtractRequest",
    "schema V1ExtractResponse",
    "schema V1ExtractResult",
    "schema AdvancedExtractSettings",
    "POST /v1beta/search",
    "POST /v1beta/extract",
    "schema SearchRequest",
    "schema SearchResponse",
    "schema WebSearchResult",
    "schema ExcerptSettings",
    "schema ExtractRequest",
    "schema ExtractResponse",
    "schema ExtractResult",
];

const ONE_ERA_ONLY_WHY: &str = "search and extract of the other API era: the GA document no longer lists the /v1beta shapes, the beta-era one does not yet list the /v1 ones; we keep both";

/// True when `difference` is a fact of a [`ONE_ERA_ONLY`] operation or
/// schema that the reference lacks entirely (no fact of that subject at all).
fn missing_as_a_whole(difference: &Difference, reference: &BTreeMap<String, String>) -> bool {
    let Difference::MissingInReference { key, .. } = difference else {
        return false;
    };
    let whole = subject(key);
    ONE_ERA_ONLY.contains(&whole) && !reference.keys().any(|k| subject(k) == whole)
}

/// True when `ours` and `reference` differ only in that ours lists more
/// values in its `enum[..]`, keeping every value of the reference's.
fn only_widens_enum(ours: &str, reference: &str) -> bool {
    fn split(summary: &str) -> Option<(&str, Vec<&str>, &str)> {
        let start = summary.find("enum[")? + "enum[".len();
        let end = start + summary[start..].find(']')?;
        let values = summary[start..end].split(',').collect();
        Some((&summary[..start], values, &summary[end..]))
    }
    match (split(ours), split(reference)) {
        (Some((o_head, o_values, o_tail)), Some((r_head, r_values, r_tail))) => {
            o_head == r_head
                && o_tail == r_tail
                && r_values.iter().all(|value| o_values.contains(value))
        }
        _ => false,
    }
}

fn is_newer_than_reference(key: &str) -> bool {
    NEWER_THAN_REFERENCE.iter().any(|known| {
        key.strip_prefix(known)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    })
}

fn is_beta_group_key(key: &str) -> bool {
    key.split_once(' ')
        .is_some_and(|(_, rest)| rest.starts_with("/v1beta/tasks/groups"))
}

/// Why `difference` is allowed, if it is.
fn allowed_because(difference: &Difference) -> Option<&'static str> {
    ALLOWED
        .iter()
        .find(|(applies, _)| applies(difference))
        .map(|(_, why)| *why)
}

/// Why `difference` is allowed against `reference`, if it is: the
/// [`ALLOWED`] list, or a [`ONE_ERA_ONLY`] subject the reference lacks.
fn allowed_against(
    difference: &Difference,
    reference: &BTreeMap<String, String>,
) -> Option<&'static str> {
    allowed_because(difference)
        .or_else(|| missing_as_a_whole(difference, reference).then_some(ONE_ERA_ONLY_WHY))
}

/// Every difference between two fact sets, in key order.
pub fn compare(
    ours: &BTreeMap<String, String>,
    reference: &BTreeMap<String, String>,
) -> Vec<Difference> {
    let mut keys: Vec<&String> = ours.keys().chain(reference.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| match (ours.get(key), reference.get(key)) {
            (Some(o), Some(r)) if o == r => None,
            (Some(o), Some(r)) => Some(Difference::Differs {
                key: key.clone(),
                ours: o.clone(),
                reference: r.clone(),
            }),
            (Some(o), None) => Some(Difference::MissingInReference {
                key: key.clone(),
                ours: o.clone(),
            }),
            (None, Some(r)) => Some(Difference::MissingInOurs {
                key: key.clone(),
                reference: r.clone(),
            }),
            (None, None) => None,
        })
        .collect()
}

/// Runs the comparison and prints it; fails on any difference not allowed.
pub fn spec_parity(ours_path: &Path, reference_path: &Path) -> Result<(), String> {
    let ours = facts::collect(read_json(ours_path)?);
    let reference = facts::collect(read_json(reference_path)?);
    let differences = compare(&ours, &reference);
    let operations = ours.keys().filter(|k| k.ends_with(" operationId")).count();
    println!(
        "spec parity: {} vs {}: {operations} operations, {} facts in ours, {} in the reference",
        source_label(ours_path),
        source_label(reference_path),
        ours.len(),
        reference.len()
    );
    let mut allowed: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    let mut failures = 0;
    for difference in &differences {
        match allowed_against(difference, &reference) {
            Some(why) => {
                *allowed
                    .entry(why)
                    .or_default()
                    .entry(subject(difference.key()))
                    .or_default() += 1
            }
            None => {
                failures += 1;
                println!("  DIFFERS  {difference}");
            }
        }
    }
    for (why, subjects) in &allowed {
        println!("  allowed by design ({why}):");
        for (subject, count) in subjects {
            let facts = if *count == 1 { "fact" } else { "facts" };
            println!("    {subject} ({count} {facts})");
        }
    }
    if failures == 0 {
        println!(
            "spec parity: OK ({} allowed differences)",
            differences.len()
        );
        Ok(())
    } else {
        Err(format!(
            "{failures} unexpected differences from {}",
            reference_path.display()
        ))
    }
}

/// What a fact is about: its operation (`METHOD /path`) or its schema name,
/// so the allowed differences print one line per operation or schema.
fn subject(key: &str) -> &str {
    let mut words = key.splitn(3, ' ');
    let (first, second) = (words.next().unwrap_or(key), words.next().unwrap_or(""));
    let end = first.len() + 1 + second.len();
    if first == "schema" {
        let name_end = second.find('.').map_or(end, |dot| first.len() + 1 + dot);
        &key[..name_end.min(key.len())]
    } else {
        &key[..end.min(key.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn compare_reports_each_kind_of_difference() {
        let ours = facts(&[("a", "1"), ("b", "2"), ("c", "3")]);
        let reference = facts(&[("a", "1"), ("b", "X"), ("d", "4")]);
        assert_eq!(
            compare(&ours, &reference),
            [
                Difference::Differs {
                    key: "b".into(),
                    ours: "2".into(),
                    reference: "X".into()
                },
                Difference::MissingInReference {
                    key: "c".into(),
                    ours: "3".into()
                },
                Difference::MissingInOurs {
                    key: "d".into(),
                    reference: "4".into()
                },
            ]
        );
    }

    #[test]
    fn operation_ids_and_missing_beta_group_paths_are_allowed() {
        let id = Difference::Differs {
            key: "GET /v1/tasks/runs/{run_id} operationId".into(),
            ours: "task_run_retrieve".into(),
            reference: "tasks_runs_get_v1_tasks_runs__run_id__get".into(),
        };
        assert!(allowed_because(&id).is_some());
        let beta = Difference::MissingInReference {
            key: "GET /v1beta/tasks/groups/{taskgroup_id} operation".into(),
            ours: "x".into(),
        };
        assert!(allowed_because(&beta).is_some());
    }

    #[test]
    fn subjects_are_operations_or_schema_names() {
        assert_eq!(
            subject("GET /v1/tasks/runs/{run_id} parameter path run_id"),
            "GET /v1/tasks/runs/{run_id}"
        );
        assert_eq!(
            subject("POST /v1/tasks/runs operation"),
            "POST /v1/tasks/runs"
        );
        assert_eq!(subject("schema TaskRun.status"), "schema TaskRun");
        assert_eq!(subject("schema TaskRun"), "schema TaskRun");
    }

    #[test]
    fn only_additions_of_the_newer_sdk_fields_are_allowed() {
        let added = |key: &str| Difference::MissingInReference {
            key: key.into(),
            ours: "x".into(),
        };
        assert!(allowed_because(&added("schema TaskRunInput.memory_scope_key")).is_some());
        assert!(allowed_because(&added("schema TaskDataSources.free")).is_some());
        assert!(allowed_because(&added("schema TaskDataSourcesExtra")).is_none());
        assert!(allowed_because(&added("schema TaskRunInput.other")).is_none());
        let changed = Difference::Differs {
            key: "schema TaskRunInput.memory_scope_key".into(),
            ours: "a".into(),
            reference: "b".into(),
        };
        assert!(allowed_because(&changed).is_none());
    }

    #[test]
    fn an_enum_may_only_gain_values_where_the_sdk_widens_it() {
        let differs = |key: &str, ours: &str| Difference::Differs {
            key: key.into(),
            ours: ours.into(),
            reference: r#"required=false, type=anyOf(enum["basic","advanced"]), nullable=true"#
                .into(),
        };
        let key = "schema V1SearchRequest.mode";
        let wider =
            r#"required=false, type=anyOf(enum["turbo","fast","basic","advanced"]), nullable=true"#;
        assert!(allowed_because(&differs(key, wider)).is_some());
        let lost = r#"required=false, type=anyOf(enum["turbo","basic"]), nullable=true"#;
        assert!(allowed_because(&differs(key, lost)).is_none());
        let not_nullable =
            r#"required=false, type=anyOf(enum["turbo","basic","advanced"]), nullable=false"#;
        assert!(allowed_because(&differs(key, not_nullable)).is_none());
        assert!(allowed_because(&differs("schema TaskRun.status", wider)).is_none());
    }

    #[test]
    fn an_era_only_schema_may_be_missing_only_as_a_whole() {
        let added = |key: &str| Difference::MissingInReference {
            key: key.into(),
            ours: "x".into(),
        };
        let legacy = facts(&[("schema SearchRequest.mode", "m")]);
        assert!(allowed_against(&added("schema V1SearchRequest.mode"), &legacy).is_some());
        assert!(allowed_against(&added("POST /v1/search operation"), &legacy).is_some());
        // The reference has SearchRequest: a field only ours has is a real difference.
        assert!(allowed_against(&added("schema SearchRequest.extra"), &legacy).is_none());
        assert!(allowed_against(&added("schema TaskRun.extra"), &legacy).is_none());
        let missing_ours = Difference::MissingInOurs {
            key: "schema V1SearchRequest.mode".into(),
            reference: "x".into(),
        };
        assert!(allowed_against(&missing_ours, &BTreeMap::new()).is_none());
    }

    #[test]
    fn other_differences_are_not_allowed() {
        let missing_ours = Difference::MissingInOurs {
            key: "GET /v1beta/tasks/groups/{taskgroup_id} operation".into(),
            reference: "x".into(),
        };
        assert!(allowed_because(&missing_ours).is_none());
        let unmapped_id = Difference::Differs {
            key: "GET /v1/tasks/runs/{run_id} operationId".into(),
            ours: "task_run_retrieve".into(),
            reference: "tasks_runs_fetch_v2".into(),
        };
        assert!(allowed_because(&unmapped_id).is_none());
        let field = Difference::Differs {
            key: "schema TaskRun.status".into(),
            ours: "a".into(),
            reference: "b".into(),
        };
        assert!(allowed_because(&field).is_none());
    }
}
