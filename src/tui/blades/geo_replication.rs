//! Geo-replication: the linked caches table, "Add cache replication link" and "Unlink caches", and the
//! live progress of a running operation.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Widget, Wrap};

use crate::arm::ResourceId;
use crate::geo::{FromResources, Incompatibility, Side, own_reasons, transfer_cost_usd};
use crate::tui::action::{Command, Effect};
use crate::tui::app::App;
use crate::tui::data::{Data, OpKind, Role};
use crate::tui::format;
use crate::tui::widgets::progress;

use super::compatible_caches::CompatibleCaches;
use super::overview::state_style;
use super::resource_menu::{CacheBlade, MenuItem, Pane};
use super::unlink_dialog::UnlinkDialog;
use super::{Blade, Click, Dialog, Outcome};

pub const BUTTONS: [&str; 3] = ["+ Add cache replication link", "✕ Unlink caches", "↻ Refresh"];
/// Next to the buttons of a read-only session.
pub const READ_ONLY_NOTE: &str = "read-only session";
pub const ADD: usize = 0;
pub const UNLINK: usize = 1;
pub const REFRESH: usize = 2;

/// Keyboard position in the blade: the button row, or a row of the table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GeoState {
    pub on_buttons: bool,
    pub button: usize,
    pub row: usize,
}

/// Why "Add cache replication link" is disabled, if it is.
pub fn add_disabled(data: &Data, id: &ResourceId) -> Option<String> {
    let c = data.cache(id)?;
    if data.running_op_for(id).is_some() {
        return Some(format!("{} has an operation running; wait for it to finish.", id.name));
    }
    // The same rules as the Compatible caches list: the ones about this cache alone.
    own_reasons(Side::Primary, c, &FromResources).first().map(|r| r.message())
}

/// Why "Unlink caches" is disabled, if it is.
pub fn unlink_disabled(data: &Data, id: &ResourceId) -> Option<String> {
    let Some(link) = data.link(id) else {
        return Some(format!("{} is not linked.", id.name));
    };
    match link.entry.state() {
        s if s.settled() && data.running_op_for(id).is_none() => None,
        phase => Some(format!("The link is {phase}: wait for that operation to finish before unlinking.")),
    }
}

/// Presses the focused button.
pub fn press(b: &mut CacheBlade, data: &Data) -> Outcome {
    match b.geo.button {
        ADD => match add_disabled(data, &b.id) {
            Some(why) => Outcome::Notice(why),
            None => Outcome::Open(Blade::Compatible(CompatibleCaches::new(b.id.clone(), data))),
        },
        UNLINK => match (unlink_disabled(data, &b.id), data.link(&b.id)) {
            (None, Some(link)) => {
                let (primary, secondary) =
                    if link.role == Role::Primary { (b.id.clone(), link.peer) } else { (link.peer, b.id.clone()) };
                Outcome::Dialog(Dialog::Unlink(UnlinkDialog::new(primary, secondary)))
            }
            (why, _) => Outcome::Notice(why.unwrap_or_default()),
        },
        _ => Outcome::Effect(Effect::Refresh),
    }
}

/// The rows of the linked caches table: this cache and its peer.
fn rows(data: &Data, id: &ResourceId) -> Vec<ResourceId> {
    match data.link(id) {
        Some(l) if l.role == Role::Primary => vec![id.clone(), l.peer],
        Some(l) => vec![l.peer, id.clone()],
        None => Vec::new(),
    }
}

pub fn on_command(b: &mut CacheBlade, cmd: Command, data: &Data) -> Outcome {
    let n = rows(data, &b.id).len();
    match cmd {
        Command::AddLink => {
            b.geo.button = ADD;
            return press(b, data);
        }
        Command::Unlink => {
            b.geo.button = UNLINK;
            return press(b, data);
        }
        Command::Up if !b.geo.on_buttons && b.geo.row == 0 => b.geo.on_buttons = true,
        Command::Up if !b.geo.on_buttons => b.geo.row -= 1,
        Command::Down if b.geo.on_buttons && n > 0 => {
            b.geo.on_buttons = false;
            b.geo.row = 0;
        }
        Command::Down if !b.geo.on_buttons => b.geo.row = (b.geo.row + 1).min(n.saturating_sub(1)),
        Command::Left if b.geo.on_buttons && b.geo.button > 0 => b.geo.button -= 1,
        Command::Right if b.geo.on_buttons => b.geo.button = (b.geo.button + 1).min(BUTTONS.len() - 1),
        Command::Left => b.pane = Pane::Menu,
        Command::Enter if b.geo.on_buttons => return press(b, data),
        Command::Enter => {
            return match rows(data, &b.id).into_iter().nth(b.geo.row) {
                Some(other) if other != b.id => Outcome::Open(Blade::Cache(CacheBlade::new(other, MenuItem::Overview))),
                _ => Outcome::Consumed,
            };
        }
        _ => return Outcome::Ignored,
    }
    Outcome::Consumed
}

/// (buttons row, table, progress panel) inside the blade's border.
fn layout(area: Rect) -> (Rect, Rect, Rect) {
    let inner = Rect::new(area.x + 1, area.y + 1, area.width.saturating_sub(2), area.height.saturating_sub(2));
    let buttons = Rect::new(inner.x + 1, inner.y, inner.width.saturating_sub(2), 1.min(inner.height));
    let table =
        Rect::new(inner.x + 1, inner.y + 2, inner.width.saturating_sub(2), 3.min(inner.height.saturating_sub(2)));
    let panel = Rect::new(inner.x + 1, inner.y + 6, inner.width.saturating_sub(2), inner.height.saturating_sub(6));
    (buttons, table, panel)
}

/// Shorter labels for narrow terminals, so that every button stays on screen.
const BUTTONS_SHORT: [&str; 3] = ["+ Add link", "✕ Unlink caches", "↻ Refresh"];

/// The button labels that fit a row `width` cells wide.
pub fn button_labels(width: u16) -> [&'static str; 3] {
    let need: usize = BUTTONS.iter().map(|l| l.chars().count() + 4).sum::<usize>() + 2 * (BUTTONS.len() - 1);
    if need <= width as usize { BUTTONS } else { BUTTONS_SHORT }
}

/// Where each button is drawn.
pub fn button_rects(row: Rect) -> Vec<Rect> {
    let mut x = row.x;
    button_labels(row.width)
        .iter()
        .map(|label| {
            let w = label.chars().count() as u16 + 4;
            let r = Rect::new(x, row.y, w.min(row.right().saturating_sub(x)), row.height);
            x = (x + w + 2).min(row.right());
            r
        })
        .collect()
}

pub fn render(app: &App, b: &CacheBlade, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let data = &app.data;
    let focused = b.pane == Pane::Content && !app.modal();
    Block::default()
        .borders(Borders::ALL)
        .border_style(if focused { t.border_focused } else { t.border })
        .title(Span::styled(" Geo-replication ", t.title))
        .render(area, buf);
    let (button_row, table_area, panel) = layout(area);
    let add_off = add_disabled(data, &b.id).is_some() || app.read_only;
    let unlink_off = unlink_disabled(data, &b.id).is_some() || app.read_only;
    for (i, (label, r)) in button_labels(button_row.width).iter().zip(button_rects(button_row)).enumerate() {
        let disabled = (i == ADD && add_off) || (i == UNLINK && unlink_off);
        let style = if focused && b.geo.on_buttons && b.geo.button == i {
            t.button_focused
        } else if disabled {
            t.button_disabled
        } else {
            t.button
        };
        Paragraph::new(Span::styled(format!("[ {label} ]"), style)).render(r, buf);
    }
    if app.read_only {
        // Why both buttons are off, where there is room for it (the notice says it on a press).
        let x = button_rects(button_row).last().map_or(button_row.x, |r| r.right() + 2);
        let w = READ_ONLY_NOTE.chars().count() as u16;
        if x + w <= button_row.right() {
            Paragraph::new(Span::styled(READ_ONLY_NOTE, t.muted)).render(Rect::new(x, button_row.y, w, 1), buf);
        }
    }

    let ids = rows(data, &b.id);
    if ids.is_empty() {
        let state = data.cache(&b.id).map(super::home::status).unwrap_or_default();
        // What keeps this cache from being a primary at all (its link, if any, is still loading).
        let blocker = data.cache(&b.id).and_then(|c| {
            own_reasons(Side::Primary, c, &FromResources).into_iter().find(|r| {
                !matches!(r, Incompatibility::AlreadyLinked { .. } | Incompatibility::OperationInProgress { .. })
            })
        });
        let msg = match blocker {
            _ if state == "Linking" || state == "Unlinking" => {
                format!(
                    "{} is {state} (started elsewhere); the link appears here when the backend lists it.",
                    b.id.name
                )
            }
            Some(why) => why.message(),
            None => format!(
                "{} is not linked. Add cache replication link lists the caches that can become its secondary.",
                b.id.name
            ),
        };
        Paragraph::new(Span::styled(msg, t.muted)).wrap(Wrap { trim: true }).render(table_area.union(panel), buf);
        return;
    }
    let op = data.running_op_for(&b.id).or_else(|| data.op_for(&b.id).filter(|o| !o.running()));
    let link = data.link(&b.id);
    let wide = table_area.width >= 90;
    // Narrow terminals drop the location (the panel below names both regions) and show the progress
    // as a percentage, so that names and status stay whole; the gauge is in the panel.
    let narrow = table_area.width < 80;
    let table_rows = ids.iter().enumerate().map(|(i, id)| {
        let cache = data.cache(id);
        let role = if i == 0 { "Primary" } else { "Secondary" };
        let mut status: Vec<Span> = Vec::new();
        if i == 1 {
            let state = link.as_ref().map(|l| l.entry.state());
            let phase = state.as_ref().map(|s| s.to_string()).unwrap_or_default();
            status.push(Span::styled(phase.clone(), state_style(t, &phase)));
            if state.is_some_and(|s| s.in_flight()) {
                let running = op.filter(|o| o.running());
                status.push(Span::raw("  "));
                match running.and_then(|o| o.percent) {
                    Some(p) if narrow => status.push(Span::raw(format!("{:.0}%", p.clamp(0.0, 100.0).floor()))),
                    None if narrow => status.push(Span::styled(progress::spinner(data.clock), t.busy)),
                    _ => status.extend(progress::spans(t, running, data.clock, if wide { 12 } else { 6 })),
                }
            }
        } else {
            let state = cache.map(super::home::status).unwrap_or_default();
            status.push(Span::styled(state.clone(), state_style(t, &state)));
        }
        let selected = focused && !b.geo.on_buttons && b.geo.row == i;
        let mut cells = vec![Cell::from(id.name.clone())];
        if !narrow {
            cells.push(Cell::from(cache.map(|c| c.location.clone()).unwrap_or_default()));
        }
        cells.extend([Cell::from(role), Cell::from(Line::from(status))]);
        Row::new(cells).style(if selected { t.selected } else { t.value })
    });
    let (header, widths) = if narrow {
        (vec!["NAME", "ROLE", "LINK STATUS"], vec![Constraint::Fill(1), Constraint::Length(9), Constraint::Length(14)])
    } else {
        (
            vec!["NAME", "LOCATION", "ROLE", "LINK STATUS"],
            vec![Constraint::Fill(2), Constraint::Length(15), Constraint::Length(10), Constraint::Fill(3)],
        )
    };
    Table::new(table_rows, widths)
        .header(Row::new(header).style(t.table_header))
        .column_spacing(1)
        .render(table_area, buf);

    // The progress panel: what runs, how far, for how long.
    let mut lines = Vec::new();
    if let (Some(l), true) = (&link, panel.height > 0) {
        let state = l.entry.state();
        let phase = state.as_str();
        let (p, s) = (&ids[0], &ids[1]);
        let running = op.filter(|o| o.running());
        if state.in_flight() || running.is_some() {
            let what = match running.map(|o| o.kind) {
                Some(OpKind::Unlink) => "Unlinking",
                Some(OpKind::Link) => "Linking",
                None if state == crate::arm::LinkState::Deleting => "Unlinking",
                None => "Linking",
            };
            lines.push(Line::from(Span::styled(format!("{what} {} → {}", p.name, s.name), t.group)));
            let mut gauge = vec![Span::styled(format!("{phase:<10}"), state_style(t, phase))];
            let bar = (panel.width as usize).saturating_sub(30).clamp(10, 60);
            gauge.extend(progress::spans(t, running, data.clock, bar));
            lines.push(Line::from(gauge));
            if let (Some(pc), Some(sc)) = (data.cache(p), data.cache(s))
                && what == "Linking"
            {
                let bytes = pc.properties.data_plane.as_ref().map(|d| d.dataset_bytes);
                let size = bytes.map(format::bytes).unwrap_or_else(|| "the primary's data".into());
                lines.push(Line::from(Span::styled(
                    format!(
                        "Initial sync of {size} from {} to {}{}",
                        pc.location,
                        sc.location,
                        bytes
                            .map(|b| format!(
                                ", about {} in transfer",
                                format::usd(transfer_cost_usd(b, &pc.location, &sc.location))
                            ))
                            .unwrap_or_default()
                    ),
                    t.muted,
                )));
            }
            if running.is_none() {
                lines.push(Line::from(Span::styled(
                    "Started from another console or client: shown as the backend reports it.",
                    t.muted,
                )));
            } else if running.is_some_and(|o| o.percent.is_none()) {
                lines.push(Line::from(Span::styled(
                    "The backend reports no percentage; links take 5 to 30 minutes on Azure.",
                    t.muted,
                )));
            }
        } else if let Some(o) = op {
            let what = if o.kind == OpKind::Link { "Link" } else { "Unlink" };
            let result = match &o.error {
                None => format!("{what} {} in {}", o.state, format::elapsed(o.elapsed(data.clock))),
                Some(e) => format!("{what} {}: {e}", o.state),
            };
            lines.push(Line::from(Span::styled(result, t.muted)));
        }
        if l.role == Role::Secondary || ids.len() == 2 {
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(
                format!("{} is read-only while linked; writes go to {}.", s.name, p.name),
                t.muted,
            )));
        }
    }
    Paragraph::new(lines).wrap(Wrap { trim: false }).render(panel, buf);
}

pub fn hit(app: &App, b: &CacheBlade, area: Rect, x: u16, y: u16) -> Option<Click> {
    let (buttons, table, _) = layout(area);
    if let Some(i) = button_rects(buttons).iter().position(|r| r.contains((x, y).into())) {
        return Some(Click::GeoButton(i));
    }
    if table.contains((x, y).into()) && y > table.y {
        let i = (y - table.y - 1) as usize;
        return (i < rows(&app.data, &b.id).len()).then_some(Click::GeoRow(i));
    }
    None
}
