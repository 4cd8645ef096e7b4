//! Side effects: the poller, and one task per effect. Each reports back with actions; none touches
//! the App.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::sync::mpsc::UnboundedSender;

use crate::arm::ResourceId;
use crate::client::failover::{self, Event};
use crate::client::{ArmClient, Follow, LroStatus};
use futures::StreamExt;

use super::action::{Action, Effect};

/// How often the poller asks while nothing moves, and while something does.
#[derive(Clone, Copy, Debug)]
pub struct PollIntervals {
    pub idle: Duration,
    pub busy: Duration,
}

impl Default for PollIntervals {
    fn default() -> Self {
        PollIntervals { idle: Duration::from_secs(3), busy: Duration::from_secs(1) }
    }
}

impl PollIntervals {
    /// For Azure Resource Manager, which throttles reads per subscription and whose links take 5 to 30
    /// minutes: every 30 s while nothing moves, every 10 s while something does (`r` refreshes now).
    pub fn azure() -> Self {
        PollIntervals { idle: Duration::from_secs(30), busy: Duration::from_secs(10) }
    }
}

/// Runs effects against the backend.
#[derive(Clone)]
pub struct Effects {
    pub client: ArmClient,
    pub tx: UnboundedSender<Action>,
    pub refresh: Arc<Notify>,
    /// What the metrics poller reads ([`super::metrics_poll`]).
    pub metrics: tokio::sync::watch::Sender<Option<super::health::MetricsWatch>>,
    /// Which caches' links the poller reads every poll for this console ([`super::feed`]).
    pub interest: Arc<super::feed::Interest>,
    /// What the Managed Redis metrics poller reads.
    pub managed_metrics: tokio::sync::watch::Sender<Option<super::managed_health::ManagedWatch>>,
}

impl Effects {
    pub fn run(&self, effect: Effect) {
        let this = self.clone();
        match effect {
            // The loop carries these out itself: they touch the terminal, not the backend.
            Effect::Quit | Effect::Copy(_) | Effect::Share(_) => {}
            Effect::Refresh => self.refresh.notify_one(),
            Effect::WatchMetrics(watch) => {
                self.metrics.send_replace(watch);
            }
            Effect::WatchManagedMetrics(watch) => {
                self.managed_metrics.send_replace(watch);
            }
            Effect::WatchLinks(caches) => self.interest.set(caches),
            // Freed by a task of its own, after the loop has gone on (not on a blocking thread: fifty
            // sessions letting go of one snapshot would start fifty threads).
            Effect::Release(retired) => {
                tokio::spawn(async move { drop(retired) });
            }
            Effect::StartLink { op, primary, secondary, secondary_location } => {
                tokio::spawn(async move {
                    let action = match this.client.create_link(&primary, &secondary, &secondary_location).await {
                        Ok((_, lro)) => Action::OperationAccepted { op, lro: Some(lro) },
                        Err(error) => Action::OperationRejected { op, error },
                    };
                    let _ = this.tx.send(action);
                    this.refresh.notify_one();
                });
            }
            Effect::StartUnlink { op, cache, linked_name } => {
                tokio::spawn(async move {
                    let action = match this.client.delete_link(&cache, &linked_name).await {
                        Ok(lro) => Action::OperationAccepted { op, lro },
                        Err(error) => Action::OperationRejected { op, error },
                    };
                    let _ = this.tx.send(action);
                    this.refresh.notify_one();
                });
            }
            Effect::Managed { op, call } => {
                tokio::spawn(async move {
                    let action = match this.managed(&call).await {
                        Ok(lro) => Action::OperationAccepted { op, lro },
                        Err(error) => Action::OperationRejected { op, error },
                    };
                    let _ = this.tx.send(action);
                    this.refresh.notify_one();
                });
            }
            Effect::StartFailover { op, secondary, .. } => {
                tokio::spawn(async move { this.failover(op, secondary).await });
            }
            Effect::PollOperation { op, lro } => {
                tokio::spawn(async move {
                    // Retry-After when the service sends it, else the client's poll interval (30 s, as
                    // Azure's tools; the emulator always sends Retry-After); a few failed polls in a row
                    // are tolerated (a link takes up to half an hour on Azure).
                    let options = Follow {
                        min_interval: Duration::from_millis(100),
                        max_interval: Duration::from_secs(120),
                        ..Follow::default()
                    };
                    let statuses = this.client.follow(&lro, options);
                    futures::pin_mut!(statuses);
                    let mut last: Option<LroStatus> = None;
                    loop {
                        let item = tokio::select! {
                            item = statuses.next() => item,
                            // The console is gone (quit, or its SSH session ended): nobody is watching.
                            _ = this.tx.closed() => return,
                        };
                        match item {
                            Some(Ok(status)) => {
                                let changed = last
                                    .as_ref()
                                    .is_none_or(|l| l.state != status.state || l.percent != status.percent);
                                if changed
                                    && this.tx.send(Action::OperationProgress { op, status: status.clone() }).is_err()
                                {
                                    return;
                                }
                                last = Some(status);
                            }
                            Some(Err(error)) => {
                                let _ = this.tx.send(Action::OperationPollFailed { op, error });
                                return;
                            }
                            None => {
                                this.refresh.notify_one();
                                return;
                            }
                        }
                    }
                });
            }
        }
    }
}

impl Effects {
    /// Asks the backend for a Managed Redis call; the operation to follow, if it is not done at once.
    async fn managed(
        &self,
        call: &crate::tui::managed::ManagedCall,
    ) -> Result<Option<crate::client::Lro>, crate::client::ClientError> {
        use crate::arm::enterprise::{ForceLinkParameters, GeoReplication, LinkedDatabase};
        use crate::tui::managed::ManagedCall;
        let group = |nickname: &str, members: &[crate::arm::enterprise::EnterpriseId]| {
            GeoReplication::new(nickname, members.iter().map(|m| LinkedDatabase::new(m, None)).collect())
        };
        match call {
            ManagedCall::ForceUnlink { on, ids } => self.client.force_unlink(on, ids).await,
            ManagedCall::Flush { on, ids } => self.client.flush(on, ids).await,
            ManagedCall::ForceLink { database, nickname, members } => {
                let parameters = ForceLinkParameters { geo_replication: group(nickname, members) };
                self.client.force_link(database, &parameters).await
            }
            ManagedCall::Create { database, nickname, members, like } => {
                let body = crate::tui::managed::create_body(like, group(nickname, members));
                self.client.create_database(database, &body).await.map(|(_, lro)| Some(lro))
            }
        }
    }

    /// Runs the failover to `secondary` with the orchestration `georep failover` runs: its steps and
    /// their progress come back as actions (a step's end is not the failover's: that is `FailoverEnded`).
    async fn failover(&self, op: u64, secondary: ResourceId) {
        let tx = self.tx.clone();
        let mut on_event = |e: Event| {
            let action = match e {
                Event::Accepted { step, lro } => Action::FailoverStep { op, step, lro },
                Event::Status { status, .. } if !status.state.is_terminal() => Action::OperationProgress { op, status },
                Event::Status { .. } => return,
            };
            let _ = tx.send(action);
            self.refresh.notify_one();
        };
        let options = failover::Options {
            follow: Follow { min_interval: Duration::from_millis(100), ..Follow::default() },
            renew_deadline: None,
        };
        let run = async {
            let pair = failover::prepare(&self.client, &secondary).await?;
            failover::run(&self.client, &pair, options, &mut on_event).await.map(|_| ())
        };
        // Run to the end even when the console is gone (an SSH session that ended): stopping between
        // the two steps would leave the caches unlinked. A console process that exits stops it; its
        // Quit dialog says so.
        let result = run.await;
        let _ = self.tx.send(Action::FailoverEnded { op, result });
        self.refresh.notify_one();
    }
}
