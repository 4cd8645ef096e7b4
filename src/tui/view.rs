//! What blades share: the context a view draws with, and what a blade asks the app to do.

use crate::arm::ResourceId;
use crate::arm::enterprise::EnterpriseId;

use super::action::Effect;
use super::command::Keymap;
use super::confirm::Confirmation;
use super::data::Data;
use super::theme::Theme;

/// Everything a view reads besides its own state.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub data: &'a Data,
    pub theme: &'a Theme,
    pub keys: &'a Keymap,
    /// Browse and watch only (`georep ssh --read-only`).
    pub read_only: bool,
    /// The view has the keyboard (and no overlay covers it).
    pub focused: bool,
}

impl<'a> Ctx<'a> {
    pub fn focus(self, focused: bool) -> Ctx<'a> {
        Ctx { focused: self.focused && focused, ..self }
    }
}

/// A blade to open to the right.
#[derive(Clone, Debug, PartialEq)]
pub enum Open {
    Cache(ResourceId, MenuItem),
    Compatible(ResourceId),
    /// A candidate's Overview, read-only.
    Details(ResourceId),
    /// Home ▸ Geo-replication, the fleet's.
    FleetGeoReplication,
    /// Home ▸ Azure Managed Redis, the other browse list.
    ManagedList,
    /// A Managed Redis cache (by its cluster's id), on a resource menu item.
    Managed(EnterpriseId, ManagedItem),
    /// Add cache to group: the caches that could join the group of this cluster's database.
    GroupCandidates(EnterpriseId),
    /// Plan move to Azure Managed Redis, for the linked pair of this cache.
    MovePlan(ResourceId),
}

/// What a blade did with a command or a click.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Ignored,
    Consumed,
    Open(Open),
    Back,
    Confirm(Box<Confirmation>),
    Effect(Effect),
    /// Say something in the notice line (e.g. why a button is off).
    Notice(String),
    /// Run this command as if its key was pressed (Enter on a button), checked against the registry.
    Run(super::command::Command),
}

/// An item of an open cache's resource menu.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MenuItem {
    Overview,
    GeoReplication,
    Properties,
    /// Monitoring: the portal's "Geo-replication dashboard" workbook.
    GeoDashboard,
}

impl MenuItem {
    pub const ALL: [MenuItem; 4] =
        [MenuItem::Overview, MenuItem::GeoReplication, MenuItem::Properties, MenuItem::GeoDashboard];

    pub fn label(self) -> &'static str {
        match self {
            MenuItem::Overview => "Overview",
            MenuItem::GeoReplication => "Geo-replication",
            MenuItem::Properties => "Properties",
            MenuItem::GeoDashboard => "Geo-replication dashboard",
        }
    }

    /// The label where the menu is too narrow for [`MenuItem::label`].
    pub fn short_label(self) -> &'static str {
        match self {
            MenuItem::GeoDashboard => "Geo-rep dashboard",
            other => other.label(),
        }
    }

    pub fn group(self) -> &'static str {
        match self {
            MenuItem::Overview => "GENERAL",
            MenuItem::GeoReplication | MenuItem::Properties => "SETTINGS",
            MenuItem::GeoDashboard => "MONITORING",
        }
    }

    pub fn index(self) -> usize {
        MenuItem::ALL.iter().position(|m| *m == self).unwrap_or(0)
    }
}

/// An item of a Managed Redis cache's resource menu.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManagedItem {
    Overview,
    ActiveGeoReplication,
    /// Monitoring: `geoReplicationHealthy` over a window.
    GeoDashboard,
}

impl ManagedItem {
    pub const ALL: [ManagedItem; 3] =
        [ManagedItem::Overview, ManagedItem::ActiveGeoReplication, ManagedItem::GeoDashboard];

    pub fn label(self) -> &'static str {
        match self {
            ManagedItem::Overview => "Overview",
            ManagedItem::ActiveGeoReplication => "Active geo-replication",
            ManagedItem::GeoDashboard => "Geo-replication dashboard",
        }
    }

    pub fn short_label(self) -> &'static str {
        match self {
            ManagedItem::ActiveGeoReplication => "Active geo-rep",
            ManagedItem::GeoDashboard => "Geo-rep dashboard",
            other => other.label(),
        }
    }

    pub fn group(self) -> &'static str {
        match self {
            ManagedItem::Overview => "GENERAL",
            ManagedItem::ActiveGeoReplication => "SETTINGS",
            ManagedItem::GeoDashboard => "MONITORING",
        }
    }

    pub fn index(self) -> usize {
        ManagedItem::ALL.iter().position(|m| *m == self).unwrap_or(0)
    }

    /// The digit that jumps to it: the passive menu's for the same kind of item (1, 2, 4).
    pub fn key(self) -> usize {
        match self {
            ManagedItem::Overview => 1,
            ManagedItem::ActiveGeoReplication => 2,
            ManagedItem::GeoDashboard => 4,
        }
    }
}

/// Which pane of an open cache has the keyboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Menu,
    Content,
}
