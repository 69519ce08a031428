//! The reply composer (MISSION R2, R4-R7, R9): a rich-text editor with its toolbar, the
//! recipients and From, a draft saved on the server as the agent types, Send and
//! send-and-set-status, the collision check, and Undo.

use leptos::prelude::*;

mod files;
mod recipients;
mod signature;
mod toolbar;

use files::{Files, FilesPanel};
use recipients::Recipients;
use signature::SignatureField;
use toolbar::{add_link, Toolbar};

use super::api::{discard_draft, get_draft, save_draft, send_reply, undo_send};
use super::browser;
use super::model::{Conversation, Draft, DraftContent, DraftSaved, Message, MessageKind, SendOutcome, SendRequest};
use crate::channels::email::model::SendingAddress;
use crate::error::AppError;
use crate::kit::field::Field;
use crate::pipelines::model::Status;
use crate::properties::model::{Property, PropertyValue};

/// Saves wait this long after the last keystroke, and at most this long while typing on.
const DEBOUNCE_MS: u32 = 800;
const MAX_WAIT_MS: f64 = 5_000.0;
/// A save that failed is tried again after this long.
const RETRY_MS: u32 = 3_000;

/// Where the draft stands, as the composer says it.
#[derive(Clone, Debug, PartialEq)]
enum SaveState {
    Idle,
    Saving,
    Saved,
    Retrying,
    /// Another window saved, sent or discarded it; `Some` holds the newer draft.
    Conflict(Option<Box<Draft>>),
}

/// What the ticket looked like when the editor loaded (the collision check).
#[derive(Clone, Debug)]
pub struct Seen {
    pub status_id: String,
    pub last_message_id: Option<String>,
}

/// The entries of an address field: split on commas, semicolons and line breaks.
fn addresses(text: &str) -> Vec<String> {
    text.split([',', ';', '\n'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
}

fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    0.0
}

/// The message a reply answers by default: the latest from the customer.
fn latest_incoming(messages: &[Message]) -> Option<Message> {
    messages.iter().rev().find(|m| m.kind == MessageKind::Incoming).cloned()
}

/// The composer of one conversation, opened on the caller's saved draft (if any).
#[component]
pub fn Composer(
    conversation: Conversation,
    seen: Seen,
    saved: Option<Draft>,
    senders: Vec<SendingAddress>,
    /// The statuses of the ticket's pipeline, for "More send options".
    #[prop(into)]
    statuses: Signal<Vec<Status>>,
    /// Every custom property (a conditional status asks for some).
    #[prop(into)]
    properties: Signal<Vec<Property>>,
    /// The message chosen with "Reply to this message" (`None`: the latest).
    replying_to: RwSignal<Option<String>>,
    /// The ticket changed (sent, undone): it loads again.
    on_changed: Callback<()>,
) -> impl IntoView {
    view! {
        <section class="composer" aria-label="Reply editor">
            <Editor conversation seen saved senders statuses properties replying_to on_changed/>
        </section>
    }
}

#[component]
fn Editor(
    conversation: Conversation,
    seen: Seen,
    saved: Option<Draft>,
    senders: Vec<SendingAddress>,
    statuses: Signal<Vec<Status>>,
    properties: Signal<Vec<Property>>,
    replying_to: RwSignal<Option<String>>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let id = conversation.id.clone();
    let initial = saved
        .as_ref()
        .map(|d| d.content.clone())
        .unwrap_or_else(|| DraftContent {
            to: conversation.contact_email.clone().into_iter().collect(),
            ..Default::default()
        });
    if let Some(answered) = &initial.reply_to_message_id {
        replying_to.set(Some(answered.clone()));
    }
    let version = StoredValue::new(saved.as_ref().map_or(0, |d| d.version));
    let body = RwSignal::new(initial.body_html.clone());
    let to = RwSignal::new(initial.to.join(", "));
    let cc = RwSignal::new(initial.cc.join(", "));
    let bcc = RwSignal::new(initial.bcc.join(", "));
    let from = RwSignal::new(
        initial
            .from_channel_id
            .clone()
            .or(conversation.email_channel_id.clone())
            .filter(|c| senders.iter().any(|s| &s.id == c))
            .or(senders.first().map(|s| s.id.clone()))
            .unwrap_or_default(),
    );
    let signature = RwSignal::new(initial.edited_signature().map(str::to_string));
    let show_recipients = RwSignal::new(!initial.cc.is_empty() || !initial.bcc.is_empty());
    let state = RwSignal::new(if saved.is_some() {
        SaveState::Saved
    } else {
        SaveState::Idle
    });
    let dirty_since = StoredValue::new(None::<f64>);
    // The browser's timer handle is not `Send`; on the server nothing is ever scheduled.
    #[cfg(feature = "hydrate")]
    let pending = StoredValue::new_local(None::<gloo_timers_shim::Timeout>);
    #[cfg(not(feature = "hydrate"))]
    let pending = StoredValue::new(None::<gloo_timers_shim::Timeout>);
    let editor = NodeRef::<leptos::html::Div>::new();
    let expanded = RwSignal::new(false);
    let files = Files::new(
        id.clone(),
        saved.as_ref().map(|d| d.attachments.clone()).unwrap_or_default(),
    );
    let height = RwSignal::new(180i32);

    let content = move || DraftContent {
        body_html: body.get_untracked(),
        from_channel_id: Some(from.get_untracked()).filter(|f| !f.is_empty()),
        to: addresses(&to.get_untracked()),
        cc: addresses(&cc.get_untracked()),
        bcc: addresses(&bcc.get_untracked()),
        reply_to_message_id: replying_to.get_untracked(),
        status_id: None,
        attachments: files.ids(),
        own_signature: signature.with_untracked(Option::is_some),
        signature_html: signature.get_untracked().unwrap_or_default(),
    };
    let field_error = RwSignal::new(None::<AppError>);
    let drafts_changed = use_context::<super::ui::DraftsChanged>()
        .map(|c| c.0)
        .unwrap_or_else(|| RwSignal::new(0));

    // A text the server has not confirmed, kept in this browser, wins over the server's
    // copy it was made from (the agent typed it after that version).
    let id_for_restore = id.clone();
    let restore_unsaved = move || {
        let Some(kept) = browser::unsaved(&id_for_restore) else {
            return;
        };
        let Some((base, html)) = kept.split_once('\n') else {
            return;
        };
        if base.parse::<i64>().ok() == Some(version.get_value()) && html != body.get_untracked() {
            // Cut down to the allow-list first: the browser's storage is not ours to trust.
            let html = browser::clean_html(html);
            if let Some(el) = editor.get_untracked() {
                el.set_inner_html(&html);
            }
            body.set(html);
            state.set(SaveState::Retrying);
        }
    };

    // One save: the content now, from the version this window holds.
    let save_now: std::sync::Arc<dyn Fn() + Send + Sync> = {
        let id = id.clone();
        std::sync::Arc::new(move || {
            if matches!(state.get_untracked(), SaveState::Conflict(_) | SaveState::Saving) {
                return;
            }
            pending.update_value(|p| *p = None);
            let content = content();
            let base = version.get_value();
            let body_sent = content.body_html.clone();
            browser::keep_unsaved(&id, &format!("{base}\n{}", content.body_html));
            state.set(SaveState::Saving);
            let id = id.clone();
            leptos::task::spawn_local(async move {
                match save_draft(id.clone(), base, content).await {
                    Ok(DraftSaved::Saved { version: saved, .. }) => {
                        if saved == 1 {
                            drafts_changed.update(|n| *n += 1);
                        }
                        version.set_value(saved);
                        dirty_since.set_value(None);
                        field_error.set(None);
                        browser::forget_unsaved(&id);
                        state.set(SaveState::Saved);
                    }
                    // The server already holds this very text (a save from this window that
                    // raced another, or a beacon): take its version and go on.
                    Ok(DraftSaved::Conflict { current: Some(current) }) if current.content.body_html == body_sent => {
                        version.set_value(current.version);
                        dirty_since.set_value(None);
                        browser::forget_unsaved(&id);
                        state.set(SaveState::Saved);
                    }
                    Ok(DraftSaved::Conflict { current }) => state.set(SaveState::Conflict(current.map(Box::new))),
                    Err(error @ AppError::Validation { .. }) => {
                        field_error.set(Some(error));
                        state.set(SaveState::Idle);
                    }
                    Err(_) => state.set(SaveState::Retrying),
                }
            });
        })
    };
    // A file added or removed: the draft is saved (so it exists to hold the file).
    files.on_change(Callback::new({
        let save_now = save_now.clone();
        move |_: ()| save_now()
    }));
    // Saves again while "Not saved, retrying".
    let retry_save = save_now.clone();
    Effect::new(move |_| {
        if state.get() == SaveState::Retrying {
            let retry = retry_save.clone();
            pending.set_value(Some(gloo_timers_shim::Timeout::new(RETRY_MS, move || retry())));
        }
    });
    let schedule: std::sync::Arc<dyn Fn() + Send + Sync> = {
        let save_now = save_now.clone();
        std::sync::Arc::new(move || {
            let now = now_ms();
            let first = dirty_since.get_value().unwrap_or(now);
            dirty_since.set_value(Some(first));
            if now - first >= MAX_WAIT_MS {
                save_now();
                return;
            }
            let save = save_now.clone();
            pending.set_value(Some(gloo_timers_shim::Timeout::new(DEBOUNCE_MS, move || save())));
        })
    };

    // Leaving the ticket or closing the page: what is not saved goes with a beacon.
    let id_for_leave = id.clone();
    let leave = move || {
        if dirty_since.get_value().is_none() || matches!(state.get_untracked(), SaveState::Conflict(_)) {
            return;
        }
        let c = content();
        let mut form = vec![
            ("conversation_id".to_string(), id_for_leave.clone()),
            ("base".to_string(), version.get_value().to_string()),
            ("content[body_html]".to_string(), c.body_html.clone()),
        ];
        for (name, list) in [("to", &c.to), ("cc", &c.cc), ("bcc", &c.bcc)] {
            form.extend(
                list.iter()
                    .enumerate()
                    .map(|(i, a)| (format!("content[{name}][{i}]"), a.clone())),
            );
        }
        if let Some(from) = &c.from_channel_id {
            form.push(("content[from_channel_id]".into(), from.clone()));
        }
        if let Some(answered) = &c.reply_to_message_id {
            form.push(("content[reply_to_message_id]".into(), answered.clone()));
        }
        if c.own_signature {
            form.push(("content[own_signature]".into(), "true".into()));
            form.push(("content[signature_html]".into(), c.signature_html.clone()));
        }
        browser::keep_unsaved(&id_for_leave, &format!("{}\n{}", version.get_value(), c.body_html));
        browser::beacon("save_draft", &form);
    };
    let leave_on_hide = leave.clone();
    let hidden = leptos::prelude::window_event_listener(leptos::ev::pagehide, move |_| leave_on_hide());
    let leave_on_cleanup = std::sync::Mutex::new(Some(leave));
    on_cleanup(move || {
        hidden.remove();
        if let Some(leave) = leave_on_cleanup.lock().ok().and_then(|mut l| l.take()) {
            leave();
        }
    });

    Effect::new(move |_| {
        if editor.get().is_some() {
            browser::use_paragraphs();
            restore_unsaved();
        }
    });
    // The height the agent dragged to, set through the DOM: the policy allows no inline
    // style attributes.
    Effect::new(move |_| {
        let height = height.get();
        if let Some(el) = editor.get() {
            browser::set_min_height(&el, height);
        }
    });

    let id_for_input = id.clone();
    let send_error = RwSignal::new(None::<AppError>);
    // A refusal named a field; once the agent edits, it is about text no longer there.
    let clear_refusal = move || {
        if send_error.with_untracked(|e| matches!(e, Some(AppError::Validation { .. }))) {
            send_error.set(None);
        }
    };
    let on_input = {
        let schedule = schedule.clone();
        move |_| {
            clear_refusal();
            if let Some(el) = editor.get_untracked() {
                body.set(el.inner_html());
            }
            // In this browser at once, so nothing typed is lost if the page goes.
            browser::keep_unsaved(
                &id_for_input,
                &format!("{}\n{}", version.get_value(), body.get_untracked()),
            );
            schedule();
        }
    };
    let on_field = {
        let schedule = schedule.clone();
        move || {
            clear_refusal();
            schedule()
        }
    };
    let on_blur = {
        let save_now = save_now.clone();
        move |_| {
            if dirty_since.get_value().is_some() {
                save_now();
            }
        }
    };

    // Sending.
    let chosen_status = RwSignal::new(None::<Status>);
    let needed_values = RwSignal::new(Vec::<(Property, RwSignal<String>)>::new());
    let menu_open = RwSignal::new(false);
    let collision = RwSignal::new(None::<(Vec<Message>, Option<String>)>);
    let just_sent = use_context::<super::ui::JustSent>()
        .map(|j| j.0)
        .unwrap_or_else(|| RwSignal::new(None));
    let this_conversation = conversation.id.clone();
    let undo = Signal::derive(move || {
        just_sent
            .get()
            .filter(|s| s.conversation_id == this_conversation)
            .map(|s| (s.message_id, s.undo_until))
    });
    let seen = StoredValue::new(seen);
    let send = Action::new(move |(status, force): &(Option<Status>, bool)| {
        let request = SendRequest {
            conversation_id: id.clone(),
            content: content(),
            status_id: status.as_ref().map(|s| s.id.clone()),
            properties: needed_values
                .get_untracked()
                .into_iter()
                .map(|(p, v)| PropertyValue {
                    property_id: p.id,
                    value: v.get_untracked(),
                })
                .filter(|v| !v.value.trim().is_empty())
                .collect(),
            seen_message_id: seen.with_value(|s| s.last_message_id.clone()),
            seen_status_id: seen.with_value(|s| s.status_id.clone()),
            force: *force,
        };
        send_reply(request)
    });
    // Sent or discarded: an empty editor with no draft behind it.
    let clear_editor = {
        let id = conversation.id.clone();
        move || {
            body.set(String::new());
            if let Some(el) = editor.get_untracked() {
                el.set_inner_html("");
            }
            signature.set(None);
            files.clear();
            version.set_value(0);
            dirty_since.set_value(None);
            browser::forget_unsaved(&id);
            state.set(SaveState::Idle);
        }
    };
    let clear_after_discard = clear_editor.clone();
    let conversation_for_send = conversation.id.clone();
    Effect::new(move |_| match send.value().get() {
        Some(Ok(SendOutcome::Scheduled { message_id, undo_until })) => {
            send_error.set(None);
            collision.set(None);
            chosen_status.set(None);
            needed_values.set(Vec::new());
            clear_editor();
            just_sent.set(Some(super::ui::SentReply {
                conversation_id: conversation_for_send.clone(),
                message_id,
                undo_until,
            }));
            drafts_changed.update(|n| *n += 1);
            on_changed.run(());
        }
        Some(Ok(SendOutcome::Changed {
            new_messages,
            status_now,
        })) => collision.set(Some((new_messages, status_now))),
        Some(Err(error)) => send_error.set(Some(error)),
        None => {}
    });
    let start_send = move |status: Option<Status>, force: bool| {
        menu_open.set(false);
        if files.busy() {
            send_error.set(Some(AppError::validation(
                "attachments",
                "A file is still uploading: send when it is done (or dismiss it).",
            )));
            return;
        }
        if let Some(el) = editor.get_untracked() {
            body.set(el.inner_html());
        }
        if let Some(status) = &status {
            // A conditional status asks for what it requires first.
            let defined = properties.get_untracked();
            let needed: Vec<Property> = status
                .required_properties
                .iter()
                .filter_map(|id| defined.iter().find(|p| &p.id == id).cloned())
                .collect();
            if !needed.is_empty() && chosen_status.get_untracked().as_ref().map(|s| &s.id) != Some(&status.id) {
                needed_values.set(needed.into_iter().map(|p| (p, RwSignal::new(String::new()))).collect());
                chosen_status.set(Some(status.clone()));
                return;
            }
        }
        pending.update_value(|p| *p = None);
        send.dispatch((status, force));
    };
    let undo_action = Action::new(move |message_id: &String| undo_send(message_id.clone()));
    Effect::new(move |_| {
        if let Some(Ok(_)) = undo_action.value().get() {
            // The server put the text back as the draft: the ticket loads again with it.
            just_sent.set(None);
            drafts_changed.update(|n| *n += 1);
            on_changed.run(());
        }
    });
    // The undo bar goes when its window ends.
    Effect::new(move |_| {
        if let Some((_, until)) = undo.get() {
            let wait = (until as f64 - now_ms()).max(0.0) as u32;
            pending.set_value(Some(gloo_timers_shim::Timeout::new(wait + 500, move || {
                just_sent.set(None)
            })));
        }
    });

    let discard = Action::new({
        let id = conversation.id.clone();
        move |_: &()| discard_draft(id.clone(), version.get_value())
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = discard.value().get() {
            clear_after_discard();
            drafts_changed.update(|n| *n += 1);
        }
    });

    let messages = conversation.messages.clone();
    let answering = move || {
        let chosen = replying_to.get();
        let message = match &chosen {
            Some(id) => messages.iter().find(|m| &m.id == id).cloned(),
            None => latest_incoming(&messages),
        };
        (chosen.is_some(), message)
    };
    let status_text = move || match state.get() {
        SaveState::Idle => String::new(),
        SaveState::Saving => "Saving…".into(),
        SaveState::Saved => "Saved".into(),
        SaveState::Retrying => "Not saved, retrying".into(),
        SaveState::Conflict(_) => String::new(),
    };
    let id_for_keep = conversation.id.clone();
    let keep_mine = {
        let save_now = save_now.clone();
        move |_| {
            let save_now = save_now.clone();
            let id = id_for_keep.clone();
            leptos::task::spawn_local(async move {
                if let Ok(current) = get_draft(id).await {
                    version.set_value(current.map_or(0, |d| d.version));
                    state.set(SaveState::Idle);
                    save_now();
                }
            });
        }
    };
    let load_newer = move |_| {
        if let SaveState::Conflict(current) = state.get_untracked() {
            let content = current.as_ref().map(|d| d.content.clone()).unwrap_or_default();
            body.set(content.body_html.clone());
            if let Some(el) = editor.get_untracked() {
                el.set_inner_html(&content.body_html);
            }
            to.set(content.to.join(", "));
            cc.set(content.cc.join(", "));
            bcc.set(content.bcc.join(", "));
            signature.set(content.edited_signature().map(str::to_string));
            version.set_value(current.map_or(0, |d| d.version));
            dirty_since.set_value(None);
            state.set(SaveState::Saved);
        }
    };
    let error_for = move |field: &'static str| {
        move || {
            field_error
                .get()
                .or(send_error.get())
                .and_then(|e| e.field_message(field))
        }
    };
    let other_send_error = move || {
        send_error
            .get()
            .filter(|e| !matches!(e, AppError::Validation { .. }))
            .map(|e| e.to_string())
    };
    let body_error = move || {
        send_error
            .get()
            .and_then(|e| e.field_message("body").or(e.field_message("from")))
    };
    let on_key = {
        move |ev: leptos::ev::KeyboardEvent| {
            let command = ev.ctrl_key() || ev.meta_key();
            match ev.key().as_str() {
                "Enter" if command => {
                    ev.prevent_default();
                    start_send(None, false);
                }
                "k" | "K" if command => {
                    ev.prevent_default();
                    add_link();
                }
                _ => {}
            }
        }
    };
    let senders_for_view = senders.clone();
    let senders_for_signature = senders.clone();
    let on_signature = on_field.clone();
    let resize_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "ArrowUp" => {
            ev.prevent_default();
            height.update(|h| *h = (*h + 40).min(800));
        }
        "ArrowDown" => {
            ev.prevent_default();
            height.update(|h| *h = (*h - 40).max(100));
        }
        _ => {}
    };
    let drag_start = move |ev: leptos::ev::PointerEvent| {
        let start_y = ev.client_y();
        let start_h = height.get_untracked();
        let moving = window_event_listener(leptos::ev::pointermove, move |ev| {
            height.set((start_h + start_y - ev.client_y()).clamp(100, 800));
        });
        let moving = std::cell::RefCell::new(Some(moving));
        let up = std::rc::Rc::new(std::cell::RefCell::new(None::<WindowListenerHandle>));
        let up_inner = up.clone();
        *up.borrow_mut() = Some(window_event_listener(leptos::ev::pointerup, move |_| {
            if let Some(m) = moving.borrow_mut().take() {
                m.remove();
            }
            if let Some(u) = up_inner.borrow_mut().take() {
                u.remove();
            }
        }));
    };

    // Files dropped on the composer, or pasted into the editor, are attached; pasted HTML is
    // cut down to what a reply may hold before it goes in.
    let dropping = RwSignal::new(false);
    let on_drag_over = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dropping.set(true);
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dropping.set(false);
        #[cfg(feature = "hydrate")]
        files.add(browser::files_of(ev.data_transfer().and_then(|d| d.files())));
    };
    let on_paste = move |ev: leptos::ev::ClipboardEvent| {
        #[cfg(feature = "hydrate")]
        if let Some(data) = ev.clipboard_data() {
            let pasted = browser::files_of(data.files());
            if !pasted.is_empty() {
                ev.prevent_default();
                files.add(pasted);
                return;
            }
            if let Some(html) = data.get_data("text/html").ok().filter(|h| !h.trim().is_empty()) {
                ev.prevent_default();
                browser::format("insertHTML", Some(&browser::clean_html(&html)));
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    view! {
        <div class="composer-frame" class:composer-popup=move || expanded.get() class:composer-dropping=move || dropping.get()
            on:dragover=on_drag_over on:dragleave=move |_| dropping.set(false) on:drop=on_drop
            role=move || expanded.get().then_some("dialog") aria-modal=move || expanded.get().then_some("true")
            aria-label=move || expanded.get().then_some("Reply (expanded)")>
            <div class="composer-resize" role="separator" aria-orientation="horizontal" tabindex="0"
                aria-label="Resize the editor" aria-valuemin="100" aria-valuemax="800" aria-valuenow=move || height.get()
                on:pointerdown=drag_start on:keydown=resize_key></div>
            <div class="composer-head">
                {move || {
                    let (chosen, message) = answering();
                    message.map(|m| view! {
                        <p class="composer-answering">
                            {format!("Replying to {} · {}", m.author_name, crate::format::date_time(m.created_at))}
                            {chosen.then(|| view! {
                                <button type="button" class="button subtle" on:click=move |_| replying_to.set(None)>
                                    "Reply to the latest instead"
                                </button>
                            })}
                        </p>
                    })
                }}
                <Recipients to cc bcc from senders=senders_for_view show=show_recipients
                    errors=Callback::new(move |field: &'static str| error_for(field)())
                    on_change=Callback::new(move |_: ()| on_field())/>
            </div>
            <Toolbar expanded/>
            <div id="reply-editor" class="composer-editor" contenteditable="true" role="textbox" aria-multiline="true"
                aria-label="Reply" aria-describedby="reply-body-error reply-save-state" node_ref=editor
                inner_html=initial.body_html.clone()
                on:input=on_input on:blur=on_blur on:keydown=on_key on:paste=on_paste></div>
            <p id="reply-body-error" class="field-error" role="alert">{body_error}</p>
            <SignatureField signature from senders=senders_for_signature on_change=Callback::new(move |_: ()| on_signature())/>
            <p class="field-error" role="alert">{error_for("signature")}</p>
            <FilesPanel files/>
            <p class="field-error" role="alert">{error_for("attachments")}</p>
            {move || match state.get() {
                SaveState::Conflict(current) => view! {
                    <div class="composer-conflict" role="alert">
                        <p>{if current.is_some() {
                            "This draft was changed in another window."
                        } else {
                            "This draft was sent or discarded in another window."
                        }}</p>
                        <button type="button" class="button" on:click=load_newer>
                            {if current.is_some() { "Load the newer text" } else { "Clear my text" }}
                        </button>
                        <button type="button" class="button" on:click=keep_mine.clone()>"Keep mine"</button>
                    </div>
                }.into_any(),
                _ => ().into_any(),
            }}
            {move || collision.get().map(|(new_messages, status_now)| view! {
                <div class="composer-collision" role="alert">
                    <p><strong>"The ticket changed since you started writing."</strong></p>
                    {status_now.map(|s| view! { <p>{format!("Its status is now {s}.")}</p> })}
                    <ul>
                        {new_messages.into_iter().map(|m| view! {
                            <li>{format!("{} wrote: {}", m.author_name, m.body.chars().take(140).collect::<String>())}</li>
                        }).collect_view()}
                    </ul>
                    <button type="button" class="button primary" on:click=move |_| start_send(chosen_status.get_untracked(), true)>"Send anyway"</button>
                    <button type="button" class="button" on:click=move |_| { collision.set(None); on_changed.run(()); }>"Review"</button>
                </div>
            })}
            {move || chosen_status.get().filter(|_| !needed_values.read().is_empty()).map(|status| {
                let name = status.name.clone();
                view! {
                    <div class="required-prompt stack" role="group" aria-label=format!("Needed for {name}")>
                        <p><strong>{format!("To send and set {name}, fill in:")}</strong></p>
                        {needed_values.get().into_iter().map(|(property, value)| {
                            let field = property.name.clone();
                            view! {
                                <Field spec=property.field() input_id=format!("reply-required-{}", property.name) value required=true
                                    error=Signal::derive(move || send_error.get().and_then(|e| e.field_message(&field)))/>
                            }
                        }).collect_view()}
                        <button type="button" class="button primary" on:click={
                            let status = status.clone();
                            move |_| start_send(Some(status.clone()), false)
                        }>{format!("Send and set {name}")}</button>
                        <button type="button" class="button subtle" on:click=move |_| { chosen_status.set(None); needed_values.set(Vec::new()); }>"Cancel"</button>
                    </div>
                }
            })}
            <p class="form-error" role="alert">{other_send_error}</p>
            <div class="composer-actions">
                <div class="send-group">
                    <button type="button" class="button primary" disabled=move || send.pending().get()
                        on:click=move |_| start_send(None, false)>
                        {move || if send.pending().get() { "Sending…" } else { "Send" }}
                    </button>
                    <button type="button" class="button primary send-more" aria-label="More send options" aria-haspopup="menu"
                        aria-expanded=move || menu_open.get().to_string() aria-controls="send-options"
                        disabled=move || send.pending().get() on:click=move |_| menu_open.update(|o| *o = !*o)>
                        <span aria-hidden="true">"▾"</span>
                    </button>
                    <ul id="send-options" class="menu" role="menu" aria-label="Send and set status" hidden=move || !menu_open.get()>
                        {move || statuses.get().into_iter().map(|status| {
                            let label = format!("Send and set {}", status.name);
                            view! {
                                <li role="none">
                                    <button type="button" role="menuitem" on:click=move |_| start_send(Some(status.clone()), false)>
                                        {label}
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </div>
                <span id="reply-save-state" class="muted composer-state" role="status">{status_text}</span>
                <button type="button" class="button subtle" on:click=move |_| {
                    if confirm("Discard this draft? The text will be gone.") { discard.dispatch(()); }
                }>"Discard draft"</button>
            </div>
            {move || undo.get().map(|(message_id, _)| view! {
                <div class="composer-undo" role="status">
                    <span>"Reply scheduled."</span>
                    <button type="button" class="button" on:click=move |_| { undo_action.dispatch(message_id.clone()); }>"Undo"</button>
                </div>
            })}
            {move || undo_action.value().get().and_then(|r| r.err()).map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
        </div>
    }
}

/// Asks the user to confirm (the browser's own dialog); always yes on the server.
fn confirm(question: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.confirm_with_message(question).ok())
            .unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = question;
        true
    }
}

/// gloo-timers in the browser; a timer that never fires on the server.
mod gloo_timers_shim {
    #[cfg(feature = "hydrate")]
    pub use gloo_timers::callback::Timeout;

    #[cfg(not(feature = "hydrate"))]
    pub struct Timeout;

    #[cfg(not(feature = "hydrate"))]
    impl Timeout {
        pub fn new(_millis: u32, _callback: impl FnOnce() + 'static) -> Timeout {
            Timeout
        }
    }
}
