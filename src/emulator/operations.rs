//! Moves running operations forward: asks the data plane how far each one is and applies what it says
//! to the links (through the `geo` state machine), the operation status and the caches' data.

use chrono::{DateTime, Utc};

use crate::arm::{ErrorDetail, OperationState};
use crate::geo::{LinkEvent, LinkPhase};

use super::data_plane::{DataPlane, Progress};
use super::store::{Dataset, OperationKind, State};

/// What one pass changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// A phase or status changed: worth persisting at once.
    pub structural: bool,
    /// Only figures (percent, bytes) moved.
    pub progress: bool,
}

/// Copies what the data plane measures into the caches, for the API to show. No I/O: the data plane
/// answers from what its own tasks last measured.
pub fn observe(state: &mut State, data_plane: &dyn DataPlane) {
    for (key, record) in state.caches.iter_mut() {
        record.live = data_plane.live(key);
    }
}

/// Advances every running operation to `now`.
pub fn advance(state: &mut State, data_plane: &dyn DataPlane, now: DateTime<Utc>) -> Changes {
    let mut changes = Changes::default();
    for i in 0..state.operations.len() {
        if state.operations[i].status != OperationState::InProgress {
            continue;
        }
        let progress = data_plane.progress(&state.operations[i], now);
        let (primary, secondary) = (state.operations[i].primary.clone(), state.operations[i].secondary.clone());
        let phase = state.topology.link_between(&primary, &secondary).map(|l| l.phase);
        let primary_data = state.cache(&primary).map(|c| c.dataset).unwrap_or_default();
        let kind = state.operations[i].kind;
        let finish = |state: &mut State, changes: &mut Changes, status: OperationState, error: Option<ErrorDetail>| {
            let op = &mut state.operations[i];
            op.status = status;
            op.error = error;
            op.end_time = Some(now);
            changes.structural = true;
        };
        // A link that vanished under a running operation (state edited by hand) ends it.
        let Some(phase) = phase else {
            finish(
                state,
                &mut changes,
                OperationState::Failed,
                Some(ErrorDetail::new("LinkNotFound", "The link no longer exists.")),
            );
            continue;
        };
        match (kind, progress) {
            (OperationKind::Link, Progress::Provisioning) => {}
            (OperationKind::Link, Progress::Syncing { done, total }) => {
                if phase == LinkPhase::Creating {
                    let _ = state.topology.apply(&primary, LinkEvent::SyncStarted);
                    changes.structural = true;
                }
                let op = &mut state.operations[i];
                // Progress never goes backwards for the same amount of data: after a restart with a
                // lower time scale the clock-based model would otherwise report less than was shown.
                let done = if total == op.bytes_total { done.max(op.bytes_done).min(total) } else { done };
                let percent = if total == 0 { 100.0 } else { done as f64 * 100.0 / total as f64 };
                if op.bytes_done != done || op.bytes_total != total {
                    let same_total = op.bytes_total == total;
                    op.bytes_done = done;
                    op.bytes_total = total;
                    op.percent_complete =
                        if same_total { percent.min(99.9).max(op.percent_complete) } else { percent.min(99.9) };
                    changes.progress = true;
                }
                let keys = if total == 0 { 0 } else { (primary_data.keys as f64 * done as f64 / total as f64) as u64 };
                if let Some(c) = state.cache_mut(&secondary) {
                    c.dataset = Dataset { bytes: done, keys };
                }
            }
            (OperationKind::Link, Progress::Linked) => {
                if phase == LinkPhase::Creating {
                    let _ = state.topology.apply(&primary, LinkEvent::SyncStarted);
                }
                let _ = state.topology.apply(&primary, LinkEvent::Synced);
                if let Some(c) = state.cache_mut(&secondary) {
                    c.dataset = primary_data;
                }
                let op = &mut state.operations[i];
                op.bytes_done = op.bytes_total;
                op.percent_complete = 100.0;
                finish(state, &mut changes, OperationState::Succeeded, None);
            }
            (OperationKind::Unlink, Progress::Unlinking { fraction }) => {
                let op = &mut state.operations[i];
                let percent = (fraction * 100.0).clamp(0.0, 99.9);
                if percent - op.percent_complete >= 0.1 {
                    op.percent_complete = percent;
                    changes.progress = true;
                }
            }
            (OperationKind::Unlink, Progress::Unlinked) => {
                let _ = state.topology.apply(&primary, LinkEvent::Unlinked);
                state.operations[i].percent_complete = 100.0;
                finish(state, &mut changes, OperationState::Succeeded, None);
            }
            (OperationKind::Link, Progress::Failed(e)) => {
                let _ = state.topology.apply(&primary, LinkEvent::LinkFailed);
                // The secondary gets back the data it had: a failed link leaves no half of the primary's.
                let before = state.operations[i].secondary_before;
                if let Some(c) = state.cache_mut(&secondary) {
                    c.dataset = before;
                }
                finish(state, &mut changes, OperationState::Failed, Some(e));
            }
            (OperationKind::Unlink, Progress::Failed(e)) => {
                let _ = state.topology.apply(&primary, LinkEvent::UnlinkFailed);
                finish(state, &mut changes, OperationState::Failed, Some(e));
            }
            // A data plane answering with the other kind's progress: treat as no news.
            (OperationKind::Link, Progress::Unlinking { .. } | Progress::Unlinked)
            | (OperationKind::Unlink, Progress::Provisioning | Progress::Syncing { .. } | Progress::Linked) => {}
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::arm::ResourceId;
    use crate::emulator::fleet;
    use crate::emulator::store::{CacheRecord, Operation};

    const FLEET: &str = include_str!("../../tests/fixtures/fleets/restart-pair.json");
    const SUB: &str = "22222222-0000-0000-0000-000000000002";

    /// A data plane that reports what the test sets.
    struct Reports(Mutex<Progress>);

    impl DataPlane for Reports {
        fn start(&self, _: &Operation, _: &CacheRecord, _: &CacheRecord) -> Result<(), ErrorDetail> {
            Ok(())
        }
        fn progress(&self, _: &Operation, _: DateTime<Utc>) -> Progress {
            self.0.lock().unwrap().clone()
        }
        fn name(&self) -> &'static str {
            "reports"
        }
    }

    #[test]
    fn a_failed_link_gives_the_secondary_its_data_back() {
        let mut state = State::from_fleet(fleet::load(FLEET).unwrap()).unwrap();
        let (p, s) =
            (ResourceId::cache(SUB, "rg-restart", "restart-eus"), ResourceId::cache(SUB, "rg-restart", "restart-weu"));
        let (pr, sr) = (state.render(state.cache(&p).unwrap()), state.render(state.cache(&s).unwrap()));
        state.topology.begin_link(&pr, &sr).unwrap();
        let before = state.cache(&s).unwrap().dataset;
        let total = state.cache(&p).unwrap().dataset.bytes;
        assert_eq!(before, Dataset { bytes: 5_000_000, keys: 3000 });
        let op = Operation::begin(OperationKind::Link, SUB, (&p, &pr.location), (&s, &sr.location), total, before);
        state.push_operation(op);

        // Half the primary's data has arrived on the secondary ...
        let plane = Reports(Mutex::new(Progress::Syncing { done: total / 2, total }));
        advance(&mut state, &plane, Utc::now());
        assert_eq!(state.cache(&s).unwrap().dataset.bytes, total / 2);
        assert_eq!(state.topology.link_of(&p).unwrap().phase, LinkPhase::Syncing);

        // ... when the link fails: the secondary holds what it held before, not half a dataset.
        *plane.0.lock().unwrap() = Progress::Failed(ErrorDetail::new("ReplicationFailed", "gone"));
        let changes = advance(&mut state, &plane, Utc::now());
        assert!(changes.structural);
        assert_eq!(state.operations[0].status, OperationState::Failed);
        assert_eq!(state.topology.link_of(&p).unwrap().phase, LinkPhase::Failed);
        assert_eq!(state.cache(&s).unwrap().dataset, before);
        assert_eq!(state.cache(&p).unwrap().dataset.bytes, total, "the primary is untouched");
    }
}
