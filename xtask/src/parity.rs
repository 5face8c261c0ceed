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
            matches!(d, Difference::MissingInReference { key, .. }
            if NEWER_OPERATIONS_THAN_REFERENCE.contains(&subject(key)))
        },
        "operations the newest official SDKs call that no published OpenAPI document lists yet",
    ),
    (
        |d| {
            matches!(d, Difference::Differs { key, ours, reference }
            if NO_LONGER_REQUIRED.contains(&key.as_str()) && only_unrequires(ours, reference))
        },
        "fields the newest official SDKs renamed: the reference's name is kept but no longer required",
    ),
    (
        |d| {
            matches!(d, Difference::Differs { key, ours, reference }
            if WIDER_ENUMS_THAN_REFERENCE.contains(&key.as_str()) && only_widens_enum(ours, reference))
        },
        "enum values the newest official SDKs send that no published OpenAPI document lists yet",
    ),
    (
        |d| match d {
            Difference::Differs {
                key,
                ours,
                reference,
            } => {
                key == FINDALL_WEBHOOK_FIELD
                    && ours.replace("FindAllWebhook", "Webhook") == *reference
            }
            Difference::MissingInReference { key, .. } => key
                .strip_prefix(FINDALL_WEBHOOK_SCHEMA)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.')),
            Difference::MissingInOurs { .. } => false,
        },
        "FindAll's webhook takes the event types its webhook page documents (findall.candidate.*, findall.run.*); the published documents reuse the task-run `Webhook`, whose enum allows only `task_run.status`",
    ),
];

/// The FindAll run input's webhook field, which refers to
/// [`FINDALL_WEBHOOK_SCHEMA`] where the published documents refer to the
/// task-run `Webhook`.
const FINDALL_WEBHOOK_FIELD: &str = "schema FindAllRunInput.webhook";
/// Our FindAll webhook registration (url and FindAll event types).
const FINDALL_WEBHOOK_SCHEMA: &str = "schema FindAllWebhook";

/// Schemas and fields (fact keys, or their prefixes up to a `.`) that the
/// newest official SDKs send but no published OpenAPI document describes:
/// only additions are allowed, never a changed or missing fact.
const NEWER_THAN_REFERENCE: &[&str] = &[
    "schema TaskRunInput.memory_scope_key",
    "schema TaskAdvancedSettings.data_sources",
    "schema TaskDataSources",
    // A whole chat completion's answer, where OpenAI's SDKs read it
    // (`choices[0].message`); Parallel's documents list only `delta`.
    "schema Choice.message",
    "schema ChatCompletionMessage",
    // Memory (Python SDK 1.3.7): the scope a run, FindAll run or monitor
    // remembers into, and what reading a scope returns.
    "schema FindAllRunInput.memory_scope_key",
    "schema CreateMonitorRequest.memory_scope_key",
    "schema MemoryRetrieveRequest",
    "schema MemoryRetrieveResponse",
    "schema TaskMemoryResult",
    "schema MonitorMemoryResult",
    "schema MonitorMemoryEvent",
    "schema FindAllMemoryResult",
    "schema MemoryClearRequest",
    "schema MemoryEvictRequest",
    // The SDK's entity lookup (`findall.entity_search`).
    "schema FindAllEntitySearchRequest",
    "schema FindAllEntitySearchResponse",
    "schema FindAllEntity",
    // `client.monitor.update(processor=...)`.
    "schema UpdateMonitorRequest.processor",
    // The SDK reads a monitor event's check as `event_group_id`; the
    // documents call it `monitor_group_id` (see NO_LONGER_REQUIRED).
    "schema MonitorEventStreamEvent.event_group_id",
    "schema MonitorSnapshotEvent.event_group_id",
];

/// Whole operations (`METHOD /path`) that the newest official SDK (Python
/// 1.3.7) calls and no published document lists: the memory API and the
/// FindAll entity lookup the SDK calls instead of `/v1beta/findall/candidates`.
const NEWER_OPERATIONS_THAN_REFERENCE: &[&str] = &[
    "POST /v1beta/memory/retrieve",
    "POST /v1beta/memory/clear",
    "POST /v1beta/memory/evict",
    "POST /v1beta/findall/entity-search",
];

/// Fields the documents require that the newest official SDK reads under
/// another name: ours keeps both names and requires neither, so a body with
/// either one parses. Only `required` may differ from the reference.
const NO_LONGER_REQUIRED: &[&str] = &[
    "schema MonitorEventStreamEvent.monitor_group_id",
    "schema MonitorSnapshotEvent.monitor_group_id",
];

/// True when `ours` is `reference` with `required=true` turned into
/// `required=false`, and nothing else changed.
fn only_unrequires(ours: &str, reference: &str) -> bool {
    reference.starts_with("required=true")
        && ours.strip_prefix("required=false") == reference.strip_prefix("required=true")
}

/// Fields whose enum the newest official SDK widens beyond every published
/// document: ours may list more values (the SDK's), never fewer or others.
/// `V1SearchRequest.mode`: the Python SDK 1.3.7 sends `turbo` and `fast`
/// besides the documented `basic` and `advanced`.
const WIDER_ENUMS_THAN_REFERENCE: &[&str] = &["schema V1SearchRequest.mode"];

/// Operations and schemas of one API era that the other era's document does
/// not have, each group with why we keep it. Each is allowed to be missing
/// from a reference only as a whole (see [`missing_as_a_whole`]), never field
/// by field.
const ONE_ERA_ONLY: &[(&str, &[&str])] = &[
    (
        "search and extract of the other API era: the GA document no longer lists the /v1beta shapes, the beta-era one does not yet list the /v1 ones; we keep both",
        &[
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
        ],
    ),
    (
        "the GA monitors at /v1/monitors: the legacy document lists only the alpha-era /v1alpha/monitors they supersede",
        &[
            "POST /v1/monitors",
            "GET /v1/monitors",
            "GET /v1/monitors/{monitor_id}",
            "POST /v1/monitors/{monitor_id}/cancel",
            "GET /v1/monitors/{monitor_id}/events",
            "POST /v1/monitors/{monitor_id}/trigger",
            "POST /v1/monitors/{monitor_id}/update",
            "schema AdvancedMonitorSettings",
            "schema CreateMonitorRequest",
            "schema MonitorCompletionEvent",
            "schema MonitorErrorEvent",
            "schema MonitorEventStreamEvent",
            "schema MonitorEventStreamResponseSettings",
            "schema MonitorEventStreamSettings",
            "schema MonitorResponse",
            "schema MonitorSnapshotEvent",
            "schema MonitorSnapshotOutput",
            "schema MonitorSnapshotResponseSettings",
            "schema MonitorSnapshotSettings",
            "schema MonitorWebhook",
            "schema PaginatedMonitorEvents",
            "schema PaginatedMonitorResponse",
            "schema UpdateMonitorEventStreamSettings",
            "schema UpdateMonitorRequest",
        ],
    ),
];

/// Why `difference` is allowed when it is a fact of a [`ONE_ERA_ONLY`]
/// operation or schema that the reference lacks entirely (no fact of that
/// subject at all).
fn missing_as_a_whole(
    difference: &Difference,
    reference: &BTreeMap<String, String>,
) -> Option<&'static str> {
    let Difference::MissingInReference { key, .. } = difference else {
        return None;
    };
    let whole = subject(key);
    let (why, _) = ONE_ERA_ONLY
        .iter()
        .find(|(_, subjects)| subjects.contains(&whole))?;
    (!reference.keys().any(|k| subject(k) == whole)).then_some(*why)
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
    allowed_because(difference).or_else(|| missing_as_a_whole(difference, reference))
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

/// Path prefixes of the reference's operations this project does not cover,
/// each with why: work planned for them, or a reason to leave them out.
/// Every reference operation outside our scope must match one, so a new API
/// in a newer document fails parity until it is either covered or listed
/// here. Every operation of the GA document is covered.
const NOT_COVERED: &[(&str, &str)] = &[(
    "/v1alpha/monitors",
    "the alpha-era monitors of the legacy document, by design: /v1/monitors supersedes them \
     (the GA document and the Python SDK 1.3.7 have only /v1/monitors), and their \
     shapes differ (DELETE instead of cancel, simulate_event instead of trigger, event \
     groups by path)",
)];

/// The reference's operations (`METHOD /path`) outside our scope, each with
/// the [`NOT_COVERED`] entry that explains it, or `None` when none does.
fn uncovered_operations(reference: &serde_json::Value) -> Vec<(String, Option<&'static str>)> {
    let mut out = Vec::new();
    let paths = reference
        .get("paths")
        .and_then(serde_json::Value::as_object);
    for (path, item) in paths.into_iter().flatten() {
        if crate::normalize::is_in_scope(path) {
            continue;
        }
        for method in crate::normalize::visit::METHODS {
            if item.get(*method).is_some() {
                let why = NOT_COVERED
                    .iter()
                    .find(|(prefix, _)| path == prefix || path.starts_with(&format!("{prefix}/")))
                    .map(|(_, why)| *why);
                out.push((format!("{} {path}", method.to_uppercase()), why));
            }
        }
    }
    out
}

/// Runs the comparison and prints it; fails on any difference not allowed,
/// and on any reference operation outside our scope that
/// [`NOT_COVERED`] does not name.
pub fn spec_parity(ours_path: &Path, reference_path: &Path) -> Result<(), String> {
    let reference_doc = read_json(reference_path)?;
    let uncovered = uncovered_operations(&reference_doc);
    let ours = facts::collect(read_json(ours_path)?);
    let reference = facts::collect(reference_doc);
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
    let mut not_yet: BTreeMap<&str, usize> = BTreeMap::new();
    for (operation, why) in &uncovered {
        match why {
            Some(why) => *not_yet.entry(why).or_default() += 1,
            None => {
                failures += 1;
                println!(
                    "  NOT COVERED  {operation}: outside our scope and not explained in NOT_COVERED"
                );
            }
        }
    }
    for (why, count) in &not_yet {
        println!("  not covered ({why}): {count} operations of the reference");
    }
    if failures == 0 {
        let in_scope: Vec<&String> = reference
            .keys()
            .filter(|k| k.ends_with(" operation"))
            .collect();
        let covered = in_scope.iter().filter(|k| ours.contains_key(**k)).count();
        println!(
            "spec parity: OK ({} allowed differences; {covered} of the reference's {} operations covered)",
            differences.len(),
            in_scope.len() + uncovered.len()
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
        assert!(allowed_because(&added("schema FindAllRunInput.memory_scope_key")).is_some());
        assert!(allowed_because(&added("schema CreateMonitorRequest.memory_scope_key")).is_some());
        assert!(allowed_because(&added("schema MemoryRetrieveRequest.query")).is_some());
        assert!(allowed_because(&added("schema FindAllRunInput.other")).is_none());
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
    fn findall_may_only_swap_the_task_run_webhook_for_its_own() {
        let swapped = Difference::Differs {
            key: FINDALL_WEBHOOK_FIELD.into(),
            ours: "required=false, type=anyOf(FindAllWebhook), nullable=true".into(),
            reference: "required=false, type=anyOf(Webhook), nullable=true".into(),
        };
        assert!(allowed_because(&swapped).is_some());
        let also_required = Difference::Differs {
            key: FINDALL_WEBHOOK_FIELD.into(),
            ours: "required=true, type=anyOf(FindAllWebhook), nullable=true".into(),
            reference: "required=false, type=anyOf(Webhook), nullable=true".into(),
        };
        assert!(allowed_because(&also_required).is_none());
        let added = |key: &str| Difference::MissingInReference {
            key: key.into(),
            ours: "x".into(),
        };
        assert!(allowed_because(&added("schema FindAllWebhook.event_types")).is_some());
        assert!(allowed_because(&added("schema FindAllWebhookExtra")).is_none());
    }

    #[test]
    fn reference_operations_outside_our_scope_must_be_explained() {
        let reference = serde_json::json!({"paths": {
            "/v1/tasks/runs": {"post": {}},
            "/v1beta/findall/runs": {"post": {}, "get": {}},
            "/v1/monitors/{id}": {"get": {}},
            "/v1alpha/monitors/{id}": {"delete": {}},
            "/v2/brand-new": {"post": {}}
        }});
        let uncovered = uncovered_operations(&reference);
        let alpha = NOT_COVERED[0].1;
        assert!(alpha.contains("/v1/monitors supersedes them"), "{alpha}");
        assert_eq!(
            uncovered,
            [
                ("DELETE /v1alpha/monitors/{id}".to_owned(), Some(alpha)),
                ("POST /v2/brand-new".to_owned(), None),
            ]
        );
    }

    #[test]
    fn operations_only_the_newest_sdk_calls_are_allowed_only_when_missing() {
        let added = |key: &str| Difference::MissingInReference {
            key: key.into(),
            ours: "x".into(),
        };
        assert!(allowed_because(&added("POST /v1beta/memory/evict operation")).is_some());
        assert!(
            allowed_because(&added(
                "POST /v1beta/findall/entity-search request body application/json"
            ))
            .is_some()
        );
        assert!(allowed_because(&added("POST /v1beta/memory/forget operation")).is_none());
        let changed = Difference::Differs {
            key: "POST /v1beta/memory/evict responses".into(),
            ours: "204".into(),
            reference: "200".into(),
        };
        assert!(allowed_because(&changed).is_none());
    }

    #[test]
    fn a_renamed_field_may_lose_only_its_required_flag() {
        let differs = |key: &str, ours: &str| Difference::Differs {
            key: key.into(),
            ours: ours.into(),
            reference: "required=true, type=string, nullable=false".into(),
        };
        let key = "schema MonitorEventStreamEvent.monitor_group_id";
        assert!(
            allowed_because(&differs(key, "required=false, type=string, nullable=false")).is_some()
        );
        assert!(
            allowed_because(&differs(
                key,
                "required=false, type=integer, nullable=false"
            ))
            .is_none()
        );
        assert!(
            allowed_because(&differs(key, "required=false, type=string, nullable=true")).is_none()
        );
        assert!(
            allowed_because(&differs(
                "schema MonitorResponse.monitor_id",
                "required=false, type=string, nullable=false"
            ))
            .is_none()
        );
    }

    #[test]
    fn the_v1_monitors_may_be_missing_from_the_legacy_document_only_as_a_whole() {
        let added = |key: &str| Difference::MissingInReference {
            key: key.into(),
            ours: "x".into(),
        };
        let legacy = facts(&[("POST /v1alpha/monitors operation", "present")]);
        let why = allowed_against(
            &added("POST /v1/monitors/{monitor_id}/trigger operation"),
            &legacy,
        );
        assert!(
            why.is_some_and(|why| why.contains("/v1alpha/monitors")),
            "{why:?}"
        );
        assert!(allowed_against(&added("schema MonitorResponse.status"), &legacy).is_some());
        let ga = facts(&[("schema MonitorResponse.status", "x")]);
        assert!(allowed_against(&added("schema MonitorResponse.extra"), &ga).is_none());
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
