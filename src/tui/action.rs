//! Messages into `App::update` and the side effects it asks for.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use super::hits::Hits;
use crate::arm::{LinkedServer, RedisResource, ResourceId, Subscription};
use crate::client::failover::{FailoverError, Step};
use crate::client::{ClientError, Lro, LroStatus};

/// The time, as the loop reads it: since the console started (spinners, elapsed times) and the wall
/// clock (notification times).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Now {
    pub elapsed: Duration,
    pub wall: DateTime<Utc>,
}

/// An operation as another console of the same process (another `georep ssh` session) follows it:
/// so that every session shows its progress, not a bare spinner.
#[derive(Clone, Debug, PartialEq)]
pub struct SharedOp {
    pub kind: super::data::OpKind,
    pub primary: ResourceId,
    pub secondary: ResourceId,
    pub percent: Option<f64>,
    /// When the backend accepted it.
    pub started: DateTime<Utc>,
    pub running: bool,
}

/// Something that happened: input, a timer, a frame, or a result from the backend.
#[derive(Clone, Debug)]
pub enum Action {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The clock moved; the loop sends one before each batch of actions, and on a timer while
    /// something animates or waits.
    Tick(Now),
    /// A frame was drawn: where its clickable regions are.
    FrameDrawn(Hits),
    /// A poll, ready to show (what the process's poller read: [`crate::tui::feed`]).
    Polled(std::sync::Arc<crate::tui::snapshot::Snapshot>),
    /// One part of the backend's state alone (the parts a poll reads together come as `Polled`).
    SubscriptionsLoaded(Vec<Subscription>),
    CachesLoaded(Vec<RedisResource>),
    /// Linked-server entries of every linked cache.
    LinkedServersLoaded(HashMap<ResourceId, Vec<LinkedServer>>),
    /// A poll failed; the poller tries again in `retry_in`.
    PollFailed {
        error: ClientError,
        retry_in: Duration,
    },
    /// A poll succeeded (sent only after failures).
    BackendRecovered,
    /// The backend accepted a link or unlink request (201/202).
    OperationAccepted {
        op: u64,
        lro: Option<Lro>,
    },
    /// The backend refused it, or it never reached the backend.
    OperationRejected {
        op: u64,
        error: ClientError,
    },
    /// A poll of a running operation.
    OperationProgress {
        op: u64,
        status: LroStatus,
    },
    /// Polling an operation failed for good.
    OperationPollFailed {
        op: u64,
        error: ClientError,
    },
    /// A failover's step was accepted by the backend (its first: the failover has started).
    FailoverStep {
        op: u64,
        step: Step,
        lro: Lro,
    },
    /// A failover ended: done, or why not (refused before it started, or a step that failed).
    FailoverEnded {
        op: u64,
        result: Result<(), FailoverError>,
    },
    /// Another session's operation moved.
    PeerOperation(SharedOp),
    /// The metrics poller read a pair's health (sent only when a new point arrived), or failed to.
    MetricsLoaded(Result<Box<crate::tui::health::GeoHealth>, String>),
    /// The metrics poller read a Managed Redis cluster's health (only when a new point arrived).
    ManagedMetricsLoaded(Result<Box<crate::tui::managed_health::ManagedHealth>, String>),
}

/// A side effect, carried out by a task (or the loop) that reports back with actions.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    StartLink {
        op: u64,
        primary: ResourceId,
        secondary: ResourceId,
        secondary_location: String,
    },
    StartUnlink {
        op: u64,
        cache: ResourceId,
        linked_name: String,
    },
    PollOperation {
        op: u64,
        lro: Lro,
    },
    /// Run the failover of the link `primary` -> `secondary` ([`crate::client::failover`]).
    StartFailover {
        op: u64,
        primary: ResourceId,
        secondary: ResourceId,
    },
    /// A Managed Redis group operation (force unlink, force link, create into a group, flush).
    Managed {
        op: u64,
        call: crate::tui::managed::ManagedCall,
    },
    /// Ask the poller for fresh data now.
    Refresh,
    /// Put text on the clipboard of the terminal the console is drawn on (OSC 52).
    Copy(String),
    /// Tell the other sessions of this process how an operation of this one goes.
    Share(SharedOp),
    /// What the metrics poller should read now (`None`: nothing on screen needs metrics).
    WatchMetrics(Option<crate::tui::health::MetricsWatch>),
    /// What the Managed Redis metrics poller should read now.
    WatchManagedMetrics(Option<crate::tui::managed_health::ManagedWatch>),
    /// The caches on screen, whose links the poller reads every poll (the others' now and then).
    WatchLinks(Vec<ResourceId>),
    /// A snapshot this console no longer shows: freed off the input path (at 10,000 caches freeing
    /// one takes milliseconds) when this was the last console holding it.
    Release(crate::tui::snapshot::Retired),
    Quit,
}
