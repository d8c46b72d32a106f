//! A line diff of two definitions, for `workflow apply` to show what a new
//! version changes: the longest common subsequence of lines, printed as
//! `-`/`+` lines with two lines of context around each change.

use std::io::Write;

/// Lines of unchanged context shown around a change.
const CONTEXT: usize = 2;

/// Beyond this many lines a side (the table is n×m) only a count is shown.
const MAX_LINES: usize = 4000;

/// One line of the edit script.
#[derive(Debug, PartialEq, Eq)]
enum Op<'a> {
    Same(&'a str),
    Removed(&'a str),
    Added(&'a str),
}

/// The edit script turning `old` into `new`.
fn ops<'a>(old: &[&'a str], new: &[&'a str]) -> Vec<Op<'a>> {
    let (n, m) = (old.len(), new.len());
    // lcs[i][j]: length of the common subsequence of old[i..] and new[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if old[i] == new[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && old[i] == new[j] {
            out.push(Op::Same(old[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // Removals first: a changed line reads as `-` old, `+` new.
            out.push(Op::Removed(old[i]));
            i += 1;
        } else {
            out.push(Op::Added(new[j]));
            j += 1;
        }
    }
    out
}

/// Writes the changes from `old` to `new`, coloured when `colour`; returns
/// whether there were any.
pub fn write(old: &str, new: &str, colour: bool, out: &mut dyn Write) -> std::io::Result<bool> {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    if a.len() > MAX_LINES || b.len() > MAX_LINES {
        writeln!(out, "  ({} lines before, {} after)", a.len(), b.len())?;
        return Ok(old != new);
    }
    let ops = ops(&a, &b);
    let changed: Vec<bool> = ops.iter().map(|o| !matches!(o, Op::Same(_))).collect();
    if !changed.contains(&true) {
        return Ok(false);
    }
    let near = |k: usize| {
        let lo = k.saturating_sub(CONTEXT);
        let hi = (k + CONTEXT + 1).min(ops.len());
        changed[lo..hi].contains(&true)
    };
    let (red, green, reset) = if colour {
        ("\x1b[31m", "\x1b[32m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    let mut skipped = false;
    for (k, op) in ops.iter().enumerate() {
        if !near(k) {
            skipped = true;
            continue;
        }
        if skipped {
            writeln!(out, "  …")?;
            skipped = false;
        }
        match op {
            Op::Same(l) => writeln!(out, "  {l}")?,
            Op::Removed(l) => writeln!(out, "{red}- {l}{reset}")?,
            Op::Added(l) => writeln!(out, "{green}+ {l}{reset}")?,
        }
    }
    if skipped {
        writeln!(out, "  …")?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(old: &str, new: &str) -> String {
        let mut out = Vec::new();
        write(old, new, false, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_changed_line_reads_as_removed_then_added_with_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\n";
        let new = "a\nb\nc\nD\ne\nf\ng\n";
        assert_eq!(diff(old, new), "  …\n  b\n  c\n- d\n+ D\n  e\n  f\n  …\n");
    }

    #[test]
    fn identical_texts_have_no_changes() {
        let mut out = Vec::new();
        assert!(!write("a\nb\n", "a\nb\n", false, &mut out).unwrap());
        assert!(out.is_empty());
    }

    #[test]
    fn added_and_removed_lines_at_the_ends() {
        assert_eq!(diff("a\n", "a\nb\n"), "  a\n+ b\n");
        assert_eq!(diff("x\na\n", "a\n"), "- x\n  a\n");
    }
}
