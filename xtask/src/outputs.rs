//! `cargo xtask regen`: where the generated text goes.

use std::fs;
use std::path::Path;

use crate::contract::CONTRACT_JSON;
pub use crate::files::{read_json, write_if_changed};
use crate::generate::{Generated, generate};
use crate::{check, scratch, workspace_root};

/// The files `regen` owns, relative to the workspace root.
pub const OPENAPI_30: &str = "openapi/openapi-3.0.json";
pub const CLIENT_RS: &str = "crates/parallel-web-api/src/generated.rs";
pub const HTTPMOCK_RS: &str = "crates/parallel-web-api-httpmock/src/generated.rs";

/// The committed outputs paired with their freshly generated text.
fn outputs(generated: &Generated) -> [(&'static str, &str); 4] {
    [
        (OPENAPI_30, &generated.openapi_30),
        (CLIENT_RS, &generated.client),
        (HTTPMOCK_RS, &generated.httpmock),
        (CONTRACT_JSON, &generated.emulator_contract),
    ]
}

/// How the generated header names the spec: repo-relative when it is inside
/// the workspace, else just its file name (no machine paths in output).
pub fn source_label(spec: &Path) -> String {
    let root = workspace_root();
    let absolute = fs::canonicalize(spec).unwrap_or_else(|_| spec.to_path_buf());
    match absolute.strip_prefix(fs::canonicalize(&root).unwrap_or(root)) {
        Ok(relative) => relative.display().to_string(),
        Err(_) => spec
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "the spec".into()),
    }
}

/// Runs `regen` for `spec`: writes the workspace outputs, checks them
/// (`check`), or writes a scratch crate into `out`.
pub fn regen(spec: &Path, out: Option<&Path>, check: bool) -> Result<(), String> {
    let source = source_label(spec);
    let doc = read_json(spec)?;
    crate::lint::check(&doc, &source)?;
    let generated = generate(doc, &source)?;
    if let Some(dir) = out {
        return scratch::write_scratch_crate(dir, &generated);
    }
    let root = workspace_root();
    if check {
        check::check_outputs(&root, outputs(&generated))?;
        println!("generated files are up to date");
        return Ok(());
    }
    for (path, text) in outputs(&generated) {
        write_if_changed(&root.join(path), text)?;
        println!("wrote {path}");
    }
    Ok(())
}
