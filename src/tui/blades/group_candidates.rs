//! Add cache to group: the Managed Redis caches that could join the open cache's active
//! geo-replication group, from the group rules ([`crate::geo::join_reasons`]); `i` lists the others
//! greyed, each with why. A running database joins by force-link (its data discarded); a cluster with
//! no database yet joins by having its database created into the group (the portal's "Join existing
//! group"). Enter asks for confirmation.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap};

use crate::arm::enterprise::EnterpriseId;
use crate::geo::{ActiveGroup, GroupIncompatibility, GroupMember, JoinBy, JoinCandidate, join_reasons};
use crate::tui::action::Effect;
use crate::tui::command::{Command, CommandInfo};
use crate::tui::confirm::{Confirm, Confirmation};
use crate::tui::data::Data;
use crate::tui::hits::{Hits, Target};
use crate::tui::managed::ManagedCall;
use crate::tui::view::{Ctx, Outcome};
use crate::tui::widgets::{self, list};

use super::geo_replication::READ_ONLY_NOTICE;

/// The database name a Managed Redis cache has.
const DATABASE: &str = "default";

/// A cache that could join, or why not.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The candidate's cluster.
    pub id: EnterpriseId,
    /// It has a database (joins by force-link), or not (joins by creating one).
    pub has_database: bool,
    pub reasons: Vec<GroupIncompatibility>,
}

#[derive(Clone, Debug)]
pub struct CandidatesState {
    /// The open cache (a member of the group).
    pub group_of: EnterpriseId,
    pub show_incompatible: bool,
    table: TableState,
    rows: Vec<Candidate>,
    /// The fleet the rows were made from: a poll that changed nothing of Managed Redis shares it, and
    /// the rows are not made again (10,000 clusters take tens of milliseconds).
    made_from: Option<std::sync::Arc<crate::tui::managed::ManagedFleet>>,
    /// The fleet changed since the rows were made (they are made again when the blade is on top).
    stale: bool,
}

impl PartialEq for CandidatesState {
    fn eq(&self, other: &Self) -> bool {
        self.group_of == other.group_of
            && self.show_incompatible == other.show_incompatible
            && self.table == other.table
            && self.rows == other.rows
    }
}

impl CandidatesState {
    pub fn new(group_of: EnterpriseId, data: &Data) -> Self {
        let mut s = CandidatesState {
            group_of,
            show_incompatible: false,
            table: TableState::default(),
            rows: Vec::new(),
            made_from: None,
            stale: true,
        };
        s.refresh(data);
        s
    }

    /// The fleet may have changed: the rows are made again when next on screen.
    pub fn mark_stale(&mut self) {
        self.stale = true;
    }

    pub fn stale(&self) -> bool {
        self.stale
    }

    /// Every other Managed Redis cache with the rules' verdict: compatible first, by name (unless the
    /// fleet is the one the rows were made from).
    pub fn refresh(&mut self, data: &Data) {
        self.stale = false;
        let fleet = &data.snapshot().managed;
        if self.made_from.as_ref().is_some_and(|m| std::sync::Arc::ptr_eq(m, fleet)) {
            return;
        }
        self.made_from = Some(fleet.clone());
        let keep = self.selected().map(|c| c.id.clone());
        let mut rows = candidates(data, &self.group_of);
        rows.sort_by_key(|c| !c.reasons.is_empty());
        self.rows = rows;
        let at = keep.and_then(|k| self.shown().position(|c| c.id == k)).unwrap_or(0);
        self.table.select(Some(at));
    }

    fn shown(&self) -> impl Iterator<Item = &Candidate> {
        let all = self.show_incompatible;
        self.rows.iter().filter(move |c| all || c.reasons.is_empty())
    }

    fn len(&self) -> usize {
        self.shown().count()
    }

    fn selected(&self) -> Option<&Candidate> {
        self.shown().nth(self.table.selected().unwrap_or(0))
    }

    pub fn commands(&self, read_only: bool) -> Vec<CommandInfo> {
        let enter_off = match self.selected() {
            _ if read_only => Some(READ_ONLY_NOTICE.to_string()),
            None => Some("No cache is listed.".into()),
            Some(c) => c.reasons.first().map(|r| format!("{}: {}", c.id.cluster, r.message())),
        };
        vec![
            CommandInfo::new(Command::Up, "move").quiet(),
            CommandInfo::new(Command::Down, "move"),
            CommandInfo::new(Command::Enter, "add to group").off(enter_off),
            CommandInfo::new(
                Command::ToggleIncompatible,
                if self.show_incompatible { "hide incompatible" } else { "show incompatible" },
            ),
            CommandInfo::new(Command::Back, "back"),
        ]
    }

    pub fn on_command(&mut self, cmd: Command, data: &Data, page: usize) -> Outcome {
        if let Some(i) = list::moved(self.table.selected().unwrap_or(0), cmd, self.len(), page) {
            self.table.select(Some(i));
            return Outcome::Consumed;
        }
        match cmd {
            Command::ToggleIncompatible => {
                self.show_incompatible = !self.show_incompatible;
                self.table.select(Some(0));
                Outcome::Consumed
            }
            Command::Enter => match self.selected().and_then(|c| join_call(data, &self.group_of, c)) {
                Some(call) => {
                    let effect = Effect::Managed { op: 0, call: call.clone() };
                    Outcome::Confirm(Box::new(Confirmation::new(Confirm::Managed(call), effect)))
                }
                None => Outcome::Consumed,
            },
            _ => Outcome::Ignored,
        }
    }

    pub fn on_click(&mut self, target: Target, data: &Data) -> Outcome {
        match target {
            Target::Row(i) if i < self.len() => {
                self.table.select(Some(i));
                self.on_command(Command::Enter, data, 1)
            }
            _ => Outcome::Ignored,
        }
    }
}

/// The verdict on every Managed Redis cache outside the group of `group_of`'s database.
pub fn candidates(data: &Data, group_of: &EnterpriseId) -> Vec<Candidate> {
    let fleet = data.managed();
    verdicts(data, group_of, fleet.ids.iter().zip(&fleet.clusters))
}

/// The verdict on the one cache `cluster` (a dialog checks it again every frame; the whole list is
/// tens of milliseconds at 10,000 clusters). `None` when it is a member, not listed, or not read.
pub fn verdict(data: &Data, group_of: &EnterpriseId, cluster: &EnterpriseId) -> Option<Candidate> {
    let fleet = data.managed();
    let i = fleet.position(cluster)?;
    verdicts(data, group_of, std::iter::once((fleet.ids.get(i)?, fleet.clusters.get(i)?))).pop()
}

/// The verdicts on `among`, against the group of `group_of`'s database.
fn verdicts<'a>(
    data: &'a Data,
    group_of: &EnterpriseId,
    among: impl Iterator<Item = (&'a EnterpriseId, &'a crate::arm::enterprise::Cluster)>,
) -> Vec<Candidate> {
    let fleet = data.managed();
    let (Some(me_cluster), Some(me_db)) = (fleet.cluster(group_of), fleet.database(group_of)) else {
        return Vec::new();
    };
    let Some((nickname, members)) = fleet.group(group_of) else { return Vec::new() };
    let mut group_members = vec![GroupMember { cluster: me_cluster, database: me_db }];
    for m in &members {
        if m.database.cluster_id() == group_of.cluster_id() {
            continue;
        }
        match (fleet.cluster(&m.database), fleet.database(&m.database)) {
            (Some(cluster), Some(database)) => group_members.push(GroupMember { cluster, database }),
            // A member not listed (another subscription, or gone) still counts towards five.
            _ => group_members.push(GroupMember { cluster: me_cluster, database: me_db }),
        }
    }
    let group = ActiveGroup { nickname, members: &group_members };
    among
        .filter(|(id, _)| members.iter().all(|m| m.database.cluster_id() != **id))
        .filter(|(id, _)| fleet.read(id))
        .map(|(id, cluster)| {
            let database = fleet.database(id);
            let by = if database.is_some() { JoinBy::ForceLink } else { JoinBy::Create { replacing: None } };
            let reasons = join_reasons(&group, &JoinCandidate { cluster, database }, by);
            Candidate { id: id.clone(), has_database: database.is_some(), reasons }
        })
        .collect()
}

/// What adding `c` to the group asks of the backend.
fn join_call(data: &Data, group_of: &EnterpriseId, c: &Candidate) -> Option<ManagedCall> {
    if !c.reasons.is_empty() {
        return None;
    }
    let fleet = data.managed();
    let (nickname, members) = fleet.group(group_of)?;
    let mut ids: Vec<EnterpriseId> = members.into_iter().map(|m| m.database).collect();
    if c.has_database {
        let database = fleet.database_id(&c.id)?;
        ids.push(database.clone());
        Some(ManagedCall::ForceLink { database, nickname: nickname.to_string(), members: ids })
    } else {
        let database = c.id.database(DATABASE);
        ids.push(database.clone());
        let like = Box::new(fleet.database(group_of)?.clone());
        Some(ManagedCall::Create { database, nickname: nickname.to_string(), members: ids, like })
    }
}

pub struct CandidatesView<'a> {
    pub ctx: Ctx<'a>,
    pub state: &'a CandidatesState,
}

impl StatefulWidget for CandidatesView<'_> {
    type State = Hits;

    fn render(self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let (t, s) = (self.ctx.theme, self.state);
        let fleet = self.ctx.data.managed();
        let nickname = fleet.group(&s.group_of).map(|(n, _)| n.to_string()).unwrap_or_default();
        let ok = s.rows.iter().filter(|c| c.reasons.is_empty()).count();
        let title = format!("Add cache to group {nickname} · {ok} compatible");
        let block = widgets::pane(t, &title, self.ctx.focused);
        let inner = block.inner(area).inner(Margin { horizontal: 1, vertical: 0 });
        block.render(area, buf);
        let [intro, toggle, table] =
            Layout::vertical([Constraint::Length(2), Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
        Paragraph::new(Span::styled(
            format!(
                "Caches with the group's SKU, clustering, eviction, modules and TLS, high availability on and no persistence. \
                 A running cache joins by force-link: its data is discarded. One with no database gets one created in {nickname}."
            ),
            t.muted,
        ))
        .wrap(Wrap { trim: true })
        .render(intro, buf);
        let key = self.ctx.keys.first_key(Command::ToggleIncompatible);
        let label = if s.show_incompatible { "hide incompatible" } else { "show incompatible, with why" };
        Paragraph::new(Span::styled(format!("[{key}] {label}"), t.button)).render(toggle, buf);
        hits.push(toggle, Target::Command(Command::ToggleIncompatible));
        if s.len() == 0 {
            let why = if s.rows.is_empty() {
                "No other Managed Redis cache is listed."
            } else {
                "No cache can join the group now; show the incompatible ones to see why."
            };
            Paragraph::new(Span::styled(why, t.muted)).render(table, buf);
            return;
        }
        let shown: Vec<&Candidate> = s.shown().collect();
        let focused = self.ctx.focused;
        let selected = s.table.selected().unwrap_or(0);
        list::render(table, buf, &s.table, shown.len(), hits, |window| {
            let rows: Vec<Row> = window
                .map(|i| {
                    let c = shown[i];
                    let cluster = fleet.cluster(&c.id);
                    let how = if c.has_database { "force-link" } else { "create database" };
                    let why = c.reasons.first().map(|r| r.short()).unwrap_or_else(|| how.to_string());
                    let style = match (focused && i == selected, c.reasons.is_empty()) {
                        (true, _) => t.selected,
                        (false, true) => t.value,
                        (false, false) => t.dim,
                    };
                    Row::new(vec![
                        Cell::from(c.id.cluster.clone()),
                        Cell::from(cluster.map(|c| c.location.clone()).unwrap_or_default()),
                        Cell::from(cluster.map(|c| crate::tui::format::amr_sku(&c.sku)).unwrap_or_default()),
                        Cell::from(Line::from(why)),
                    ])
                    .style(style)
                })
                .collect();
            let widths = [Constraint::Length(24), Constraint::Length(15), Constraint::Length(16), Constraint::Fill(1)];
            Table::new(rows, widths)
                .header(Row::new(vec!["CACHE", "REGION", "SKU", "JOINS BY / WHY NOT"]).style(t.table_header))
                .column_spacing(1)
        });
    }
}
