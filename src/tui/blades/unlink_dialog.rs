//! The Unlink confirmation dialog: which link, that both caches stay available, and that the secondary
//! keeps a snapshot of the data and becomes writable.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::arm::ResourceId;
use crate::tui::app::App;
use crate::tui::format;
use crate::tui::widgets::dialog;

use super::Click;

pub type UnlinkDialog = super::link_dialog::PairDialog;

/// `az redis server-link delete ...`
pub fn az_command(primary: &ResourceId, secondary: &ResourceId) -> String {
    format!(
        "az redis server-link delete --name {} --resource-group {} --linked-server-name {}",
        primary.name, primary.resource_group, secondary.name
    )
}

fn body(app: &App, d: &UnlinkDialog) -> Vec<Line<'static>> {
    let t = &app.theme;
    let data = &app.data;
    let loc = |id: &ResourceId| data.cache(id).map(|c| c.location.clone()).unwrap_or_default();
    let snapshot = data
        .cache(&d.secondary)
        .and_then(|c| c.properties.data_plane.as_ref())
        .map(|dp| format!(" ({}, {} keys)", format::bytes(dp.dataset_bytes), format::count(dp.dataset_keys)))
        .unwrap_or_default();
    vec![
        Line::from(vec![
            Span::styled(d.primary.name.clone(), t.title),
            Span::styled(format!(" ({}, primary)  ⇄  ", loc(&d.primary)), t.label),
            Span::styled(d.secondary.name.clone(), t.title),
            Span::styled(format!(" ({}, secondary)", loc(&d.secondary)), t.label),
        ]),
        Line::default(),
        Line::from(Span::styled("What will happen", t.group)),
        Line::from("• Both caches stay available while the link is removed and afterwards."),
        Line::from(format!(
            "• {} keeps a snapshot of the replicated data{snapshot} and becomes writable.",
            d.secondary.name
        )),
        Line::from(format!("• Writes to {} no longer reach {}.", d.primary.name, d.secondary.name)),
        Line::default(),
        Line::from(Span::styled("Equivalent command", t.group)),
        Line::from(Span::styled(az_command(&d.primary, &d.secondary), t.muted)),
    ]
}

/// The dialog's box, sized to its text, and the text wrapped to it.
fn fit(app: &App, d: &UnlinkDialog, screen: Rect) -> (Rect, Vec<Line<'static>>) {
    dialog::fit(screen, 96, &body(app, d))
}

pub fn render(app: &App, d: &UnlinkDialog, screen: Rect, buf: &mut Buffer) {
    let (area, body) = fit(app, d, screen);
    let confirm =
        dialog::Confirm { title: "Unlink caches", body, confirm: "Unlink", confirm_focused: d.confirm_focused };
    dialog::render(&app.theme, screen, area, confirm, buf);
}

pub fn hit(app: &App, d: &UnlinkDialog, screen: Rect, x: u16, y: u16) -> Option<Click> {
    dialog::hit(fit(app, d, screen).0, "Unlink", x, y)
}
