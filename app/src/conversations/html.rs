//! What a reply's HTML may hold, and its plain-text alternative. The editor's HTML (and a
//! paste from Word, Gmail or a web page inside it) is cut down on the server to an allow-list
//! of simple formatting: paragraphs, line breaks, bold, italic, underline, lists, quotes and
//! links to web and mail addresses. Scripts, styles, event handlers, images, forms, frames
//! and `javascript:` links never survive; what is left is what the customer gets.

use std::collections::HashSet;

use super::model::REPLY_TAGS as TAGS;

/// The reply's HTML with only the allow-list left (links get `rel="noopener noreferrer"`).
pub fn sanitise(html: &str) -> String {
    ammonia::Builder::empty()
        .tags(TAGS.iter().copied().collect::<HashSet<_>>())
        .tag_attributes(
            [("a", ["href"].into_iter().collect::<HashSet<_>>())]
                .into_iter()
                .collect(),
        )
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"))
        // Keep the text of dropped wrappers (a pasted <span style>, <font>), drop what is
        // never text.
        .clean_content_tags(
            ["script", "style", "template", "title", "textarea", "noscript"]
                .into_iter()
                .collect(),
        )
        .clean(html)
        .to_string()
}

/// Tags an incoming email's HTML keeps besides a reply's: tables, headings, images and a
/// few more of what mail clients write. Never svg, math, forms, frames or styles.
const INCOMING_TAGS: &[&str] = &[
    "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "code",
    "hr", "img", "span", "sub", "sup", "small", "s", "strike", "del", "ins", "center", "dl", "dt", "dd",
];

/// Where a remote image of an incoming message points until the agent chooses "Show
/// images": our own placeholder, which names the image's address in its query.
pub const REMOTE_IMAGE_PATH: &str = "/images/remote";

/// An incoming message's HTML with only the allow-list left, and whether it had remote
/// images. Remote images point at `REMOTE_IMAGE_PATH?src=<address>` (no request leaves for
/// the sender's server until an agent asks); `cid:` images point at the message's own
/// files, by `inline` (Content-ID to address); `data:` images of common types stay.
pub fn sanitise_incoming(html: &str, inline: &std::collections::HashMap<String, String>) -> (String, bool) {
    use std::borrow::Cow;
    use std::sync::atomic::{AtomicBool, Ordering};
    // The filter must own what it reads ('static): a shared flag and a copy of the map.
    let remote = std::sync::Arc::new(AtomicBool::new(false));
    let seen_remote = remote.clone();
    let inline = inline.clone();
    let mut tags: HashSet<&str> = TAGS.iter().copied().collect();
    tags.extend(INCOMING_TAGS.iter().copied());
    let attributes: std::collections::HashMap<&str, HashSet<&str>> = [
        ("a", ["href"].into_iter().collect()),
        ("img", ["src", "alt", "width", "height"].into_iter().collect()),
        ("td", ["colspan", "rowspan"].into_iter().collect()),
        ("th", ["colspan", "rowspan"].into_iter().collect()),
    ]
    .into_iter()
    .collect();
    let cleaned = ammonia::Builder::empty()
        .tags(tags)
        .tag_attributes(attributes)
        .url_schemes(["http", "https", "mailto", "cid", "data"].into_iter().collect())
        // Relative addresses pass ammonia's check so the filter below can point images at our
        // own paths; the filter itself lets no relative address of the sender's through.
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"))
        .set_tag_attribute_value("a", "target", "_blank")
        .clean_content_tags(
            [
                "script", "style", "template", "title", "textarea", "noscript", "head", "svg", "math",
            ]
            .into_iter()
            .collect(),
        )
        .attribute_filter(move |element, attribute, value| match (element, attribute) {
            ("img", "src") => {
                let lower = value.trim().to_ascii_lowercase();
                if is_our_image_path(value) {
                    // Already pointed at our own paths (sanitising again keeps them).
                    Some(Cow::Borrowed(value))
                } else if lower.starts_with("cid:") {
                    inline
                        .get(value.trim()[4..].trim_matches(['<', '>']))
                        .map(|url| Cow::Owned(url.clone()))
                } else if lower.starts_with("http://") || lower.starts_with("https://") {
                    seen_remote.store(true, Ordering::Relaxed);
                    let encoded: String = url_encode(value.trim());
                    Some(Cow::Owned(format!("{REMOTE_IMAGE_PATH}?src={encoded}")))
                } else if [
                    "data:image/png;",
                    "data:image/gif;",
                    "data:image/jpeg;",
                    "data:image/webp;",
                ]
                .iter()
                .any(|p| lower.starts_with(p))
                {
                    Some(Cow::Borrowed(value))
                } else {
                    None
                }
            }
            // Sizes are numbers, nothing else.
            ("img", "width" | "height") | ("td" | "th", "colspan" | "rowspan") => {
                (value.len() <= 5 && !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()))
                    .then_some(Cow::Borrowed(value))
            }
            ("a", "href") => {
                let lower = value.trim().to_ascii_lowercase();
                ["http://", "https://", "mailto:"]
                    .iter()
                    .any(|p| lower.starts_with(p))
                    .then_some(Cow::Borrowed(value))
            }
            _ => Some(Cow::Borrowed(value)),
        })
        .clean(html)
        .to_string();
    (cleaned, remote.load(Ordering::Relaxed))
}

/// `/images/remote?src=...` and `/files/<id>/inline`: where sanitising points images.
fn is_our_image_path(value: &str) -> bool {
    let files = super::attachments::FILES_PATH;
    if let Some(query) = value.strip_prefix(REMOTE_IMAGE_PATH) {
        return query.starts_with("?src=");
    }
    value
        .strip_prefix(files)
        .and_then(|rest| rest.strip_prefix('/'))
        .and_then(|rest| rest.strip_suffix("/inline"))
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The plain-text alternative of sanitised HTML: paragraphs on their own lines, list items
/// marked, quotes prefixed with `> `, links followed by their address.
pub fn to_text(html: &str) -> String {
    let text = html2text::config::plain_no_decorate()
        .link_footnotes(true)
        .string_from_read(html.as_bytes(), 78)
        .unwrap_or_default();
    text.trim_end().to_string()
}

/// Whether sanitised HTML has any text a customer would read.
pub fn is_blank(html: &str) -> bool {
    to_text(html).trim().is_empty()
}

/// The first words of sanitised HTML, for lists ("Drafts").
pub fn excerpt(html: &str, chars: usize) -> String {
    let text = to_text(html);
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= chars {
        return flat;
    }
    // Cut at the last space that fits, not inside a word.
    let cut: String = flat.chars().take(chars + 1).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > 0 => &cut[..space],
        _ => cut.trim_end(),
    };
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_styles_and_javascript_links_are_removed() {
        let hostile = r#"<p onclick="steal()">Hi <script>alert(1)</script><b>there</b></p>
            <a href="javascript:alert(2)">click</a> <a href="https://example.com/x" target="_blank">ok</a>
            <img src="https://tracker.test/p.gif" onerror="alert(3)"><style>p{display:none}</style>
            <span style="position:fixed;top:0">covered</span><iframe src="https://evil.test"></iframe>
            <svg><script>alert(4)</script></svg><form action="https://evil.test"><input name=p></form>"#;
        let clean = sanitise(hostile);
        for gone in [
            "script",
            "onclick",
            "onerror",
            "javascript:",
            "<img",
            "<style",
            "style=",
            "<iframe",
            "<svg",
            "<form",
            "<input",
            "target=",
        ] {
            assert!(!clean.contains(gone), "{gone} survived: {clean}");
        }
        assert!(clean.contains("<b>there</b>"), "{clean}");
        assert!(
            clean.contains(r#"<a href="https://example.com/x" rel="noopener noreferrer">ok</a>"#),
            "{clean}"
        );
        assert!(
            clean.contains("covered"),
            "the text of a dropped wrapper stays: {clean}"
        );
    }

    #[test]
    fn incoming_html_is_rendered_harmless_and_remote_images_wait() {
        let inline: std::collections::HashMap<String, String> =
            [("logo@x".to_string(), "/files/abc/inline".to_string())]
                .into_iter()
                .collect();
        let hostile = r#"<html><head><style>body{display:none}</style><title>t</title></head>
            <body onload="steal()"><table><tr><td colspan="2" onclick="x()">cell</td></tr></table>
            <img src="https://tracker.test/p.gif?id=1&u=2" width="1" height="1;x" onerror="alert(1)">
            <img src="cid:logo@x" alt="Logo"><img src="cid:unknown@x"><img src="javascript:alert(2)">
            <img src="data:image/svg+xml;base64,PHN2Zz4=">
            <a href="javascript:alert(3)">js</a><a href="https://example.com/">site</a><a href="/relative">rel</a>
            <svg><a href="https://evil.test"><text>svg</text></a></svg><math><mi>m</mi></math>
            <form action="https://evil.test"><input name="p"><button>Go</button></form>
            <iframe src="https://evil.test"></iframe><object data="x"></object><embed src="x">
            <div style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</div>
            <meta http-equiv="refresh" content="0;url=https://evil.test"><base href="https://evil.test/">
            <link rel="stylesheet" href="https://evil.test/x.css"></body></html>"#;
        let (clean, remote) = sanitise_incoming(hostile, &inline);
        assert!(remote);
        for gone in [
            "<style",
            "display:none",
            "onload",
            "onclick",
            "onerror",
            "javascript:",
            "tracker.test/p.gif?",
            "<svg",
            "<math",
            "<form",
            "<input",
            "<button",
            "<iframe",
            "<object",
            "<embed",
            "style=",
            "<meta",
            "<base",
            "<link",
            "cid:",
            "svg+xml",
            "/relative",
            "height=",
        ] {
            assert!(!clean.contains(gone), "{gone} survived: {clean}");
        }
        assert!(clean.contains(r#"<td colspan="2">cell</td>"#), "{clean}");
        assert!(
            clean.contains(r#"src="/images/remote?src=https%3A%2F%2Ftracker.test%2Fp.gif%3Fid%3D1%26u%3D2""#),
            "{clean}"
        );
        assert!(clean.contains(r#"<img src="/files/abc/inline" alt="Logo">"#), "{clean}");
        assert!(
            clean.contains(r#"href="https://example.com/""#) && clean.contains(r#"target="_blank""#),
            "{clean}"
        );
        assert!(clean.contains("overlay"), "text of a dropped wrapper stays: {clean}");
        // Sanitising again changes nothing (the conversation view folds quoted text and
        // sanitises each part once more).
        let tidy = |html: &str| {
            html.replace(r#" target="_blank""#, "")
                .replace(r#" rel="noopener noreferrer""#, "")
        };
        assert_eq!(tidy(&sanitise_incoming(&clean, &Default::default()).0), tidy(&clean));
        assert!(
            sanitise_incoming(
                r#"<img src="/files/../etc/inline"><img src="/images/remoteX">"#,
                &inline
            )
            .0 == "<img><img>"
        );
        let (plain, remote) = sanitise_incoming("<p>Hi</p>", &inline);
        assert_eq!((plain.as_str(), remote), ("<p>Hi</p>", false));
    }

    #[test]
    fn pasted_word_markup_keeps_simple_formatting() {
        let word = r#"<p class="MsoNormal" style="margin:0"><span lang="EN-GB" style="font-family:Calibri"><o:p>Dear Tom,</o:p></span></p>
            <ul><li class="MsoListParagraph"><b><span style="color:red">first</span></b></li><li>second</li></ul>"#;
        let clean = sanitise(word);
        assert_eq!(
            clean.split_whitespace().collect::<Vec<_>>().join(" "),
            "<p>Dear Tom,</p> <ul><li><b>first</b></li><li>second</li></ul>"
        );
    }

    #[test]
    fn the_text_alternative_keeps_structure() {
        let text = to_text(&sanitise(
            "<p>Hello <b>Tom</b>,</p><ul><li>one</li><li>two</li></ul><ol><li>first</li></ol><blockquote>earlier</blockquote><p><a href=\"https://example.com\">site</a></p>",
        ));
        assert!(text.contains("Hello Tom,"), "{text}");
        assert!(text.contains("* one") && text.contains("* two"), "{text}");
        assert!(text.contains("1. first"), "{text}");
        assert!(text.contains("> earlier"), "{text}");
        assert!(text.contains("https://example.com"), "{text}");
        assert!(is_blank(&sanitise("<p><br></p><div> </div>")));
        assert_eq!(excerpt("<p>one two three four</p>", 9), "one two…");
    }
}
