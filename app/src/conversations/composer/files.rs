//! The files on a reply (MISSION R6): "Attach files", a drop on the composer or a paste into
//! the editor upload each file at once onto the draft, with its progress; a file over the
//! reply's limit is refused with the server's message; each attached file can be removed.

use leptos::prelude::*;

use crate::conversations::api::{attachment_room, remove_attachment};
use crate::conversations::attachments::{size_label, Attachment};
use crate::conversations::browser::{self, BrowserFile};

/// One file on its way up.
#[derive(Clone)]
struct Uploading {
    key: u64,
    name: String,
    size: i64,
    progress: RwSignal<f64>,
    error: RwSignal<Option<String>>,
}

/// The composer's files: those on the draft, and those uploading. (Uploads start only in
/// the browser.)
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub struct Files {
    conversation_id: StoredValue<String>,
    pub attached: RwSignal<Vec<Attachment>>,
    uploading: RwSignal<Vec<Uploading>>,
    next_key: StoredValue<u64>,
    /// Told when the files on the draft changed (the draft is saved).
    on_change: StoredValue<Option<Callback<()>>>,
}

impl Files {
    pub fn new(conversation_id: String, attached: Vec<Attachment>) -> Files {
        Files {
            conversation_id: StoredValue::new(conversation_id),
            attached: RwSignal::new(attached),
            uploading: RwSignal::new(Vec::new()),
            next_key: StoredValue::new(0),
            on_change: StoredValue::new(None),
        }
    }

    pub fn on_change(&self, callback: Callback<()>) {
        self.on_change.set_value(Some(callback));
    }

    fn changed(&self) {
        if let Some(callback) = self.on_change.get_value() {
            callback.run(());
        }
    }

    /// The ids of the files on the draft (what a send takes).
    pub fn ids(&self) -> Vec<String> {
        self.attached
            .with_untracked(|a| a.iter().map(|f| f.id.clone()).collect())
    }

    /// Whether a file is still on its way up (sending waits for it).
    pub fn busy(&self) -> bool {
        self.uploading.with(|u| u.iter().any(|f| f.error.with(Option::is_none)))
    }

    pub fn clear(&self) {
        self.attached.set(Vec::new());
        self.uploading.set(Vec::new());
    }

    /// Checks each file against the room the draft has left, then uploads those that fit;
    /// one that does not is listed with the reason at once (no bytes sent).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub fn add(&self, files: Vec<BrowserFile>) {
        if files.is_empty() {
            return;
        }
        let this = *self;
        leptos::task::spawn_local(async move {
            let asked = attachment_room(this.conversation_id.get_value()).await;
            // Files still on their way up count too.
            let mut room = asked.map(|room| {
                this.uploading.with_untracked(|list| {
                    list.iter()
                        .filter(|u| u.error.with_untracked(Option::is_none))
                        .fold(room, |room, u| room.with(u.size))
                })
            });
            for file in files {
                let (name, size) = browser::file_facts(&file);
                let size = size as i64;
                let key = this.next_key.get_value();
                this.next_key.set_value(key + 1);
                let row = Uploading {
                    key,
                    name,
                    size,
                    progress: RwSignal::new(0.0),
                    error: RwSignal::new(None),
                };
                let (progress, error) = (row.progress, row.error);
                this.uploading.update(|u| u.push(row));
                match &room {
                    Err(e) => {
                        error.set(Some(e.to_string()));
                        continue;
                    }
                    Ok(left) => {
                        if let Err(reason) = left.check(size) {
                            error.set(Some(reason));
                            continue;
                        }
                    }
                }
                room = room.map(|r| r.with(size));
                let started = browser::upload(
                    &this.conversation_id.get_value(),
                    &file,
                    move |share| progress.set(share),
                    move |outcome| match outcome {
                        Ok(attachment) => {
                            this.uploading.update(|u| u.retain(|f| f.key != key));
                            this.attached.update(|a| a.push(attachment));
                            this.changed();
                        }
                        Err(e) => error.set(Some(e.to_string())),
                    },
                );
                if started.is_none() {
                    error.set(Some("This browser could not start the upload.".into()));
                }
            }
        });
    }
}

/// "Attach files" and the list of files on the reply.
#[component]
pub fn FilesPanel(files: Files) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    let remove = Action::new(move |id: &String| {
        let id = id.clone();
        async move { (id.clone(), remove_attachment(id).await) }
    });
    let remove_error = RwSignal::new(None::<String>);
    Effect::new(move |_| match remove.value().get() {
        Some((id, Ok(()))) => {
            remove_error.set(None);
            files.attached.update(|a| a.retain(|f| f.id != id));
            files.changed();
        }
        Some((_, Err(e))) => remove_error.set(Some(e.to_string())),
        None => {}
    });
    let chosen = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(el) = input.get_untracked() {
            files.add(browser::files_of(el.files()));
            el.set_value("");
        }
    };
    view! {
        <div class="composer-files">
            <button type="button" class="button subtle" on:click=move |_| {
                if let Some(el) = input.get_untracked() { el.click(); }
            }>"Attach files"</button>
            <input type="file" multiple id="reply-files" class="visually-hidden" tabindex="-1" aria-hidden="true"
                node_ref=input on:change=chosen/>
            <ul class="composer-attachments" aria-label="Files on this reply"
                hidden=move || files.attached.with(Vec::is_empty) && files.uploading.with(Vec::is_empty)>
                {move || files.attached.get().into_iter().map(|f| {
                    let id = f.id.clone();
                    let name = f.file_name.clone();
                    view! {
                        <li>
                            <a href=f.href() download=f.file_name.clone()>{f.file_name.clone()}</a>
                            " " <span class="muted">{size_label(f.size)}</span>
                            <button type="button" class="button subtle" aria-label=format!("Remove {name}")
                                on:click=move |_| { remove.dispatch(id.clone()); }>"Remove"</button>
                        </li>
                    }
                }).collect_view()}
                {move || files.uploading.get().into_iter().map(|u| {
                    let name = u.name.clone();
                    let key = u.key;
                    view! {
                        <li>
                            {move || match u.error.get() {
                                None => view! {
                                    <span>{format!("Uploading {name}…")}</span>
                                    <progress max="1" prop:value=move || u.progress.get()
                                        aria-label=format!("Uploading {name}")></progress>
                                    <span class="muted">{move || format!("{:.0}%", u.progress.get() * 100.0)}</span>
                                }.into_any(),
                                Some(message) => view! {
                                    <span class="field-error" role="alert">{format!("{name} was not attached: {message}")}</span>
                                    <button type="button" class="button subtle"
                                        on:click=move |_| files.uploading.update(|list| list.retain(|f| f.key != key))>
                                        "Dismiss"
                                    </button>
                                }.into_any(),
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="field-error" role="alert">{move || remove_error.get()}</p>
        </div>
    }
}
