//! Geo-replication: the linked caches table, "Add cache replication link" and "Unlink caches", and the
//! live progress of a running operation.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, StatefulWidget, Table, Widget, Wrap};

use crate::arm::ResourceId;
use crate::geo::{FromResources, Incompatibility, Side, own_reasons};
use crate::tui::command::{Command, CommandInfo};
use crate::tui::confirm::{Confirm, Confirmation};
use crate::tui::data::{Data, OpKind, Role};
use crate::tui::hits::{Hits, Target};
use crate::tui::view::{Ctx, MenuItem, Open, Outcome, Pane};
use crate::tui::widgets::{self, progress};

use super::home::status;
use super::pair_map::PairMap;
use super::progress_panel;

/// Why Link and Unlink are off in a read-only session (`georep ssh --read-only`).
pub const READ_ONLY_NOTICE: &str = "Read-only session: it can browse and watch, not link, unlink or fail over.";

/// The buttons, as commands: a click on one is its key.
pub const BUTTONS: [widgets::buttons::Button; 4] = [
    (Command::AddLink, "+ Add cache replication link", "+ Add"),
    (Command::Unlink, "✕ Unlink caches", "✕ Unlink"),
    (Command::Failover, "⇄ Failover", "⇄ Failover"),
    (Command::Refresh, "↻ Refresh", "↻ Refresh"),
];

/// Keyboard position in the blade: the button row, or a row of the table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GeoState {
    pub on_buttons: bool,
    pub button: usize,
    pub row: usize,
}

/// Why "Add cache replication link" is off, if it is.
pub fn add_disabled(data: &Data, id: &ResourceId) -> Option<String> {
    let Some(c) = data.cache(id) else { return Some(format!("{} is not listed by the backend.", id.name)) };
    if let Some(o) = data.running_op_for(id) {
        return Some(format!("{} {} is running; wait for it to finish.", o.kind.verb(), o.secondary.name));
    }
    // Name the cache the message is about: on a secondary, the link it is in.
    if let Some(l) = data.link(id) {
        return Some(match l.role {
            Role::Secondary => format!(
                "{} is the secondary of a link with {}: unlink it first; a cache is in one link only.",
                id.name, l.peer.name
            ),
            _ => format!(
                "{} is already linked to {}: a link joins exactly two caches; unlink it first.",
                id.name, l.peer.name
            ),
        });
    }
    // The same rules as the Compatible caches list: the ones about this cache alone.
    own_reasons(Side::Primary, c, &FromResources).first().map(|r| format!("{}: {}", id.name, r.message()))
}

/// Why "Unlink caches" is off, if it is.
pub fn unlink_disabled(data: &Data, id: &ResourceId) -> Option<String> {
    let Some(link) = data.link(id) else {
        return Some(format!("{} is not linked.", id.name));
    };
    if let Some(o) = data.running_op_for(id) {
        return Some(format!("{} {} is running; wait for it to finish.", o.kind.verb(), o.secondary.name));
    }
    let state = link.state();
    (!state.settled()).then(|| format!("The link is {state}: wait for that operation to finish before unlinking."))
}

/// Why "Failover" is off, if it is: the rules of [`crate::geo::failover_blockers`], on the link as
/// the console sees it.
pub fn failover_disabled(data: &Data, id: &ResourceId) -> Option<String> {
    let Some(link) = data.link(id) else {
        return Some(format!("{} is not linked: there is nothing to fail over.", id.name));
    };
    let (primary, secondary) = link.pair(id);
    crate::tui::confirm::failover_blocked(data, &primary, &secondary)
}

/// Add, Unlink and Failover, on or off with why (read-only sessions: off, saying so).
pub fn action_commands(data: &Data, id: &ResourceId, read_only: bool) -> Vec<CommandInfo> {
    let off = |why: Option<String>| if read_only { Some(READ_ONLY_NOTICE.to_string()) } else { why };
    vec![
        CommandInfo::new(Command::AddLink, "add link").off(off(add_disabled(data, id))),
        CommandInfo::new(Command::Unlink, "unlink").off(off(unlink_disabled(data, id))),
        CommandInfo::new(Command::Failover, "failover").off(off(failover_disabled(data, id))),
    ]
}

/// Moving within the blade.
pub fn nav_commands(geo: &GeoState) -> Vec<CommandInfo> {
    let mut out = vec![CommandInfo::new(Command::Left, "buttons").quiet(), CommandInfo::new(Command::Right, "buttons")];
    out.push(CommandInfo::new(Command::Enter, if geo.on_buttons { "press" } else { "open cache" }));
    out
}

/// Presses a button. Its command's `why_not` was checked by the caller (the registry's one place).
pub fn press(id: &ResourceId, geo: &mut GeoState, cmd: Command, data: &Data) -> Outcome {
    if let Some(i) = BUTTONS.iter().position(|(c, _, _)| *c == cmd) {
        geo.button = i;
        geo.on_buttons = true;
    }
    match cmd {
        Command::AddLink => Outcome::Open(Open::Compatible(id.clone())),
        Command::Unlink => match data.link(id) {
            Some(link) => {
                let (primary, secondary) = link.pair(id);
                let effect = crate::tui::action::Effect::StartUnlink {
                    op: 0,
                    cache: primary.clone(),
                    linked_name: secondary.name.clone(),
                };
                Outcome::Confirm(Box::new(Confirmation::new(Confirm::Unlink { primary, secondary }, effect)))
            }
            None => Outcome::Consumed,
        },
        Command::Failover => match data.link(id) {
            Some(link) => {
                let (primary, secondary) = link.pair(id);
                let effect = crate::tui::action::Effect::StartFailover {
                    op: 0,
                    primary: primary.clone(),
                    secondary: secondary.clone(),
                };
                Outcome::Confirm(Box::new(Confirmation::new(Confirm::Failover { primary, secondary }, effect)))
            }
            None => Outcome::Consumed,
        },
        _ => Outcome::Effect(crate::tui::action::Effect::Refresh),
    }
}

/// Whether the URL block needs a line for each label and one for each value at `width`: when a label
/// and its value do not fit side by side.
fn url_rows_stacked(data: &Data, me: &ResourceId, primary: &ResourceId, secondary: &ResourceId, width: u16) -> bool {
    let rows = super::geo_urls::rows(data, me, primary, secondary);
    let label_w = rows.iter().map(|r| r.label.chars().count()).max().unwrap_or(0) + 2;
    rows.iter().any(|r| {
        let value = r.host.chars().count() + r.resolves_to.as_ref().map_or(0, |t| t.chars().count() + 3);
        label_w + value > width as usize
    })
}

/// The rows of the linked caches table: primary, then secondary.
fn rows(data: &Data, id: &ResourceId) -> Vec<ResourceId> {
    match data.link(id) {
        Some(l) => {
            let (p, s) = l.pair(id);
            vec![p, s]
        }
        None => Vec::new(),
    }
}

pub fn on_command(id: &ResourceId, g: &mut GeoState, pane: &mut Pane, cmd: Command, data: &Data) -> Outcome {
    let n = rows(data, id).len();
    match cmd {
        Command::Up if !g.on_buttons && g.row == 0 => g.on_buttons = true,
        Command::Up if !g.on_buttons => g.row -= 1,
        Command::Down if g.on_buttons && n > 0 => {
            g.on_buttons = false;
            g.row = 0;
        }
        Command::Down if !g.on_buttons => g.row = (g.row + 1).min(n.saturating_sub(1)),
        Command::Left if g.on_buttons && g.button > 0 => g.button -= 1,
        Command::Right if g.on_buttons => g.button = (g.button + 1).min(BUTTONS.len() - 1),
        Command::Left => *pane = Pane::Menu,
        // Enter on a button is that button's command, checked like its key (the app re-dispatches it).
        Command::Enter if g.on_buttons => return Outcome::Run(focused_button(g)),
        Command::Enter => {
            return match rows(data, id).into_iter().nth(g.row) {
                Some(other) if other != *id => Outcome::Open(Open::Cache(other, MenuItem::Overview)),
                _ => Outcome::Consumed,
            };
        }
        Command::Up | Command::Down | Command::Right => {}
        _ => return Outcome::Ignored,
    }
    Outcome::Consumed
}

/// The command of the focused button, for Enter.
pub fn focused_button(geo: &GeoState) -> Command {
    BUTTONS.get(geo.button).map(|b| b.0).unwrap_or(Command::Refresh)
}

/// The Geo-replication blade, drawn over the open cache's state.
pub struct GeoReplicationView<'a> {
    pub ctx: Ctx<'a>,
    pub id: &'a ResourceId,
    pub geo: &'a GeoState,
    /// The blade (not the resource menu) has the keyboard.
    pub active: bool,
}

impl GeoReplicationView<'_> {
    fn buttons(&self, row: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let t = self.ctx.theme;
        let commands = action_commands(self.ctx.data, self.id, self.ctx.read_only);
        let focused = (self.ctx.focused && self.active && self.geo.on_buttons).then_some(self.geo.button);
        // A read-only session keeps room for saying so after the buttons.
        let note = if self.ctx.read_only { 20 } else { 0 };
        let buttons =
            widgets::buttons::ButtonRow { theme: t, buttons: &BUTTONS, commands: &commands, focused, reserve: note };
        let x = buttons.render(row, buf, hits);
        if self.ctx.read_only && x + 18 <= row.right() {
            Paragraph::new(Span::styled("read-only session", t.muted)).render(Rect::new(x, row.y, 18, 1), buf);
        }
    }

    /// Geo-Primary URL, Current Geo Primary Cache, Current Geo Secondary Cache.
    fn urls(&self, ids: &[ResourceId], area: Rect, buf: &mut Buffer) {
        let t = self.ctx.theme;
        let rows = super::geo_urls::rows(self.ctx.data, self.id, &ids[0], &ids[1]);
        let label_w = rows.iter().map(|r| r.label.chars().count()).max().unwrap_or(0) + 2;
        let stacked = url_rows_stacked(self.ctx.data, self.id, &ids[0], &ids[1], area.width);
        let mut lines: Vec<Line> = Vec::new();
        for r in rows {
            let mut value = vec![Span::styled(r.host, t.value)];
            if let Some(to) = r.resolves_to {
                value.push(Span::styled(format!(" → {to}"), t.muted));
            }
            if stacked {
                lines.push(Line::from(Span::styled(r.label, t.label)));
                value.insert(0, Span::raw("  "));
            } else {
                value.insert(0, Span::styled(format!("{:label_w$}", r.label), t.label));
            }
            lines.push(Line::from(value));
        }
        Paragraph::new(lines).render(area, buf);
    }

    /// What the blade says when the cache has no link (yet).
    fn not_linked(&self, area: Rect, buf: &mut Buffer) {
        let (t, data, id) = (self.ctx.theme, self.ctx.data, self.id);
        let state = data.cache(id).map(status).unwrap_or_default();
        let blocker = data.cache(id).and_then(|c| {
            own_reasons(Side::Primary, c, &FromResources).into_iter().find(|r| {
                !matches!(r, Incompatibility::AlreadyLinked { .. } | Incompatibility::OperationInProgress { .. })
            })
        });
        let msg = match blocker {
            _ if data.backend_busy(id) => {
                format!("{} is {state} (started elsewhere); the link appears here when the backend lists it.", id.name)
            }
            Some(why) => format!("{}: {}", id.name, why.message()),
            None => format!(
                "{} is not linked. Add cache replication link lists the caches that can become its secondary.",
                id.name
            ),
        };
        Paragraph::new(Span::styled(msg, t.muted)).wrap(Wrap { trim: true }).render(area, buf);
    }

    fn table(&self, ids: &[ResourceId], area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let (t, data) = (self.ctx.theme, self.ctx.data);
        let focused = self.ctx.focused && self.active;
        let link = data.link(self.id);
        let progress = data.progress(self.id);
        let narrow = area.width < 80;
        let rows = ids.iter().enumerate().map(|(i, id)| {
            let cache = data.cache(id);
            let mut status_spans: Vec<Span> = Vec::new();
            if i == 1 {
                if let Some(l) = &link {
                    status_spans.push(Span::styled(l.state().to_string(), widgets::Tone::of_link(&l.state()).style(t)));
                }
                if link.as_ref().is_some_and(|l| l.in_flight()) {
                    status_spans.push(Span::raw("  "));
                    match progress.as_ref().and_then(|p| p.percent) {
                        Some(p) if narrow => {
                            status_spans.push(Span::raw(format!("{:.0}%", p.clamp(0.0, 100.0).floor())))
                        }
                        None if narrow => status_spans.push(Span::styled(progress::spinner(data.clock), t.busy)),
                        _ => status_spans.extend(progress::spans(t, progress.as_ref(), data.clock, 12)),
                    }
                }
            } else {
                if let Some(c) = cache {
                    status_spans
                        .push(Span::styled(status(c), widgets::Tone::of_cache(&c.provisioning_state()).style(t)));
                }
            }
            let selected = focused && !self.geo.on_buttons && self.geo.row == i;
            let role = if i == 0 { "Primary" } else { "Secondary" };
            let mut cells = vec![Cell::from(id.name.clone())];
            if !narrow {
                cells.push(Cell::from(cache.map(|c| c.location.clone()).unwrap_or_default()));
            }
            cells.extend([Cell::from(role), Cell::from(Line::from(status_spans))]);
            Row::new(cells).style(if selected { t.selected } else { t.value })
        });
        let name_w = ids.iter().map(|i| i.name.chars().count()).max().unwrap_or(4) as u16;
        let (header, widths) = if narrow {
            (
                vec!["NAME", "ROLE", "LINK STATUS"],
                vec![Constraint::Fill(1), Constraint::Length(9), Constraint::Length(14)],
            )
        } else {
            (
                vec!["NAME", "LOCATION", "ROLE", "LINK STATUS"],
                vec![Constraint::Length(name_w), Constraint::Length(15), Constraint::Length(10), Constraint::Fill(1)],
            )
        };
        Widget::render(
            Table::new(rows, widths).header(Row::new(header).style(t.table_header)).column_spacing(2),
            area,
            buf,
        );
        for k in 0..ids.len() {
            hits.push(Rect::new(area.x, area.y + 1 + k as u16, area.width, 1).intersection(area), Target::Row(k));
        }
    }
}

impl StatefulWidget for GeoReplicationView<'_> {
    type State = Hits;

    fn render(self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let t = self.ctx.theme;
        let focused = self.ctx.focused && self.active;
        let block = widgets::pane(t, "Geo-replication", focused);
        let inner = block.inner(area).inner(Margin { horizontal: 1, vertical: 0 });
        block.render(area, buf);
        let ids = rows(self.ctx.data, self.id);
        let url_height = match ids.as_slice() {
            [p, s] if url_rows_stacked(self.ctx.data, self.id, p, s, inner.width) => 6,
            _ => 3,
        };
        // Under the table, the health line (Healthy / lag / offset, `health_line.rs`).
        let [buttons, _, table, health, urls, _, panel] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(3),
            Constraint::Length(1),
            Constraint::Length(url_height),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(inner);
        self.buttons(buttons, buf, hits);
        if ids.is_empty() {
            // Between a failover's two steps there is no link: its progress stays on screen.
            let failover = self.ctx.data.running_op_for(self.id).filter(|o| o.kind == OpKind::Failover);
            match failover {
                Some(o) => progress_panel::ProgressPanel {
                    ctx: self.ctx,
                    id: self.id,
                    primary: &o.primary,
                    secondary: &o.secondary,
                }
                .render(table.union(panel), buf),
                None => self.not_linked(table.union(panel), buf),
            }
            return;
        }
        self.table(&ids, table, buf, hits);
        super::health_line::HealthLine { ctx: self.ctx, id: self.id }.render(health, buf);
        self.urls(&ids, urls, buf);
        let panel = PairMap { ctx: self.ctx, primary: &ids[0], secondary: &ids[1] }.render_below(panel, buf);
        progress_panel::ProgressPanel { ctx: self.ctx, id: self.id, primary: &ids[0], secondary: &ids[1] }
            .render(panel, buf);
    }
}
