//! Plan move to Azure Managed Redis, from a linked Premium pair's Geo-replication blade: for each
//! cache the Managed Redis size that holds its data, whether a compatible active geo-replication
//! group exists in those regions (the group rules decide, [`crate::geo::join_reasons`]), and the
//! steps. It changes nothing by itself.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::StatefulWidget;

use crate::arm::ResourceId;
use crate::geo::{ActiveGroup, GroupMember, MovePlan, SizeChoice, plan_move};
use crate::tui::data::Data;
use crate::tui::hits::Hits;
use crate::tui::managed::ManagedFleet;
use crate::tui::view::Ctx;
use crate::tui::widgets::{self, scroll_text};

/// The plan's blade: which pair, the plan (made when the fleet changes, not per frame), and how far
/// it is scrolled.
#[derive(Clone, Debug, PartialEq)]
pub struct MovePlanState {
    pub primary: ResourceId,
    pub secondary: ResourceId,
    pub scroll: u16,
    plan: Option<Box<MovePlan>>,
    /// The fleet changed since the plan was made (made again when the blade is on top).
    pub stale: bool,
}

impl MovePlanState {
    pub fn new(primary: ResourceId, secondary: ResourceId, data: &Data) -> Self {
        let plan = plan(data, &primary, &secondary).map(Box::new);
        MovePlanState { primary, secondary, scroll: 0, plan, stale: false }
    }

    pub fn refresh(&mut self, data: &Data) {
        self.stale = false;
        self.plan = plan(data, &self.primary, &self.secondary).map(Box::new);
    }
}

/// Every group of the fleet once, by nickname, with the members whose cluster and database are read.
fn groups(fleet: &ManagedFleet) -> Vec<(String, Vec<GroupMember<'_>>)> {
    let mut out: Vec<(String, Vec<GroupMember>)> = Vec::new();
    for id in &fleet.ids {
        let Some((nickname, members)) = fleet.group(id) else { continue };
        if out.iter().any(|(n, _)| n.eq_ignore_ascii_case(nickname)) {
            continue;
        }
        let members = members
            .iter()
            .filter_map(|m| {
                Some(GroupMember { cluster: fleet.cluster(&m.database)?, database: fleet.database(&m.database)? })
            })
            .collect();
        out.push((nickname.to_string(), members));
    }
    out
}

/// The plan for the pair, when both caches are listed: the groups answer through the group rules.
pub fn plan(data: &Data, primary: &ResourceId, secondary: &ResourceId) -> Option<MovePlan> {
    let (p, s) = (data.cache(primary)?, data.cache(secondary)?);
    let owned = groups(data.managed());
    let groups: Vec<ActiveGroup> = owned.iter().map(|(n, m)| ActiveGroup { nickname: n, members: m }).collect();
    Some(plan_move(p, s, Some(&primary.resource_group), &groups))
}

fn size_line(t: &crate::tui::theme::Theme, c: &crate::geo::CacheMove) -> Line<'static> {
    let holds = c.capacity_bytes.map(crate::tui::format::bytes).unwrap_or_else(|| "?".into());
    let to = match &c.size {
        Some(SizeChoice::Fits(s)) => format!("→ {s}"),
        Some(SizeChoice::TooLarge { largest, .. }) => {
            format!("→ larger than {largest}, the largest that geo-replicates")
        }
        None => "→ no size known".into(),
    };
    Line::from(vec![
        Span::styled(format!(" {} ", c.name), t.title),
        Span::styled(format!("({}) {} holds up to {holds} ", c.location, c.premium), t.label),
        Span::styled(to, t.value),
    ])
}

/// The plan, as lines.
fn lines(ctx: Ctx<'_>, plan: &MovePlan) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let mut out = vec![
        Line::from(Span::styled(
            " This plan changes nothing: it lists what the move takes. Premium caches can no longer be created, and retire on 30 September 2028.",
            t.muted,
        )),
        Line::default(),
        Line::from(Span::styled(" Sizes", t.group)),
        size_line(t, &plan.primary),
        size_line(t, &plan.secondary),
    ];
    if let Some(size) = &plan.size {
        out.push(Line::from(Span::styled(
            format!(" Both new caches: {size} (every member of a group has the same SKU)."),
            t.value,
        )));
    }
    for o in &plan.obstacles {
        out.push(Line::from(Span::styled(format!(" ✕ {}", o.message()), t.bad)));
    }
    out.push(Line::default());
    out.push(Line::from(Span::styled(" Active geo-replication groups in these regions", t.group)));
    if plan.groups.is_empty() {
        out.push(Line::from(Span::styled(" None: the move creates a new group.", t.muted)));
    }
    for g in &plan.groups {
        let regions = g.regions_reached.join(", ");
        let (mark, style) = if g.is_compatible() { ("✓", t.ok) } else { ("✕", t.bad) };
        out.push(Line::from(vec![
            Span::styled(format!(" {mark} {}", g.nickname), style),
            Span::styled(format!("  has members in {regions}"), t.label),
        ]));
        for r in &g.refusals {
            out.push(Line::from(Span::styled(format!("     {}", r.message), t.muted)));
        }
    }
    if !plan.steps.is_empty() {
        out.push(Line::default());
        out.push(Line::from(Span::styled(" Steps", t.group)));
        for (i, step) in plan.steps.iter().enumerate() {
            out.push(Line::from(vec![
                Span::styled(format!(" {}. {}", i + 1, step.title()), t.title),
                Span::styled(format!("  {}", step.sentence()), t.value),
            ]));
        }
    }
    out
}

pub struct MovePlanView<'a> {
    pub ctx: Ctx<'a>,
    pub state: &'a MovePlanState,
}

impl StatefulWidget for MovePlanView<'_> {
    type State = Hits;

    fn render(self, area: Rect, buf: &mut Buffer, hits: &mut Hits) {
        let (t, s) = (self.ctx.theme, self.state);
        let title = format!("Plan move to Azure Managed Redis · {} ⇄ {}", s.primary.name, s.secondary.name);
        let block = widgets::pane(t, &title, self.ctx.focused);
        let body = match &s.plan {
            Some(p) => lines(self.ctx, p),
            None => vec![Line::from(Span::styled(" One of the caches is no longer listed by the backend.", t.muted))],
        };
        let width = area.width.saturating_sub(3) as usize;
        let body = body.iter().flat_map(|l| crate::tui::widgets::wrap::wrap(l, width, 3)).collect();
        scroll_text::render(t, block, body, s.scroll, area, buf, hits);
    }
}
