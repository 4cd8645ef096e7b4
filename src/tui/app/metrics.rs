//! The app's side of the metrics: what the screen needs read (told to the metrics poller as an
//! effect when it changes) and the poller's answers folded into the data.

use super::super::action::Effect;
use super::super::blades::Blade;
use super::super::health::{GeoHealth, MetricsWatch, Window};
use super::super::view::MenuItem;
use super::App;

impl App {
    /// What the console knows of the backend (read-only: for the blades of other features and tests).
    pub fn data(&self) -> &super::super::data::Data {
        &self.data
    }

    /// What the metrics poller was last told to read (a loop started on an app already showing a
    /// dashboard starts its poller on it).
    pub fn metrics_watch(&self) -> Option<MetricsWatch> {
        self.watching.clone()
    }

    /// The linked pair whose metrics are on screen: the Geo-replication dashboard (its window) or the
    /// Geo-replication blade (30 minutes, for its health line) of a linked cache.
    pub(super) fn metrics_wanted(&self) -> Option<MetricsWatch> {
        let Some(Blade::Cache(b)) = self.stack.last() else { return None };
        let window = match b.item {
            MenuItem::GeoDashboard => b.dashboard.window,
            MenuItem::GeoReplication => Window::Minutes30,
            MenuItem::Overview | MenuItem::Properties => return None,
        };
        let (primary, secondary) = self.data.link(&b.id)?.pair(&b.id);
        Some(MetricsWatch { primary, secondary, window })
    }

    /// The Managed Redis cluster whose health is on screen: its Geo-replication dashboard.
    pub(super) fn managed_metrics_wanted(&self) -> Option<crate::tui::managed_health::ManagedWatch> {
        let Some(Blade::Managed(m)) = self.stack.last() else { return None };
        (m.item == crate::tui::view::ManagedItem::GeoDashboard)
            .then(|| crate::tui::managed_health::ManagedWatch { cluster: m.id.clone(), window: m.dashboard.window })
    }

    /// An effect for the Managed Redis metrics poller when what the screen needs changed.
    pub(super) fn watch_managed_metrics(&mut self) -> Option<Effect> {
        let wanted = self.managed_metrics_wanted();
        if wanted == self.watching_managed {
            return None;
        }
        if wanted.as_ref().map(|w| &w.cluster) != self.watching_managed.as_ref().map(|w| &w.cluster) {
            self.data.managed_health = None;
        }
        self.watching_managed = wanted.clone();
        Some(Effect::WatchManagedMetrics(wanted))
    }

    /// An effect for the metrics poller when what the screen needs changed.
    pub(super) fn watch_metrics(&mut self) -> Option<Effect> {
        let wanted = self.metrics_wanted();
        if wanted == self.watching {
            return None;
        }
        if wanted.is_none() {
            self.data.health_error = None;
        }
        self.watching = wanted.clone();
        Some(Effect::WatchMetrics(wanted))
    }

    /// The caches on screen: every open blade's cache and its link's peer.
    pub(super) fn links_wanted(&self) -> Vec<crate::arm::ResourceId> {
        let mut out: Vec<crate::arm::ResourceId> = Vec::new();
        for blade in &self.stack {
            let id = match blade {
                Blade::Cache(b) => &b.id,
                Blade::Compatible(c) => &c.primary,
                Blade::Details(id, _) => id,
                // The fleet's list reads every link now and then, as Home does ("reading…" until).
                Blade::Fleet(_) => continue,
                // Managed Redis has no linked servers: its databases are read every poll.
                Blade::ManagedList(_) | Blade::Managed(_) | Blade::Candidates(_) => continue,
                Blade::MovePlan(m) => &m.primary,
            };
            let peer = self.data.link(id).map(|l| l.peer);
            for id in std::iter::once(id.clone()).chain(peer) {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
        out
    }

    /// An effect for the poller when the caches on screen changed.
    pub(super) fn watch_links(&mut self) -> Option<Effect> {
        let wanted = self.links_wanted();
        if wanted == self.watching_links {
            return None;
        }
        self.watching_links = wanted.clone();
        Some(Effect::WatchLinks(wanted))
    }

    /// The poller read the pair's health (a new point arrived), or could not.
    pub(super) fn metrics_loaded(&mut self, result: Result<Box<GeoHealth>, String>) {
        match result {
            Ok(health) => {
                self.data.health_error = None;
                self.data.set_health(*health);
            }
            Err(why) => self.data.health_error = Some(why),
        }
        self.dirty = true;
    }
}
