//! `cargo xtask regen --check`: is a committed file what regen would write?

use std::fs;
use std::path::Path;

use similar::TextDiff;

/// Lines of unchanged context around each change in the printed diff.
const CONTEXT_LINES: usize = 3;

/// Compares each committed file (`root`/`label`) with its regenerated text.
/// Prints a unified diff to stderr for each stale file and fails naming them
/// all; a missing file counts as empty, so its diff is the whole text.
pub fn check_outputs<'a>(
    root: &Path,
    outputs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(), String> {
    let mut stale = Vec::new();
    for (label, expected) in outputs {
        let committed = fs::read_to_string(root.join(label)).unwrap_or_default();
        if committed != expected {
            eprint!("{}", unified_diff(label, &committed, expected));
            stale.push(label);
        }
    }
    if stale.is_empty() {
        return Ok(());
    }
    Err(format!(
        "stale generated files: {}; run `cargo xtask regen`",
        stale.join(", ")
    ))
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

    /// A fresh, empty directory under the system temp dir for one test.
    fn scratch_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("src")).unwrap();
        dir
    }

    #[test]
    fn up_to_date_files_pass_the_check() {
        let root = scratch_dir("fresh");
        fs::write(root.join("a.json"), "{}\n").unwrap();
        fs::write(root.join("src/b.rs"), "fn b() {}\n").unwrap();
        let result = check_outputs(&root, [("a.json", "{}\n"), ("src/b.rs", "fn b() {}\n")]);
        fs::remove_dir_all(&root).unwrap();
        assert_eq!(result, Ok(()));
    }

    #[test]
    fn a_stale_or_missing_file_fails_the_check_naming_it() {
        let root = scratch_dir("stale");
        fs::write(root.join("a.json"), "{}\n").unwrap();
        fs::write(root.join("src/b.rs"), "fn b() {}\n").unwrap();
        let result = check_outputs(
            &root,
            [
                ("a.json", "{}\n"),
                ("src/b.rs", "fn b() { changed() }\n"),
                ("src/missing.rs", "x\n"),
            ],
        );
        fs::remove_dir_all(&root).unwrap();
        let error = result.unwrap_err();
        assert!(
            error.starts_with("stale generated files: src/b.rs, src/missing.rs;"),
            "{error}"
        );
        assert!(!error.contains("a.json"), "{error}");
    }

    #[test]
    fn identical_text_has_an_empty_diff() {
        assert_eq!(unified_diff("x", "a\n", "a\n"), "");
    }
}
