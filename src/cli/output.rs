//! Printing results: aligned tables for people, the ARM bodies as JSON for scripts.

use serde::Serialize;

use super::{Failure, Output, print};

/// Columns padded to their widest cell, two spaces apart; the last column is not padded.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        let last = cells.len().saturating_sub(1);
        for (i, cell) in cells.into_iter().enumerate() {
            s.push_str(cell);
            if i < last {
                let pad = widths[i] - cell.chars().count() + 2;
                s.extend(std::iter::repeat_n(' ', pad));
            }
        }
        s.truncate(s.trim_end().len());
        s.push('\n');
        s
    };
    let mut out = line(headers.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// `key: value` lines, keys aligned.
pub fn fields(pairs: &[(&str, String)]) -> String {
    let width = pairs.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
    pairs.iter().map(|(k, v)| format!("{k:<width$}  {v}\n")).collect()
}

/// Prints `value` as pretty JSON.
pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::failed("cannot print the result", "InvalidResponse", e.to_string()))?;
    print(&format!("{text}\n"));
    Ok(())
}

/// Prints `value` as JSON, or `table()` for people.
pub fn emit<T: Serialize + ?Sized>(output: Output, value: &T, table: impl FnOnce() -> String) -> Result<(), Failure> {
    match output {
        Output::Json => json(value),
        Output::Table => {
            print(&table());
            Ok(())
        }
    }
}

/// `-` for nothing.
pub fn or_dash(s: Option<impl ToString>) -> String {
    s.map(|s| s.to_string()).filter(|s| !s.is_empty()).unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let t =
            table(&["NAME", "LOCATION"], &[vec!["a".into(), "East US".into()], vec!["long-name".into(), "-".into()]]);
        assert_eq!(t, "NAME       LOCATION\na          East US\nlong-name  -\n");
    }

    #[test]
    fn aligns_fields() {
        assert_eq!(fields(&[("name", "x".into()), ("location", "y".into())]), "name      x\nlocation  y\n");
    }
}
