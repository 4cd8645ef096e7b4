//! Help (`?`): the focused blade's keys first, then the keys that work everywhere, then the
//! geo-replication FAQ. Made from the same command lists as the hint bar, so they cannot disagree.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Padding, StatefulWidget, Widget};

use crate::tui::command::{CommandInfo, Keymap};
use crate::tui::hits::{Hits, Target};
use crate::tui::theme::Theme;
use crate::tui::widgets::wrap::wrap;
use crate::tui::widgets::{dialog, scroll_text};

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
        "Press Failover on the Geo-replication blade of a linked pair (or run `georep failover --name SECONDARY --resource-group RG`). \
         The geo-secondary is promoted and the geo-primary URLs point to it; the old primary becomes the secondary and links back, \
         which takes a few minutes. Both caches must be the same size and the link Succeeded; fail over when the Data Sync Offset is \
         under about 14 bytes. Clients on the geo-primary URL follow; clients using access keys need the new primary's keys.",
    ),
];

/// Width of the keys column.
const KEYS_WIDTH: usize = 20;

pub struct HelpView<'a> {
    pub theme: &'a Theme,
    pub keys: &'a Keymap,
    /// What the focused blade is called ("Geo-replication").
    pub blade: &'a str,
    pub blade_commands: &'a [CommandInfo],
    pub global_commands: &'a [CommandInfo],
    pub scroll: u16,
}

impl HelpView<'_> {
    fn section(&self, title: String, commands: &[CommandInfo], width: usize, out: &mut Vec<Line<'static>>) {
        let t = self.theme;
        out.push(Line::from(Span::styled(title, t.group)));
        for c in commands {
            let keys = self.keys.all_keys(c.command);
            let what = match &c.why_not {
                None => c.label.to_string(),
                Some(why) => format!("{} (off now: {why})", c.label),
            };
            let style = if c.enabled() { t.value } else { t.muted };
            let line =
                Line::from(vec![Span::styled(format!("  {keys:<KEYS_WIDTH$}"), t.hint_key), Span::styled(what, style)]);
            out.extend(wrap(&line, width, KEYS_WIDTH + 2));
        }
        out.push(Line::default());
    }

    /// The help text wrapped to `width`, each entry's continuation lines under its own text.
    fn lines(&self, width: usize) -> Vec<Line<'static>> {
        let t = self.theme;
        let mut lines = Vec::new();
        self.section(format!("Keys here ({})", self.blade), self.blade_commands, width, &mut lines);
        self.section("Keys everywhere".into(), self.global_commands, width, &mut lines);
        let mouse = Line::from(vec![
            Span::styled(format!("  {:<KEYS_WIDTH$}", "mouse"), t.hint_key),
            Span::styled(
                "click menu items, rows, buttons, the breadcrumb, the bell and the hint bar; right-click a compatible cache; the wheel scrolls",
                t.value,
            ),
        ]);
        lines.extend(wrap(&mouse, width, KEYS_WIDTH + 2));
        lines.push(Line::default());
        lines.push(Line::from(Span::styled("Geo-replication FAQ", t.group)));
        for (q, a) in FAQ {
            lines.extend(wrap(&Line::from(Span::styled(format!("  {q}"), t.title)), width, 2));
            lines.extend(wrap(&Line::from(Span::styled(format!("    {a}"), t.value)), width, 4));
        }
        lines
    }
}

impl StatefulWidget for HelpView<'_> {
    type State = Hits;

    fn render(self, screen: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let t = self.theme;
        let a = dialog::area(screen, 100, screen.height.saturating_sub(2));
        dialog::dim(screen, buf, t);
        Clear.render(a, buf);
        // A click anywhere closes help.
        hits.push(screen, Target::Command(crate::tui::command::Command::Help));
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border_focused)
            .title(Span::styled(" Help · Esc closes ", t.title))
            .padding(Padding::horizontal(1));
        let lines = self.lines(block.inner(a).width as usize);
        scroll_text::render(t, block, lines, self.scroll, a, buf, hits);
    }
}
