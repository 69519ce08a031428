//! The signature below the reply's text (issue 11: "added below the text, editable per
//! reply"). It starts as the From address's signature (Settings > Email) and follows a
//! change of From until the agent edits it; then this reply keeps its own, saved with the
//! draft. "Remove signature" leaves none on this reply. Pasting takes the text only.

use leptos::prelude::*;

use crate::channels::email::model::SendingAddress;

fn signature_of(senders: &[SendingAddress], from: &str) -> String {
    senders
        .iter()
        .find(|s| s.id == from)
        .map(|s| s.signature_html.clone())
        .unwrap_or_default()
}

#[component]
pub fn SignatureField(
    /// `None`: the From address's signature; `Some`: this reply's own (empty: none).
    signature: RwSignal<Option<String>>,
    from: RwSignal<String>,
    senders: Vec<SendingAddress>,
    on_change: Callback<()>,
) -> impl IntoView {
    let senders = StoredValue::new(senders);
    let shown = move || {
        signature
            .get()
            .unwrap_or_else(|| senders.with_value(|s| signature_of(s, &from.get())))
    };
    let region = NodeRef::<leptos::html::Div>::new();
    // The region's HTML follows the draft (From changed, the newer text loaded, a reply
    // sent), but never under the agent's caret.
    Effect::new(move |_| {
        let wanted = shown();
        if let Some(el) = region.get() {
            let focused = leptos::prelude::document()
                .active_element()
                .is_some_and(|active| active == **el);
            if !focused && el.inner_html() != wanted {
                el.set_inner_html(&wanted);
            }
        }
    });
    let on_input = move |_| {
        if let Some(el) = region.get_untracked() {
            signature.set(Some(el.inner_html()));
            on_change.run(());
        }
    };
    let on_paste = move |ev: leptos::ev::ClipboardEvent| {
        #[cfg(feature = "hydrate")]
        if let Some(text) = ev.clipboard_data().and_then(|data| data.get_data("text/plain").ok()) {
            ev.prevent_default();
            super::browser::format("insertText", Some(&text));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let remove = move |_| {
        signature.set(Some(String::new()));
        if let Some(el) = region.get_untracked() {
            el.set_inner_html("");
        }
        on_change.run(());
    };
    let empty = move || shown().trim().is_empty();
    view! {
        <div class="composer-signature">
            <span id="reply-signature-label" class="composer-signature-label">"Signature"</span>
            <div id="reply-signature" class="composer-signature-text" contenteditable="true" role="textbox"
                aria-multiline="true" aria-labelledby="reply-signature-label" node_ref=region
                inner_html=shown() on:input=on_input on:paste=on_paste></div>
            <button type="button" class="button subtle" hidden=empty on:click=remove>"Remove signature"</button>
        </div>
    }
}
