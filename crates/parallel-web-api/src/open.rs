//! Open enums: server-side value sets that may grow.
//!
//! The generated code refers to these types instead of generating closed
//! enums (see `OPEN_ENUMS` in `xtask/src/normalize/lift.rs` and the
//! `with_replacement` settings in `xtask/src/generate.rs`), so a value this
//! crate does not know yet decodes as `Other` instead of failing a whole
//! response or stream event, and serialises back unchanged.
//!
//! This file is self-contained on purpose: the xtask embeds it unchanged in
//! its scratch builds.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Defines an open enum: one unit variant per known wire value, plus
/// `Other(String)` for the rest, with `as_str`, `Display`, `From<&str>` and
/// `FromStr`, all from one list of names.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )*
            /// A value this version of the crate does not know, as the server sent it.
            Other(String),
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        // By hand rather than derived with an untagged `Other`: the derive
        // buffers every value before matching it, on every run of a stream.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visit;
                impl serde::de::Visitor<'_> for Visit {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from(v))
                    }
                }
                deserializer.deserialize_str(Visit)
            }
        }

        impl $name {
            /// The wire name: the known value's, or the unknown one as received.
            ///
            /// ```
            #[doc = concat!("use parallel_web_api::open::", stringify!($name), ";")]
            ///
            #[doc = concat!("assert_eq!(", stringify!($name), "::from(\"new_kind\").as_str(), \"new_kind\");")]
            /// ```
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Other(name) => name,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(name: &str) -> Self {
                match name {
                    $( $wire => Self::$variant, )*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(name: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(name))
            }
        }
    };
}

open_enum! {
    /// The status of a task run.
    ///
    /// ```
    /// use parallel_web_api::open::TaskRunStatus;
    ///
    /// let known: TaskRunStatus = serde_json::from_str("\"action_required\"").unwrap();
    /// assert_eq!(known, TaskRunStatus::ActionRequired);
    /// let unknown: TaskRunStatus = serde_json::from_str("\"paused\"").unwrap();
    /// assert_eq!(unknown, TaskRunStatus::Other("paused".into()));
    /// assert_eq!(unknown.to_string(), "paused");
    /// ```
    pub enum TaskRunStatus {
        /// Accepted, not started yet.
        Queued = "queued",
        /// Waiting for something from the user before it can continue.
        ActionRequired = "action_required",
        /// Being worked on.
        Running = "running",
        /// Finished with an output.
        Completed = "completed",
        /// Finished without an output; the run's `error` says why.
        Failed = "failed",
        /// A cancellation was requested and is in progress.
        Cancelling = "cancelling",
        /// Stopped by a cancellation.
        Cancelled = "cancelled",
    }
}

impl TaskRunStatus {
    /// True while the server still counts the run as active (`queued`,
    /// `running` or `cancelling`), as the API defines `is_active`.
    /// An unknown status is not considered active; prefer the run's own
    /// `is_active` field when you have it.
    ///
    /// ```
    /// use parallel_web_api::open::TaskRunStatus;
    ///
    /// assert!(TaskRunStatus::Running.is_active());
    /// assert!(!TaskRunStatus::Completed.is_active());
    /// assert!(!TaskRunStatus::Other("paused".into()).is_active());
    /// ```
    pub fn is_active(&self) -> bool {
        matches!(self, Self::Queued | Self::Running | Self::Cancelling)
    }
}

open_enum! {
    /// The kind of a warning attached to a task run. The API says new kinds
    /// may be added.
    ///
    /// ```
    /// use parallel_web_api::open::WarningType;
    ///
    /// let kind: WarningType = serde_json::from_str("\"spec_validation_warning\"").unwrap();
    /// assert_eq!(kind, WarningType::SpecValidationWarning);
    /// ```
    pub enum WarningType {
        /// Something in the task spec looks wrong but the run went ahead.
        SpecValidationWarning = "spec_validation_warning",
        /// Something in the input looks wrong but the run went ahead.
        InputValidationWarning = "input_validation_warning",
        /// Any other warning.
        Warning = "warning",
    }
}

open_enum! {
    /// The kind of a progress message in a task run's event stream. Live
    /// streams already send kinds the spec does not list (e.g.
    /// `task_run.progress_msg.tool`).
    ///
    /// ```
    /// use parallel_web_api::open::TaskRunProgressMessageEventType as Kind;
    ///
    /// assert_eq!(Kind::from("task_run.progress_msg.plan"), Kind::Plan);
    /// let tool = Kind::from("task_run.progress_msg.tool");
    /// assert_eq!(tool, Kind::Other("task_run.progress_msg.tool".into()));
    /// ```
    pub enum TaskRunProgressMessageEventType {
        /// The run's plan.
        Plan = "task_run.progress_msg.plan",
        /// A search step.
        Search = "task_run.progress_msg.search",
        /// A result step.
        Result = "task_run.progress_msg.result",
        /// A tool call.
        ToolCall = "task_run.progress_msg.tool_call",
        /// An execution status update.
        ExecStatus = "task_run.progress_msg.exec_status",
    }
}

open_enum! {
    /// The status of a FindAll run.
    ///
    /// ```
    /// use parallel_web_api::open::FindAllStatus;
    ///
    /// assert_eq!(FindAllStatus::from("running"), FindAllStatus::Running);
    /// assert_eq!(FindAllStatus::from("paused"), FindAllStatus::Other("paused".into()));
    /// ```
    pub enum FindAllStatus {
        /// Accepted, not started yet.
        Queued = "queued",
        /// Waiting for something from the user before it can continue.
        ActionRequired = "action_required",
        /// Finding and evaluating candidates.
        Running = "running",
        /// Finished; `termination_reason` says why it stopped.
        Completed = "completed",
        /// Stopped by an error.
        Failed = "failed",
        /// A cancellation was requested and is in progress.
        Cancelling = "cancelling",
        /// Stopped by a cancellation.
        Cancelled = "cancelled",
    }
}

open_enum! {
    /// Why a FindAll run stopped.
    ///
    /// ```
    /// use parallel_web_api::open::FindAllTerminationReason as Reason;
    ///
    /// assert_eq!(Reason::from("match_limit_met"), Reason::MatchLimitMet);
    /// ```
    pub enum FindAllTerminationReason {
        /// Too few candidates matched to go on.
        LowMatchRate = "low_match_rate",
        /// The match limit was reached.
        MatchLimitMet = "match_limit_met",
        /// No more candidates could be found.
        CandidatesExhausted = "candidates_exhausted",
        /// The run was cancelled.
        UserCancelled = "user_cancelled",
        /// An error stopped the run.
        ErrorOccurred = "error_occurred",
        /// The run ran out of time.
        Timeout = "timeout",
        /// The account ran out of credit.
        InsufficientFunds = "insufficient_funds",
    }
}

open_enum! {
    /// Where a FindAll candidate stands.
    ///
    /// ```
    /// use parallel_web_api::open::FindAllMatchStatus;
    ///
    /// assert_eq!(FindAllMatchStatus::from("matched"), FindAllMatchStatus::Matched);
    /// ```
    pub enum FindAllMatchStatus {
        /// Found, not evaluated yet.
        Generated = "generated",
        /// Meets every match condition.
        Matched = "matched",
        /// Fails a match condition.
        Unmatched = "unmatched",
        /// Dropped without a verdict.
        Discarded = "discarded",
    }
}

open_enum! {
    /// The kind of a candidate event in a FindAll run's event stream.
    ///
    /// ```
    /// use parallel_web_api::open::FindAllCandidateEventType as Kind;
    ///
    /// assert_eq!(Kind::from("findall.candidate.enriched"), Kind::Enriched);
    /// ```
    pub enum FindAllCandidateEventType {
        /// A candidate was found.
        Generated = "findall.candidate.generated",
        /// A candidate met every match condition.
        Matched = "findall.candidate.matched",
        /// A candidate failed a match condition.
        Unmatched = "findall.candidate.unmatched",
        /// A candidate was dropped.
        Discarded = "findall.candidate.discarded",
        /// A matched candidate's enrichment was filled.
        Enriched = "findall.candidate.enriched",
    }
}

open_enum! {
    /// The status of a monitor.
    ///
    /// ```
    /// use parallel_web_api::open::MonitorStatus;
    ///
    /// assert_eq!(MonitorStatus::from("active"), MonitorStatus::Active);
    /// ```
    pub enum MonitorStatus {
        /// Checking on its schedule.
        Active = "active",
        /// Stopped for good.
        Cancelled = "cancelled",
    }
}
