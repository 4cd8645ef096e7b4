//! Colours and emphasis. With `NO_COLOR` set, only bold, dim and reverse are used.

use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Debug)]
pub struct Theme {
    pub header: Style,
    pub crumb: Style,
    pub crumb_current: Style,
    pub border: Style,
    pub border_focused: Style,
    pub title: Style,
    pub selected: Style,
    pub selected_unfocused: Style,
    pub group: Style,
    pub label: Style,
    pub value: Style,
    pub muted: Style,
    pub table_header: Style,
    pub button: Style,
    pub button_focused: Style,
    pub button_disabled: Style,
    pub ok: Style,
    pub busy: Style,
    pub bad: Style,
    pub gauge: Style,
    pub gauge_empty: Style,
    pub banner: Style,
    pub toast: Style,
    pub hint_key: Style,
    pub hint: Style,
    pub dim: Style,
    pub no_color: bool,
}

impl Theme {
    /// The theme for this environment: `NO_COLOR` (any non-empty value) turns colour off.
    pub fn from_env() -> Self {
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) { Self::mono() } else { Self::azure() }
    }

    pub fn azure() -> Self {
        let blue = Color::Rgb(0, 120, 212);
        Theme {
            header: Style::new().fg(Color::White).bg(Color::Rgb(0, 69, 120)).add_modifier(Modifier::BOLD),
            crumb: Style::new().fg(Color::Rgb(96, 163, 232)),
            crumb_current: Style::new().add_modifier(Modifier::BOLD),
            border: Style::new().fg(Color::DarkGray),
            border_focused: Style::new().fg(blue).add_modifier(Modifier::BOLD),
            title: Style::new().add_modifier(Modifier::BOLD),
            selected: Style::new().fg(Color::White).bg(blue),
            selected_unfocused: Style::new().bg(Color::Rgb(48, 48, 48)),
            group: Style::new().fg(Color::Gray).add_modifier(Modifier::BOLD),
            label: Style::new().fg(Color::Gray),
            value: Style::new(),
            muted: Style::new().fg(Color::DarkGray),
            table_header: Style::new().fg(Color::Gray).add_modifier(Modifier::BOLD),
            button: Style::new().fg(Color::Rgb(96, 163, 232)),
            button_focused: Style::new().fg(Color::White).bg(blue).add_modifier(Modifier::BOLD),
            button_disabled: Style::new().fg(Color::DarkGray),
            ok: Style::new().fg(Color::Green),
            busy: Style::new().fg(Color::Yellow),
            bad: Style::new().fg(Color::Red),
            gauge: Style::new().fg(blue),
            gauge_empty: Style::new().fg(Color::DarkGray),
            banner: Style::new().fg(Color::White).bg(Color::Red),
            toast: Style::new().fg(Color::Black).bg(Color::Rgb(180, 215, 255)),
            hint_key: Style::new().fg(Color::Rgb(96, 163, 232)).add_modifier(Modifier::BOLD),
            hint: Style::new().fg(Color::Gray),
            dim: Style::new().add_modifier(Modifier::DIM),
            no_color: false,
        }
    }

    pub fn mono() -> Self {
        let plain = Style::new();
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let rev = Style::new().add_modifier(Modifier::REVERSED);
        let dim = Style::new().add_modifier(Modifier::DIM);
        Theme {
            header: rev,
            crumb: plain,
            crumb_current: bold,
            border: plain,
            border_focused: bold,
            title: bold,
            selected: rev,
            selected_unfocused: Style::new().add_modifier(Modifier::UNDERLINED),
            group: bold,
            label: plain,
            value: plain,
            muted: dim,
            table_header: bold,
            button: plain,
            button_focused: rev,
            button_disabled: dim,
            ok: plain,
            busy: bold,
            bad: bold,
            gauge: plain,
            gauge_empty: dim,
            banner: rev,
            toast: rev,
            hint_key: bold,
            hint: plain,
            dim,
            no_color: true,
        }
    }
}
