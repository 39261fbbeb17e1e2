//! Text helpers shared by the table and Markdown renderers: sizes and
//! aligned tables.

use std::fmt::Write as _;

/// `1.5 MB`-style sizes (SI units, as dive and docker print them).
#[must_use]
pub fn human_bytes(n: u64) -> String {
    const UNITS: &[&str] = &["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// A plain-text or Markdown table.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    #[must_use]
    pub fn new(header: &[&str]) -> Self {
        Self {
            header: header.iter().map(|s| (*s).to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Add a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Render; `md` for Markdown, `show_header` for text tables.
    #[must_use]
    pub fn render(&self, md: bool, show_header: bool) -> String {
        let mut out = String::new();
        if md {
            let esc = |s: &str| s.replace('|', "\\|").replace('\n', " ");
            let _ = writeln!(
                out,
                "| {} |",
                self.header
                    .iter()
                    .map(|h| esc(h))
                    .collect::<Vec<_>>()
                    .join(" | ")
            );
            let _ = writeln!(out, "|{}", "---|".repeat(self.header.len()));
            for r in &self.rows {
                let _ = writeln!(
                    out,
                    "| {} |",
                    r.iter().map(|c| esc(c)).collect::<Vec<_>>().join(" | ")
                );
            }
            return out;
        }
        let n = self.header.len();
        let mut widths = vec![0; n];
        let all = std::iter::once(&self.header)
            .filter(|_| show_header)
            .chain(&self.rows);
        for r in all.clone() {
            for (i, c) in r.iter().enumerate().take(n) {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
        for r in all {
            let mut line = String::new();
            for (i, c) in r.iter().enumerate().take(n) {
                if i + 1 == n {
                    line.push_str(c);
                } else {
                    let _ = write!(line, "{c:<w$}  ", w = widths[i]);
                }
            }
            let _ = writeln!(out, "  {}", line.trim_end());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1_500_000), "1.5 MB");
    }
}
