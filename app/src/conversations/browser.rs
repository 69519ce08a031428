//! What the composer asks of the browser: formatting commands on the editable region, the
//! browser's storage for a draft the server has not taken yet, and a save that survives the
//! page closing. On the server these do nothing (it only renders).

/// Runs a formatting command (`bold`, `insertUnorderedList`, ...) on the selection.
pub fn format(command: &str, value: Option<&str>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(document) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        {
            let _ = document.exec_command_with_show_ui_and_value(command, false, value.unwrap_or(""));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (command, value);
}

/// Sets an element's minimum height in pixels (through the CSSOM, which the
/// Content-Security-Policy allows, unlike a `style` attribute).
pub fn set_min_height(element: &leptos::web_sys::HtmlElement, pixels: i32) {
    #[cfg(feature = "hydrate")]
    {
        let _ = element.style().set_property("min-height", &format!("{pixels}px"));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (element, pixels);
}

/// Enter makes paragraphs (Chrome writes `<div>` otherwise).
pub fn use_paragraphs() {
    format("defaultParagraphSeparator", Some("p"));
}

/// Asks for a link address (the browser's own prompt); `None` when cancelled.
pub fn ask_link() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| {
                w.prompt_with_message_and_default("Link address (https://…)", "https://")
                    .ok()
            })
            .flatten()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty() && s != "https://")
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

fn storage() -> Option<web_sys_storage::Storage> {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window().and_then(|w| w.local_storage().ok()).flatten()
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

#[cfg(feature = "hydrate")]
mod web_sys_storage {
    pub use web_sys::Storage;
}
#[cfg(not(feature = "hydrate"))]
mod web_sys_storage {
    pub struct Storage;
    impl Storage {
        pub fn get_item(&self, _: &str) -> Result<Option<String>, ()> {
            Ok(None)
        }
        pub fn set_item(&self, _: &str, _: &str) -> Result<(), ()> {
            Ok(())
        }
        pub fn remove_item(&self, _: &str) -> Result<(), ()> {
            Ok(())
        }
    }
}

/// The key of a conversation's unsaved reply in the browser's storage.
fn key(conversation_id: &str) -> String {
    format!("switchboard.unsaved-reply.{conversation_id}")
}

/// Keeps text the server has not confirmed (offline, server down) in the browser.
pub fn keep_unsaved(conversation_id: &str, stored: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(&key(conversation_id), stored);
    }
}

pub fn unsaved(conversation_id: &str) -> Option<String> {
    storage().and_then(|s| s.get_item(&key(conversation_id)).ok().flatten())
}

pub fn forget_unsaved(conversation_id: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(&key(conversation_id));
    }
}

/// Posts a form to a server function with `navigator.sendBeacon`: the browser sends it even
/// while the page is closing. Returns whether the browser queued it.
pub fn beacon(endpoint: &str, form: &[(String, String)]) -> bool {
    #[cfg(feature = "hydrate")]
    {
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{}={}", crate::kit::urlencode(k), crate::kit::urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("application/x-www-form-urlencoded");
        let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(&body));
        let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
            return false;
        };
        web_sys::window()
            .and_then(|w| {
                w.navigator()
                    .send_beacon_with_opt_blob(&format!("/api/{endpoint}"), Some(&blob))
                    .ok()
            })
            .unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (endpoint, form);
        false
    }
}

/// HTML from outside the editor (a paste from Word, Gmail or a web page; text kept in this
/// browser's storage) cut down to what a reply may hold, before it enters the editor: the
/// same allow-list the server applies (`conversations::html`), so what the agent sees is
/// what the customer gets. It is parsed in an inert document (nothing in it runs or loads)
/// and written out again tag by tag; anything not allowed is dropped, keeping its text.
pub fn clean_html(html: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        let Some(document) = web_sys::DomParser::new()
            .ok()
            .and_then(|p| p.parse_from_string(html, web_sys::SupportedType::TextHtml).ok())
        else {
            return String::new();
        };
        let mut out = String::new();
        if let Some(body) = document.body() {
            write_children(&body, &mut out);
        }
        out
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = html;
        String::new()
    }
}

#[cfg(feature = "hydrate")]
use super::model::REPLY_TAGS as KEPT;
/// Tags whose content is never text a reader sees.
#[cfg(feature = "hydrate")]
const DROPPED: &[&str] = &[
    "script", "style", "template", "title", "textarea", "noscript", "head", "iframe", "object", "embed", "svg", "math",
    "select", "button", "input",
];

#[cfg(feature = "hydrate")]
fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

#[cfg(feature = "hydrate")]
fn write_children(node: &web_sys::Node, out: &mut String) {
    use wasm_bindgen::JsCast;
    let children = node.child_nodes();
    for i in 0..children.length() {
        let Some(child) = children.item(i) else { continue };
        match child.node_type() {
            web_sys::Node::TEXT_NODE => escape(&child.text_content().unwrap_or_default(), out),
            web_sys::Node::ELEMENT_NODE => {
                let Ok(element) = child.dyn_into::<web_sys::Element>() else {
                    continue;
                };
                let tag = element.tag_name().to_ascii_lowercase();
                if DROPPED.contains(&tag.as_str()) {
                    continue;
                }
                if !KEPT.contains(&tag.as_str()) {
                    write_children(&element, out);
                    continue;
                }
                out.push('<');
                out.push_str(&tag);
                if tag == "a" {
                    if let Some(href) = element.get_attribute("href").filter(|h| is_safe_link(h)) {
                        out.push_str(" href=\"");
                        escape(&href, out);
                        out.push('"');
                    }
                }
                out.push('>');
                if tag != "br" {
                    write_children(&element, out);
                    out.push_str("</");
                    out.push_str(&tag);
                    out.push('>');
                }
            }
            // Comments (Word's conditional ones among them), processing instructions: gone.
            _ => {}
        }
    }
}

/// Whether a link goes to a web or mail address (never `javascript:`, `data:` and the like).
pub fn is_safe_link(href: &str) -> bool {
    let href = href.trim_start().to_ascii_lowercase();
    ["http://", "https://", "mailto:"].iter().any(|s| href.starts_with(s))
}

/// An upload under way: dropping it does not stop it (`abort` does).
#[cfg(feature = "hydrate")]
pub type Upload = web_sys::XmlHttpRequest;
#[cfg(not(feature = "hydrate"))]
pub type Upload = ();

/// A file the browser gave us (a file picker, a drop, a paste).
#[cfg(feature = "hydrate")]
pub type BrowserFile = web_sys::File;
#[cfg(not(feature = "hydrate"))]
pub type BrowserFile = ();

/// Name and size of a browser file.
pub fn file_facts(file: &BrowserFile) -> (String, f64) {
    #[cfg(feature = "hydrate")]
    {
        (file.name(), file.size())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = file;
        (String::new(), 0.0)
    }
}

/// Uploads `file` onto the caller's draft of a conversation (`POST /files`), telling
/// `progress` the share sent so far (0 to 1) and `done` the outcome.
pub fn upload(
    conversation_id: &str,
    file: &BrowserFile,
    progress: impl Fn(f64) + 'static,
    done: impl FnOnce(Result<super::attachments::Attachment, crate::error::AppError>) + 'static,
) -> Option<Upload> {
    #[cfg(feature = "hydrate")]
    {
        use crate::error::AppError;
        use wasm_bindgen::{closure::Closure, JsCast};
        let xhr = web_sys::XmlHttpRequest::new().ok()?;
        let url = format!(
            "{}?conversation={}&name={}",
            super::attachments::FILES_PATH,
            crate::kit::urlencode(conversation_id),
            crate::kit::urlencode(&file.name())
        );
        xhr.open_with_async("POST", &url, true).ok()?;
        xhr.set_response_type(web_sys::XmlHttpRequestResponseType::Arraybuffer);
        if !file.type_().is_empty() {
            let _ = xhr.set_request_header("Content-Type", &file.type_());
        }
        let on_progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            if e.length_computable() && e.total() > 0.0 {
                progress(e.loaded() / e.total());
            }
        });
        if let Ok(target) = xhr.upload() {
            target.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        }
        let answered = xhr.clone();
        let on_end = Closure::once_into_js(move |_: web_sys::Event| {
            // The progress handler lives until the upload ends.
            drop(on_progress);
            let status = answered.status().unwrap_or(0);
            let bytes = answered
                .response()
                .ok()
                .filter(|r| r.is_instance_of::<js_sys::ArrayBuffer>())
                .map(|r| js_sys::Uint8Array::new(&r).to_vec())
                .unwrap_or_default();
            let outcome = match status {
                0 => Err(AppError::Transport("the upload stopped".into())),
                200 => crate::wire::decode(&bytes).ok_or(AppError::Internal),
                _ => Err(crate::wire::decode::<AppError>(&bytes).unwrap_or(AppError::Internal)),
            };
            done(outcome);
        });
        xhr.set_onloadend(Some(on_end.unchecked_ref()));
        xhr.send_with_opt_blob(Some(file)).ok()?;
        Some(xhr)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (conversation_id, file, progress, done);
        None
    }
}

/// The files of a file input, a drop or a paste.
#[cfg(feature = "hydrate")]
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<BrowserFile> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}
