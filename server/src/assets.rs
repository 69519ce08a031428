//! Static assets: the stylesheet (compiled in) and the wasm client (from Trunk's output),
//! each under a content-hashed path so browsers may cache them for a year.

use std::path::Path;

use sha2::{Digest, Sha256};

/// Every stylesheet in `style/`, in cascade order.
pub const STYLESHEET: &str = concat!(
    include_str!("../../style/base.css"),
    include_str!("../../style/login.css"),
    include_str!("../../style/workspace.css"),
    include_str!("../../style/admin.css"),
);

pub const FAVICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1f5fbf"/><path d="M9 11h14M9 16h10M9 21h6" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>"##;

pub fn short_hash(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..6])
}

/// The stylesheet's URL path, e.g. `/assets/switchboard-1a2b3c4d5e6f.css`.
pub fn stylesheet_path() -> String {
    format!("/assets/switchboard-{}.css", short_hash(STYLESHEET.as_bytes()))
}

/// A tag for this build of the wasm client (a hash of its files), so its URL changes
/// whenever it does. `None` when the client has not been built.
pub fn client_build_tag(pkg_dir: &Path) -> Option<String> {
    // Both clients: the workspace client in the folder, the settings client in settings/.
    let mut files = Vec::new();
    for dir in [pkg_dir.to_path_buf(), pkg_dir.join("settings")] {
        files.push(std::fs::read(dir.join("frontend_bg.wasm")).ok()?);
        files.push(std::fs::read(dir.join("frontend.js")).ok()?);
    }
    Some(short_hash(&files.concat()))
}
