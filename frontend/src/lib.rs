//! The wasm client: hydrates the server-rendered page and takes over from there.

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        // A page the server rendered with a chunk's view (a contact's page, say) hydrates
        // once that chunk is in; the page had the browser fetch it alongside this module.
        let window = web_sys::window().expect("a browser window");
        let path = window.location().pathname().unwrap_or_default();
        for chunk in app::chunks_for_path(&path) {
            if chunk.load().await.is_err() {
                report_load_failure(&window);
                return;
            }
        }
        leptos::mount::hydrate_body(app::App);
        // Lets browser tests (and anyone curious) know the page is interactive now.
        let _ = js_sys::Reflect::set(
            &js_sys::global(),
            &JsValue::from_str("__switchboardHydrated"),
            &JsValue::TRUE,
        );
        // The other chunks, once the browser is idle, so opening them later does not wait.
        leptos::prelude::request_idle_callback(|| {
            let path = web_sys::window()
                .and_then(|w| w.location().pathname().ok())
                .unwrap_or_default();
            for &chunk in app::client_chunks(&path) {
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = chunk.load().await;
                });
            }
        });
    });
}

/// The page stays as the server rendered it (readable, links work) and says why nothing
/// else does.
fn report_load_failure(window: &web_sys::Window) {
    let Some(document) = window.document() else { return };
    let (Some(body), Ok(banner)) = (document.body(), document.create_element("div")) else {
        return;
    };
    banner.set_class_name("error-panel load-failed");
    let _ = banner.set_attribute("role", "alert");
    banner.set_text_content(Some(
        "Switchboard could not finish loading: part of it did not download. Check your connection, then reload the page.",
    ));
    let _ = body.prepend_with_node_1(&banner);
}
