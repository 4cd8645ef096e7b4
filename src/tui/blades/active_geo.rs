//! Active geo-replication (Azure Managed Redis): the group's nickname, its members (cache, region,
//! SKU, state, health) with checkboxes, and the portal's actions: Add cache to group, Force unlink
//! (the checked members), Flush caches (this cache and the checked members), Refresh. Every action
//! asks first; the running operation's progress shows under the table.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, StatefulWidget, Table, Widget, Wrap};

use crate::arm::enterprise::EnterpriseId;
use crate::tui::action::Effect;
use crate::tui::command::{Command, CommandInfo};
use crate::tui::confirm::{Confirm, Confirmation};
use crate::tui::data::Data;
use crate::tui::hits::{Hits, Target};
use crate::tui::managed::{Health, ManagedCall, Member};
use crate::tui::view::{Ctx, ManagedItem, Open, Outcome, Pane};
use crate::tui::widgets::{self, Tone, progress};

use super::geo_replication::READ_ONLY_NOTICE;

/// The buttons, as commands: a click on one is its key.
pub const BUTTONS: [widgets::buttons::Button; 4] = [
    (Command::AddLink, "+ Add cache to group", "+ Add"),
    (Command::Unlink, "✕ Force unlink", "✕ Unlink"),
    (Command::Flush, "⌫ Flush caches", "⌫ Flush"),
    (Command::Refresh, "↻ Refresh", "↻ Refresh"),
];

/// Keyboard position in the blade, and the ticked members.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ActiveState {
    pub on_buttons: bool,
    pub button: usize,
    pub row: usize,
    /// The members ticked (their databases).
    pub checked: Vec<EnterpriseId>,
}

/// The group's members as the open cache's database lists them (none outside a group).
pub fn members(data: &Data, id: &EnterpriseId) -> Vec<Member> {
    data.managed().group(id).map(|(_, m)| m).unwrap_or_default()
}

/// The checked members still in the group.
fn checked(data: &Data, id: &EnterpriseId, s: &ActiveState) -> Vec<EnterpriseId> {
    let members = members(data, id);
    s.checked.iter().filter(|c| members.iter().any(|m| &m.database == *c)).cloned().collect()
}

/// Why no action can run on the group now, if none can: no group, an operation running.
fn busy(data: &Data, id: &EnterpriseId) -> Option<String> {
    if let Some(o) = data.managed_op_for(id).filter(|o| o.running()) {
        return Some(format!("{} is running; wait for it to finish.", o.call.describe()));
    }
    let fleet = data.managed();
    if fleet.database(id).is_none() {
        return Some(format!("{} has no database: there is no group to act on.", id.cluster));
    }
    fleet.group(id).is_none().then(|| {
        format!(
            "{}'s database is in no active geo-replication group (a group is set when a database is created).",
            id.cluster
        )
    })
}

/// Why "Add cache to group" is off, if it is.
pub fn add_disabled(data: &Data, id: &EnterpriseId) -> Option<String> {
    if let Some(why) = busy(data, id) {
        return Some(why);
    }
    let n = members(data, id).len();
    (n >= crate::geo::MAX_GROUP_MEMBERS)
        .then(|| format!("The group has {n} members, the most a group can have; force-unlink one first."))
}

/// Why "Force unlink" is off, if it is.
pub fn unlink_disabled(data: &Data, id: &EnterpriseId, s: &ActiveState) -> Option<String> {
    if let Some(why) = busy(data, id) {
        return Some(why);
    }
    let me = data.managed().database_id(id);
    let ticked = checked(data, id, s);
    if ticked.is_empty() {
        return Some("Check (Space) the members to force-unlink first: the unreachable ones.".into());
    }
    ticked.iter().any(|c| Some(c) == me.as_ref()).then(|| {
        format!("Force unlink is asked of a surviving member: uncheck {} itself, or open another member.", id.cluster)
    })
}

/// Why "Flush caches" is off, if it is.
pub fn flush_disabled(data: &Data, id: &EnterpriseId) -> Option<String> {
    busy(data, id)
}

/// The blade's actions, on or off with why (read-only sessions: off, saying so).
pub fn action_commands(data: &Data, id: &EnterpriseId, s: &ActiveState, read_only: bool) -> Vec<CommandInfo> {
    let off = |why: Option<String>| if read_only { Some(READ_ONLY_NOTICE.to_string()) } else { why };
    vec![
        CommandInfo::new(Command::AddLink, "add to group").off(off(add_disabled(data, id))),
        CommandInfo::new(Command::Unlink, "force unlink").off(off(unlink_disabled(data, id, s))),
        CommandInfo::new(Command::Flush, "flush").off(off(flush_disabled(data, id))),
    ]
}

pub fn nav_commands(s: &ActiveState) -> Vec<CommandInfo> {
    let mut out = vec![CommandInfo::new(Command::Left, "buttons").quiet(), CommandInfo::new(Command::Right, "buttons")];
    if !s.on_buttons {
        out.push(CommandInfo::new(Command::Check, "check"));
    }
    out.push(CommandInfo::new(Command::Enter, if s.on_buttons { "press" } else { "open cache" }));
    out
}

/// Presses a button; its `why_not` was checked by the caller.
pub fn press(id: &EnterpriseId, s: &mut ActiveState, cmd: Command, data: &Data) -> Outcome {
    if let Some(i) = BUTTONS.iter().position(|(c, _, _)| *c == cmd) {
        s.button = i;
        s.on_buttons = true;
    }
    let fleet = data.managed();
    let Some(me) = fleet.database_id(id) else { return Outcome::Consumed };
    let call = match cmd {
        Command::AddLink => return Outcome::Open(Open::GroupCandidates(id.clone())),
        Command::Unlink => ManagedCall::ForceUnlink { on: me, ids: checked(data, id, s) },
        Command::Flush => {
            let ids = checked(data, id, s).into_iter().filter(|c| *c != me).collect();
            ManagedCall::Flush { on: me, ids }
        }
        _ => return Outcome::Effect(Effect::Refresh),
    };
    let effect = Effect::Managed { op: 0, call: call.clone() };
    Outcome::Confirm(Box::new(Confirmation::new(Confirm::Managed(call), effect)))
}

pub fn on_command(id: &EnterpriseId, s: &mut ActiveState, pane: &mut Pane, cmd: Command, data: &Data) -> Outcome {
    let rows = members(data, id);
    let n = rows.len();
    s.row = s.row.min(n.saturating_sub(1));
    match cmd {
        Command::Up if !s.on_buttons && s.row == 0 => s.on_buttons = true,
        Command::Up if !s.on_buttons => s.row -= 1,
        Command::Down if s.on_buttons && n > 0 => {
            s.on_buttons = false;
            s.row = 0;
        }
        Command::Down if !s.on_buttons => s.row = (s.row + 1).min(n.saturating_sub(1)),
        Command::Left if s.on_buttons && s.button > 0 => s.button -= 1,
        Command::Right if s.on_buttons => s.button = (s.button + 1).min(BUTTONS.len() - 1),
        Command::Left => *pane = Pane::Menu,
        Command::Check if !s.on_buttons => {
            if let Some(m) = rows.get(s.row) {
                match s.checked.iter().position(|c| *c == m.database) {
                    Some(i) => {
                        s.checked.remove(i);
                    }
                    None => s.checked.push(m.database.clone()),
                }
            }
        }
        Command::Enter if s.on_buttons => return Outcome::Run(BUTTONS.get(s.button).map_or(Command::Refresh, |b| b.0)),
        Command::Enter => {
            return match rows.get(s.row) {
                Some(m) if m.database.cluster_id() != id.cluster_id() => {
                    Outcome::Open(Open::Managed(m.database.cluster_id(), ManagedItem::ActiveGeoReplication))
                }
                _ => Outcome::Consumed,
            };
        }
        Command::Up | Command::Down | Command::Right | Command::Check => {}
        _ => return Outcome::Ignored,
    }
    Outcome::Consumed
}

/// A click on member row `i`: selects it and toggles its checkbox.
pub fn click_row(id: &EnterpriseId, s: &mut ActiveState, i: usize, data: &Data) -> Outcome {
    s.on_buttons = false;
    s.row = i;
    let mut pane = Pane::Content;
    on_command(id, s, &mut pane, Command::Check, data)
}

pub struct ActiveGeoView<'a> {
    pub ctx: Ctx<'a>,
    /// The open cluster.
    pub id: &'a EnterpriseId,
    pub state: &'a ActiveState,
}

impl ActiveGeoView<'_> {
    fn buttons(&self, row: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let commands = action_commands(self.ctx.data, self.id, self.state, self.ctx.read_only);
        let focused = (self.ctx.focused && self.state.on_buttons).then_some(self.state.button);
        let buttons = widgets::buttons::ButtonRow {
            theme: self.ctx.theme,
            buttons: &BUTTONS,
            commands: &commands,
            focused,
            reserve: 0,
        };
        buttons.render(row, buf, hits);
    }

    fn table(&self, rows: &[Member], area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let (t, data) = (self.ctx.theme, self.ctx.data);
        let fleet = data.managed();
        let narrow = area.width < 80;
        let table_rows = rows.iter().enumerate().map(|(i, m)| {
            let cluster = fleet.cluster(&m.database);
            let ticked = self.state.checked.contains(&m.database);
            let mut name = format!("{} {}", if ticked { "☑" } else { "☐" }, m.database.cluster);
            if m.database.cluster_id() == self.id.cluster_id() {
                name.push_str(" (this)");
            }
            let health = Health::of(m.state.as_ref());
            let tone = match health {
                Health::Healthy => Tone::Ok,
                Health::Unhealthy => Tone::Bad,
                _ => Tone::Busy,
            };
            let state = m.state.as_ref().map(|s| s.to_string()).unwrap_or_else(|| "—".into());
            let mut state_spans = vec![Span::styled(state, tone.style(t))];
            if health == Health::Syncing {
                state_spans.push(Span::raw(" "));
                state_spans.push(Span::styled(progress::spinner(data.clock), t.busy));
            }
            let mut cells = vec![Cell::from(name)];
            cells.push(Cell::from(cluster.map(|c| c.location.clone()).unwrap_or_else(|| "(not listed)".into())));
            if !narrow {
                cells.push(Cell::from(cluster.map(|c| crate::tui::format::amr_sku(&c.sku)).unwrap_or_default()));
            }
            cells.push(Cell::from(Line::from(state_spans)));
            cells.push(Cell::from(Span::styled(health.label(), tone.style(t))));
            let selected = self.ctx.focused && !self.state.on_buttons && self.state.row == i;
            Row::new(cells).style(if selected { t.selected } else { t.value })
        });
        let (header, widths) = if narrow {
            (
                vec!["CACHE", "REGION", "STATE", "HEALTH"],
                vec![Constraint::Fill(1), Constraint::Length(12), Constraint::Length(10), Constraint::Length(9)],
            )
        } else {
            (
                vec!["CACHE", "REGION", "SKU", "STATE", "HEALTH"],
                vec![
                    Constraint::Fill(1),
                    Constraint::Length(15),
                    Constraint::Length(16),
                    Constraint::Length(12),
                    Constraint::Length(9),
                ],
            )
        };
        Widget::render(
            Table::new(table_rows, widths).header(Row::new(header).style(t.table_header)).column_spacing(if narrow {
                1
            } else {
                2
            }),
            area,
            buf,
        );
        for k in 0..rows.len() {
            hits.push(Rect::new(area.x, area.y + 1 + k as u16, area.width, 1).intersection(area), Target::Row(k));
        }
    }

    /// The running (or last) operation of this console on the group, and what the actions do.
    fn panel(&self, area: Rect, buf: &mut Buffer) {
        let (t, data) = (self.ctx.theme, self.ctx.data);
        let mut lines = Vec::new();
        if let Some(o) = data.managed_op_for(self.id) {
            if o.running() {
                lines.push(Line::from(Span::styled(o.call.describe(), t.group)));
                let p = crate::tui::data::Progress {
                    kind: crate::tui::data::OpKind::Link,
                    percent: o.percent,
                    elapsed: o.elapsed(data.clock),
                    running: true,
                    own: true,
                };
                let mut gauge = vec![Span::styled(format!("{:<12}", o.state.to_string()), t.busy)];
                gauge.extend(progress::spans(t, Some(&p), data.clock, 30));
                lines.push(Line::from(gauge));
            } else {
                let result = match &o.error {
                    None => format!(
                        "{}: {} in {}",
                        o.call.name(),
                        o.state,
                        crate::tui::format::elapsed(o.elapsed(data.clock))
                    ),
                    Some(e) => format!("{}: {} — {e}", o.call.name(), o.state),
                };
                lines.push(Line::from(Span::styled(result, t.muted)));
            }
            lines.push(Line::default());
        }
        lines.extend([
            Line::from(Span::styled(
                "Every member accepts reads and writes; changes replicate between regions, eventually consistent.",
                t.muted,
            )),
            Line::from(Span::styled(
                "Force unlink removes the checked members (asked of a surviving one); a removed cache rejoins only by force-link (its data discarded) or by being recreated.",
                t.muted,
            )),
            Line::from(Span::styled(
                "Flush clears this cache and the checked members: FLUSHALL and FLUSHDB are refused on members.",
                t.muted,
            )),
        ]);
        Paragraph::new(lines).wrap(Wrap { trim: false }).render(area, buf);
    }
}

impl StatefulWidget for ActiveGeoView<'_> {
    type State = Hits;

    fn render(self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let (t, data) = (self.ctx.theme, self.ctx.data);
        let block = widgets::pane(t, "Active geo-replication", self.ctx.focused);
        let inner = block.inner(area).inner(Margin { horizontal: 1, vertical: 0 });
        block.render(area, buf);
        let rows = members(data, self.id);
        let [buttons, _, group, _, table, _, panel] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1 + rows.len().max(1) as u16),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(inner);
        self.buttons(buttons, buf, hits);
        let fleet = data.managed();
        match fleet.group(self.id) {
            Some((nickname, _)) => {
                let n = rows.len();
                let line = Line::from(vec![
                    Span::styled("Group nickname  ", t.label),
                    Span::styled(nickname.to_string(), t.title),
                    Span::styled(format!("   {n} of {} members", crate::geo::MAX_GROUP_MEMBERS), t.muted),
                ]);
                Paragraph::new(line).render(group, buf);
                self.table(&rows, table, buf, hits);
            }
            None => {
                let why = busy(data, self.id).unwrap_or_default();
                Paragraph::new(Span::styled(why, t.muted)).wrap(Wrap { trim: true }).render(group.union(table), buf);
            }
        }
        self.panel(panel, buf);
    }
}
