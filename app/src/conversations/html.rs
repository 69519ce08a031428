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
