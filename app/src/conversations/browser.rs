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
