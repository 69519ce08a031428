//! The open ticket's conversations: each a thread of messages, and the place to reply.

use leptos::prelude::*;

use super::model::{Conversation, Delivery, Message, MessageKind};
use crate::format::date_time;

/// An outgoing message's delivery, in words, with "Retry" when it failed for good.
#[component]
fn DeliveryState(message: Message, on_changed: Callback<()>) -> impl IntoView {
    let retry = Action::new({
        let id = message.id.clone();
        move |_: &()| super::api::retry_send(id.clone())
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = retry.value().get() {
            on_changed.run(());
        }
    });
    // Where it stands now: polled while it is on its way (no live updates yet).
    let current = RwSignal::new((
        message.delivery,
        message.delivery_error.clone(),
        message.next_attempt_at,
    ));
    let in_flight =
        |d: Option<Delivery>| matches!(d, Some(Delivery::Scheduled | Delivery::Sending | Delivery::Retrying));
    #[cfg(feature = "hydrate")]
    {
        let id = message.id.clone();
        let poll = gloo_timers::callback::Interval::new(2_000, move || {
            if !in_flight(current.get_untracked().0) {
                return;
            }
            let id = id.clone();
            leptos::task::spawn_local(async move {
                if let Ok(state) = super::api::delivery_state(id).await {
                    current.set(state);
                }
            });
        });
        // Dropped (and so stopped) with the component.
        StoredValue::new_local(poll);
    }
    let _ = in_flight;
    view! { {move || delivery_view(current.get(), retry)} }.into_any()
}

fn delivery_view(
    (delivery, reason, next): (Option<Delivery>, String, Option<i64>),
    retry: Action<(), Result<(), crate::error::AppError>>,
) -> AnyView {
    let next = next.map(date_time);
    let (class, text) = match delivery {
        Some(Delivery::Scheduled) => ("scheduled", "Scheduled".to_string()),
        Some(Delivery::Sending) => ("sending", "Sending…".to_string()),
        Some(Delivery::Sent) => ("sent", "Sent".to_string()),
        Some(Delivery::Retrying) => (
            "retrying",
            format!(
                "Failed, retrying{}: {reason}",
                next.map(|n| format!(" at {n}")).unwrap_or_default()
            ),
        ),
        Some(Delivery::Failed) => ("failed", format!("Failed: {reason}")),
        None => return ().into_any(),
    };
    let failed = delivery == Some(Delivery::Failed);
    view! {
        <p class=format!("delivery delivery-{class}") role=failed.then_some("alert")>
            <span>{text}</span>
            {failed.then(|| view! {
                <button type="button" class="button" disabled=move || retry.pending().get()
                    on:click=move |_| { retry.dispatch(()); }>"Retry"</button>
            })}
            {move || retry.value().get().and_then(|r| r.err()).map(|e| view! { <span class="field-error">{e.to_string()}</span> })}
        </p>
    }
    .into_any()
}

/// A message's body: sanitised HTML (or text), with the quoted history at its end folded
/// behind "Show quoted text".
fn message_body(m: &Message) -> AnyView {
    if m.body_html.is_empty() {
        let (text, quoted) = super::model::split_quoted_text(&m.body);
        return view! {
            <div class="message-body message-text">
                {text}
                {quoted.map(|q| view! {
                    <details class="message-quoted">
                        <summary>"Show quoted text"</summary>
                        <div class="message-text">{q}</div>
                    </details>
                })}
            </div>
        }
        .into_any();
    }
    // Sanitised on the server with an allow-list (`conversations::html`), the quoted
    // history split off and sanitised again there (`store::fold_quoted`). Remote images
    // point at our placeholder until "Show images" puts their addresses back.
    let quoted = (!m.quoted_html.is_empty()).then(|| m.quoted_html.clone());
    let held_back = m.incoming.as_ref().is_some_and(|i| i.remote_images);
    let shown = RwSignal::new(false);
    let body = m.body_html.clone();
    let html = move || {
        if shown.get() {
            super::model::with_remote_images(&body)
        } else {
            body.clone()
        }
    };
    let quoted_html = move |q: String| {
        move || {
            if shown.get() {
                super::model::with_remote_images(&q)
            } else {
                q.clone()
            }
        }
    };
    view! {
        <div class="message-body">
            {held_back.then(|| view! {
                <p class="message-images" class:hidden=move || shown.get()>
                    <span class="muted">"Remote images are held back: loading them tells the sender you read this."</span>
                    " "
                    <button type="button" class="button subtle" on:click=move |_| shown.set(true)>"Show images"</button>
                </p>
            })}
            <div inner_html=html></div>
            {quoted.map(|q| view! {
                <details class="message-quoted">
                    <summary>"Show quoted text"</summary>
                    <div inner_html=quoted_html(q)></div>
                </details>
            })}
        </div>
    }
    .into_any()
}

/// For a message that came in by email: what sent it when no person did, how it found
/// this ticket, and "Show original".
fn incoming_meta(m: &Message) -> Option<AnyView> {
    let info = m.incoming.clone()?;
    let original = info.has_original.then(|| super::model::original_path(&m.id));
    Some(
        view! {
            {info.auto_label().map(|label| view! { " " <span class="message-badge">{label}</span> })}
            " · " <span class="message-threading">{info.threaded_label()}</span>
            {original.map(|href| view! {
                " · " <a class="message-original" href=href target="_blank" rel="noopener">"Show original"</a>
            })}
        }
        .into_any(),
    )
}

/// A message's files: each a download link with its size.
fn attachment_list(files: &[super::attachments::Attachment]) -> Option<AnyView> {
    (!files.is_empty()).then(|| {
        view! {
            <ul class="attachments" aria-label="Attachments">
                {files.iter().map(|f| view! {
                    <li>
                        <a href=f.href() download=f.file_name.clone()>{f.file_name.clone()}</a>
                        " " <span class="muted">{super::attachments::size_label(f.size)}</span>
                    </li>
                }).collect_view()}
            </ul>
        }
        .into_any()
    })
}

/// A conversation as a thread: each message with its sender, recipients, channel and time,
/// the body (sanitised HTML or text), its delivery if outgoing, and "Reply to this message".
#[component]
pub fn ConversationThread(
    conversation: Conversation,
    /// Set by "Reply to this message" (the composer answers that one).
    replying_to: RwSignal<Option<String>>,
    /// The caller may reply (help desk seats and admins).
    can_reply: bool,
    on_changed: Callback<()>,
) -> impl IntoView {
    let heading = format!(
        "{} conversation{}",
        conversation.channel.label(),
        conversation
            .contact_name
            .as_ref()
            .map(|n| format!(" with {n}"))
            .unwrap_or_default()
    );
    view! {
        <article class="conversation" aria-label=heading.clone()>
            <h3 class="conversation-heading">{heading.clone()}</h3>
            <ol class="messages">
                {conversation.messages.into_iter().map(|m| {
                    let kind = match m.kind {
                        MessageKind::Incoming => "incoming",
                        MessageKind::Reply => "reply",
                        MessageKind::Comment => "comment",
                    };
                    let label = match m.kind {
                        MessageKind::Incoming => "wrote",
                        MessageKind::Reply => "replied",
                        MessageKind::Comment => "commented (internal)",
                    };
                    let recipients = (!m.to.is_empty()).then(|| {
                        let mut line = format!("To {}", m.to.join(", "));
                        if !m.cc.is_empty() {
                            line.push_str(&format!(" · CC {}", m.cc.join(", ")));
                        }
                        if !m.bcc.is_empty() {
                            line.push_str(&format!(" · BCC {}", m.bcc.join(", ")));
                        }
                        line
                    });
                    let id = m.id.clone();
                    let selected = Signal::derive({
                        let id = id.clone();
                        move || replying_to.get().as_deref() == Some(id.as_str())
                    });
                    let body = message_body(&m);
                    let files = attachment_list(&m.attachments);
                    view! {
                        <li class=format!("message message-{kind}") class:message-answered=selected>
                            <p class="message-meta">
                                <strong>{m.author_name.clone()}</strong> " " {label}
                                {(!m.from_address.is_empty()).then(|| format!(" from {}", m.from_address))}
                                " · " <time>{date_time(m.created_at)}</time>
                                {incoming_meta(&m)}
                            </p>
                            {recipients.map(|r| view! { <p class="message-recipients muted">{r}</p> })}
                            {body}
                            {files}
                            <DeliveryState message=m.clone() on_changed/>
                            {(can_reply && m.kind != MessageKind::Comment).then(|| view! {
                                <button type="button" class="button subtle message-answer" aria-label="Reply to this message"
                                    aria-pressed=move || selected.get().to_string()
                                    on:click=move |_| replying_to.set(Some(id.clone()))>"Reply"</button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ol>
        </article>
    }
}

/// The reply just sent from this browser, while it can be undone: kept above the ticket
/// view, which renders anew when the ticket loads again.
#[derive(Clone, Copy)]
pub struct JustSent(pub RwSignal<Option<SentReply>>);

#[derive(Clone, Debug, PartialEq)]
pub struct SentReply {
    pub conversation_id: String,
    pub message_id: String,
    pub undo_until: i64,
}

/// Bumped when the user's drafts change here (a first save, a send, a discard), so the
/// "Drafts" view and its count load again.
#[derive(Clone, Copy)]
pub struct DraftsChanged(pub RwSignal<u32>);

impl DraftsChanged {
    pub fn bump() {
        if let Some(changed) = use_context::<DraftsChanged>() {
            changed.0.update(|n| *n += 1);
        }
    }
}

fn drafts_resource() -> crate::wire::Res<Result<Vec<super::model::DraftSummary>, crate::error::AppError>> {
    let changed = use_context::<DraftsChanged>();
    crate::wire::resource(move || changed.map(|c| c.0.get()), |_| super::api::list_drafts())
}

/// "Drafts" in the left panel, with how many the user has.
#[component]
pub fn DraftsLink() -> impl IntoView {
    let drafts = drafts_resource();
    let location = leptos_router::hooks::use_location();
    let here = move || location.pathname.read().as_str() == "/drafts";
    view! {
        <ul class="view-list">
            <li>
                <a href="/drafts" class="view-link" aria-current=move || here().then_some("page")>
                    <span class="view-name">"Drafts"</span>
                    <span class="count">
                        <Transition fallback=|| "…">
                            {move || Suspend::new(async move { drafts.await.map(|d| d.len()).unwrap_or_default() })}
                        </Transition>
                    </span>
                </a>
            </li>
        </ul>
    }
}

/// The user's drafts: each opens its ticket with the editor on that draft.
#[component]
pub fn DraftsPage() -> impl IntoView {
    let drafts = drafts_resource();
    view! {
        <leptos_meta::Title text="Drafts · Switchboard"/>
        <section class="ticket-pane drafts-page" aria-labelledby="drafts-heading">
            <h2 id="drafts-heading">"Drafts"</h2>
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading your drafts…"</p> }>
                {move || Suspend::new(async move {
                    match drafts.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="empty-state">"No drafts. A reply you start and do not send is kept here."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="drafts">
                                {list.into_iter().map(|d| view! {
                                    <li class="draft-row">
                                        <a href=format!("/tickets/{}", d.ticket_id)>
                                            <span class="ticket-name">{format!("#{} {}", d.ticket_number, d.ticket_name)}</span>
                                            <span class="muted">{d.recipient.map(|r| format!("To {r}")).unwrap_or_default()}</span>
                                            <span class="draft-excerpt">{d.excerpt}</span>
                                            <time class="muted">{date_time(d.updated_at)}</time>
                                        </a>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <crate::kit::ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
