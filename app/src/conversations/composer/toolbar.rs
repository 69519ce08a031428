//! The composer's formatting toolbar (MISSION R6): "Bold", "Italic", "Underline", "Bulleted
//! list", "Numbered list", "Link", "Quote", "Clear formatting", and "Expand". Buttons keep
//! the editor's selection (they never take focus from it on mouse down).

use leptos::prelude::*;

use crate::conversations::browser;

/// Asks for an address and links the selection to it (the "Link" button and Ctrl/Cmd+K).
pub fn add_link() {
    if let Some(url) = browser::ask_link() {
        if browser::is_safe_link(&url) {
            browser::format("createLink", Some(&url));
        }
    }
}

#[component]
pub fn Toolbar(expanded: RwSignal<bool>) -> impl IntoView {
    let tool = move |label: &'static str,
                     command: &'static str,
                     value: Option<&'static str>,
                     glyph: &'static str,
                     shortcut: &'static str| {
        view! {
            <button type="button" class="tool" aria-label=label title=format!("{label}{shortcut}")
                on:mousedown=move |ev| ev.prevent_default()
                on:click=move |_| browser::format(command, value)>
                <span aria-hidden="true">{glyph}</span>
            </button>
        }
    };
    view! {
        <div class="composer-toolbar" role="toolbar" aria-label="Formatting" aria-controls="reply-editor">
            {tool("Bold", "bold", None, "B", " (Ctrl+B)")}
            {tool("Italic", "italic", None, "I", " (Ctrl+I)")}
            {tool("Underline", "underline", None, "U", " (Ctrl+U)")}
            {tool("Bulleted list", "insertUnorderedList", None, "•", "")}
            {tool("Numbered list", "insertOrderedList", None, "1.", "")}
            <button type="button" class="tool" aria-label="Link" title="Link (Ctrl+K)"
                on:mousedown=move |ev| ev.prevent_default() on:click=move |_| add_link()>
                <span aria-hidden="true">"Link"</span>
            </button>
            {tool("Quote", "formatBlock", Some("blockquote"), "❝", "")}
            {tool("Clear formatting", "removeFormat", None, "⌫", "")}
            <button type="button" class="button subtle composer-expand" aria-pressed=move || expanded.get().to_string()
                on:click=move |_| expanded.update(|e| *e = !*e)>
                {move || if expanded.get() { "Collapse" } else { "Expand" }}
            </button>
        </div>
    }
}
