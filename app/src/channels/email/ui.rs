//! Settings > Email (super admins): connect team addresses with their outgoing server,
//! "Send test email", and the reply settings (the undo window, ticket automation).

use leptos::prelude::*;

use super::api::{
    delete_failed_import, list_email_channels, list_failed_imports, new_inbound_token, retry_failed_import,
    save_email_channel, send_test_email, test_imap_connection,
};
use super::model::{
    failed_import_path, EmailChannel, FailedImport, ImapFields, RetryOutcome, TlsMode, FAILED_IMPORTS_PAGE,
};
use crate::admin::model::Team;
use crate::auth::api::admin_only;
use crate::conversations::api::{get_reply_settings, save_reply_settings};
use crate::conversations::model::ReplySettings;
use crate::error::AppError;
use crate::kit::{settings_error_view, SettingsFrame};

fn blank_channel() -> EmailChannel {
    EmailChannel {
        id: String::new(),
        address: String::new(),
        display_name: String::new(),
        signature_html: String::new(),
        team_ids: Vec::new(),
        smtp_host: String::new(),
        smtp_port: 587,
        smtp_tls: TlsMode::StartTls,
        smtp_user: String::new(),
        smtp_password: String::new(),
        has_password: false,
        incoming_status_id: None,
        incoming_paused: false,
        has_inbound_token: false,
        imap: ImapFields::default(),
    }
}

/// How following the address's mailbox goes, for its row.
fn mailbox_line(imap: &ImapFields) -> Option<String> {
    if imap.host.is_empty() {
        return None;
    }
    let place = format!("Mailbox {}@{} ({})", imap.folder, imap.host, imap.tls.label());
    Some(match (&imap.checked_at, imap.last_error.is_empty()) {
        (None, _) => format!("{place}: not read yet."),
        (Some(_), true) => format!("{place}: followed, all well."),
        (Some(_), false) => format!("{place}: {}", imap.last_error),
    })
}

/// The page's chunk of the settings client (its code loads with the page, not with every
/// settings page).
pub const CHUNK: crate::kit::lazy::Chunk = crate::kit::lazy::Chunk {
    name: "email_settings",
    path_prefixes: &["/admin/email"],
    preloads: &[|| Box::pin(preload_email_settings())],
};

/// The page's data, created before its chunk's view (resources made inside an already
/// resolving view do not hydrate on a directly loaded page).
#[derive(Clone, Copy)]
pub(crate) struct EmailData {
    save: Action<EmailChannel, Result<String, AppError>>,
    channels: crate::wire::Res<Result<Vec<EmailChannel>, AppError>>,
    teams: crate::wire::Res<Result<Vec<Team>, AppError>>,
    pipelines: crate::wire::Res<Result<Vec<crate::pipelines::model::Pipeline>, AppError>>,
    save_settings: Action<ReplySettings, Result<(), AppError>>,
    settings: crate::wire::Res<Result<ReplySettings, AppError>>,
}

crate::kit::lazy::split_view! { settings email_settings, preload = preload_email_settings;
    /// Settings > Email's code.
    pub(crate) fn email_settings(data: EmailData) {
        view! { <EmailSettings data/> }
    }
}

#[component]
pub fn EmailSettingsPage() -> impl IntoView {
    let save = Action::new(move |channel: &EmailChannel| save_email_channel(channel.clone()));
    let save_settings = Action::new(move |settings: &ReplySettings| save_reply_settings(settings.clone()));
    let data = EmailData {
        save,
        channels: crate::wire::resource(move || save.version().get(), |_| admin_only(list_email_channels())),
        teams: crate::wire::resource(|| (), |_| crate::admin::api::list_teams()),
        pipelines: crate::wire::resource(|| (), |_| crate::pipelines::api::list_pipelines()),
        save_settings,
        settings: crate::wire::resource(
            move || save_settings.version().get(),
            |_| admin_only(get_reply_settings()),
        ),
    };
    let retry = RwSignal::new(0u32);
    view! {
        <Suspense fallback=|| view! { <p class="muted" role="status">"Opening Email settings…"</p> }>
            {move || {
                retry.track();
                Suspend::new(async move { crate::kit::lazy::or_failed(email_settings(data).await, retry) })
            }}
        </Suspense>
    }
}

#[component]
fn EmailSettings(data: EmailData) -> impl IntoView {
    let EmailData {
        save,
        channels,
        teams,
        pipelines,
        ..
    } = data;
    let editing = RwSignal::new(None::<EmailChannel>);
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
        }
    });
    view! {
        <SettingsFrame title="Email">
            <Suspense fallback=|| view! { <p class="muted" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let (list, teams, pipelines) = match (channels.await, teams.await, pipelines.await) {
                        (Ok(list), Ok(teams), Ok(pipelines)) => (list, teams, pipelines),
                        (Err(error), _, _) | (_, Err(error), _) | (_, _, Err(error)) => return settings_error_view(error),
                    };
                    let team_names = teams.clone();
                    view! {
                        <section aria-labelledby="addresses-heading" class="stack">
                            <h2 id="addresses-heading">"Team addresses"</h2>
                            {list.is_empty().then(|| view! {
                                <p class="muted">"No address is connected yet: agents cannot send email until one is."</p>
                            })}
                            <ul class="settings-list">
                                {list.into_iter().map(|channel| {
                                    let teams_text = channel.team_ids.iter()
                                        .filter_map(|id| team_names.iter().find(|t| &t.id == id).map(|t| t.name.clone()))
                                        .collect::<Vec<_>>().join(", ");
                                    let for_edit = channel.clone();
                                    view! {
                                        <li class="settings-row">
                                            <div>
                                                <strong>{format!("{} <{}>", channel.display_name, channel.address)}</strong>
                                                <p class="muted">{format!(
                                                    "{}:{} ({}) · {}",
                                                    channel.smtp_host, channel.smtp_port, channel.smtp_tls.label(),
                                                    if teams_text.is_empty() { "super admins only".to_string() } else { teams_text },
                                                )}</p>
                                                {mailbox_line(&channel.imap).map(|line| {
                                                    let failing = !channel.imap.last_error.is_empty();
                                                    view! { <p class=if failing { "field-error" } else { "muted" }>{line}</p> }
                                                })}
                                            </div>
                                            <TestButton id=channel.id.clone() address=channel.address.clone()/>
                                            <EndpointButton id=channel.id.clone() address=channel.address.clone()
                                                has_token=channel.has_inbound_token paused=channel.incoming_paused/>
                                            <button type="button" class="button"
                                                aria-label=format!("Edit {}", channel.address)
                                                on:click=move |_| editing.set(Some(for_edit.clone()))>"Edit"</button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            <button type="button" class="button primary" on:click=move |_| editing.set(Some(blank_channel()))>
                                "Connect an address"
                            </button>
                            {move || editing.get().map(|channel| view! {
                                <ChannelForm channel teams=teams.clone() pipelines=pipelines.clone() save editing/>
                            })}
                        </section>
                    }.into_any()
                })}
            </Suspense>
            <ReplySettingsForm save=data.save_settings settings=data.settings/>
            <FailedImports/>
        </SettingsFrame>
    }
}

/// "Send test email" for one saved address, and what came of it.
#[component]
fn TestButton(id: String, address: String) -> impl IntoView {
    let test = Action::new(move |_: &()| send_test_email(id.clone()));
    view! {
        <div class="test-email">
            <button type="button" class="button" aria-label=format!("Send test email from {address}")
                disabled=move || test.pending().get() on:click=move |_| { test.dispatch(()); }>
                {move || if test.pending().get() { "Sending…" } else { "Send test email" }}
            </button>
            <p role="status" class="muted">{move || match test.value().get() {
                Some(Ok(())) => Some(format!("Sent to {address}.")),
                _ => None,
            }}</p>
            <p role="alert" class="field-error">{move || test.value().get().and_then(|r| r.err()).map(|e| match e {
                AppError::Validation { message, .. } => message,
                other => other.to_string(),
            })}</p>
        </div>
    }
}

/// The address's endpoint for incoming mail: "Create endpoint token" shows where to post
/// raw messages and the token that opens it, once.
#[component]
fn EndpointButton(id: String, address: String, has_token: bool, paused: bool) -> impl IntoView {
    let make = Action::new(move |_: &()| new_inbound_token(id.clone()));
    let label = if has_token {
        "Replace endpoint token"
    } else {
        "Create endpoint token"
    };
    view! {
        <div class="test-email">
            <button type="button" class="button" aria-label=format!("{label} for {address}")
                disabled=move || make.pending().get() on:click=move |_| { make.dispatch(()); }>{label}</button>
            {paused.then(|| view! { <p class="muted">"Incoming mail is paused."</p> })}
            <div role="status">{move || match make.value().get() {
                Some(Ok(endpoint)) => Some(view! {
                    <p class="muted">"Post raw messages (message/rfc822) to this address's endpoint. Copy the token now: it is not shown again."</p>
                    <pre class="endpoint"><code>{format!("POST {}\nAuthorization: Bearer {}", endpoint.path, endpoint.token)}</code></pre>
                }.into_any()),
                Some(Err(error)) => Some(view! { <p class="field-error">{error.to_string()}</p> }.into_any()),
                None => None,
            }}</div>
        </div>
    }
}

#[component]
fn ChannelForm(
    channel: EmailChannel,
    teams: Vec<Team>,
    pipelines: Vec<crate::pipelines::model::Pipeline>,
    save: Action<EmailChannel, Result<String, AppError>>,
    editing: RwSignal<Option<EmailChannel>>,
) -> impl IntoView {
    let creating = channel.id.is_empty();
    let address = RwSignal::new(channel.address.clone());
    let name = RwSignal::new(channel.display_name.clone());
    let signature = RwSignal::new(channel.signature_html.clone());
    let host = RwSignal::new(channel.smtp_host.clone());
    let port = RwSignal::new(channel.smtp_port.to_string());
    let tls = RwSignal::new(channel.smtp_tls);
    let user = RwSignal::new(channel.smtp_user.clone());
    let password = RwSignal::new(String::new());
    let chosen = RwSignal::new(channel.team_ids.clone());
    let landing = RwSignal::new(channel.incoming_status_id.clone().unwrap_or_default());
    let paused = RwSignal::new(channel.incoming_paused);
    let imap_host = RwSignal::new(channel.imap.host.clone());
    let imap_port = RwSignal::new(channel.imap.port.to_string());
    let imap_tls = RwSignal::new(channel.imap.tls);
    let imap_user = RwSignal::new(channel.imap.user.clone());
    let imap_password = RwSignal::new(String::new());
    let imap_folder = RwSignal::new(channel.imap.folder.clone());
    let base = StoredValue::new(channel.clone());
    let error = move |field: &'static str| {
        move || {
            save.value()
                .get()
                .and_then(|r| r.err())
                .and_then(|e| e.field_message(field))
        }
    };
    let other = move || {
        save.value()
            .get()
            .and_then(|r| r.err())
            .filter(|e| !matches!(e, AppError::Validation { .. }))
            .map(|e| e.to_string())
    };
    let entered = move || {
        let mut channel = base.get_value();
        channel.address = address.get_untracked();
        channel.display_name = name.get_untracked();
        channel.signature_html = signature.get_untracked();
        channel.smtp_host = host.get_untracked();
        channel.smtp_port = port.get_untracked().trim().parse().unwrap_or(0);
        channel.smtp_tls = tls.get_untracked();
        channel.smtp_user = user.get_untracked();
        channel.smtp_password = password.get_untracked();
        channel.team_ids = chosen.get_untracked();
        channel.incoming_status_id = Some(landing.get_untracked()).filter(|s| !s.is_empty());
        channel.incoming_paused = paused.get_untracked();
        channel.imap.host = imap_host.get_untracked();
        channel.imap.port = imap_port.get_untracked().trim().parse().unwrap_or(0);
        channel.imap.tls = imap_tls.get_untracked();
        channel.imap.user = imap_user.get_untracked();
        channel.imap.password = imap_password.get_untracked();
        channel.imap.folder = imap_folder.get_untracked();
        channel
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(entered());
    };
    let test = Action::new(move |channel: &EmailChannel| test_imap_connection(channel.clone()));
    let text = move |id: &'static str,
                     label: &'static str,
                     value: RwSignal<String>,
                     field: &'static str,
                     kind: &'static str| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type=kind autocomplete="off" prop:value=move || value.get()
                    on:input:target=move |ev| value.set(ev.target().value())/>
                <p class="field-error" role="alert">{error(field)}</p>
            </div>
        }
    };
    view! {
        <form class="stack settings-form" aria-label=if creating { "Connect an address" } else { "Edit address" }
            novalidate=true on:submit=submit>
            {text("channel-address", "Address", address, "address", "email")}
            {text("channel-name", "Display name", name, "display_name", "text")}
            <div class="field">
                <label for="channel-signature">"Signature"</label>
                <textarea id="channel-signature" rows="3" prop:value=move || signature.get()
                    on:input:target=move |ev| signature.set(ev.target().value())></textarea>
                <p class="field-help">"Added below every reply sent from this address; agents can edit it per reply."</p>
            </div>
            <fieldset class="field">
                <legend>"Teams that may send from it"</legend>
                {teams.into_iter().map(|team| {
                    let id = team.id.clone();
                    let checked = {
                        let id = id.clone();
                        move || chosen.read().contains(&id)
                    };
                    view! {
                        <label class="field-check">
                            <input type="checkbox" prop:checked=checked on:change:target=move |ev| {
                                let on = ev.target().checked();
                                chosen.update(|list| {
                                    list.retain(|t| t != &id);
                                    if on { list.push(id.clone()); }
                                });
                            }/>
                            {team.name.clone()}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <fieldset class="stack">
                <legend>"Outgoing server (SMTP)"</legend>
                {text("channel-host", "Server", host, "smtp_host", "text")}
                {text("channel-port", "Port", port, "smtp_port", "text")}
                <div class="field">
                    <label for="channel-tls">"Security"</label>
                    <select id="channel-tls" on:change:target=move |ev| if let Some(mode) = TlsMode::parse(&ev.target().value()) { tls.set(mode) }>
                        {TlsMode::ALL.into_iter().map(|mode| view! {
                            <option value=mode.as_str() selected=move || tls.get() == mode>{mode.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                {text("channel-user", "User name", user, "smtp_user", "text")}
                <div class="field">
                    <label for="channel-password">"Password"</label>
                    <input id="channel-password" type="password" autocomplete="new-password"
                        placeholder=if channel.has_password { "Stored: leave empty to keep it" } else { "" }
                        prop:value=move || password.get() on:input:target=move |ev| password.set(ev.target().value())/>
                    <p class="field-help">"Stored encrypted; it is never shown again."</p>
                    <p class="field-error" role="alert">{error("smtp_password")}</p>
                </div>
            </fieldset>
            <fieldset class="stack">
                <legend>"Incoming mail"</legend>
                <div class="field">
                    <label for="channel-landing">"New tickets land in"</label>
                    <select id="channel-landing" on:change:target=move |ev| landing.set(ev.target().value())>
                        <option value="" selected=move || landing.get().is_empty()>"The first pipeline's first open status"</option>
                        {pipelines.into_iter().flat_map(|pipeline| {
                            let name = pipeline.name.clone();
                            pipeline.creation_statuses().cloned().collect::<Vec<_>>().into_iter().map(move |status| {
                                let value = status.id.clone();
                                let selected = status.id.clone();
                                view! {
                                    <option value=value selected=move || landing.get() == selected>
                                        {format!("{name}: {}", status.name)}
                                    </option>
                                }
                            })
                        }).collect_view()}
                    </select>
                    <p class="field-error" role="alert">{error("incoming_status")}</p>
                </div>
                <fieldset class="stack">
                    <legend>"Incoming server (IMAP)"</legend>
                    <p class="field-help">"Leave the server empty to take mail only at the address's endpoint."</p>
                    {text("channel-imap-host", "IMAP server", imap_host, "imap_host", "text")}
                    {text("channel-imap-port", "IMAP port", imap_port, "imap_port", "text")}
                    <div class="field">
                        <label for="channel-imap-tls">"IMAP security"</label>
                        <select id="channel-imap-tls" on:change:target=move |ev| if let Some(mode) = TlsMode::parse(&ev.target().value()) { imap_tls.set(mode) }>
                            {TlsMode::ALL.into_iter().map(|mode| view! {
                                <option value=mode.as_str() selected=move || imap_tls.get() == mode>{mode.label().replace("SMTP", "IMAP")}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    {text("channel-imap-user", "IMAP user name", imap_user, "imap_user", "text")}
                    <div class="field">
                        <label for="channel-imap-password">"IMAP password"</label>
                        <input id="channel-imap-password" type="password" autocomplete="new-password"
                            placeholder=if channel.imap.has_password { "Stored: leave empty to keep it" } else { "" }
                            prop:value=move || imap_password.get() on:input:target=move |ev| imap_password.set(ev.target().value())/>
                        <p class="field-error" role="alert">{error("imap_password")}</p>
                    </div>
                    {text("channel-imap-folder", "Folder", imap_folder, "imap_folder", "text")}
                    <div class="test-email">
                        <button type="button" class="button" disabled=move || test.pending().get()
                            on:click=move |_| { test.dispatch(entered()); }>
                            {move || if test.pending().get() { "Testing…" } else { "Test connection" }}
                        </button>
                        <p role="status" class="muted">{move || test.value().get().and_then(Result::ok)}</p>
                        <p role="alert" class="field-error">{move || test.value().get().and_then(|r| r.err()).map(|e| match e {
                            AppError::Validation { message, .. } => message,
                            other => other.to_string(),
                        })}</p>
                    </div>
                </fieldset>
                <label class="field-check">
                    <input type="checkbox" prop:checked=move || paused.get()
                        on:change:target=move |ev| paused.set(ev.target().checked())/>
                    "Pause incoming mail"
                </label>
                <p class="field-help">"While paused, mail servers are told to try again later: nothing is lost."</p>
            </fieldset>
            <p class="form-error" role="alert">{other}</p>
            <div class="form-actions">
                <button type="submit" class="button primary" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { "Saving…" } else { "Save address" }}
                </button>
                <button type="button" class="button subtle" on:click=move |_| editing.set(None)>"Cancel"</button>
            </div>
        </form>
    }
}

/// The undo window and "After an agent emails the customer, set the status to".
#[component]
fn ReplySettingsForm(
    save: Action<ReplySettings, Result<(), AppError>>,
    settings: crate::wire::Res<Result<ReplySettings, AppError>>,
) -> impl IntoView {
    view! {
        <section aria-labelledby="reply-settings-heading" class="stack">
            <h2 id="reply-settings-heading">"Replies"</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let current = match settings.await {
                        Ok(current) => current,
                        Err(error) => return settings_error_view(error),
                    };
                    let undo = RwSignal::new(current.undo_seconds.to_string());
                    let after = RwSignal::new(current.after_reply_status.clone().unwrap_or_default());
                    let customer = RwSignal::new(current.customer_reply_status.clone().unwrap_or_default());
                    let customer_choices = current.status_names.clone();
                    let choices = current.status_names.clone();
                    let submit = move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        save.dispatch(ReplySettings {
                            undo_seconds: undo.get_untracked().trim().parse().unwrap_or(-1),
                            after_reply_status: Some(after.get_untracked()).filter(|s| !s.is_empty()),
                            customer_reply_status: Some(customer.get_untracked()).filter(|s| !s.is_empty()),
                            status_names: Vec::new(),
                        });
                    };
                    let error = move |field: &'static str| move || save.value().get().and_then(|r| r.err()).and_then(|e| e.field_message(field));
                    view! {
                        <form class="stack settings-form" aria-label="Reply settings" novalidate=true on:submit=submit>
                            <div class="field">
                                <label for="undo-seconds">"Undo window (seconds)"</label>
                                <input id="undo-seconds" type="text" inputmode="numeric" prop:value=move || undo.get()
                                    on:input:target=move |ev| undo.set(ev.target().value())/>
                                <p class="field-help">"How long \"Undo\" stays available after Send (0 to 60)."</p>
                                <p class="field-error" role="alert">{error("undo_seconds")}</p>
                            </div>
                            <div class="field">
                                <label for="after-reply">"After an agent emails the customer, set the status to"</label>
                                <select id="after-reply" on:change:target=move |ev| after.set(ev.target().value())>
                                    <option value="" selected=move || after.get().is_empty()>"Off (keep the status)"</option>
                                    {choices.into_iter().map(|name| {
                                        let (value, shown) = (name.clone(), name.clone());
                                        view! { <option value=name selected=move || after.get() == value>{shown}</option> }
                                    }).collect_view()}
                                </select>
                                <p class="field-help">"Only ever forward in a ticket's pipeline, never over a status the agent chose."</p>
                            </div>
                            <div class="field">
                                <label for="customer-reply">"When the customer replies, set the status to"</label>
                                <select id="customer-reply" on:change:target=move |ev| customer.set(ev.target().value())>
                                    <option value="" selected=move || customer.get().is_empty()>"Off (keep the status)"</option>
                                    {customer_choices.into_iter().map(|name| {
                                        let (value, shown) = (name.clone(), name.clone());
                                        view! { <option value=name selected=move || customer.get() == value>{shown}</option> }
                                    }).collect_view()}
                                </select>
                                <p class="field-help">"Applies when the ticket is closed or waits on the customer; auto-replies and bounces never change it."</p>
                            </div>
                            <p role="status" class="muted">{move || matches!(save.value().get(), Some(Ok(()))).then_some("Saved.")}</p>
                            <button type="submit" class="button primary">"Save reply settings"</button>
                        </form>
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}

/// "Failed to import": messages that could not be read, kept whole. Admins view or
/// download the original, retry it (after a fix, or once an address is set up) or delete it.
#[component]
fn FailedImports() -> impl IntoView {
    let rows = RwSignal::new(Vec::<FailedImport>::new());
    let more = RwSignal::new(false);
    let notice = RwSignal::new(None::<(bool, String)>);
    let load = Action::new(move |before: &Option<(i64, String)>| {
        let before = before.clone();
        async move { (before.is_some(), list_failed_imports(before).await) }
    });
    Effect::new(move |_| {
        if let Some((appending, result)) = load.value().get() {
            match result {
                Ok(page) => {
                    more.set(page.len() == FAILED_IMPORTS_PAGE);
                    rows.update(|list| {
                        if !appending {
                            list.clear();
                        }
                        list.extend(page);
                    });
                }
                Err(error) => notice.set(Some((true, error.to_string()))),
            }
        }
    });
    // In the browser only (the list is an admin's, fetched once the page is live).
    Effect::new(move |_| {
        load.dispatch(None);
    });
    let retry = Action::new(move |id: &String| retry_failed_import(id.clone()));
    let delete = Action::new(move |id: &String| {
        let id = id.clone();
        async move { (id.clone(), delete_failed_import(id).await) }
    });
    Effect::new(move |_| {
        if let Some(result) = retry.value().get() {
            notice.set(Some(match result {
                Ok(RetryOutcome::Imported { .. }) => (false, "Imported: the message is on its ticket now.".to_string()),
                Ok(RetryOutcome::Duplicate { .. }) => (
                    false,
                    "It had been imported already; the kept copy is gone.".to_string(),
                ),
                Ok(RetryOutcome::StillFailing { reason }) => (true, format!("It still cannot be imported: {reason}")),
                Err(error) => (true, error.to_string()),
            }));
            load.dispatch(None);
        }
    });
    Effect::new(move |_| {
        if let Some((id, result)) = delete.value().get() {
            match result {
                Ok(()) => {
                    rows.update(|list| list.retain(|r| r.id != id));
                    notice.set(Some((false, "Deleted.".to_string())));
                }
                Err(error) => notice.set(Some((true, error.to_string()))),
            }
        }
    });
    view! {
        <section aria-labelledby="failed-imports-heading" class="stack">
            <h2 id="failed-imports-heading">"Failed to import"</h2>
            <p class="field-help">"Messages that could not be read are kept here whole; nothing is dropped."</p>
            <p role="status" class="muted">{move || notice.get().filter(|(bad, _)| !bad).map(|(_, text)| text)}</p>
            <p role="alert" class="field-error">{move || notice.get().filter(|(bad, _)| *bad).map(|(_, text)| text)}</p>
            {move || (rows.read().is_empty() && !load.pending().get()).then(|| view! {
                <p class="muted">"None: every message came in."</p>
            })}
            <ul class="settings-list">
                <For each=move || rows.get() key=|row| row.id.clone() let:row>
                    {
                        let subject = if row.subject.is_empty() { "(no subject)".to_string() } else { row.subject.clone() };
                        let path = failed_import_path(&row.id);
                        let (retry_id, delete_id) = (row.id.clone(), row.id.clone());
                        view! {
                            <li class="settings-row">
                                <div>
                                    <strong>{subject.clone()}</strong>
                                    <p class="muted">{format!(
                                        "From {} · to {} · {} · {}",
                                        if row.from_address.is_empty() { "an unknown sender" } else { row.from_address.as_str() },
                                        row.address.clone().unwrap_or_else(|| "a removed address".into()),
                                        crate::conversations::attachments::size_label(row.size),
                                        crate::format::date_time(row.received_at),
                                    )}</p>
                                    <p class="field-error">{row.reason.clone()}</p>
                                </div>
                                <a class="button" href=path.clone() target="_blank" rel="noopener"
                                    aria-label=format!("View original of {subject}")>"View original"</a>
                                <a class="button" href=format!("{path}?download=1")
                                    aria-label=format!("Download {subject}")>"Download"</a>
                                <button type="button" class="button" aria-label=format!("Retry {subject}")
                                    disabled=move || retry.pending().get()
                                    on:click=move |_| { retry.dispatch(retry_id.clone()); }>"Retry"</button>
                                <button type="button" class="button danger" aria-label=format!("Delete {subject}")
                                    on:click=move |_| { delete.dispatch(delete_id.clone()); }>"Delete"</button>
                            </li>
                        }
                    }
                </For>
            </ul>
            {move || more.get().then(|| view! {
                <button type="button" class="button" disabled=move || load.pending().get() on:click=move |_| {
                    let last = rows.read().last().map(|r| (r.received_at, r.id.clone()));
                    load.dispatch(last);
                }>"Show more"</button>
            })}
        </section>
    }
}
