//! Fields the published schema calls required but the live API leaves out.

use serde_json::Value;

/// `(component, property)` pairs the client must accept when absent, each
/// with the evidence. The published document lists them as required, and a
/// required field without a default becomes a plain (non-`Option`) Rust
/// field, so one missing value would fail a whole stream event.
pub const OMITTED_REQUIRED: &[(&str, &str)] = &[
    // The captured progress-stats event in the project's API notes (§3, SSE
    // framing) has `source_stats` but no `progress_meter`.
    ("TaskRunProgressStatsEvent", "progress_meter"),
    // The blog-era capture of a `task_run.state` event (API notes §2) has no
    // `interaction_id`: the field was added later.
    ("TaskRun", "interaction_id"),
    // The documented progress-stats sample leaves `sources_read_sample` out;
    // the counts are nullable, so absent reads as unknown, not as zero.
    ("TaskRunSourceStats", "num_sources_considered"),
    ("TaskRunSourceStats", "num_sources_read"),
    ("TaskRunSourceStats", "sources_read_sample"),
    // Nullable timestamps and notes: absent means the same as null. (Fields
    // that carry facts, such as `is_active` or `num_task_runs`, stay
    // required: a value the server did not send is never made up.)
    ("TaskRun", "created_at"),
    ("TaskRun", "modified_at"),
    ("TaskGroupStatus", "status_message"),
    ("TaskGroupStatus", "modified_at"),
    ("TaskRunProgressMessageEvent", "timestamp"),
];

/// Removes each [`OMITTED_REQUIRED`] property from its component's
/// `required` list, so it is generated as an `Option`. Components or lists
/// that no longer name the property are left as they are.
pub fn relax_omitted_required(doc: &mut Value) {
    for (component, property) in OMITTED_REQUIRED {
        if let Some(required) = doc
            .pointer_mut(&format!("/components/schemas/{component}/required"))
            .and_then(Value::as_array_mut)
        {
            required.retain(|name| name != property);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_omitted_field_is_no_longer_required_and_others_stay() {
        let mut doc = json!({"components": {"schemas": {"TaskRunProgressStatsEvent": {
            "required": ["type", "source_stats", "progress_meter"],
            "properties": {"progress_meter": {"type": "number"}}
        }}}});
        relax_omitted_required(&mut doc);
        assert_eq!(
            doc,
            json!({"components": {"schemas": {"TaskRunProgressStatsEvent": {
                "required": ["type", "source_stats"],
                "properties": {"progress_meter": {"type": "number"}}
            }}}})
        );
    }

    #[test]
    fn a_document_without_the_component_is_unchanged() {
        let mut doc =
            json!({"components": {"schemas": {"Other": {"required": ["progress_meter"]}}}});
        let before = doc.clone();
        relax_omitted_required(&mut doc);
        assert_eq!(doc, before);
    }
}
