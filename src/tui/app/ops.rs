//! The operations this console starts: the one confirm path, what the backend answers, and the one
//! notification each ending gets.

use crate::arm::{LinkState, OperationState};
use crate::client::failover::{FailoverError, Step};
use crate::client::{ClientError, Lro, LroStatus};
use crate::tui::action::{Effect, SharedOp};
use crate::tui::blades::notifications::Level;
use crate::tui::confirm::Confirm;
use crate::tui::data::{OpKind, TrackedOp};
use crate::tui::status;

use super::App;

impl App {
    /// The user confirmed the open dialog: carry out the effect it holds, unless the world under it
    /// changed so that it can no longer be done.
    pub(super) fn confirm(&mut self) -> Vec<Effect> {
        let Some(mut d) = self.dialog.take() else { return Vec::new() };
        if let Some(why) = d.blocked(&self.data) {
            self.set_notice(why);
            self.dialog = Some(d);
            return Vec::new();
        }
        let (kind, primary, secondary) = match &d.what {
            Confirm::Link { primary, secondary } => (OpKind::Link, primary.clone(), secondary.clone()),
            Confirm::Unlink { primary, secondary } => (OpKind::Unlink, primary.clone(), secondary.clone()),
            Confirm::Failover { primary, secondary } => (OpKind::Failover, primary.clone(), secondary.clone()),
            Confirm::Quit { .. } => {
                self.quit = true;
                return vec![Effect::Quit];
            }
            Confirm::Managed(call) => {
                let op = match &d.effect {
                    Effect::Managed { op, .. } => *op,
                    _ => 0,
                };
                self.start_managed(op, call.clone());
                return vec![d.effect];
            }
        };
        let op = match &mut d.effect {
            Effect::StartLink { op, secondary_location, secondary: s, .. } => {
                *secondary_location = self.data.cache(s).map(|c| c.location.clone()).unwrap_or_default();
                *op
            }
            Effect::StartUnlink { op, .. } | Effect::StartFailover { op, .. } => *op,
            _ => 0,
        };
        self.data.ops.push(TrackedOp {
            id: op,
            kind,
            primary: primary.clone(),
            secondary: secondary.clone(),
            started: self.data.clock,
            finished: None,
            lro: None,
            accepted: false,
            state: OperationState::InProgress,
            percent: None,
            error: None,
            step: None,
        });
        // After a link is requested, show its progress on the primary's Geo-replication blade.
        match kind {
            OpKind::Link => self.show_geo(&primary),
            // The cache that becomes the primary: its blade shows the whole failover.
            OpKind::Failover => self.show_geo(&secondary),
            OpKind::Unlink => {}
        }
        self.dirty = true;
        vec![d.effect]
    }

    fn op_mut(&mut self, op: u64) -> Option<&mut TrackedOp> {
        self.data.ops.iter_mut().find(|o| o.id == op)
    }

    /// Tells the other sessions how operation `op` goes now.
    fn share(&mut self, op: u64) {
        let (clock, wall) = (self.data.clock, self.wall);
        let Some(o) = self.data.ops.iter().find(|o| o.id == op && o.accepted) else { return };
        let started = wall - chrono::Duration::from_std(clock.saturating_sub(o.started)).unwrap_or_default();
        self.to_share.push(SharedOp {
            kind: o.kind,
            primary: o.primary.clone(),
            secondary: o.secondary.clone(),
            percent: o.percent,
            started,
            running: o.running(),
        });
    }

    /// The backend accepted the request: only now is it "started".
    pub(super) fn op_accepted(&mut self, op: u64, lro: Option<Lro>) -> Vec<Effect> {
        if self.is_managed(op) {
            return self.managed_accepted(op, lro);
        }
        let clock = self.data.clock;
        let Some(o) = self.op_mut(op) else { return Vec::new() };
        o.accepted = true;
        o.started = clock;
        let text = match o.kind {
            OpKind::Link => format!("Linking {} to {} started", o.secondary.name, o.primary.name),
            OpKind::Unlink => format!("Unlinking {} from {} started", o.secondary.name, o.primary.name),
            OpKind::Failover => format!("Failover to {} started", o.secondary.name),
        };
        let mut fx = vec![Effect::Refresh];
        match lro {
            Some(lro) => {
                o.lro = Some(lro.clone());
                fx.push(Effect::PollOperation { op, lro });
                self.notify(Level::Info, text);
            }
            // Done at once (nothing was there to remove): ended, and said so, as any other.
            None => self.finish_op(op, OperationState::Succeeded, None),
        }
        self.share(op);
        self.dirty = true;
        fx
    }

    /// Refused, or never reached the backend: one notification, in plain words.
    pub(super) fn op_rejected(&mut self, op: u64, error: ClientError) -> Vec<Effect> {
        if self.is_managed(op) {
            return self.managed_rejected(op, error);
        }
        tracing::warn!(%error, op, "operation refused");
        let text = status::plain(&error, &self.backend);
        self.finish_op(op, OperationState::Failed, Some(text));
        vec![Effect::Refresh]
    }

    pub(super) fn op_progress(&mut self, op: u64, status: LroStatus) -> Vec<Effect> {
        if self.is_managed(op) {
            return self.managed_progress(op, status);
        }
        // An operation already ended (see `reconcile_ops`) keeps its ending.
        let Some(o) = self.op_mut(op).filter(|o| o.running()) else { return Vec::new() };
        o.percent = status.percent.or(o.percent);
        o.state = status.state.clone();
        self.dirty = true;
        if !status.state.is_terminal() {
            self.share(op);
            return Vec::new();
        }
        let error = status.error.map(|e| e.to_string()).or_else(|| {
            (status.state != OperationState::Succeeded).then(|| format!("the operation ended {}", status.state))
        });
        self.finish_op(op, status.state, error);
        vec![Effect::Refresh]
    }

    /// A failover step was accepted: the first means the failover has started; the second resets the
    /// percentage, which is the link back's from then on.
    pub(super) fn failover_step(&mut self, op: u64, step: Step, lro: Lro) -> Vec<Effect> {
        let clock = self.data.clock;
        let Some(o) = self.op_mut(op).filter(|o| o.running()) else { return Vec::new() };
        o.step = Some(step);
        o.lro = Some(lro);
        o.percent = None;
        o.state = OperationState::InProgress;
        if step == Step::Unlink {
            o.accepted = true;
            o.started = clock;
            let text = format!("Failover to {} started: unlinking, then linking back", o.secondary.name);
            self.notify(Level::Info, text);
        }
        self.share(op);
        self.dirty = true;
        vec![Effect::Refresh]
    }

    pub(super) fn failover_ended(&mut self, op: u64, result: Result<(), FailoverError>) -> Vec<Effect> {
        match result {
            Ok(()) => self.finish_op(op, OperationState::Succeeded, None),
            Err(e) => {
                tracing::warn!(error = %e, op, "failover failed");
                let text = match &e {
                    FailoverError::Client { what, error } => format!("{what}: {}", status::plain(error, &self.backend)),
                    other => other.to_string(),
                };
                self.finish_op(op, OperationState::Failed, Some(text));
            }
        }
        vec![Effect::Refresh]
    }

    pub(super) fn op_poll_failed(&mut self, op: u64, error: ClientError) -> Vec<Effect> {
        if self.is_managed(op) {
            return self.managed_poll_failed(op, error);
        }
        tracing::warn!(%error, op, "lost track of the operation");
        let text = format!("lost track of the operation: {}", status::plain(&error, &self.backend));
        self.finish_op(op, OperationState::Failed, Some(text));
        vec![Effect::Refresh]
    }

    /// Ends an operation and says so, once.
    fn finish_op(&mut self, op: u64, state: OperationState, error: Option<String>) {
        let clock = self.data.clock;
        let Some(o) = self.op_mut(op) else { return };
        if o.finished.is_some() {
            return;
        }
        o.finished = Some(clock);
        o.state = state.clone();
        o.error = error.clone();
        if state == OperationState::Succeeded {
            o.percent = o.percent.map(|_| 100.0);
        }
        let (verb, s, p) = (o.kind.verb(), o.secondary.name.clone(), o.primary.name.clone());
        let join = if o.kind == OpKind::Link { "to" } else { "from" };
        let failover = o.kind == OpKind::Failover;
        self.share(op);
        let (level, text) = match (state, error) {
            (OperationState::Succeeded, _) if failover => {
                (Level::Success, format!("Failover succeeded: {s} is the geo-primary, {p} its geo-secondary"))
            }
            (_, Some(e)) if failover => (Level::Error, format!("Failover to {s} failed: {e}")),
            (OperationState::Succeeded, _) => (Level::Success, format!("{verb} {s} {join} {p} succeeded")),
            (_, Some(e)) => (Level::Error, format!("{verb} {s} {join} {p} failed: {e}")),
            (other, None) => (Level::Error, format!("{verb} {s} {join} {p} ended {other}")),
        };
        self.notify(level, text);
    }

    /// The listed links can show an operation's end before its own poll does (the poller and the
    /// operation's poll run on their own clocks): end the tracked operation then, so the buttons that
    /// wait for it come back at once. Its poll's later answer finds it already finished.
    pub(super) fn reconcile_ops(&mut self) {
        let done: Vec<u64> = self
            .data
            .ops
            .iter()
            .filter(|o| o.running() && o.lro.is_some())
            .filter(|o| match o.kind {
                OpKind::Link => self.data.link(&o.primary).is_some_and(|l| l.state() == LinkState::Succeeded),
                OpKind::Unlink => {
                    self.data.link(&o.primary).is_none()
                        && self.data.cache(&o.primary).is_some_and(|c| c.linked_server_ids().next().is_none())
                }
                // Ends with its own report (`FailoverEnded`): the link back's entries can read
                // Succeeded before its operation does, and the new primary's entry is read last.
                OpKind::Failover => false,
            })
            .map(|o| o.id)
            .collect();
        for op in done {
            self.finish_op(op, OperationState::Succeeded, None);
        }
    }
}
