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
//! (`Chunk::for_path`, which the shell also uses to have the browser fetch it alongside the
//! main module); the other chunks are fetched when the browser is idle after hydration, so
//! opening them later does not wait on the network.

use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;

/// Declares a function building a view whose code goes into the wasm chunk `$chunk`: in
/// the workspace client a split point (`#[wasm_split]`: calling it loads the chunk first,
/// once), elsewhere (server, settings client) a plain call. `preload(name)` also declares
/// `name()`, which only loads the chunk.
macro_rules! split_view {
    ($chunk:ident $(, preload = $preload:ident)?; $(#[$attr:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        #[cfg(not(feature = "settings-client"))]
        #[::leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible $(, preload($preload))?)]
        $(#[$attr])*
        $vis fn $name($($arg: $ty),*) -> Result<::leptos::prelude::AnyView, $crate::lazy::ChunkError> {
            Ok(::leptos::prelude::IntoAny::into_any($body))
        }

        // The settings client never shows these views: a plain function, which the linker
        // drops (a split point is an export, which it would keep).
        #[cfg(feature = "settings-client")]
        $(#[$attr])*
        $vis async fn $name($($arg: $ty),*) -> Result<::leptos::prelude::AnyView, $crate::lazy::ChunkError> {
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

/// The wasm chunks of the workspace client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chunk {
    /// The "Create ticket" panel, its form editor and the contact search.
    CreatePanel,
    /// The contact and company pages.
    Records,
    /// The open ticket: its conversations, reply place and sidebar.
    Ticket,
}

impl Chunk {
    pub const ALL: [Chunk; 3] = [Chunk::Ticket, Chunk::CreatePanel, Chunk::Records];

    /// The chunk's name, as the split tool writes it (`split_<name>.wasm`).
    pub fn name(self) -> &'static str {
        match self {
            Chunk::CreatePanel => "create_panel",
            Chunk::Records => "records",
            Chunk::Ticket => "ticket",
        }
    }

    /// The chunks whose views the server renders at `path`: the page hydrates once they
    /// are loaded.
    pub fn for_path(path: &str) -> &'static [Chunk] {
        if path.starts_with("/contacts/") || path.starts_with("/companies/") {
            &[Chunk::Records]
        } else if path.starts_with("/tickets/") {
            &[Chunk::Ticket]
        } else {
            &[]
        }
    }

    /// Loads the chunk (once; later calls return at once). Each split function keeps its
    /// own loader, so this preloads every split function of the chunk: a page hydrating
    /// with one whose loader had not run would find its view still pending.
    pub async fn load(self) -> Result<(), SplitLoaderError> {
        match self {
            Chunk::CreatePanel => crate::tickets::create_panel::preload_create_panel().await,
            Chunk::Records => {
                crate::contacts::records::preload_records().await?;
                crate::contacts::records::preload_company_record().await
            }
            Chunk::Ticket => crate::tickets::ui::preload_ticket().await,
        }
    }
}

/// Each chunk's files, the code it shares with other chunks first (`chunk_<n>.wasm`), then
/// its own (`split_<name>.wasm`): the build writes them to `split-manifest.json` and the
/// server provides them, so a page's preload links name every file its chunks need.
#[derive(Clone, Debug, Default)]
pub struct ChunkFiles(pub std::sync::Arc<std::collections::HashMap<String, Vec<String>>>);

impl ChunkFiles {
    pub fn of(&self, chunk: Chunk) -> &[String] {
        self.0.get(chunk.name()).map(Vec::as_slice).unwrap_or_default()
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
