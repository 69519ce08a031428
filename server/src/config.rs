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
    /// The origins browsers reach Switchboard at (`SWITCHBOARD_PUBLIC_URL`, comma-separated),
    /// as `scheme://host[:port]`. State-changing requests must come from one of them, and a
    /// request naming a Host that is none of them (nor an IP address or `localhost`) is
    /// refused. Empty: any IP address or `localhost`, with the Origin matching the Host.
    pub public_origins: Vec<String>,
    /// Whether a proxy in front sets `X-Forwarded-For` (`SWITCHBOARD_TRUST_PROXY=1`): the
    /// client address for login limits is then its last entry, not the peer's address.
    pub trust_proxy: bool,
    /// The first super admin's email for a database with no users (`SWITCHBOARD_ADMIN_EMAIL`);
    /// a generated password is printed once at that start.
    pub first_admin_email: Option<String>,
    /// Where attachments are kept (`SWITCHBOARD_FILES`; the data folder's `files/` when
    /// unset). Several instances on one database need one shared folder.
    pub files_dir: PathBuf,
    /// How big the files of one reply may be together (`SWITCHBOARD_ATTACHMENT_LIMIT_MB`).
    pub attachment_limit_bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("SWITCHBOARD_ADDR must be an address like 127.0.0.1:3000, not {0:?}")]
    Addr(String),
    #[error("cannot use the data folder {path}: {source}")]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error("SWITCHBOARD_SECRET_KEY must be at least 32 characters")]
    ShortSecret,
    #[error(
        "SWITCHBOARD_PUBLIC_URL must be addresses like https://help.example.com, comma-separated; {0:?} is not one"
    )]
    PublicUrl(String),
    #[error("SWITCHBOARD_ATTACHMENT_LIMIT_MB must be a whole number of megabytes from 1 to 1000, not {0:?}")]
    AttachmentLimit(String),
}

impl Config {
    /// Reads `SWITCHBOARD_ADDR`, `SWITCHBOARD_DATA`, `DATABASE_URL`, `SWITCHBOARD_DEMO`,
    /// `SWITCHBOARD_SECRET_KEY`, `SWITCHBOARD_SITE`, `SWITCHBOARD_PUBLIC_URL`,
    /// `SWITCHBOARD_TRUST_PROXY`, `SWITCHBOARD_ADMIN_EMAIL`, `SWITCHBOARD_FILES` and
    /// `SWITCHBOARD_ATTACHMENT_LIMIT_MB`.
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
        // Demo data (with its well-known password) only when asked for: `scripts/run` asks.
        let seed_demo = var("SWITCHBOARD_DEMO").is_some_and(|v| matches!(v.as_str(), "1" | "true" | "on"));
        let secret_key = match var("SWITCHBOARD_SECRET_KEY") {
            Some(key) if key.len() >= 32 => key.into_bytes(),
            Some(_) => return Err(ConfigError::ShortSecret),
            None => secret_from_data_dir(&data_dir)?,
        };
        let site_root = PathBuf::from(var("SWITCHBOARD_SITE").unwrap_or_else(|| "target/site".to_string()));
        let public_origins = match var("SWITCHBOARD_PUBLIC_URL") {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|url| !url.is_empty())
                .map(|url| origin_of(url).ok_or_else(|| ConfigError::PublicUrl(url.to_string())))
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let trust_proxy = var("SWITCHBOARD_TRUST_PROXY").is_some_and(|v| v == "1" || v == "true");
        let files_dir = var("SWITCHBOARD_FILES").map_or_else(|| data_dir.join("files"), PathBuf::from);
        let attachment_limit_bytes = match var("SWITCHBOARD_ATTACHMENT_LIMIT_MB") {
            None => app::conversations::attachments::DEFAULT_LIMIT_MB,
            Some(text) => text
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|mb| (1..=1000).contains(mb))
                .ok_or(ConfigError::AttachmentLimit(text))?,
        } * 1024
            * 1024;
        Ok(Config {
            addr,
            data_dir,
            database_url,
            seed_demo,
            secret_key,
            site_root,
            public_origins,
            trust_proxy,
            first_admin_email: var("SWITCHBOARD_ADMIN_EMAIL"),
            files_dir,
            attachment_limit_bytes,
        })
    }
}

/// Writes a file only its owner can read, from the moment it exists (writing first and
/// narrowing the mode afterwards leaves a moment in which others can read it). A file
/// left by an earlier start is replaced.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let _ = std::fs::remove_file(path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// `scheme://host[:port]` of an http(s) URL, lower-cased, without a default port or path.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    let valid = !authority.is_empty()
        && !authority.contains('@')
        && authority
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    if !valid {
        return None;
    }
    let authority = authority.strip_suffix(default_port).unwrap_or(&authority);
    Some(format!("{scheme}://{authority}"))
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
            write_private(&path, key.as_bytes()).map_err(io)?;
            tracing::warn!(
                path = %path.display(),
                "SWITCHBOARD_SECRET_KEY is not set: generated a key into the data folder. \
                 Set the same SWITCHBOARD_SECRET_KEY on every instance when running several."
            );
            Ok(key.into_bytes())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_become_origins() {
        assert_eq!(
            origin_of("https://Help.Example.com/").as_deref(),
            Some("https://help.example.com")
        );
        assert_eq!(
            origin_of("https://help.example.com:443").as_deref(),
            Some("https://help.example.com")
        );
        assert_eq!(
            origin_of("http://10.0.0.5:3000/x?y").as_deref(),
            Some("http://10.0.0.5:3000")
        );
        assert_eq!(origin_of("ftp://example.com"), None);
        assert_eq!(origin_of("https://user@example.com"), None);
        assert_eq!(origin_of("example.com"), None);
    }

    #[cfg(unix)]
    #[test]
    fn the_generated_secret_key_is_private_from_the_start() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("switchboard-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Whatever the umask, the file never exists with wider permissions.
        let key = secret_from_data_dir(&dir).unwrap();
        assert_eq!(key.len(), 64);
        let mode = std::fs::metadata(dir.join("secret.key")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            secret_from_data_dir(&dir).unwrap(),
            key,
            "the key is read back on the next start"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
