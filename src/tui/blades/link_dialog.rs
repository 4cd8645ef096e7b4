//! The Link confirmation dialog: primary -> secondary, what will happen, the initial sync and its cost,
//! and the equivalent `az` command.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::arm::ResourceId;
use crate::geo::transfer_cost_usd;
use crate::tui::action::Command;
use crate::tui::app::App;
use crate::tui::format;
use crate::tui::widgets::dialog;

use super::Click;

/// The state of a confirmation about a pair of caches: the Link and Unlink dialogs.
#[derive(Clone, Debug, PartialEq)]
pub struct PairDialog {
    pub primary: ResourceId,
    pub secondary: ResourceId,
    /// Focus starts on Cancel.
    pub confirm_focused: bool,
}

pub type LinkDialog = PairDialog;

impl PairDialog {
    pub fn new(primary: ResourceId, secondary: ResourceId) -> Self {
        PairDialog { primary, secondary, confirm_focused: false }
    }

    /// `Some(true)` confirmed, `Some(false)` cancelled, `None` still open.
    pub fn on_command(&mut self, cmd: Option<Command>) -> Option<bool> {
        match cmd? {
            Command::Left | Command::Right | Command::Tab | Command::BackTab | Command::Up | Command::Down => {
                self.confirm_focused = !self.confirm_focused;
                None
            }
            Command::Enter => Some(self.confirm_focused),
            Command::Back | Command::Quit => Some(false),
            _ => None,
        }
    }
}

/// `az redis server-link create ...`
pub fn az_command(primary: &ResourceId, secondary: &ResourceId) -> String {
    format!(
        "az redis server-link create --name {} --resource-group {} --server-to-link {} --replication-role Secondary",
        primary.name, primary.resource_group, secondary
    )
}

fn body(app: &App, d: &LinkDialog) -> Vec<Line<'static>> {
    let t = &app.theme;
    let data = &app.data;
    let (p, s) = (data.cache(&d.primary), data.cache(&d.secondary));
    let loc = |c: Option<&crate::arm::RedisResource>| c.map(|c| c.location.clone()).unwrap_or_default();
    let (ploc, sloc) = (loc(p), loc(s));
    let pbytes = p.and_then(|c| c.properties.data_plane.as_ref()).map(|d| d.dataset_bytes);
    let sdata = s.and_then(|c| c.properties.data_plane.as_ref());
    let mut lines = vec![
        Line::from(vec![
            Span::styled(d.primary.name.clone(), t.title),
            Span::styled(format!(" ({ploc}, primary)  →  "), t.label),
            Span::styled(d.secondary.name.clone(), t.title),
            Span::styled(format!(" ({sloc}, secondary)"), t.label),
        ]),
        Line::default(),
        Line::from(Span::styled("What will happen", t.group)),
        Line::from(format!(
            "• {}'s current data{} is deleted and replaced by a copy of {}.",
            d.secondary.name,
            sdata
                .map(|d| match d.dataset_keys {
                    0 => " (empty now)".to_string(),
                    keys => format!(" ({}, {} keys)", format::bytes(d.dataset_bytes), format::count(keys)),
                })
                .unwrap_or_default(),
            d.primary.name
        )),
        Line::from(format!("• {} becomes read-only; clients write to {}.", d.secondary.name, d.primary.name)),
        Line::from(
            "• Both caches show Linking until the initial sync completes; while linked, neither can be scaled or deleted.",
        ),
        Line::default(),
    ];
    let sync = match pbytes {
        Some(b) => format!(
            "Initial sync: {} from {ploc} to {sloc}, estimated transfer cost {} (billed as inter-region bandwidth).",
            format::bytes(b),
            format::usd(transfer_cost_usd(b, &ploc, &sloc))
        ),
        None => format!(
            "Initial sync: all of {}'s data from {ploc} to {sloc}, billed as inter-region bandwidth.",
            d.primary.name
        ),
    };
    lines.push(Line::from(sync));
    lines.push(Line::default());
    lines.push(Line::from(Span::styled("Equivalent command", t.group)));
    lines.push(Line::from(Span::styled(az_command(&d.primary, &d.secondary), t.muted)));
    lines
}

/// The dialog's box, sized to its text, and the text wrapped to it.
fn fit(app: &App, d: &LinkDialog, screen: Rect) -> (Rect, Vec<Line<'static>>) {
    dialog::fit(screen, 104, &body(app, d))
}

pub fn render(app: &App, d: &LinkDialog, screen: Rect, buf: &mut Buffer) {
    let (area, body) = fit(app, d, screen);
    let confirm = dialog::Confirm { title: "Link caches", body, confirm: "Link", confirm_focused: d.confirm_focused };
    dialog::render(&app.theme, screen, area, confirm, buf);
}

pub fn hit(app: &App, d: &LinkDialog, screen: Rect, x: u16, y: u16) -> Option<Click> {
    dialog::hit(fit(app, d, screen).0, "Link", x, y)
}
