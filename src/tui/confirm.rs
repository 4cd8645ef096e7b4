//! Confirmation dialogs as data: what is asked, and the effect that confirming it has (gitui's
//! `ConfirmAction`). One confirm path in `App` carries out whichever it is.

use crate::arm::ResourceId;
use crate::geo::{FromResources, compatibility};

use super::action::Effect;
use super::data::Data;

/// What a confirmation is about.
#[derive(Clone, Debug, PartialEq)]
pub enum Confirm {
    Link {
        primary: ResourceId,
        secondary: ResourceId,
    },
    Unlink {
        primary: ResourceId,
        secondary: ResourceId,
    },
    /// Fail over the link: `secondary` becomes the primary.
    Failover {
        primary: ResourceId,
        secondary: ResourceId,
    },
    /// Quit while an operation runs; says which.
    Quit {
        running: String,
        embedded: bool,
        /// What runs is a failover, whose second step this console asks for.
        failover: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Confirmation {
    pub what: Confirm,
    /// Focus starts on Cancel.
    pub confirm_focused: bool,
    /// What confirming does.
    pub effect: Effect,
}

impl Confirmation {
    pub fn new(what: Confirm, effect: Effect) -> Self {
        Confirmation { what, confirm_focused: false, effect }
    }

    /// The title and the confirm button's label.
    pub fn labels(&self) -> (&'static str, &'static str) {
        match self.what {
            Confirm::Link { .. } => ("Link caches", "Link"),
            Confirm::Unlink { .. } => ("Unlink caches", "Unlink"),
            Confirm::Failover { .. } => ("Failover", "Failover"),
            Confirm::Quit { .. } => ("Quit georep", "Quit"),
        }
    }

    /// Why confirming is no longer possible: the world under the open dialog changed (another console
    /// linked the primary, the link went away...). `None` while it still can be done.
    pub fn blocked(&self, data: &Data) -> Option<String> {
        match &self.what {
            Confirm::Link { primary, secondary } => {
                let (Some(p), Some(s)) = (data.cache(primary), data.cache(secondary)) else {
                    return Some("One of the caches is no longer listed by the backend.".into());
                };
                if let Some(o) = data.running_op_for(primary).or_else(|| data.running_op_for(secondary)) {
                    return Some(format!("{} {} is running on these caches.", o.kind.verb(), o.secondary.name));
                }
                let reasons = compatibility(p, s, &FromResources);
                let first = reasons.first()?;
                Some(format!("This changed since the dialog opened: {}", first.message()))
            }
            Confirm::Unlink { primary, secondary } => {
                let link = data.link(primary).filter(|l| &l.peer == secondary);
                match link {
                    None => Some(format!("{} and {} are no longer linked.", primary.name, secondary.name)),
                    Some(l) if !l.state().settled() => {
                        Some(format!("The link is {} now: wait for that operation to finish.", l.state()))
                    }
                    Some(_) if data.running_op_for(primary).is_some() => {
                        Some("An operation is running on these caches.".into())
                    }
                    Some(_) => None,
                }
            }
            Confirm::Failover { primary, secondary } => failover_blocked(data, primary, secondary),
            Confirm::Quit { .. } => None,
        }
    }

    /// The equivalent `az` command, as arguments (so it can be wrapped between them, never inside a
    /// resource id).
    pub fn az_command(&self) -> Option<Vec<String>> {
        match &self.what {
            Confirm::Link { primary, secondary } => Some(vec![
                "az redis server-link create".into(),
                format!("--name {}", primary.name),
                format!("--resource-group {}", primary.resource_group),
                format!("--server-to-link {secondary}"),
                "--replication-role Secondary".into(),
            ]),
            Confirm::Unlink { primary, secondary } => Some(vec![
                "az redis server-link delete".into(),
                format!("--name {}", primary.name),
                format!("--resource-group {}", primary.resource_group),
                format!("--linked-server-name {}", secondary.name),
            ]),
            Confirm::Failover { secondary, .. } => Some(vec![
                "georep failover".into(),
                format!("--name {}", secondary.name),
                format!("--resource-group {}", secondary.resource_group),
            ]),
            Confirm::Quit { .. } => None,
        }
    }
}

/// Why the failover of `primary` -> `secondary` cannot run now, if it cannot: the link must still be
/// that one, and pass [`crate::geo::failover_blockers`].
pub fn failover_blocked(data: &Data, primary: &ResourceId, secondary: &ResourceId) -> Option<String> {
    let link = data.link(primary).filter(|l| &l.peer == secondary && l.role == super::data::Role::Primary);
    let Some(link) = link else {
        return Some(format!("{} is no longer the secondary of {}.", secondary.name, primary.name));
    };
    if let Some(o) = data.running_op_for(primary).or_else(|| data.running_op_for(secondary)) {
        return Some(format!("{} {} is running; wait for it to finish.", o.kind.verb(), o.secondary.name));
    }
    let (Some(p), Some(s)) = (data.cache(primary), data.cache(secondary)) else {
        return Some("One of the caches is no longer listed by the backend.".into());
    };
    crate::geo::failover_blockers(p, s, &link.state()).first().map(|b| b.message())
}
