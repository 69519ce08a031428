//! Files on a reply (MISSION R6, issue 11): what the composer and the thread show of them,
//! and the rules every file meets before it is stored (a name that cannot break a header or
//! a path, a plain content type, a size within the reply's limit).

use serde::{Deserialize, Serialize};

/// One stored file: added to a draft, then sent with its message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
}

/// Where an image shown inside an incoming message's HTML loads from (`cid:` images): the
/// same access check as a download, shown in place rather than saved.
pub fn inline_path(id: &str) -> String {
    format!("{FILES_PATH}/{id}/inline")
}

impl Attachment {
    /// Where it downloads from (only for users who may see its ticket).
    pub fn href(&self) -> String {
        format!("{FILES_PATH}/{}", self.id)
    }
}

/// Uploads go to `POST /files?conversation=<id>&name=<file name>`, downloads come from
/// `GET /files/<id>`.
pub const FILES_PATH: &str = "/files";

/// The files of one reply together, unless `SWITCHBOARD_ATTACHMENT_LIMIT_MB` says otherwise.
pub const DEFAULT_LIMIT_MB: u64 = 25;
/// Files on one reply at most.
pub const MAX_FILES: usize = 20;
/// Characters of a file name kept.
pub const MAX_FILE_NAME: usize = 150;

/// What a reply's draft has room for: its limit, what is attached, how many files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    pub limit: i64,
    pub attached: i64,
    pub files: usize,
}

impl Room {
    /// Whether one more file of `size` bytes fits; the message says why not.
    pub fn check(&self, size: i64) -> Result<(), String> {
        if self.files >= MAX_FILES {
            return Err(format!(
                "A reply can carry {MAX_FILES} files at most: remove one, or send the rest in another reply."
            ));
        }
        if self.attached + size > self.limit {
            return Err(format!(
                "The files of one reply can be {} together: this one is {} and {} is attached already. \
                 Send a large file as a link instead.",
                size_label(self.limit),
                size_label(size),
                size_label(self.attached)
            ));
        }
        Ok(())
    }

    /// The room once a file of `size` bytes is added.
    pub fn with(self, size: i64) -> Room {
        Room {
            attached: self.attached + size,
            files: self.files + 1,
            ..self
        }
    }
}

/// A size as people read it: "820 bytes", "14 KB", "1.2 MB".
pub fn size_label(bytes: i64) -> String {
    let bytes = bytes.max(0) as f64;
    if bytes < 1024.0 {
        format!("{bytes} bytes")
    } else if bytes < 1024.0 * 1024.0 {
        format!("{:.0} KB", (bytes / 1024.0).ceil())
    } else {
        format!("{:.1} MB", bytes / (1024.0 * 1024.0))
    }
}

/// A file name safe to store, show and put in a mail header: no folders, no control or
/// invisible direction characters, no quotes, at most [`MAX_FILE_NAME`] characters, never
/// empty or a dot name.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_invisible(*c))
        .map(|c| if "\"<>:|?*".contains(c) { '_' } else { c })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    if trimmed.is_empty() {
        return "attachment".to_string();
    }
    if trimmed.chars().count() <= MAX_FILE_NAME {
        return trimmed.to_string();
    }
    // Keep the extension when shortening ("very long name….pdf").
    let extension = trimmed
        .rsplit_once('.')
        .map(|(_, e)| e)
        .filter(|e| !e.is_empty() && e.chars().count() <= 10);
    let keep = MAX_FILE_NAME - extension.map_or(0, |e| e.chars().count() + 1) - 1;
    let head: String = trimmed.chars().take(keep).collect();
    match extension {
        Some(extension) => format!("{head}….{extension}"),
        None => format!("{head}…"),
    }
}

/// Characters that change how text around them is shown without being seen: bidirectional
/// overrides and isolates, zero-width characters.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The content type as stored: a plain `type/subtype` the browser named, or
/// `application/octet-stream` for anything else (parameters, odd characters, nothing).
pub fn clean_content_type(value: &str) -> String {
    let value = value.trim().to_ascii_lowercase();
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 100
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    match value.split_once('/') {
        Some((kind, sub)) if token(kind) && token(sub) => value,
        _ => "application/octet-stream".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_folders_controls_and_header_breakers() {
        assert_eq!(clean_file_name("report.pdf"), "report.pdf");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\Users\\tom\\a.txt"), "a.txt");
        assert_eq!(clean_file_name("a\r\nContent-Type: x.txt"), "aContent-Type_ x.txt");
        assert_eq!(clean_file_name("evil\u{202E}fdp.exe"), "evilfdp.exe");
        assert_eq!(clean_file_name("\"quoted\".txt"), "_quoted_.txt");
        assert_eq!(clean_file_name(".."), "attachment");
        assert_eq!(clean_file_name(".hidden"), "hidden");
        assert_eq!(clean_file_name(""), "attachment");
        let long = format!("{}.pdf", "x".repeat(400));
        let short = clean_file_name(&long);
        assert!(short.chars().count() <= MAX_FILE_NAME, "{short}");
        assert!(short.ends_with("….pdf"), "{short}");
    }

    #[test]
    fn content_types_are_plain_or_octet_stream() {
        assert_eq!(clean_content_type("image/PNG"), "image/png");
        assert_eq!(
            clean_content_type("application/vnd.ms-excel"),
            "application/vnd.ms-excel"
        );
        assert_eq!(clean_content_type(""), "application/octet-stream");
        assert_eq!(
            clean_content_type("text/html; charset=utf-8"),
            "application/octet-stream"
        );
        assert_eq!(clean_content_type("text/plain\r\nX: y"), "application/octet-stream");
    }

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_label(820), "820 bytes");
        assert_eq!(size_label(14 * 1024), "14 KB");
        assert_eq!(size_label(1_300_000), "1.2 MB");
    }
}
