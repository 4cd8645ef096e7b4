//! Confirmation dialogs as data: what is asked, and the effect that confirming it has (gitui's
//! `ConfirmAction`). One confirm path in `App` carries out whichever it is.

use crate::arm::ResourceId;
use crate::arm::enterprise::EnterpriseId;
use crate::geo::{FromResources, compatibility};
use crate::tui::managed::ManagedCall;

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
    /// A Managed Redis group operation: force unlink, add to group, flush.
    Managed(crate::tui::managed::ManagedCall),
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
        match &self.what {
            Confirm::Link { .. } => ("Link caches", "Link"),
            Confirm::Unlink { .. } => ("Unlink caches", "Unlink"),
            Confirm::Failover { .. } => ("Failover", "Failover"),
            Confirm::Quit { .. } => ("Quit georep", "Quit"),
            Confirm::Managed(call) => match call {
                ManagedCall::ForceUnlink { .. } => ("Force unlink", "Force unlink"),
                ManagedCall::ForceLink { .. } => ("Add cache to group", "Force link"),
                ManagedCall::Create { .. } => ("Add cache to group", "Create"),
                ManagedCall::Flush { .. } => ("Flush caches", "Flush"),
            },
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
            Confirm::Managed(call) => managed_blocked(data, call),
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
            Confirm::Managed(call) => Some(managed_az(call)),
            Confirm::Quit { .. } => None,
        }
    }
}

/// `az redisenterprise database ...` for a Managed Redis call (`georep amr ...` takes the same).
fn managed_az(call: &ManagedCall) -> Vec<String> {
    let head = |verb: &str, db: &EnterpriseId| {
        vec![
            format!("az redisenterprise database {verb}"),
            format!("--cluster-name {}", db.cluster),
            format!("--resource-group {}", db.resource_group),
        ]
    };
    match call {
        ManagedCall::ForceUnlink { on, ids } => {
            let mut a = head("force-unlink", on);
            a.push("--unlink-ids".into());
            a.extend(ids.iter().map(|i| i.to_string()));
            a
        }
        ManagedCall::ForceLink { database, nickname, members } => {
            let mut a = head("force-link-to-replication-group", database);
            a.push(format!("--group-nickname {nickname}"));
            a.push("--linked-databases".into());
            a.extend(members.iter().map(|m| format!("id={m}")));
            a
        }
        ManagedCall::Create { database, nickname, members, .. } => {
            let mut a = head("create", database);
            a.push(format!("--group-nickname {nickname}"));
            a.push("--linked-databases".into());
            a.extend(members.iter().map(|m| format!("id={m}")));
            a
        }
        ManagedCall::Flush { on, ids } => {
            let mut a = head("flush", on);
            if !ids.is_empty() {
                a.push("--linked-ids".into());
                a.extend(ids.iter().map(|i| i.to_string()));
            }
            a
        }
    }
}

/// Why a Managed Redis call can no longer be made as the dialog says: the group changed under it.
fn managed_blocked(data: &Data, call: &ManagedCall) -> Option<String> {
    if let Some(o) = data.managed_ops.iter().find(|o| o.running() && o.call.touches().iter().any(|d| call.involves(d)))
    {
        return Some(format!("{} is running; wait for it to finish.", o.call.describe()));
    }
    let fleet = data.managed();
    let members = |db: &EnterpriseId| fleet.group(db).map(|(_, m)| m).unwrap_or_default();
    match call {
        ManagedCall::ForceUnlink { on, ids } | ManagedCall::Flush { on, ids } => {
            let m = members(on);
            if m.is_empty() {
                return Some(format!("{} is no longer in a group.", on.cluster));
            }
            let gone = ids.iter().find(|i| !m.iter().any(|x| &x.database == *i));
            gone.map(|g| format!("{} is no longer a member of the group.", g.cluster))
        }
        ManagedCall::ForceLink { database, members: ids, .. } | ManagedCall::Create { database, members: ids, .. } => {
            let anchor = ids.iter().find(|m| *m != database)?;
            let verdict = crate::tui::blades::group_candidates::verdict(data, &anchor.cluster_id(), database);
            match verdict {
                None => Some(format!("{} can no longer be added to this group.", database.cluster)),
                Some(c) => c.reasons.first().map(|r| format!("This changed since the dialog opened: {}", r.message())),
            }
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
