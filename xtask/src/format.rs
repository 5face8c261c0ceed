//! Turns generated syntax into the committed, rustfmt-clean text.

use std::io::Write;
use std::process::{Command, Stdio};

pub fn unparsable(error: syn::Error) -> String {
    format!("generated code does not parse: {error}")
}

/// syn → prettyplease → rustfmt, with `header` on top.
///
/// prettyplease output is not rustfmt-clean, and `cargo fmt --check` runs
/// over the whole workspace, so the final word is rustfmt's.
pub fn format_rust(header: &str, file: syn::File) -> Result<String, String> {
    let pretty = format!("{header}{}", prettyplease::unparse(&file));
    rustfmt(&block_docs_to_line_docs(&pretty))
}

/// The edition rustfmt formats with. It must match the crates' edition
/// (workspace `edition = "2024"`), because `cargo fmt --check` formats the
/// generated files with that edition's style.
const RUSTFMT_EDITION: &str = "2024";

fn rustfmt(source: &str) -> Result<String, String> {
    let mut child = Command::new(std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into()))
        .args(["--edition", RUSTFMT_EDITION, "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run rustfmt: {e}"))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = source.to_owned();
    // Write from another thread: rustfmt may fill its stdout pipe before it
    // has read all of stdin.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt: {e}"))?;
    writer
        .join()
        .map_err(|_| "rustfmt writer thread panicked".to_string())?
        .map_err(|e| format!("writing to rustfmt: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "rustfmt failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("rustfmt output is not UTF-8: {e}"))
}

/// Rewrites `/** .. */` doc comments as `///` lines.
///
/// prettyplease prints every multi-line doc as a block comment. rustfmt then
/// indents its continuation lines but not its first, so rustdoc reads the
/// whole text as an indented code block (and tries to compile it as a
/// doctest). Line comments keep the lines' relative indentation intact.
pub fn block_docs_to_line_docs(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut lines = source.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        let marker = if trimmed.starts_with("/**") && !trimmed.starts_with("/**/") {
            "///"
        } else if trimmed.starts_with("/*!") {
            "//!"
        } else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let indent = &line[..line.len() - trimmed.len()];
        let mut text = trimmed[3..].to_owned();
        while !text.ends_with("*/") {
            let Some(next) = lines.next() else { break };
            text.push('\n');
            text.push_str(next);
        }
        let text = text.strip_suffix("*/").unwrap_or(&text);
        for doc_line in text.split('\n') {
            out.push_str(indent);
            out.push_str(marker);
            if !doc_line.is_empty() {
                out.push(' ');
                out.push_str(doc_line);
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_doc_comments_become_line_comments_keeping_relative_indent() {
        let source = "mod m {\n    /**Title\n\nSends a `GET`\n```ignore\nlet x = f()\n    .g();\n```*/\n    fn f() {}\n}\n";
        let expected = "mod m {\n    /// Title\n    ///\n    /// Sends a `GET`\n    /// ```ignore\n    /// let x = f()\n    ///     .g();\n    /// ```\n    fn f() {}\n}\n";
        assert_eq!(block_docs_to_line_docs(source), expected);
    }

    #[test]
    fn inner_block_docs_become_inner_line_docs() {
        assert_eq!(block_docs_to_line_docs("/*!A\nB*/\n"), "//! A\n//! B\n");
    }

    #[test]
    fn code_without_block_docs_is_unchanged() {
        let source = "/// a\nfn f() { /* plain */ }\n";
        assert_eq!(block_docs_to_line_docs(source), source);
    }
}
