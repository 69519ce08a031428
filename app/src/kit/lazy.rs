//! Code splitting: the workspace client's main module holds what makes the workspace
//! interactive (the shell, the views, the list); the open ticket, the "Create ticket" panel
//! and the contact and company pages are wasm chunks of their own, so the first download
//! stays small.
//!
//! `split_view!` declares a function building one of those views. In the workspace client
//! it is a split point (`#[wasm_split]`): the build (`scripts/split-client`, run by Trunk)
//! moves everything only split points of one chunk reach into `split_<chunk>.wasm`, and
//! calling the function loads that chunk first, once. On the server it is a plain call.
//! A page the server rendered with a chunk's view hydrates once that chunk is in
//! (`crate::chunks_for_path`, which the shell also uses to have the browser fetch it
//! alongside the main module); the other chunks are fetched when the browser is idle after
//! hydration, so opening them later does not wait on the network.

use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;

/// Declares a function building a view whose code goes into the wasm chunk `$chunk`: in
/// the workspace client a split point (`#[wasm_split]`: calling it loads the chunk first,
/// once), elsewhere (server, settings client) a plain call. `preload(name)` also declares
/// `name()`, which only loads the chunk.
macro_rules! split_view {
    // A settings page's chunk: a split point in the settings client, a plain call elsewhere.
    (settings $chunk:ident, preload = $preload:ident; $(#[$attr:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        #[cfg(feature = "settings-client")]
        #[::leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible, preload($preload))]
        $(#[$attr])*
        $vis fn $name($($arg: $ty),*) -> Result<::leptos::prelude::AnyView, $crate::kit::lazy::ChunkError> {
            Ok(::leptos::prelude::IntoAny::into_any($body))
        }

        #[cfg(not(feature = "settings-client"))]
        $(#[$attr])*
        $vis async fn $name($($arg: $ty),*) -> Result<::leptos::prelude::AnyView, $crate::kit::lazy::ChunkError> {
            Ok(::leptos::prelude::IntoAny::into_any($body))
        }
        #[cfg(not(feature = "settings-client"))]
        $vis async fn $preload() -> Result<(), ::leptos::wasm_split::SplitLoaderError> {
            Ok(())
        }
    };
    ($chunk:ident $(, preload = $preload:ident)?; $(#[$attr:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        #[cfg(not(feature = "settings-client"))]
        #[::leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible $(, preload($preload))?)]
        $(#[$attr])*
        $vis fn $name($($arg: $ty),*) -> Result<::leptos::prelude::AnyView, $crate::kit::lazy::ChunkError> {
            Ok(::leptos::prelude::IntoAny::into_any($body))
        }

        // The settings client never shows these views: a plain function, which the linker
        // drops (a split point is an export, which it would keep).
        #[cfg(feature = "settings-client")]
        $(#[$attr])*
        $vis async fn $name($($arg: $ty),*) -> Result<::leptos::prelude::AnyView, $crate::kit::lazy::ChunkError> {
            Ok(::leptos::prelude::IntoAny::into_any($body))
        }
        $(
            #[cfg(feature = "settings-client")]
            $vis async fn $preload() -> Result<(), ::leptos::wasm_split::SplitLoaderError> {
                Ok(())
            }
        )?
    };
}
pub(crate) use split_view;

/// A chunk did not load (the network failed, or the server was replaced by a newer build).
#[derive(Clone, Debug)]
pub struct ChunkError;

impl From<SplitLoaderError> for ChunkError {
    fn from(_: SplitLoaderError) -> Self {
        ChunkError
    }
}

/// Loads one split function's code (the `preload` a `split_view!` declares).
pub type Preload = fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), SplitLoaderError>>>>;

/// One wasm chunk of the workspace client. Each feature declares its own (a `const` beside
/// its `split_view!`), and the app lists them (`crate::CHUNKS`): this module knows no
/// feature.
#[derive(Clone, Copy)]
pub struct Chunk {
    /// The chunk's name, as the split tool writes it (`split_<name>.wasm`): the name given
    /// to `split_view!`.
    pub name: &'static str,
    /// The addresses (by prefix) whose pages the server renders with this chunk's views:
    /// such a page hydrates once the chunk is loaded.
    pub path_prefixes: &'static [&'static str],
    /// Every split function of the chunk: each keeps its own loader, so all are preloaded
    /// (a page hydrating with one whose loader had not run would find its view pending).
    pub preloads: &'static [Preload],
}

impl Chunk {
    /// Whether the server renders the page at `path` with this chunk's views.
    pub fn renders(&self, path: &str) -> bool {
        self.path_prefixes.iter().any(|prefix| path.starts_with(prefix))
    }

    /// Loads the chunk (once; later calls return at once).
    pub async fn load(self) -> Result<(), SplitLoaderError> {
        for preload in self.preloads {
            preload().await?;
        }
        Ok(())
    }
}

/// Each chunk's files, the code it shares with other chunks first (`chunk_<n>.wasm`), then
/// its own (`split_<name>.wasm`): the build writes them to `split-manifest.json` and the
/// server provides them, so a page's preload links name every file its chunks need.
#[derive(Clone, Debug, Default)]
pub struct ChunkFiles(pub std::sync::Arc<std::collections::HashMap<String, Vec<String>>>);

impl ChunkFiles {
    pub fn of(&self, chunk: &Chunk) -> &[String] {
        self.0.get(chunk.name).map(Vec::as_slice).unwrap_or_default()
    }
}

/// What shows in place of a view whose chunk did not load, with a way to try again.
#[component]
pub fn ChunkFailed(retry: RwSignal<u32>) -> impl IntoView {
    view! {
        <div class="error-panel" role="alert">
            <p>
                "This part of Switchboard could not be loaded. Check your connection, then try again. "
                "If it still fails, reload the page: Switchboard may have been updated."
            </p>
            <button type="button" class="button" on:click=move |_| retry.update(|n| *n += 1)>"Try again"</button>
        </div>
    }
}

/// `view` from a chunk, or `ChunkFailed` when its chunk did not load.
pub fn or_failed(view: Result<AnyView, ChunkError>, retry: RwSignal<u32>) -> AnyView {
    view.unwrap_or_else(|ChunkError| view! { <ChunkFailed retry/> }.into_any())
}
