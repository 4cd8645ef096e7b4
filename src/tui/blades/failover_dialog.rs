//! The Failover dialog's body: what happens, the Data Sync Offset now, and the portal's "settings to
//! check" for the two caches side by side, marked where they differ.

use ratatui::text::{Line, Span};

use crate::arm::ResourceId;
use crate::geo::{SAFE_OFFSET_BYTES, settings_to_check};
use crate::tui::data::Data;
use crate::tui::format;
use crate::tui::view::Ctx;

use super::confirm_dialog::pair_line;

/// How far the geo-secondary trails, in bytes, as the backend last said: the Data Sync Offset metric
/// (Azure Monitor, read for the Geo-replication blade), else the emulator's live replication figures.
pub fn sync_offset(data: &Data, primary: &ResourceId, secondary: &ResourceId) -> Option<f64> {
    // The metric, read on this primary (not on the pair as it was before a failover).
    let metric =
        data.geo_health(primary).filter(|h| h.watch.primary == primary.cache_id()).and_then(|h| h.offset_bytes);
    if let Some(bytes) = metric {
        return Some(bytes);
    }
    [primary, secondary]
        .into_iter()
        .filter_map(|id| data.cache(id)?.properties.data_plane.as_ref()?.replication_offset_lag_bytes)
        .max()
        .map(|b| b as f64)
}

fn offset_line(ctx: Ctx<'_>, primary: &ResourceId, secondary: &ResourceId) -> Line<'static> {
    let t = ctx.theme;
    let label = Span::styled("Data Sync Offset  ", t.label);
    match sync_offset(ctx.data, primary, secondary) {
        Some(b) if b <= SAFE_OFFSET_BYTES => Line::from(vec![
            label,
            Span::styled(format!("{b:.0} B ✓"), t.ok),
            Span::styled("  in sync (the docs advise failing over under about 14 bytes)", t.muted),
        ]),
        Some(b) => Line::from(vec![
            label,
            Span::styled(format!("⚠ {} behind", format::bytes(b as u64)), t.busy),
            Span::styled(format!(": {} lacks recent writes; wait until under about 14 bytes", secondary.name), t.muted),
        ]),
        None => Line::from(vec![
            label,
            Span::styled("unknown", t.muted),
            Span::styled("  (check GeoReplicationDataSyncOffset first)", t.muted),
        ]),
    }
}

/// The settings table: a label column, one column per cache, and `≠` where they differ.
fn settings(ctx: Ctx<'_>, primary: &ResourceId, secondary: &ResourceId, width: usize) -> Vec<Line<'static>> {
    let t = ctx.theme;
    let (Some(p), Some(s)) = (ctx.data.cache(primary), ctx.data.cache(secondary)) else { return Vec::new() };
    let rows = settings_to_check(p, s);
    let label_w = rows.iter().map(|r| r.label.chars().count()).max().unwrap_or(0) + 2;
    let col = width.saturating_sub(label_w + 4) / 2;
    let cut = |s: &str| -> String {
        let n = s.chars().count();
        if n <= col.saturating_sub(1) {
            format!("{s:<col$}")
        } else {
            format!("{:<col$}", format!("{}…", s.chars().take(col.saturating_sub(2)).collect::<String>()))
        }
    };
    let mut out = vec![Line::from(vec![
        Span::styled(format!("{:label_w$}", "Settings to check"), t.group),
        Span::styled(format!("{}{}", cut(&primary.name), cut(&secondary.name)), t.table_header),
    ])];
    let keys_differ = rows.iter().any(|r| r.label == "Authentication" && r.differs);
    for r in rows {
        let style = if r.differs { t.busy } else { t.value };
        out.push(Line::from(vec![
            Span::styled(format!("{:label_w$}", r.label), t.label),
            Span::styled(cut(&r.primary), style),
            Span::styled(cut(&r.secondary), style),
            Span::styled(if r.differs { "≠" } else { "" }, t.busy),
        ]));
    }
    // The note needs the room of a wide terminal; the mark says it on a narrow one.
    if keys_differ && width >= 80 {
        out.push(Line::from(Span::styled(
            "≠ Access keys are per cache: clients using keys need the new primary's.",
            t.muted,
        )));
    }
    out
}

pub fn body(ctx: Ctx<'_>, primary: &ResourceId, secondary: &ResourceId, width: usize) -> Vec<Line<'static>> {
    let (t, data) = (ctx.theme, ctx.data);
    let loc = |id: &ResourceId| data.cache(id).map(|c| c.location.clone()).unwrap_or_default();
    let (p, s) = (&primary.name, &secondary.name);
    let mut lines = vec![
        pair_line(t, primary, &loc(primary), "⇄", secondary, &loc(secondary)),
        Line::default(),
        Line::from(Span::styled("What will happen", t.group)),
        Line::from(format!(
            "• {s} (the geo-secondary) becomes the geo-primary and takes writes once the old link is gone; \
             the geo-primary URLs point to it."
        )),
        Line::from(format!(
            "• {p} becomes the geo-secondary and links back: Deleting, then Creating and Syncing, then \
             Succeeded with the roles swapped, in a few minutes."
        )),
        Line::default(),
        offset_line(ctx, primary, secondary),
        Line::default(),
    ];
    lines.extend(settings(ctx, primary, secondary, width));
    lines
}
