//! Aligned text tables for the client commands' text output: a header and
//! rows, each column as wide as its widest cell.

use std::io::Write;

/// Writes `header` and `rows` as columns two spaces apart; a note instead
/// when there are no rows, so that an empty answer is not a blank screen.
pub fn write(
    out: &mut dyn Write,
    header: &[&str],
    rows: &[Vec<String>],
    empty: &str,
) -> std::io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "{empty}");
    }
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                // No padding after the last column.
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}  "));
            }
        }
        text
    };
    writeln!(out, "{}", line(header.to_vec()))?;
    for row in rows {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_as_wide_as_their_widest_cell() {
        let mut out = Vec::new();
        let rows = vec![
            vec!["diamond".to_owned(), "3".to_owned()],
            vec!["a".to_owned(), "12".to_owned()],
        ];
        write(&mut out, &["NAME", "VERSION"], &rows, "none").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "NAME     VERSION\ndiamond  3\na        12\n"
        );
    }

    #[test]
    fn no_rows_print_the_note() {
        let mut out = Vec::new();
        write(&mut out, &["NAME"], &[], "no workflows").unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "no workflows\n");
    }
}
