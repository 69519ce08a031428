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
    // Both clients: the workspace client in the folder, the settings client in settings/;
    // each is its main module, its JS and its chunks (see `chunk_files`).
    let mut files = Vec::new();
    for dir in [pkg_dir.to_path_buf(), pkg_dir.join("settings")] {
        files.push(std::fs::read(dir.join("frontend_bg.wasm")).ok()?);
        files.push(std::fs::read(dir.join("frontend.js")).ok()?);
        let mut chunks: Vec<_> = std::fs::read_dir(&dir)
            .ok()?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| {
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                is_chunk_file(name) || name == "__wasm_split.js" || name == "split-manifest.json"
            })
            .collect();
        chunks.sort();
        for chunk in chunks {
            files.push(std::fs::read(chunk).ok()?);
        }
    }
    Some(short_hash(&files.concat()))
}

/// A wasm chunk of a client (`app::lazy`): `split_<name>.wasm`, or `chunk_<n>.wasm` for code
/// several chunks share.
pub fn is_chunk_file(name: &str) -> bool {
    (name.starts_with("split_") || name.starts_with("chunk_")) && name.ends_with(".wasm")
}

/// Both clients' chunks and their files, from the `split-manifest.json` each build writes
/// (`scripts/split-client`); the settings client's files are named under `settings/`.
/// Empty when the clients have not been built.
pub fn chunk_files(pkg_dir: &Path) -> app::kit::lazy::ChunkFiles {
    let read = |path: std::path::PathBuf| -> std::collections::HashMap<String, Vec<String>> {
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|error| {
                tracing::warn!(path = %path.display(), %error, "unreadable chunk manifest: pages will not preload their chunks");
                Default::default()
            }),
            Err(_) => Default::default(),
        }
    };
    let mut files = read(pkg_dir.join("split-manifest.json"));
    for (chunk, list) in read(pkg_dir.join("settings").join("split-manifest.json")) {
        files.insert(chunk, list.into_iter().map(|file| format!("settings/{file}")).collect());
    }
    app::kit::lazy::ChunkFiles(std::sync::Arc::new(files))
}
