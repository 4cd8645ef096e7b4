//! Messages into `App::update` and the side effects it asks for.

use std::collections::HashMap;
use std::time::Duration;

use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use crate::arm::{LinkedServer, RedisResource, ResourceId, Subscription};
use crate::client::{ClientError, Lro, LroStatus};

/// Something that happened: input, a timer, or a result from the backend.
#[derive(Clone, Debug)]
pub enum Action {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// Time since the console started; sent only while something animates or waits.
    Tick(Duration),
    SubscriptionsLoaded(Vec<Subscription>),
    CachesLoaded(Vec<RedisResource>),
    /// Linked-server entries of every linked cache, keyed by [`ResourceId::key`].
    LinkedServersLoaded(HashMap<String, Vec<LinkedServer>>),
    /// A poll failed; the poller keeps retrying.
    BackendError(ClientError),
    /// A poll succeeded after failures.
    BackendRecovered,
    /// The backend accepted a link or unlink request.
    OperationAccepted {
        op: u64,
        lro: Option<Lro>,
    },
    /// The backend refused it.
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
}

/// A side effect, carried out by a task that reports back with actions.
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
    /// Ask the poller for fresh data now.
    Refresh,
    Quit,
}

/// What the user asked for, whatever the key or click.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Enter,
    Back,
    Tab,
    BackTab,
    Help,
    Quit,
    Filter,
    AddLink,
    Unlink,
    Refresh,
    ToggleIncompatible,
    ContextMenu,
    Notifications,
    Dismiss,
}
