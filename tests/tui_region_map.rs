//! The region maps, driven headless (keys and clicks are actions, the demo fleet is fed as the poller
//! would). Compatible caches: the keys cycle through the candidates' regions west to east and filter
//! the list, a click on a marker does the same, "All regions" clears, the `/` filter composes with it,
//! and below 100 columns the one-line region filter works with the same keys and clicks.
//! Geo-replication: the pair map puts the primary where the link says. Checks read the screen.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use ratatui::crossterm::event::{KeyCode, MouseButton};

use support::demo::{self, console};
use support::headless::Offline;

/// The candidates of contoso-prod-eus, west to east: (region, cache).
const BY_REGION: [(&str, &str); 4] = [
    ("West US 2", "contoso-dr-wus2"),
    ("Canada Central", "contoso-vnet-cac"),
    ("West Europe", "contoso-dr-weu"),
    ("Southeast Asia", "contoso-dr-sea"),
];

/// The list's rows on screen: (name, location), read under the header's NAME and LOCATION columns.
fn rows(screen: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = screen.lines().collect();
    let Some(h) = lines.iter().position(|l| l.contains(" NAME ") && l.contains("LOCATION")) else {
        return Vec::new();
    };
    let col = |needle: &str| lines[h][..lines[h].find(needle).expect("column")].chars().count();
    let (loc, next) = (col("LOCATION"), col(if lines[h].contains("PRICING TIER") { "PRICING TIER" } else { "SKU" }));
    let mut out = Vec::new();
    for line in &lines[h + 1..] {
        let cells: Vec<char> = line.chars().collect();
        let cut = |a: usize, b: usize| cells.get(a..b.min(cells.len())).unwrap_or(&[]).iter().collect::<String>();
        let name = cut(2, cells.len()).split_whitespace().next().unwrap_or_default().to_string();
        if name.is_empty() || name.starts_with('└') || !name.contains('-') {
            break;
        }
        out.push((name, cut(loc, next).trim().to_string()));
    }
    out
}

fn names(screen: &str) -> Vec<String> {
    rows(screen).into_iter().map(|(n, _)| n).collect()
}

/// The region the legend marks as chosen (`▸● West Europe (1)`), with its count.
fn chosen(screen: &str) -> Option<(String, usize)> {
    let at = screen.find("▸●")?;
    let rest = &screen[at + "▸●".len()..];
    let entry = rest.lines().next()?.trim();
    let (name, count) = entry.split_once(" (")?;
    Some((name.trim().to_string(), count.split(')').next()?.parse().ok()?))
}

fn prod_eus() -> Offline {
    let mut o = console();
    demo::compatible_of(&mut o, "contoso-prod-eus");
    o
}

#[test]
fn keys_cycle_through_the_regions_west_to_east_and_filter_the_list() {
    let mut o = prod_eus();
    let screen = o.screen();
    assert_eq!(rows(&screen).len(), 4, "{screen}");
    assert!(screen.contains("▸  All regions (4)"), "{screen}");
    for (region, cache) in BY_REGION {
        o.key(KeyCode::Char(']'));
        let screen = o.screen();
        assert_eq!(chosen(&screen), Some((region.to_string(), 1)), "{screen}");
        assert_eq!(rows(&screen), [(cache.to_string(), region.to_string())], "{screen}");
    }
    // After the last region, all of them again; backwards from there, the last one.
    o.key(KeyCode::Char(']'));
    assert_eq!(rows(&o.screen()).len(), 4);
    o.key(KeyCode::Char('['));
    assert_eq!(names(&o.screen()), ["contoso-dr-sea"]);
    o.key(KeyCode::Char('0'));
    let screen = o.screen();
    assert_eq!(rows(&screen).len(), 4, "0 shows all regions again:\n{screen}");
    assert_eq!(chosen(&screen), None);
}

#[test]
fn the_region_composes_with_the_text_filter_and_the_incompatible_toggle() {
    let mut o = prod_eus();
    o.key(KeyCode::Char('i'));
    // West to east with the incompatible ones: ... East US (primary's, "same region"), ... West Europe.
    for _ in 0..12 {
        if chosen(&o.screen()).is_some_and(|(r, _)| r == "West Europe") {
            break;
        }
        o.key(KeyCode::Char(']'));
    }
    let screen = o.screen();
    assert_eq!(chosen(&screen), Some(("West Europe".to_string(), 5)), "{screen}");
    let listed = rows(&screen);
    assert_eq!(listed.len(), 5, "{screen}");
    assert!(listed.iter().all(|(_, loc)| loc == "West Europe"), "{screen}");
    o.key(KeyCode::Char('/'));
    o.text("inventory");
    o.key(KeyCode::Enter);
    let screen = o.screen();
    assert_eq!(names(&screen), ["contoso-inventory-weu"], "region and text filter together:\n{screen}");
    // The map counts what the text filter lets through.
    assert_eq!(chosen(&screen), Some(("West Europe".to_string(), 1)), "{screen}");
    o.key(KeyCode::Char('0'));
    let screen = o.screen();
    assert_eq!(names(&screen), ["contoso-inventory-eus", "contoso-inventory-weu"], "{screen}");
    // Backwards from all regions: the easternmost of the regions the text lets through.
    o.key(KeyCode::Char('['));
    let screen = o.screen();
    assert_eq!(chosen(&screen).map(|c| c.0), Some("West Europe".to_string()), "{screen}");
}

/// The cells of the candidates' markers on the map (left of the legend), west to east.
fn markers(screen: &str) -> Vec<(u16, u16)> {
    let mut out = Vec::new();
    // Below the header (its "● live") and above the list.
    for (y, line) in screen.lines().enumerate().skip(2) {
        if line.contains("NAME") {
            break;
        }
        for (x, c) in line.chars().enumerate().take(66) {
            if c == '●' {
                out.push((x as u16, y as u16));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_click_on_a_marker_chooses_its_region_and_a_second_click_all_regions() {
    let mut o = prod_eus();
    let screen = o.screen();
    let at = markers(&screen);
    assert_eq!(at.len(), 4, "a marker per region with candidates:\n{screen}");
    let mut seen = Vec::new();
    for cell in at {
        o.click(MouseButton::Left, cell);
        let screen = o.screen();
        let (region, count) = chosen(&screen).unwrap_or_else(|| panic!("a click at {cell:?} chose nothing:\n{screen}"));
        let listed = rows(&screen);
        assert_eq!(listed.len(), count, "{screen}");
        assert!(listed.iter().all(|(_, loc)| *loc == region), "{screen}");
        // The count beside the marker is the region's.
        let beside: String =
            screen.lines().nth(cell.1 as usize).unwrap().chars().skip(cell.0 as usize + 1).take(1).collect();
        assert_eq!(beside, count.to_string(), "{screen}");
        seen.push(region);
        o.click(MouseButton::Left, cell);
        assert_eq!(rows(&o.screen()).len(), 4, "a second click shows all regions again");
    }
    // Left to right on the map is west to east.
    assert_eq!(seen, BY_REGION.map(|(r, _)| r.to_string()));
    // The primary's marker (East US holds no candidate) is not a filter.
    let screen = o.screen();
    let (x, y) = support::headless::find(&screen, "◆").expect("the primary's marker");
    o.click(MouseButton::Left, (x, y));
    assert_eq!(rows(&o.screen()).len(), 4);
    // A region's name in the legend is a target too.
    o.click_on("West Europe (1)");
    assert_eq!(names(&o.screen()), ["contoso-dr-weu"]);
    o.click_on("All regions (4)");
    assert_eq!(rows(&o.screen()).len(), 4);
}

#[test]
fn below_100_columns_one_line_filters_with_the_same_keys_and_clicks() {
    let mut o = prod_eus();
    o.resize(80, 24);
    let screen = o.screen();
    assert!(screen.contains("Region: ◂ All regions (4) ▸  West US 2 (1) · Canada Central (1)"), "{screen}");
    assert!(markers(&screen).is_empty(), "no map at 80 columns:\n{screen}");
    o.key(KeyCode::Char(']'));
    let screen = o.screen();
    assert!(screen.contains("Region: ◂ West US 2 (1) ▸  Canada Central (1) · West Europe (1)"), "{screen}");
    assert_eq!(names(&screen), ["contoso-dr-wus2"]);
    o.click_on("Canada Central (1)");
    assert_eq!(names(&o.screen()), ["contoso-vnet-cac"]);
    o.click_on("▸  ");
    assert_eq!(names(&o.screen()), ["contoso-dr-weu"]);
    o.click_on("◂");
    o.click_on("◂");
    assert_eq!(names(&o.screen()), ["contoso-dr-wus2"]);
    o.click_on("◂");
    let screen = o.screen();
    assert!(screen.contains("Region: ◂ All regions (4) ▸"), "{screen}");
    assert_eq!(rows(&screen).len(), 4);
}

/// The selected row's name (the one with the menu button `⋮`).
fn selected(screen: &str) -> Option<String> {
    let line = screen.lines().find(|l| l.contains('⋮') && l.contains("-"))?;
    line.trim_start_matches('│').split_whitespace().next().map(str::to_string)
}

#[test]
fn page_down_moves_by_the_rows_on_screen_below_the_map() {
    let mut o = prod_eus();
    o.key(KeyCode::Char('i'));
    let before = names(&o.screen());
    assert!(before.len() >= 5 && before.len() < 21, "the map leaves part of the 21 rows on screen: {before:?}");
    o.key(KeyCode::PageDown);
    let screen = o.screen();
    // One screenful on: the first row after the ones that were on screen (not a page of a map-less list).
    let all: Vec<String> = {
        let mut o = prod_eus();
        o.key(KeyCode::Char('i'));
        o.resize(120, 80);
        names(&o.screen())
    };
    assert_eq!(all.len(), 21);
    assert_eq!(selected(&screen).as_deref(), Some(all[before.len()].as_str()), "{screen}");
}

/// The cell of `symbol` on the pair map: the blade's bottom rows, right of the resource menu and left
/// of the map's caption (which starts with the same symbols).
fn pair_marker(screen: &str, symbol: char) -> Option<(usize, usize)> {
    let lines: Vec<&str> = screen.lines().collect();
    let from = lines.len().saturating_sub(12);
    lines.iter().enumerate().skip(from).find_map(|(y, l)| {
        let x = l.chars().enumerate().skip(27).take(50).find(|(_, c)| *c == symbol)?.0;
        Some((x, y))
    })
}

#[test]
fn the_pair_map_puts_the_primary_where_the_link_says() {
    // East US primary, West Europe secondary: the primary's ◆ west of the secondary's ●.
    let mut o = demo::console_on(
        &demo::with_link_syncing(demo::fleet_state(), &demo::prod_eus(), &demo::dr_weu()),
        georep::tui::theme::Theme::azure(),
    );
    demo::open(&mut o, "contoso-prod-eus", '2');
    let screen = o.screen();
    let (p, s) = (pair_marker(&screen, '◆').expect("◆"), pair_marker(&screen, '●').expect("●"));
    assert!(p.0 < s.0, "◆ (East US) west of ● (West Europe):\n{screen}");
    assert!(screen.contains("East US · primary") && screen.contains("West Europe · secondary"), "{screen}");
    // The other way round: West Europe primary.
    let mut o = demo::console_on(
        &demo::with_link_syncing(demo::fleet_state(), &demo::dr_weu(), &demo::prod_eus()),
        georep::tui::theme::Theme::azure(),
    );
    demo::open(&mut o, "contoso-dr-weu", '2');
    let screen = o.screen();
    let (p, s) = (pair_marker(&screen, '◆').expect("◆"), pair_marker(&screen, '●').expect("●"));
    assert!(p.0 > s.0, "◆ (West Europe) east of ● (East US):\n{screen}");
    assert!(screen.contains("West Europe · primary"), "{screen}");
    // No room at 80x24: no map, the rest of the blade as before.
    o.resize(80, 24);
    let screen = o.screen();
    assert!(pair_marker(&screen, '◆').is_none() && !screen.contains("km apart"), "{screen}");
}
