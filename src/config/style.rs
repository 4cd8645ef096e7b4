//! The `[theme]` table: one entry per style of the console's [`Theme`], by field name, e.g.
//! `border_focused = { fg = "#0078d4", bold = true }`. An entry is the element's whole style.

use std::collections::BTreeMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use toml::Spanned;

use super::Located;
use crate::tui::theme::Theme;

/// The theme's styles by name, in the order the default file lists them; a test checks this against
/// the fields of [`Theme`].
macro_rules! theme_fields {
    ($($name:ident),* $(,)?) => {
        pub(super) const FIELDS: &[&str] = &[$(stringify!($name)),*];

        pub(super) fn field_mut<'a>(theme: &'a mut Theme, name: &str) -> Option<&'a mut Style> {
            match name {
                $(stringify!($name) => Some(&mut theme.$name),)*
                _ => None,
            }
        }
    };
}

theme_fields!(
    header,
    crumb,
    crumb_current,
    border,
    border_focused,
    title,
    selected,
    selected_unfocused,
    group,
    label,
    value,
    muted,
    table_header,
    button,
    button_focused,
    button_disabled,
    ok,
    busy,
    bad,
    gauge,
    gauge_empty,
    banner,
    toast,
    hint_key,
    hint,
    dim,
);

/// The emphasis a style may have, by the name the file uses.
const MODIFIERS: [(&str, Modifier); 5] = [
    ("bold", Modifier::BOLD),
    ("dim", Modifier::DIM),
    ("italic", Modifier::ITALIC),
    ("underlined", Modifier::UNDERLINED),
    ("reversed", Modifier::REVERSED),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a style such as { fg = \"blue\", bg = \"#303030\", bold = true }")]
pub(super) struct StyleSpec {
    fg: Option<Spanned<String>>,
    bg: Option<Spanned<String>>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underlined: bool,
    #[serde(default)]
    reversed: bool,
}

impl StyleSpec {
    fn style(&self, entry: &str) -> Result<Style, Located> {
        let mut style = Style::new();
        if let Some(fg) = &self.fg {
            style = style.fg(color(entry, fg)?);
        }
        if let Some(bg) = &self.bg {
            style = style.bg(color(entry, bg)?);
        }
        let on = [self.bold, self.dim, self.italic, self.underlined, self.reversed];
        for ((_, m), on) in MODIFIERS.iter().zip(on) {
            if on {
                style = style.add_modifier(*m);
            }
        }
        Ok(style)
    }
}

fn color(entry: &str, value: &Spanned<String>) -> Result<Color, Located> {
    Color::from_str(value.get_ref().trim()).map_err(|_| {
        let message = format!(
            "[theme] {entry}: `{}` is not a colour (a name such as blue, darkgray or lightcyan, #rrggbb, or 0-255)",
            value.get_ref()
        );
        (Some(value.span()), message)
    })
}

/// The file's styles, checked, in file order.
pub(super) fn overrides(
    theme: &BTreeMap<Spanned<String>, Spanned<StyleSpec>>,
) -> Result<Vec<(&'static str, Style)>, Located> {
    let mut entries: Vec<_> = theme.iter().collect();
    entries.sort_by_key(|(name, _)| name.span().start);
    let mut styles = Vec::new();
    for (name, spec) in entries {
        let Some(field) = FIELDS.iter().find(|f| **f == name.get_ref().as_str()) else {
            let message =
                format!("[theme]: `{}` is not part of the theme (it has: {})", name.get_ref(), FIELDS.join(", "));
            return Err((Some(name.span()), message));
        };
        styles.push((*field, spec.get_ref().style(field)?));
    }
    Ok(styles)
}

/// A style as the file writes it: `{ fg = "white", bg = "#004578", bold = true }`.
pub(super) fn to_toml(style: &Style) -> String {
    let mut parts = Vec::new();
    for (name, c) in [("fg", style.fg), ("bg", style.bg)] {
        if let Some(c) = c {
            parts.push(format!("{name} = \"{}\"", c.to_string().to_ascii_lowercase()));
        }
    }
    for (name, m) in MODIFIERS {
        if style.add_modifier.contains(m) {
            parts.push(format!("{name} = true"));
        }
    }
    if parts.is_empty() { "{}".to_string() } else { format!("{{ {} }}", parts.join(", ")) }
}

/// The default theme's style of `name`.
pub(super) fn default_style(name: &str) -> Option<Style> {
    let mut theme = Theme::azure();
    field_mut(&mut theme, name).map(|s| *s)
}
