//! What the Managed Redis confirmations say: Force unlink (what it does, and that a removed cache
//! rejoins only by force-link or by being recreated), Add cache to group (force-link discards the
//! joining cache's data; a database created into the group starts empty), and Flush caches (every
//! member that will be cleared).

use ratatui::text::{Line, Span};

use crate::arm::enterprise::EnterpriseId;
use crate::tui::managed::ManagedCall;
use crate::tui::view::Ctx;

fn cache_line(ctx: Ctx<'_>, id: &EnterpriseId, note: &str) -> Line<'static> {
    let (t, fleet) = (ctx.theme, ctx.data.managed());
    let region = fleet.cluster(id).map(|c| c.location.clone()).unwrap_or_else(|| "not listed".into());
    let data = fleet
        .database(id)
        .and_then(|d| d.properties.data_plane.as_ref())
        .map(|dp| {
            format!(
                ", {} keys, {}",
                crate::tui::format::count(dp.dataset_keys),
                crate::tui::format::bytes(dp.dataset_bytes)
            )
        })
        .unwrap_or_default();
    Line::from(vec![
        Span::raw("  • "),
        Span::styled(id.cluster.clone(), t.title),
        Span::styled(format!(" ({region}{data}){note}"), t.label),
    ])
}

/// The dialog's text for `call`.
pub fn body(ctx: Ctx<'_>, call: &ManagedCall) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let group = |db: &EnterpriseId| ctx.data.managed().group(db).map(|(n, _)| n.to_string()).unwrap_or_default();
    let what = Line::from(Span::styled("What will happen", t.group));
    match call {
        ManagedCall::ForceUnlink { on, ids } => {
            let mut l = vec![Line::from(format!("Remove from group {}, asked of {}:", group(on), on.cluster))];
            l.extend(ids.iter().map(|i| cache_line(ctx, i, "")));
            l.extend([
                Line::default(),
                what,
                Line::from("• The other members stop replicating to the caches removed and drop what they kept for them."),
                Line::from("• A removed cache keeps running alone, outside the group."),
                Line::from(
                    "• It cannot simply rejoin: force-link it (its data is discarded) or delete and recreate it into the group.",
                ),
            ]);
            l
        }
        ManagedCall::ForceLink { database, nickname, members } => {
            let mut l = vec![Line::from(format!("Add {} to group {nickname} by force-link:", database.cluster))];
            l.push(cache_line(ctx, database, "  ← joins"));
            l.extend(members.iter().filter(|m| *m != database).map(|m| cache_line(ctx, m, "")));
            l.extend([
                Line::default(),
                what,
                Line::from(vec![
                    Span::styled(format!("• All data in {} is discarded", database.cluster), t.bad),
                    Span::raw(": it is recreated empty and then receives the group's data."),
                ]),
                Line::from("• It is unavailable for several minutes while it joins; the group shows it Linking."),
                Line::from("• Afterwards every member accepts writes, replicated to the others."),
            ]);
            l
        }
        ManagedCall::Create { database, nickname, members, .. } => {
            let mut l = vec![Line::from(format!("Create {}'s database in group {nickname}:", database.cluster))];
            l.push(cache_line(ctx, database, "  ← new database"));
            l.extend(members.iter().filter(|m| *m != database).map(|m| cache_line(ctx, m, "")));
            l.extend([
                Line::default(),
                what,
                Line::from("• A database \"default\" is created with the group's settings (clustering, eviction, modules, TLS)."),
                Line::from("• It links with every member (Linking, then Linked) and receives the group's data."),
                Line::from("• Group membership is set only at creation: it cannot be changed afterwards."),
            ]);
            l
        }
        ManagedCall::Flush { on, ids } => {
            let n = ids.len() + 1;
            let mut l = vec![Line::from(vec![
                Span::raw("Every key of "),
                Span::styled(format!("{n} {}", if n == 1 { "cache" } else { "caches" }), t.bad),
                Span::raw(" will be deleted:"),
            ])];
            l.push(cache_line(ctx, on, "  (this cache)"));
            l.extend(ids.iter().map(|i| cache_line(ctx, i, "")));
            l.extend([
                Line::default(),
                what,
                Line::from("• The data cannot be recovered. The caches stay in the group and keep running."),
                Line::from("• Members not listed here keep their data: check them first to flush the whole group."),
            ]);
            l
        }
    }
}
