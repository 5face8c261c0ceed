//! Run statuses: their wire names, which of them are active, and a count of
//! runs per status. The scheduler decides when a run changes status, the
//! world applies it; both name statuses through [`RunStatus`].

use std::ops::{Index, IndexMut};

/// A run's status. One byte, so a run stays small (a group of a million
/// runs must fit); the discriminant is the status's position in
/// [`RunStatus::ALL`].
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RunStatus {
    /// `queued`.
    Queued,
    /// `action_required` (the emulator never sets it; it is part of the wire enum).
    ActionRequired,
    /// `running`.
    Running,
    /// `completed`.
    Completed,
    /// `failed`.
    Failed,
    /// `cancelling` (never set by the emulator; part of the wire enum).
    Cancelling,
    /// `cancelled` (never set by the emulator; part of the wire enum).
    Cancelled,
}

impl RunStatus {
    /// Every status, in wire-enum order.
    pub const ALL: [RunStatus; 7] = [
        RunStatus::Queued,
        RunStatus::ActionRequired,
        RunStatus::Running,
        RunStatus::Completed,
        RunStatus::Failed,
        RunStatus::Cancelling,
        RunStatus::Cancelled,
    ];

    /// The wire spelling.
    pub fn name(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::ActionRequired => "action_required",
            RunStatus::Running => "running",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Cancelling => "cancelling",
            RunStatus::Cancelled => "cancelled",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<RunStatus> {
        RunStatus::ALL.into_iter().find(|s| s.name() == name)
    }

    /// True for `queued`, `running` and `cancelling` (the API's "active").
    pub fn is_active(self) -> bool {
        matches!(
            self,
            RunStatus::Queued | RunStatus::Running | RunStatus::Cancelling
        )
    }
}

/// How many runs are in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts([u32; RunStatus::ALL.len()]);

impl StatusCounts {
    /// Each status with its count, in wire-enum order (zeros included).
    pub fn iter(&self) -> impl Iterator<Item = (RunStatus, u32)> + '_ {
        RunStatus::ALL.into_iter().map(|s| (s, self[s]))
    }

    /// True while any run is active.
    pub fn any_active(&self) -> bool {
        self.iter().any(|(s, n)| s.is_active() && n > 0)
    }
}

impl Index<RunStatus> for StatusCounts {
    type Output = u32;
    fn index(&self, status: RunStatus) -> &u32 {
        &self.0[status as usize]
    }
}

impl IndexMut<RunStatus> for StatusCounts {
    fn index_mut(&mut self, status: RunStatus) -> &mut u32 {
        &mut self.0[status as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_wire_name_at_its_position() {
        for (i, s) in RunStatus::ALL.into_iter().enumerate() {
            assert_eq!(s as usize, i, "{s:?}");
            assert_eq!(RunStatus::parse(s.name()), Some(s));
        }
        assert_eq!(RunStatus::parse("done"), None);
    }

    #[test]
    fn the_active_statuses_are_queued_running_and_cancelling() {
        let active: Vec<_> = RunStatus::ALL
            .into_iter()
            .filter(|s| s.is_active())
            .collect();
        assert_eq!(
            active,
            [RunStatus::Queued, RunStatus::Running, RunStatus::Cancelling]
        );
        let mut counts = StatusCounts::default();
        counts[RunStatus::Completed] += 2;
        assert!(!counts.any_active());
        counts[RunStatus::Cancelling] += 1;
        assert!(counts.any_active());
    }
}
