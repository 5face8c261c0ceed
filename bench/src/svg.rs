//! Plots for the report: one SVG per workload with side-by-side panels of
//! horizontal bars (one bar per client), each panel on its own linear scale
//! from zero. Written by hand: a few rectangles and labels need no plotting
//! library, and the files stay small and diff-friendly.

use std::fmt::Write;

/// One panel: a measure and its value per client (`None`: not measured).
pub struct Panel<'a> {
    /// Panel heading, e.g. "wall time".
    pub title: &'a str,
    /// Unit printed after each value, e.g. "s".
    pub unit: &'a str,
    /// Client name and value, top to bottom.
    pub bars: Vec<(&'a str, Option<f64>)>,
}

const PANEL_W: f64 = 300.0;
const LABEL_W: f64 = 84.0;
const VALUE_W: f64 = 64.0;
const BAR_H: f64 = 20.0;
const ROW_H: f64 = 28.0;
const TOP: f64 = 56.0;

/// Bar colour of a client.
fn colour(client: &str) -> &'static str {
    match client {
        "rust" | "parallel-web" => "#b7410e",
        "python" | "parallel-cli" => "#3572a5",
        "typescript" => "#8e6cc0",
        _ => "#8c8c8c",
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A value with three significant digits.
pub fn fmt_value(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else if v >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// An SVG document titled `title` with `panels` side by side.
pub fn chart(title: &str, panels: &[Panel]) -> String {
    let rows = panels.iter().map(|p| p.bars.len()).max().unwrap_or(0);
    let width = PANEL_W * panels.len() as f64 + 20.0;
    let height = TOP + ROW_H * rows as f64 + 16.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        s,
        r##"<rect width="100%" height="100%" fill="#ffffff"/><text x="10" y="20" font-size="15" font-weight="bold">{}</text>"##,
        escape(title)
    );
    for (i, panel) in panels.iter().enumerate() {
        let x0 = 10.0 + PANEL_W * i as f64;
        let _ = writeln!(
            s,
            r#"<text x="{x0}" y="44" font-weight="bold">{} ({})</text>"#,
            escape(panel.title),
            escape(panel.unit)
        );
        let max = panel
            .bars
            .iter()
            .filter_map(|(_, v)| *v)
            .fold(0.0_f64, f64::max);
        let span = PANEL_W - LABEL_W - VALUE_W - 10.0;
        for (row, (client, value)) in panel.bars.iter().enumerate() {
            let y = TOP + ROW_H * row as f64;
            let _ = writeln!(
                s,
                r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
                x0 + LABEL_W - 6.0,
                y + BAR_H * 0.7,
                escape(client)
            );
            let bar_x = x0 + LABEL_W;
            match value {
                Some(v) => {
                    let w = if max > 0.0 { span * v / max } else { 0.0 }.max(1.0);
                    let _ = writeln!(
                        s,
                        r#"<rect x="{bar_x}" y="{y}" width="{w:.1}" height="{BAR_H}" fill="{}"/><text x="{:.1}" y="{}">{} {}</text>"#,
                        colour(client),
                        bar_x + w + 4.0,
                        y + BAR_H * 0.7,
                        fmt_value(*v),
                        escape(panel.unit)
                    );
                }
                None => {
                    let _ = writeln!(
                        s,
                        r##"<text x="{}" y="{}" fill="#8c8c8c">not measured</text>"##,
                        bar_x + 4.0,
                        y + BAR_H * 0.7
                    );
                }
            }
        }
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_missing_ones_say_so() {
        let svg = chart(
            "stream <100k>",
            &[Panel {
                title: "wall",
                unit: "s",
                bars: vec![
                    ("rust", Some(1.0)),
                    ("python", Some(10.0)),
                    ("typescript", None),
                ],
            }],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(svg.contains("stream &lt;100k&gt;"));
        let span = PANEL_W - LABEL_W - VALUE_W - 10.0;
        assert!(svg.contains(&format!(r#"width="{:.1}""#, span)));
        assert!(svg.contains(&format!(r#"width="{:.1}""#, span / 10.0)));
        assert!(svg.contains("not measured"));
    }

    #[test]
    fn values_keep_three_significant_digits() {
        assert_eq!(fmt_value(123.456), "123");
        assert_eq!(fmt_value(12.345), "12.3");
        assert_eq!(fmt_value(1.2345), "1.23");
        assert_eq!(fmt_value(0.12345), "0.123");
    }
}
