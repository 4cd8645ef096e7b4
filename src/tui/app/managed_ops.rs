//! The Managed Redis operations this console starts (force unlink, add to group, flush): what the
//! backend answers, and the one notification each ending gets. Their requests and polls go through
//! the same actions as the links' ([`super::ops`]), told apart by the operation's number.

use crate::arm::OperationState;
use crate::client::{ClientError, Lro, LroStatus};
use crate::tui::action::Effect;
use crate::tui::blades::notifications::Level;
use crate::tui::managed::{ManagedCall, ManagedOp};
use crate::tui::status;

use super::App;

impl App {
    /// Whether operation `op` is a Managed Redis one.
    pub(super) fn is_managed(&self, op: u64) -> bool {
        self.data.managed_ops.iter().any(|o| o.id == op)
    }

    /// The user confirmed `call` as operation `op`.
    pub(super) fn start_managed(&mut self, op: u64, call: ManagedCall) {
        self.data.managed_ops.push(ManagedOp {
            id: op,
            call,
            started: self.data.clock,
            finished: None,
            accepted: false,
            state: OperationState::InProgress,
            percent: None,
            error: None,
        });
        // Back from Add cache to group to the group, where the new member's progress shows; the
        // members checked for this call are unchecked.
        if matches!(self.stack.last(), Some(crate::tui::blades::Blade::Candidates(_))) {
            self.stack.pop();
        }
        if let Some(crate::tui::blades::Blade::Managed(m)) = self.stack.last_mut() {
            m.active.checked.clear();
        }
        self.dirty = true;
    }

    fn managed_mut(&mut self, op: u64) -> Option<&mut ManagedOp> {
        self.data.managed_ops.iter_mut().find(|o| o.id == op)
    }

    pub(super) fn managed_accepted(&mut self, op: u64, lro: Option<Lro>) -> Vec<Effect> {
        let clock = self.data.clock;
        let Some(o) = self.managed_mut(op) else { return Vec::new() };
        o.accepted = true;
        o.started = clock;
        let text = format!("{} started", o.call.describe());
        let mut fx = vec![Effect::Refresh];
        match lro {
            Some(lro) => {
                fx.push(Effect::PollOperation { op, lro });
                self.notify(Level::Info, text);
            }
            None => self.finish_managed(op, OperationState::Succeeded, None),
        }
        self.dirty = true;
        fx
    }

    pub(super) fn managed_rejected(&mut self, op: u64, error: ClientError) -> Vec<Effect> {
        tracing::warn!(%error, op, "Managed Redis operation refused");
        let text = status::plain(&error, &self.backend);
        self.finish_managed(op, OperationState::Failed, Some(text));
        vec![Effect::Refresh]
    }

    pub(super) fn managed_progress(&mut self, op: u64, status: LroStatus) -> Vec<Effect> {
        let Some(o) = self.managed_mut(op).filter(|o| o.running()) else { return Vec::new() };
        o.percent = status.percent.or(o.percent);
        o.state = status.state.clone();
        self.dirty = true;
        if !status.state.is_terminal() {
            return Vec::new();
        }
        let error = status.error.map(|e| e.to_string()).or_else(|| {
            (status.state != OperationState::Succeeded).then(|| format!("the operation ended {}", status.state))
        });
        self.finish_managed(op, status.state, error);
        vec![Effect::Refresh]
    }

    pub(super) fn managed_poll_failed(&mut self, op: u64, error: ClientError) -> Vec<Effect> {
        let text = format!("lost track of the operation: {}", status::plain(&error, &self.backend));
        self.finish_managed(op, OperationState::Failed, Some(text));
        vec![Effect::Refresh]
    }

    /// The group can show a call's end before its own poll does (force unlink: the members gone;
    /// force link or create: the database Linked in the group): end it then, so that the buttons that
    /// wait for it come back at once. Its poll's later answer finds it already finished.
    pub(super) fn reconcile_managed(&mut self) {
        let fleet = self.data.managed();
        let done: Vec<u64> = self
            .data
            .managed_ops
            .iter()
            .filter(|o| o.running() && o.accepted)
            .filter(|o| match &o.call {
                ManagedCall::ForceUnlink { on, ids } => fleet
                    .group(on)
                    .is_some_and(|(_, members)| ids.iter().all(|i| members.iter().all(|m| &m.database != i))),
                ManagedCall::ForceLink { database, .. } | ManagedCall::Create { database, .. } => {
                    fleet.own_state(database) == Some(crate::arm::enterprise::LinkState::Linked)
                }
                // Nothing on the group shows that a flush ended.
                ManagedCall::Flush { .. } => false,
            })
            .map(|o| o.id)
            .collect();
        for op in done {
            self.finish_managed(op, OperationState::Succeeded, None);
        }
    }

    /// Ends an operation and says so, once.
    fn finish_managed(&mut self, op: u64, state: OperationState, error: Option<String>) {
        let clock = self.data.clock;
        let Some(o) = self.managed_mut(op) else { return };
        if o.finished.is_some() {
            return;
        }
        o.finished = Some(clock);
        o.state = state.clone();
        o.error = error.clone();
        if state == OperationState::Succeeded {
            o.percent = o.percent.map(|_| 100.0);
        }
        let what = o.call.describe();
        let (level, text) = match (state, error) {
            (OperationState::Succeeded, _) => (Level::Success, format!("{what} succeeded")),
            (_, Some(e)) => (Level::Error, format!("{what} failed: {e}")),
            (other, None) => (Level::Error, format!("{what} ended {other}")),
        };
        self.notify(level, text);
    }
}
