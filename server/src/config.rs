//! Configuration from the environment: where to listen, where data lives, which database.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub seed_demo: bool,
    pub secret_key: Vec<u8>,
    /// The folder holding `pkg/` (the wasm client Trunk built).
    pub site_root: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("SWITCHBOARD_ADDR must be an address like 127.0.0.1:3000, not {0:?}")]
    Addr(String),
    #[error("cannot use the data folder {path}: {source}")]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error("SWITCHBOARD_SECRET_KEY must be at least 32 characters")]
    ShortSecret,
}

impl Config {
    /// Reads `SWITCHBOARD_ADDR`, `SWITCHBOARD_DATA`, `DATABASE_URL`, `SWITCHBOARD_DEMO`,
    /// `SWITCHBOARD_SECRET_KEY` and `SWITCHBOARD_SITE`.
    pub fn from_env() -> Result<Config, ConfigError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let addr_text = var("SWITCHBOARD_ADDR").unwrap_or_else(|| "127.0.0.1:3000".to_string());
        let addr = addr_text.parse().map_err(|_| ConfigError::Addr(addr_text.clone()))?;
        let data_dir = PathBuf::from(var("SWITCHBOARD_DATA").unwrap_or_else(|| "data".to_string()));
        std::fs::create_dir_all(&data_dir).map_err(|source| ConfigError::DataDir {
            path: data_dir.clone(),
            source,
        })?;
        let database_url =
            var("DATABASE_URL").unwrap_or_else(|| format!("sqlite://{}", data_dir.join("switchboard.db").display()));
        let seed_demo = var("SWITCHBOARD_DEMO").is_none_or(|v| v != "0" && v != "false");
        let secret_key = match var("SWITCHBOARD_SECRET_KEY") {
            Some(key) if key.len() >= 32 => key.into_bytes(),
            Some(_) => return Err(ConfigError::ShortSecret),
            None => secret_from_data_dir(&data_dir)?,
        };
        let site_root = PathBuf::from(var("SWITCHBOARD_SITE").unwrap_or_else(|| "target/site".to_string()));
        Ok(Config {
            addr,
            data_dir,
            database_url,
            seed_demo,
            secret_key,
            site_root,
        })
    }
}

/// Reads the generated key from the data folder, creating it on first start.
fn secret_from_data_dir(data_dir: &Path) -> Result<Vec<u8>, ConfigError> {
    let path = data_dir.join("secret.key");
    let io = |source| ConfigError::DataDir {
        path: path.clone(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(key) if key.trim().len() >= 32 => Ok(key.trim().as_bytes().to_vec()),
        _ => {
            use rand::RngCore;
            let mut bytes = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut bytes);
            let key = hex::encode(bytes);
            std::fs::write(&path, &key).map_err(io)?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
            }
            tracing::warn!(
                path = %path.display(),
                "SWITCHBOARD_SECRET_KEY is not set: generated a key into the data folder. \
                 Set the same SWITCHBOARD_SECRET_KEY on every instance when running several."
            );
            Ok(key.into_bytes())
        }
    }
}
