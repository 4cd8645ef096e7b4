//! The portal's surfaces, one file each: a state type, the commands it offers, and a borrowed view
//! that draws it (a ratatui `StatefulWidget` whose state is the frame's click targets). No blade
//! knows the app; the app hands each what it draws.

pub mod active_geo;
pub mod compatible_caches;
pub mod compatible_map;
pub mod compatible_view;
pub mod confirm_dialog;
pub mod context_menu;
pub mod failover_dialog;
pub mod fleet_geo;
pub mod fleet_geo_view;
pub mod geo_dashboard;
pub mod geo_replication;
pub mod geo_urls;
pub mod group_candidates;
pub mod health_line;
pub mod help;
pub mod home;
pub mod managed_cache;
pub mod managed_dashboard;
pub mod managed_dialogs;
pub mod managed_home;
pub mod managed_overview;
pub mod move_plan;
pub mod notifications;
pub mod overview;
pub mod pair_map;
pub mod progress_panel;
pub mod properties;
pub mod region_filter;
pub mod resource_menu;

use crate::arm::ResourceId;

use compatible_caches::CompatibleState;
use fleet_geo::FleetState;
use resource_menu::CacheState;

/// A blade on the stack above Home.
#[derive(Clone, Debug, PartialEq)]
pub enum Blade {
    Cache(CacheState),
    Compatible(CompatibleState),
    /// A candidate's Overview, read-only, scrolled.
    Details(ResourceId, u16),
    /// Home ▸ Geo-replication: every link of the fleet, and the unprotected caches.
    Fleet(FleetState),
    /// Home ▸ Azure Managed Redis: the other browse list.
    ManagedList(managed_home::ManagedListState),
    /// An open Managed Redis cache.
    Managed(managed_cache::ManagedState),
    /// Add cache to group.
    Candidates(group_candidates::CandidatesState),
    /// Plan move to Azure Managed Redis, for a linked Premium pair.
    MovePlan(move_plan::MovePlanState),
}
