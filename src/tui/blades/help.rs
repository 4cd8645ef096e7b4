//! Help (`?`): every key, and the geo-replication FAQ answered.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use crate::tui::action::Command;
use crate::tui::app::App;
use crate::tui::keymap::KEYS;
use crate::tui::theme::Theme;
use crate::tui::widgets::wrap::wrap;

/// The FAQ: questions operators ask before linking, with the answers georep's rules enforce.
pub const FAQ: &[(&str, &str)] = &[
    ("Can I use geo-replication with a Standard or Basic cache?", "No. Both caches must be in the Premium tier."),
    (
        "Can I link more than two caches?",
        "No. A link joins one primary and one secondary, and a cache can be in one link only.",
    ),
    (
        "Can the caches be in different subscriptions?",
        "No. Both caches must be in the same subscription (they may be in different resource groups).",
    ),
    (
        "Can the caches be in the same region?",
        "No. The secondary must be in another region: that is the point of geo-replication.",
    ),
    (
        "Can the caches have different sizes?",
        "Yes, if the secondary is the same size or larger than the primary (e.g. P2 -> P3, not P3 -> P2).",
    ),
    (
        "Does it work with clustering?",
        "Yes, when both caches are clustered with the same number of shards; or neither is clustered.",
    ),
    (
        "Does it work with caches in a VNET?",
        "Yes. Caches in virtual networks can be linked; the two VNETs must reach each other (peering or VPN) with the Redis ports open between them.",
    ),
    (
        "What about data persistence and Redis versions?",
        "Neither cache may have RDB or AOF persistence on, and both must run the same Redis major version.",
    ),
    (
        "Can I script it with PowerShell or the Azure CLI?",
        "Yes: az redis server-link create|delete|list|show, or New-/Get-/Remove-AzRedisCacheLink. The Link and Unlink dialogs show the command for what you do.",
    ),
    (
        "What does it cost?",
        "Both caches are billed as usual, and data moved between regions is billed as inter-region bandwidth. The Link dialog estimates the initial sync.",
    ),
    (
        "What happens when I unlink?",
        "Both caches stay available. The secondary keeps a snapshot of the replicated data and becomes writable; replication stops.",
    ),
    (
        "How do I fail over?",
        "Unlink, then point clients at the former secondary (or link in the opposite direction once the old primary is back).",
    ),
];

pub fn on_key(scroll: u16, cmd: Option<Command>) -> Option<u16> {
    match cmd {
        Some(Command::Down) => Some(scroll.saturating_add(1)),
        Some(Command::Up) => Some(scroll.saturating_sub(1)),
        Some(Command::PageDown) => Some(scroll.saturating_add(10)),
        Some(Command::PageUp) => Some(scroll.saturating_sub(10)),
        Some(Command::Home) => Some(0),
        Some(Command::End) => Some(u16::MAX),
        Some(Command::Back | Command::Help | Command::Quit | Command::Enter) => None,
        _ => Some(scroll),
    }
}

pub fn area(screen: Rect) -> Rect {
    crate::tui::widgets::dialog::area(screen, 100, screen.height.saturating_sub(2))
}

/// Where the text goes: inside the border, a column of padding on each side.
fn text_area(screen: Rect) -> Rect {
    let a = area(screen);
    Rect::new(a.x + 2, a.y + 1, a.width.saturating_sub(4), a.height.saturating_sub(2))
}

/// Width of the keys column.
const KEYS_WIDTH: usize = 20;

/// The help text wrapped to `width`, each entry's continuation lines under its own text.
fn lines(t: &Theme, width: usize) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled("Keys", t.group))];
    for (keys, what) in KEYS {
        let line =
            Line::from(vec![Span::styled(format!("  {keys:<KEYS_WIDTH$}"), t.hint_key), Span::styled(*what, t.value)]);
        lines.extend(wrap(&line, width, KEYS_WIDTH + 2));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled("Geo-replication FAQ", t.group)));
    for (q, a) in FAQ {
        lines.extend(wrap(&Line::from(Span::styled(format!("  {q}"), t.title)), width, 2));
        lines.extend(wrap(&Line::from(Span::styled(format!("    {a}"), t.value)), width, 4));
    }
    lines
}

/// The furthest the help scrolls on `screen`: its last line at the bottom.
pub fn max_scroll(screen: Rect) -> u16 {
    let text = text_area(screen);
    let n = lines(&Theme::mono(), text.width as usize).len();
    n.saturating_sub(text.height as usize).min(u16::MAX as usize) as u16
}

pub fn render(app: &App, scroll: u16, screen: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let a = area(screen);
    crate::tui::widgets::dialog::dim(screen, buf, t);
    Clear.render(a, buf);
    let text = text_area(screen);
    let lines = lines(t, text.width as usize);
    let scroll = scroll.min(lines.len().saturating_sub(text.height as usize) as u16);
    let more = match (scroll > 0, (scroll as usize + text.height as usize) < lines.len()) {
        (false, true) => " ↓ more · ↑↓ scroll · Esc close ",
        (true, true) => " ↑↓ more · Esc close ",
        (true, false) => " ↑ more · Esc close ",
        (false, false) => " Esc close ",
    };
    Block::default()
        .borders(Borders::ALL)
        .border_style(t.border_focused)
        .title(Span::styled(" Help ", t.title))
        .title_bottom(Span::styled(more, t.muted))
        .render(a, buf);
    Paragraph::new(lines).scroll((scroll, 0)).render(text, buf);
}
