//! Reading and writing the files the xtask's commands share, apart from
//! any one command (so `outputs.rs` and `scratch.rs` both use it without
//! importing each other).

use std::fs;
use std::path::Path;

/// Reads a JSON document.
pub fn read_json(path: &Path) -> Result<serde_json::Value, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("parsing {}: {e}", path.display()))
}

/// Writes `text` unless the file already holds it (keeps mtimes, and so
/// cargo's rebuilds, quiet when nothing changed).
pub fn write_if_changed(path: &Path, text: &str) -> Result<(), String> {
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("creating {}: {e}", parent.display()))?;
    }
    fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}
