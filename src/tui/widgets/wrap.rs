//! Word wrapping that keeps each span's style and indents continuation lines, so wrapped text lines up
//! under itself (bullets, label/value pairs, help entries) and its height is known before drawing
//! (dialogs size themselves to it, scrolling knows where the end is).

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Wraps `line` into lines of at most `width` cells. Breaks at the last space that fits (never inside
/// the first `hang` cells, which hold a label, a key or a bullet); a word longer than a line (a host
/// name, a resource id) breaks after its last `.`, `/` or `-` that fits, else anywhere. Continuation
/// lines start with `hang` spaces. Every character counts as one cell: the console's text has no wide
/// characters.
pub fn wrap(line: &Line<'_>, width: usize, hang: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let hang = hang.min(width / 2);
    let cells: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|s| {
            let style = line.style.patch(s.style);
            s.content.chars().map(move |c| (c, style))
        })
        .collect();
    let mut out = Vec::new();
    let mut rest: &[(char, Style)] = &cells;
    let mut indent = 0;
    loop {
        let room = width - indent;
        if rest.len() <= room {
            out.push(build(rest, indent));
            return out;
        }
        // Not inside the label or the indentation the line starts with.
        let leading = rest.iter().take_while(|(c, _)| *c == ' ').count();
        let floor = if indent == 0 { hang.max(leading) } else { leading };
        let at_space = rest[..=room].iter().rposition(|(c, _)| *c == ' ').filter(|&i| i > floor);
        let (head, tail) = match at_space {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => {
                let soft = rest[..room].iter().rposition(|(c, _)| matches!(c, '.' | '/' | '-')).filter(|&i| i > floor);
                let cut = soft.map(|i| i + 1).unwrap_or(room);
                (&rest[..cut], &rest[cut..])
            }
        };
        let end = head.iter().rposition(|(c, _)| *c != ' ').map_or(0, |i| i + 1);
        out.push(build(&head[..end], indent));
        rest = tail;
        while rest.first().is_some_and(|(c, _)| *c == ' ') {
            rest = &rest[1..];
        }
        if rest.is_empty() {
            return out;
        }
        indent = hang;
    }
}

/// Wraps every line; `hang` says how far each one's continuation lines are indented.
pub fn wrap_all<'a>(
    lines: impl IntoIterator<Item = Line<'a>>,
    width: usize,
    hang: impl Fn(&Line<'a>) -> usize,
) -> Vec<Line<'static>> {
    lines.into_iter().flat_map(|l| wrap(&l, width, hang(&l))).collect()
}

/// The indentation a bullet line (`• `) hangs by: its continuation lines start under its text.
pub fn bullet_hang(line: &Line<'_>) -> usize {
    let text: String = line.spans.iter().take(2).map(|s| s.content.as_ref()).collect();
    if text.starts_with("• ") { 2 } else { 0 }
}

fn build(cells: &[(char, Style)], indent: usize) -> Line<'static> {
    let mut spans = Vec::new();
    if indent > 0 {
        spans.push(Span::raw(" ".repeat(indent)));
    }
    let mut i = 0;
    while i < cells.len() {
        let style = cells[i].1;
        let n = cells[i..].iter().take_while(|(_, s)| *s == style).count();
        spans.push(Span::styled(cells[i..i + n].iter().map(|(c, _)| c).collect::<String>(), style));
        i += n;
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect()).collect()
    }

    #[test]
    fn words_bullets_and_long_names() {
        let l = Line::from("• contoso-dr-weu becomes read-only; clients write to contoso-prod-eus.");
        assert_eq!(
            text(&wrap(&l, 30, 2)),
            ["• contoso-dr-weu becomes", "  read-only; clients write to", "  contoso-prod-eus."]
        );
        let l = Line::from(" Host name       contoso-inventory-eus.redis.cache.windows.net");
        assert_eq!(
            text(&wrap(&l, 40, 17)),
            [" Host name       contoso-inventory-eus.", "                 redis.cache.windows.net"]
        );
        let l = Line::from("short");
        assert_eq!(text(&wrap(&l, 40, 4)), ["short"]);
        let l = Line::from("abcdefghij");
        assert_eq!(text(&wrap(&l, 4, 0)), ["abcd", "efgh", "ij"]);
    }

    #[test]
    fn styles_survive() {
        let bold = Style::new().add_modifier(ratatui::style::Modifier::BOLD);
        let l = Line::from(vec![Span::styled("aaa ", bold), Span::raw("bbb ccc")]);
        let out = wrap(&l, 7, 0);
        assert_eq!(text(&out), ["aaa bbb", "ccc"]);
        assert_eq!(out[0].spans[0].style, bold);
        assert_eq!(out[1].spans[0].style, Style::default());
    }
}
