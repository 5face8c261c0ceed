//! `cargo xtask regen --check`: is a committed file what regen would write?

use std::fs;
use std::path::Path;

use similar::TextDiff;

/// Lines of unchanged context around each change in the printed diff.
const CONTEXT_LINES: usize = 3;

/// Compares `path` with `expected`; prints a unified diff (labelled with the
/// repo-relative `label`) to stderr when they differ.
pub fn is_up_to_date(path: &Path, label: &str, expected: &str) -> bool {
    let actual = fs::read_to_string(path).unwrap_or_default();
    if actual == expected {
        return true;
    }
    eprint!("{}", unified_diff(label, &actual, expected));
    false
}

/// A unified diff from `committed` to `regenerated`.
pub fn unified_diff(label: &str, committed: &str, regenerated: &str) -> String {
    TextDiff::from_lines(committed, regenerated)
        .unified_diff()
        .context_radius(CONTEXT_LINES)
        .header(
            &format!("a/{label} (committed)"),
            &format!("b/{label} (regenerated)"),
        )
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_shows_the_changed_lines_with_labels() {
        let diff = unified_diff("x.rs", "a\nb\nc\n", "a\nB\nc\n");
        assert!(diff.contains("--- a/x.rs (committed)"), "{diff}");
        assert!(diff.contains("+++ b/x.rs (regenerated)"), "{diff}");
        assert!(diff.contains("-b\n+B\n"), "{diff}");
    }

    #[test]
    fn identical_text_has_an_empty_diff() {
        assert_eq!(unified_diff("x", "a\n", "a\n"), "");
    }
}
