//! The confirmation dialogs: Link (primary -> secondary, what will happen, the initial sync and its
//! cost), Unlink (both caches stay available, the secondary keeps a snapshot), and Quit while an
//! operation runs (Failover's body is in `failover_dialog`). Link, Unlink and Failover show the
//! equivalent command, which `c` copies.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::StatefulWidget;

use crate::arm::{RedisResource, ResourceId};
use crate::geo::transfer_cost_usd;
use crate::tui::confirm::{Confirm, Confirmation};
use crate::tui::format;
use crate::tui::hits::Hits;
use crate::tui::theme::Theme;
use crate::tui::view::Ctx;
use crate::tui::widgets::dialog;

pub struct ConfirmView<'a> {
    pub ctx: Ctx<'a>,
    pub dialog: &'a Confirmation,
}

/// The `az` command's arguments packed into lines of `width`, broken only between arguments; an
/// argument longer than a line is shortened in the middle (the copy key copies it whole).
pub fn command_lines(args: &[String], width: usize, t: &Theme) -> Vec<Line<'static>> {
    let width = width.max(8);
    let mut lines: Vec<String> = Vec::new();
    for arg in args {
        let arg = if arg.chars().count() + 2 > width { middle_cut(arg, width - 2) } else { arg.clone() };
        match lines.last_mut() {
            Some(l) if l.chars().count() + 1 + arg.chars().count() <= width => {
                l.push(' ');
                l.push_str(&arg);
            }
            Some(_) => lines.push(format!("  {arg}")),
            None => lines.push(arg),
        }
    }
    lines.into_iter().map(|l| Line::from(Span::styled(l, t.muted))).collect()
}

fn middle_cut(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let keep = max.saturating_sub(1);
    let head: String = s.chars().take(keep / 2).collect();
    let tail: String = s.chars().skip(n - (keep - keep / 2)).collect();
    format!("{head}…{tail}")
}

impl ConfirmView<'_> {
    fn link_body(&self, primary: &ResourceId, secondary: &ResourceId) -> Vec<Line<'static>> {
        let (t, data) = (self.ctx.theme, self.ctx.data);
        let (p, s) = (data.cache(primary), data.cache(secondary));
        let loc = |c: Option<&RedisResource>| c.map(|c| c.location.clone()).unwrap_or_default();
        let (ploc, sloc) = (loc(p), loc(s));
        let pbytes = p.and_then(|c| c.properties.data_plane.as_ref()).map(|d| d.dataset_bytes);
        let now = s.and_then(|c| c.properties.data_plane.as_ref()).map(|d| match d.dataset_keys {
            0 => " (empty now)".to_string(),
            keys => format!(" ({}, {} keys)", format::bytes(d.dataset_bytes), format::count(keys)),
        });
        let sync = match pbytes {
            Some(b) => format!(
                "Initial sync: {} from {ploc} to {sloc}, estimated transfer cost {} (billed as inter-region bandwidth).",
                format::bytes(b),
                format::usd(transfer_cost_usd(b, &ploc, &sloc))
            ),
            None => format!(
                "Initial sync: all of {}'s data from {ploc} to {sloc}, billed as inter-region bandwidth.",
                primary.name
            ),
        };
        vec![
            pair_line(t, primary, &ploc, "→", secondary, &sloc),
            Line::default(),
            Line::from(Span::styled("What will happen", t.group)),
            Line::from(format!(
                "• {}'s current data{} is deleted and replaced by a copy of {}.",
                secondary.name,
                now.unwrap_or_default(),
                primary.name
            )),
            Line::from(format!("• {} becomes read-only; clients write to {}.", secondary.name, primary.name)),
            Line::from(
                "• Both caches show Linking until the initial sync completes; while linked, neither can be scaled or deleted.",
            ),
            Line::default(),
            Line::from(sync),
        ]
    }

    fn unlink_body(&self, primary: &ResourceId, secondary: &ResourceId) -> Vec<Line<'static>> {
        let (t, data) = (self.ctx.theme, self.ctx.data);
        let loc = |id: &ResourceId| data.cache(id).map(|c| c.location.clone()).unwrap_or_default();
        let snapshot = data
            .cache(secondary)
            .and_then(|c| c.properties.data_plane.as_ref())
            .map(|dp| format!(" ({}, {} keys)", format::bytes(dp.dataset_bytes), format::count(dp.dataset_keys)))
            .unwrap_or_default();
        vec![
            pair_line(t, primary, &loc(primary), "⇄", secondary, &loc(secondary)),
            Line::default(),
            Line::from(Span::styled("What will happen", t.group)),
            Line::from("• Both caches stay available while the link is removed and afterwards."),
            Line::from(format!(
                "• {} keeps a snapshot of the replicated data{snapshot} and becomes writable.",
                secondary.name
            )),
            Line::from(format!("• Writes to {} no longer reach {}.", primary.name, secondary.name)),
        ]
    }

    fn body(&self, text_width: usize) -> Vec<Line<'static>> {
        let t = self.ctx.theme;
        let d = self.dialog;
        let mut lines = match &d.what {
            Confirm::Link { primary, secondary } => self.link_body(primary, secondary),
            Confirm::Unlink { primary, secondary } => self.unlink_body(primary, secondary),
            Confirm::Failover { primary, secondary } => {
                super::failover_dialog::body(self.ctx, primary, secondary, text_width)
            }
            Confirm::Managed(call) => super::managed_dialogs::body(self.ctx, call),
            Confirm::Quit { running, embedded, failover } => {
                let mut l = vec![Line::from(format!("{running} is still running."))];
                l.push(Line::from(match (*embedded, *failover) {
                    (true, _) => {
                        "• This console runs the demo backend itself: quitting stops it, and the operation with it."
                    }
                    (false, true) => {
                        "• This console asks for the failover's steps: quitting stops it after the step now running. \
                         If that is the unlink, both caches are left unlinked and writable; georep link links them again."
                    }
                    (false, false) => {
                        "• The backend goes on with it; georep only stops watching. Open georep again to follow it."
                    }
                }));
                l
            }
        };
        if let Some(args) = d.az_command() {
            lines.push(Line::default());
            let key = self.ctx.keys.first_key(crate::tui::command::Command::CopyCommand);
            lines.push(Line::from(vec![
                Span::styled("Equivalent command", t.group),
                Span::styled(format!("  ({key} copies it)"), t.muted),
            ]));
            lines.extend(command_lines(&args, text_width, t));
        }
        if let Some(why) = d.blocked(self.ctx.data) {
            lines.push(Line::default());
            lines.push(Line::from(Span::styled(format!("✕ {why}"), t.bad)));
        }
        lines
    }
}

pub fn pair_line(t: &Theme, p: &ResourceId, ploc: &str, arrow: &str, s: &ResourceId, sloc: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(p.name.clone(), t.title),
        Span::styled(format!(" ({ploc}, primary)  {arrow}  "), t.label),
        Span::styled(s.name.clone(), t.title),
        Span::styled(format!(" ({sloc}, secondary)"), t.label),
    ])
}

impl StatefulWidget for ConfirmView<'_> {
    type State = Hits;

    fn render(self, screen: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let max_width = if matches!(self.dialog.what, Confirm::Link { .. }) { 104 } else { 96 };
        let text_width = max_width.min(screen.width.saturating_sub(2)).saturating_sub(4) as usize;
        let (area, body) = dialog::fit(screen, max_width, &self.body(text_width));
        let (title, confirm) = self.dialog.labels();
        let d = dialog::Confirm {
            title,
            body,
            confirm,
            confirm_focused: self.dialog.confirm_focused,
            confirm_enabled: self.dialog.blocked(self.ctx.data).is_none(),
        };
        dialog::render(self.ctx.theme, screen, area, d, buf, hits);
    }
}
