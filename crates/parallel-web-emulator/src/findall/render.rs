//! FindAll wire shapes, in the spec's field order: runs, schemas,
//! candidates and stream events, each derived from the compact records of
//! [`super`] when served.

use super::{
    Candidate, EventRec, FindAllRun, Spec, Status, Termination, Verdict, candidate_id, event_id,
    findall_id,
};
use crate::ids::{self, Codec};
use crate::web;
use serde_json::{Map, Value, json};

/// Renders one emulator's FindAll runs.
#[derive(Debug, Clone, Copy)]
pub struct FindAllRenderer {
    /// Id codec.
    pub codec: Codec,
    /// The seed.
    pub seed: u64,
}

/// A run's standing at some moment.
#[derive(Debug, Clone, Copy)]
pub struct Standing {
    /// Status.
    pub status: Status,
    /// Termination reason.
    pub termination: Option<Termination>,
    /// Candidates generated.
    pub generated: u32,
    /// Candidates matched.
    pub matched: u32,
    /// When it last changed (µs since the epoch).
    pub modified_us: i64,
}

impl Standing {
    /// The run's standing now.
    pub fn now(run: &FindAllRun) -> Self {
        Standing {
            status: run.status,
            termination: run.termination,
            generated: run.generated(),
            matched: run.matched.len() as u32,
            modified_us: run.modified_us,
        }
    }
}

impl FindAllRenderer {
    /// `FindAllRun` at `standing`.
    pub fn run(&self, index: u32, run: &FindAllRun, s: Standing) -> Value {
        json!({
            "findall_id": findall_id(&self.codec, index),
            "status": {
                "status": s.status.name(),
                "is_active": s.status.is_active(),
                "metrics": {
                    "generated_candidates_count": s.generated,
                    "matched_candidates_count": s.matched,
                },
                "termination_reason": s.termination.map(Termination::name),
            },
            "generator": run.spec.generator.name(),
            "metadata": run.spec.metadata,
            "created_at": ids::timestamp(run.created_us),
            "modified_at": ids::timestamp(s.modified_us),
        })
    }

    /// `FindAllSchema` with the first `enrichments` enrichments and `match_limit`.
    pub fn schema(&self, run: &FindAllRun, enrichments: usize, match_limit: u32) -> Value {
        schema_of(
            &run.spec,
            Some(
                run.enrichments[..enrichments.min(run.enrichments.len())]
                    .iter()
                    .map(|e| (**e).clone())
                    .collect(),
            ),
            Some(match_limit),
        )
    }

    /// `FindAllCandidate` number `c` of run `index`, with `verdict` and
    /// `enriched` enrichments.
    pub fn candidate(
        &self,
        index: u32,
        run: &FindAllRun,
        c: u32,
        verdict: Verdict,
        enriched: u16,
    ) -> Value {
        let Candidate { entity, .. } = run.candidates[c as usize];
        let world = &run.spec.world;
        let name = world.name(entity);
        let (output, basis) = match verdict {
            Verdict::Generated | Verdict::Discarded => (Value::Null, Value::Null),
            Verdict::Matched | Verdict::Unmatched => {
                let mut output = Map::new();
                let mut basis = Vec::new();
                let n = run.spec.conditions.len();
                for (j, cond) in run.spec.conditions.iter().enumerate() {
                    let met = world.meets(entity, verdict, j, n);
                    let focus = web::words_of(&cond.description);
                    let (url, title, excerpt) = world.evidence(entity, &cond.name, &focus);
                    output.insert(
                        cond.name.clone(),
                        json!({
                            "value": format!("{}: {}", if met { "Yes" } else { "No" }, title),
                            "type": "match_condition",
                            "is_matched": met,
                        }),
                    );
                    basis.push(json!({
                        "field": cond.name,
                        "citations": [{"title": title, "url": url, "excerpts": [excerpt]}],
                        "reasoning": format!(
                            "{name} {} the condition `{}`, going by the cited page.",
                            if met { "meets" } else { "does not meet" },
                            cond.name
                        ),
                        "confidence": confidence(ids::hash(self.seed, &[u64::from(entity), j as u64])),
                    }));
                }
                for (k, e) in run.enrichments[..usize::from(enriched).min(run.enrichments.len())]
                    .iter()
                    .enumerate()
                {
                    let schema = &e["output_schema"]["json_schema"];
                    let key =
                        ids::hash(self.seed, &[u64::from(index), u64::from(entity), k as u64]);
                    let filled = crate::output::fill_schema(key, schema, &name);
                    let fields: Vec<(String, Value)> = match filled {
                        Value::Object(o) => o.into_iter().collect(),
                        other => vec![(format!("enrichment_{k}"), other)],
                    };
                    for (field, value) in fields {
                        let (url, title, _) = world.evidence(entity, &field, &[]);
                        basis.push(json!({
                            "field": field,
                            "citations": [{"title": title, "url": url, "excerpts": null}],
                            "reasoning": format!("Found for {name} on the cited page."),
                            "confidence": confidence(key ^ field.len() as u64),
                        }));
                        output.insert(field, json!({"value": value, "type": "enrichment"}));
                    }
                }
                (Value::Object(output), Value::Array(basis))
            }
        };
        json!({
            "candidate_id": candidate_id(&self.codec, index, c),
            "name": name,
            "url": world.url(entity),
            "description": world.description(entity),
            "match_status": verdict.name(),
            "output": output,
            "basis": basis,
        })
    }

    /// `FindAllCandidate` number `c` as it stands now.
    pub fn candidate_now(&self, index: u32, run: &FindAllRun, c: u32) -> Value {
        let cand = run.candidates[c as usize];
        self.candidate(index, run, c, cand.verdict, cand.enriched)
    }

    /// The whole event at position `pos` of run `index`, as compact JSON
    /// (`{"type", "timestamp", "event_id", "data"}`).
    pub fn event(&self, index: u32, run: &FindAllRun, pos: usize) -> String {
        let e = &run.events[pos];
        let data = match e.rec {
            EventRec::Status {
                status,
                termination,
                generated,
                matched,
            } => self.run(
                index,
                run,
                Standing {
                    status,
                    termination,
                    generated,
                    matched,
                    modified_us: e.at_us,
                },
            ),
            EventRec::Schema {
                enrichments,
                match_limit,
            } => self.schema(run, usize::from(enrichments), match_limit),
            EventRec::Candidate {
                index: c,
                verdict,
                enriched,
                ..
            } => self.candidate(index, run, c, verdict, enriched),
        };
        json!({
            "type": e.rec.kind(),
            "timestamp": ids::timestamp(e.at_us),
            "event_id": event_id(&self.codec, index, pos),
            "data": data,
        })
        .to_string()
    }
}

/// `FindAllSchema` of a spec.
pub fn schema_of(spec: &Spec, enrichments: Option<Vec<Value>>, match_limit: Option<u32>) -> Value {
    json!({
        "objective": spec.objective,
        "entity_type": spec.entity_type,
        "match_conditions": spec.conditions.iter().map(|c| json!({
            "name": c.name, "description": c.description,
        })).collect::<Vec<_>>(),
        "enrichments": enrichments,
        "generator": spec.generator.name(),
        "match_limit": match_limit,
    })
}

fn confidence(h: u64) -> &'static str {
    ["high", "high", "medium", "low"][(h % 4) as usize]
}
