//! The Compatible caches blade, drawn over its state: intro, the primary's own blockers (once), the
//! incompatible toggle and filter, the candidates table, the selected row's reasons and its menu.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, StatefulWidget, Table, Widget, Wrap};

use crate::tui::command::Command;
use crate::tui::format;
use crate::tui::hits::{Hits, Target};
use crate::tui::view::Ctx;
use crate::tui::widgets::{self, list};

use super::compatible_caches::{Candidate, CompatibleState};
use super::compatible_map::{MIN_MAP_ROWS, RegionMap};
use super::context_menu::ContextMenu;

pub struct CompatibleCachesView<'a> {
    pub ctx: Ctx<'a>,
    pub state: &'a CompatibleState,
}

impl CompatibleCachesView<'_> {
    /// The line above the list: which primary, and what it is.
    fn intro(&self) -> Line<'static> {
        let (t, c) = (self.ctx.theme, self.state);
        let describe = self
            .ctx
            .data
            .cache(&c.primary)
            .map(|p| {
                format!(
                    "{}, {}, {}, Redis {}",
                    p.location,
                    format::tier(p),
                    p.shards().map(|n| format!("{n} shards")).unwrap_or_else(|| "not clustered".into()),
                    p.properties.redis_version.clone().unwrap_or_default()
                )
            })
            .unwrap_or_default();
        Line::from(vec![
            Span::styled(format!("Caches that can be linked as secondary to {} ", c.primary.name), t.value),
            Span::styled(format!("({describe})"), t.muted),
        ])
    }

    fn toggle_line(&self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let (t, c) = (self.ctx.theme, self.state);
        let toggle = if c.show_incompatible {
            format!("[i] Incompatible caches shown ({} greyed, with why)", c.excluded)
        } else {
            format!("[i] Show incompatible caches ({} hidden)", c.excluded)
        };
        let w = (toggle.chars().count() as u16).min(area.width);
        Paragraph::new(Span::styled(toggle, t.button)).render(Rect { width: w, ..area }, buf);
        hits.push(Rect { width: w, ..area }, Target::Command(Command::ToggleIncompatible));
        let filter = match (c.editing, c.filter.is_empty()) {
            (true, _) => format!("Filter: {}▏", c.filter),
            (false, true) => "/ filter".to_string(),
            (false, false) => format!("Filter: {} (Esc clears)", c.filter),
        };
        let fw = filter.chars().count() as u16 + 2;
        if w + fw < area.width {
            let r = Rect { x: area.right() - fw, width: fw, ..area };
            Paragraph::new(Span::styled(filter, if c.editing { t.value } else { t.muted })).render(r, buf);
            hits.push(r, Target::Command(Command::Filter));
        }
    }

    fn row(&self, i: usize, row: &Candidate, compact: bool, with_group: bool) -> Row<'static> {
        let (t, c) = (self.ctx.theme, self.state);
        let cache = self.ctx.data.cache(&row.id);
        let selected = i == c.selected();
        let style = if selected && self.ctx.focused {
            t.selected
        } else if row.reasons.is_empty() {
            t.value
        } else {
            t.muted
        };
        let mut cells = vec![Cell::from(row.id.name.clone())];
        if with_group {
            cells.push(Cell::from(row.id.resource_group.clone()));
        }
        cells.extend([
            Cell::from(cache.map(|c| c.location.clone()).unwrap_or_default()),
            Cell::from(
                cache.map(|c| if compact { c.properties.sku.label() } else { format::tier(c) }).unwrap_or_default(),
            ),
        ]);
        if !compact {
            cells.push(Cell::from(
                cache.map(|c| c.shards().map(|n| n.to_string()).unwrap_or_else(|| "—".into())).unwrap_or_default(),
            ));
            cells.push(Cell::from(cache.and_then(|c| c.properties.redis_version.clone()).unwrap_or_default()));
        }
        if c.show_incompatible {
            cells.push(Cell::from(match &row.reasons[..] {
                [] => "Compatible".to_string(),
                [one] => one.short(),
                [first, rest @ ..] => format!("{} (+{})", first.short(), rest.len()),
            }));
        }
        // The selected row's menu button: the portal's "…" at the end of a row.
        cells.push(Cell::from(if selected { "⋮" } else { "" }));
        Row::new(cells).style(style)
    }

    fn table(&self, area: Rect, buf: &mut Buffer, hits: &mut Hits) -> u16 {
        let (t, c) = (self.ctx.theme, self.state);
        // On a narrow terminal the tier gives way to the SKU, and shards and version go (the reasons
        // say which of them is wrong); with the reasons shown there, the resource group goes too.
        let compact = area.width < 100 || (c.show_incompatible && area.width < 130);
        let with_group = !(c.show_incompatible && area.width < 100);
        let (name_w, group_w) = c.widths;
        let mut header = vec!["NAME"];
        let mut widths = vec![Constraint::Length(name_w)];
        if with_group {
            header.push("RESOURCE GROUP");
            widths.push(Constraint::Max(group_w));
        }
        header.extend(["LOCATION", if compact { "SKU" } else { "PRICING TIER" }]);
        widths.extend([Constraint::Length(14), Constraint::Length(if compact { 4 } else { 12 })]);
        if !compact {
            header.extend(["SHARDS", "VERSION"]);
            widths.extend([Constraint::Length(6), Constraint::Length(7)]);
        }
        if c.show_incompatible {
            header.push("WHY NOT");
            widths.push(Constraint::Fill(1));
        }
        header.push("");
        widths.push(Constraint::Length(1));
        let offset = list::render(area, buf, &c.table, c.rows.len(), hits, |window| {
            let rows: Vec<Row> = window.map(|i| self.row(i, &c.rows[i], compact, with_group)).collect();
            Table::new(rows, widths).header(Row::new(header).style(t.table_header)).column_spacing(1)
        });
        area.y + 1 + c.selected().saturating_sub(offset) as u16
    }

    /// The region map above the list (the one-line region filter on a narrow or short blade); returns
    /// the room left for the list. The map takes at most 12 rows and leaves the list at least 14.
    fn regions(&self, area: Rect, buf: &mut Buffer, hits: &mut Hits) -> Rect {
        let map = RegionMap { ctx: self.ctx, state: self.state };
        let map_h = area.height.saturating_sub(14).min(12);
        let wide = area.width >= 100 && map_h >= MIN_MAP_ROWS;
        let [top, _, list] = Layout::vertical([
            Constraint::Length(if wide { map_h } else { 1 }),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(area);
        if wide {
            map.render_map(top, buf, hits);
        } else {
            map.render_strip(top, buf, hits);
        }
        list
    }

    fn empty(&self, area: Rect, buf: &mut Buffer) {
        let (t, c) = (self.ctx.theme, self.state);
        let msg = if self.ctx.data.cache(&c.primary).is_none() {
            format!("{} is not listed by the backend any more.", c.primary.name)
        } else if let Some(region) = c.region.chosen.as_deref().filter(|_| c.filter.is_empty()) {
            let all = self.ctx.keys.first_key(Command::AllRegions);
            format!("No cache in {region} can be listed. {all} shows all regions; i shows the incompatible ones too.")
        } else if !c.filter.is_empty() {
            format!("No cache matches \"{}\". Esc clears the filter; i shows the incompatible ones too.", c.filter)
        } else {
            format!(
                "No cache can be linked as secondary to {}: all {} other caches fail a prerequisite (Premium tier, same subscription, another region, same or larger size, same clustering and Redis major version, no persistence, not linked, running). Press i to see why each one is excluded.",
                c.primary.name, c.excluded
            )
        };
        Paragraph::new(Span::styled(msg, t.muted)).wrap(Wrap { trim: true }).render(area, buf);
    }
}

impl StatefulWidget for CompatibleCachesView<'_> {
    type State = Hits;

    fn render(self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let (t, c) = (self.ctx.theme, self.state);
        let block = widgets::pane(t, &format!("Compatible caches · {}", c.primary.name), self.ctx.focused);
        let inner = block.inner(area).inner(Margin { horizontal: 1, vertical: 0 });
        block.render(area, buf);
        let intro = Paragraph::new(self.intro()).wrap(Wrap { trim: true });
        let intro_h = if self.intro().width() > inner.width as usize { 2 } else { 1 };
        // What is wrong with the primary itself, said once.
        let blocked = c.primary_reasons.first().map(|r| format!("✕ {}: {}", c.primary.name, r.message()));
        let blocked_h = if blocked.is_some() { 2 } else { 0 };
        let reasons_h = if c.show_incompatible { 4 } else { 0 };
        let [intro_area, blocked_area, toggle, _, rest, reasons] = Layout::vertical([
            Constraint::Length(intro_h),
            Constraint::Length(blocked_h),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(reasons_h),
        ])
        .areas(inner);
        intro.render(intro_area, buf);
        if let Some(b) = blocked {
            Paragraph::new(Span::styled(b, t.bad)).wrap(Wrap { trim: true }).render(blocked_area, buf);
        }
        self.toggle_line(toggle, buf, hits);
        let table = self.regions(rest, buf, hits);
        if c.rows.is_empty() {
            self.empty(table, buf);
            return;
        }
        let row_y = self.table(table, buf, hits);
        if let Some(row) = c.rows.get(c.selected()).filter(|r| !r.reasons.is_empty()) {
            let lines: Vec<Line> =
                row.reasons.iter().map(|r| Line::from(Span::styled(format!("✕ {}", r.message()), t.bad))).collect();
            Paragraph::new(lines).wrap(Wrap { trim: true }).render(reasons, buf);
        }
        if let Some(item) = c.menu {
            let blockers = c.link_blockers(self.ctx.read_only);
            ContextMenu { theme: t, selected: item, blockers: &blockers, row_y }.render(table, buf, hits);
        }
    }
}
