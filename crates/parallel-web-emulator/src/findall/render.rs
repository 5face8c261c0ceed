//! FindAll wire shapes, in the spec's field order: runs, schemas,
//! candidates and stream events, each derived from the compact records of
//! [`super`] when served. Runs, candidates and events are typed structs
//! serialised straight to text (a stream renders each event as it sends
//! it, so this is its hot path); schemas, rarer, are built as JSON values.

use super::{
    EventRec, FindAllRun, Spec, Status, Termination, Verdict, candidate_id, event_id, findall_id,
};
use crate::ids::{self, Codec};
use crate::wire::{Citation, FieldBasis, to_json};
use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::{Value, json};

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

/// `FindAllRun`.
#[derive(Serialize, Debug)]
pub struct RunOut<'a> {
    findall_id: String,
    status: StatusOut,
    generator: &'static str,
    metadata: Option<&'a Value>,
    created_at: String,
    modified_at: String,
}

/// `FindAllRunStatus`.
#[derive(Serialize, Debug)]
struct StatusOut {
    status: &'static str,
    is_active: bool,
    metrics: Metrics,
    termination_reason: Option<&'static str>,
}

/// `FindAllCandidateMetrics`.
#[derive(Serialize, Debug)]
struct Metrics {
    generated_candidates_count: u32,
    matched_candidates_count: u32,
}

/// `FindAllCandidate`.
#[derive(Serialize, Debug)]
pub struct CandidateOut {
    candidate_id: String,
    name: String,
    url: String,
    description: String,
    match_status: &'static str,
    output: Option<Output>,
    basis: Option<Vec<FieldBasis>>,
}

/// A candidate's `output`: one entry per match condition and enrichment
/// field, in that order.
#[derive(Debug)]
struct Output(Vec<(String, Field)>);

impl Serialize for Output {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// One `output` entry.
#[derive(Serialize, Debug)]
#[serde(untagged)]
enum Field {
    /// A match condition's finding.
    Condition {
        value: String,
        #[serde(rename = "type")]
        kind: &'static str,
        is_matched: bool,
    },
    /// An enrichment field's value.
    Enrichment {
        value: Value,
        #[serde(rename = "type")]
        kind: &'static str,
    },
}

/// One stream event.
#[derive(Serialize, Debug)]
struct EventOut<T> {
    #[serde(rename = "type")]
    kind: &'static str,
    timestamp: String,
    event_id: String,
    data: T,
}

impl FindAllRenderer {
    /// `FindAllRun` at `standing`.
    pub fn run<'a>(&self, index: u32, run: &'a FindAllRun, s: Standing) -> RunOut<'a> {
        RunOut {
            findall_id: findall_id(&self.codec, index),
            status: StatusOut {
                status: s.status.name(),
                is_active: s.status.is_active(),
                metrics: Metrics {
                    generated_candidates_count: s.generated,
                    matched_candidates_count: s.matched,
                },
                termination_reason: s.termination.map(Termination::name),
            },
            generator: run.spec.generator.name(),
            metadata: run.spec.metadata.as_ref(),
            created_at: ids::timestamp(run.created_us),
            modified_at: ids::timestamp(s.modified_us),
        }
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
    ) -> CandidateOut {
        let entity = run.candidates[c as usize].entity;
        let world = &run.spec.world;
        let who = world.describe(entity);
        let judged = matches!(verdict, Verdict::Matched | Verdict::Unmatched);
        let (output, basis) = if judged {
            let mut output = Vec::new();
            let mut basis = Vec::new();
            let n = run.spec.conditions.len();
            for (j, cond) in run.spec.conditions.iter().enumerate() {
                let met = world.meets(entity, verdict, j, n);
                let (url, title) = world.evidence(entity, &who.name, &cond.name);
                let requirement = cond.description.trim_end_matches('.');
                output.push((
                    cond.name.clone(),
                    Field::Condition {
                        value: format!("{}: {requirement}", if met { "Yes" } else { "No" }),
                        kind: "match_condition",
                        is_matched: met,
                    },
                ));
                let said = if met { "confirms" } else { "does not confirm" };
                basis.push(FieldBasis {
                    field: cond.name.clone(),
                    citations: vec![Citation {
                        title: Some(title),
                        url,
                        excerpts: Some(vec![format!(
                            "What this page says about {} {said} this: {requirement}.",
                            who.name
                        )]),
                    }],
                    reasoning: format!(
                        "{} {} the condition `{}`, going by the cited page.",
                        who.name,
                        if met { "meets" } else { "does not meet" },
                        cond.name
                    ),
                    confidence: Some(confidence(ids::hash(
                        self.seed,
                        &[u64::from(entity), j as u64],
                    ))),
                });
            }
            let done = usize::from(enriched).min(run.enrichments.len());
            for (k, e) in run.enrichments[..done].iter().enumerate() {
                let schema = &e["output_schema"]["json_schema"];
                let key = ids::hash(self.seed, &[u64::from(index), u64::from(entity), k as u64]);
                let fields: Vec<(String, Value)> =
                    match crate::output::fill_schema(key, schema, &who.name) {
                        Value::Object(o) => o.into_iter().collect(),
                        other => vec![(format!("enrichment_{k}"), other)],
                    };
                for (field, value) in fields {
                    let (url, title) = world.evidence(entity, &who.name, &field);
                    basis.push(FieldBasis {
                        field: field.clone(),
                        citations: vec![Citation {
                            title: Some(title),
                            url,
                            excerpts: None,
                        }],
                        reasoning: format!("Found for {} on the cited page.", who.name),
                        confidence: Some(confidence(key ^ field.len() as u64)),
                    });
                    output.push((
                        field,
                        Field::Enrichment {
                            value,
                            kind: "enrichment",
                        },
                    ));
                }
            }
            (Some(Output(output)), Some(basis))
        } else {
            (None, None)
        };
        CandidateOut {
            candidate_id: candidate_id(&self.codec, index, c),
            name: who.name,
            url: who.url,
            description: who.description,
            match_status: verdict.name(),
            output,
            basis,
        }
    }

    /// `FindAllCandidate` number `c` as it stands now.
    pub fn candidate_now(&self, index: u32, run: &FindAllRun, c: u32) -> CandidateOut {
        let cand = run.candidates[c as usize];
        self.candidate(index, run, c, cand.verdict, cand.enriched)
    }

    /// The whole event at position `pos` of run `index`, as compact JSON
    /// (`{"type", "timestamp", "event_id", "data"}`).
    pub fn event(&self, index: u32, run: &FindAllRun, pos: usize) -> String {
        let e = &run.events[pos];
        let envelope = |data| EventOut {
            kind: e.rec.kind(),
            timestamp: ids::timestamp(e.at_us),
            event_id: event_id(&self.codec, index, pos),
            data,
        };
        match e.rec {
            EventRec::Status {
                status,
                termination,
                generated,
                matched,
            } => {
                let standing = Standing {
                    status,
                    termination,
                    generated,
                    matched,
                    modified_us: e.at_us,
                };
                to_json(&envelope(Data::Run(self.run(index, run, standing))))
            }
            EventRec::Schema {
                enrichments,
                match_limit,
            } => to_json(&envelope(Data::Schema(self.schema(
                run,
                usize::from(enrichments),
                match_limit,
            )))),
            EventRec::Candidate {
                index: c,
                verdict,
                enriched,
                ..
            } => to_json(&envelope(Data::Candidate(
                self.candidate(index, run, c, verdict, enriched),
            ))),
        }
    }
}

impl FindAllRenderer {
    /// What event `pos` of run `index` sends as a webhook, if anything:
    /// the documented type and its `data` as compact JSON. A candidate's
    /// generated, matched, unmatched and enriched events send the candidate
    /// as it was then; the run's turn to completed, cancelled or failed
    /// sends the run (`findall.run.<status>`). Other events (other status
    /// changes, schema updates, discarded candidates) have no webhook type.
    pub fn webhook(
        &self,
        index: u32,
        run: &FindAllRun,
        pos: usize,
    ) -> Option<(&'static str, String)> {
        let e = &run.events[pos];
        match e.rec {
            EventRec::Status {
                status,
                termination,
                generated,
                matched,
            } => {
                let kind = match status {
                    Status::Completed => "findall.run.completed",
                    Status::Cancelled => "findall.run.cancelled",
                    Status::Failed => "findall.run.failed",
                    Status::Queued | Status::Running => return None,
                };
                let standing = Standing {
                    status,
                    termination,
                    generated,
                    matched,
                    modified_us: e.at_us,
                };
                Some((kind, to_json(&self.run(index, run, standing))))
            }
            EventRec::Candidate {
                verdict: Verdict::Discarded,
                ..
            }
            | EventRec::Schema { .. } => None,
            EventRec::Candidate {
                index: c,
                verdict,
                enriched,
                ..
            } => Some((
                e.rec.kind(),
                to_json(&self.candidate(index, run, c, verdict, enriched)),
            )),
        }
    }
}

/// What an event carries.
#[derive(Serialize, Debug)]
#[serde(untagged)]
enum Data<'a> {
    Run(RunOut<'a>),
    Schema(Value),
    Candidate(CandidateOut),
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
