//! Turning stored runs into wire JSON (`TaskRun`, `TaskRunEvent`, `TaskRunResult`).

use crate::contract;
use crate::ids::{self, Codec};
use crate::output;
use crate::processors;
use crate::status::RunStatus;
use crate::wire::{
    ErrorObject, TaskRun, TaskRunEvent, TaskRunInput, TaskRunOutput, TaskRunResult, Warning,
    to_json,
};
use crate::world::{NO_GROUP, RunView};

/// What rendering needs besides the run.
#[derive(Debug, Clone, Copy)]
pub struct Renderer {
    /// Id codec.
    pub codec: Codec,
    /// Seed for outputs and error ids.
    pub seed: u64,
    /// Add `field.N` basis entries for list elements (beta `field-basis-2025-11-25`).
    pub element_basis: bool,
}

impl Renderer {
    fn task_run<'a>(&self, v: &RunView, input: &TaskRunInput<'a>) -> TaskRun<'a> {
        let r = &v.run;
        let id = self.codec.run_id(v.index);
        let error = (r.status == RunStatus::Failed).then(|| ErrorObject {
            ref_id: ids::ref_id(ids::hash(self.seed, &[u64::from(v.index), 4])),
            message: "Task run failed (emulated failure)".to_owned(),
            detail: None,
        });
        TaskRun {
            interaction_id: id.clone(),
            run_id: id,
            status: r.status.name(),
            is_active: r.status.is_active(),
            warnings: r.input_warning.then(|| {
                vec![Warning {
                    kind: "input_validation_warning",
                    message: "The input lacks fields that the task spec's input_schema requires",
                    detail: None,
                }]
            }),
            error,
            processor: processors::get(r.processor).name,
            metadata: input.metadata.filter(|m| m.get() != "null"),
            taskgroup_id: (r.group != NO_GROUP).then(|| self.codec.group_id(r.group)),
            created_at: Some(ids::timestamp(r.created_us)),
            modified_at: Some(ids::timestamp(r.modified_us)),
        }
    }

    /// `TaskRun` JSON.
    pub fn run(&self, v: &RunView) -> String {
        let input: TaskRunInput<'_> = serde_json::from_str(&v.run.input).unwrap_or_default();
        to_json(&self.task_run(v, &input))
    }

    /// `TaskRunInput` JSON (with the effective task spec filled in, and
    /// without write-only values).
    pub fn input(&self, v: &RunView) -> String {
        let mut input: TaskRunInput<'_> = serde_json::from_str(&v.run.input).unwrap_or_default();
        if input.task_spec.is_none() {
            input.task_spec = v.batch.default_task_spec.as_deref();
        }
        let redacted = input
            .mcp_servers
            .and_then(|m| contract::redact_mcp_servers(m.get()));
        if let Some(m) = &redacted {
            input.mcp_servers = Some(m);
        }
        to_json(&input)
    }

    /// The output of a completed run, `None` otherwise.
    pub fn output(&self, v: &RunView) -> Option<TaskRunOutput> {
        (v.run.status == RunStatus::Completed)
            .then(|| output::generate(self.seed, v, self.element_basis))
    }

    /// `TaskRunEvent` JSON.
    pub fn event(
        &self,
        v: &RunView,
        event_id: Option<String>,
        with_input: bool,
        with_output: bool,
    ) -> String {
        let redacted;
        let mut input: TaskRunInput<'_> = serde_json::from_str(&v.run.input).unwrap_or_default();
        let run = self.task_run(v, &input);
        if input.task_spec.is_none() {
            input.task_spec = v.batch.default_task_spec.as_deref();
        }
        if with_input {
            redacted = input
                .mcp_servers
                .and_then(|m| contract::redact_mcp_servers(m.get()));
            if let Some(m) = &redacted {
                input.mcp_servers = Some(m);
            }
        }
        to_json(&TaskRunEvent {
            kind: "task_run.state",
            event_id,
            input: with_input.then_some(input),
            run,
            output: if with_output { self.output(v) } else { None },
        })
    }

    /// `TaskRunResult` JSON, or `None` if the run has not completed.
    pub fn result(&self, v: &RunView) -> Option<String> {
        let input: TaskRunInput<'_> = serde_json::from_str(&v.run.input).unwrap_or_default();
        let output = self.output(v)?;
        Some(to_json(&TaskRunResult {
            run: self.task_run(v, &input),
            output,
        }))
    }
}
