//! The admin pages: users (create, role, scope, teams, deactivate) and teams.

use leptos::prelude::*;

use super::api::*;
use super::model::{AdminUser, Team};
use crate::auth::model::{Role, Scope};
use crate::kit::{settings_error_view, ErrorPanel, SettingsFrame};

fn role_value(role: Role) -> &'static str {
    match role {
        Role::SuperAdmin => "SuperAdmin",
        Role::HelpDesk => "HelpDesk",
        Role::Service => "Service",
    }
}

fn scope_value(scope: Scope) -> &'static str {
    match scope {
        Scope::All => "All",
        Scope::Team => "Team",
        Scope::Own => "Own",
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let set_role = ServerAction::<SetUserRole>::new();
    let set_scope = ServerAction::<SetUserScope>::new();
    let set_active = ServerAction::<SetUserActive>::new();
    let set_member = ServerAction::<SetTeamMember>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let users = crate::wire::resource(
        move || {
            (
                create.version().get(),
                set_role.version().get(),
                set_active.version().get(),
                set_member.version().get(),
                set_scope.version().get(),
            )
        },
        |_| list_users(),
    );
    let teams = crate::wire::resource(move || set_member.version().get(), |_| list_teams());
    let update_error = move || {
        [
            set_role.value().get(),
            set_scope.value().get(),
            set_active.value().get(),
            set_member.value().get(),
            reset.value().get(),
        ]
        .into_iter()
        .flatten()
        .find_map(|r| r.err())
    };

    view! {
        <SettingsFrame title="Users">
            <Transition fallback=|| view! { <p role="status">"Loading users…"</p> }>
                {move || Suspend::new(async move {
                    let (users, teams) = match (users.await, teams.await) {
                        (Ok(users), Ok(teams)) => (users, teams),
                        (Err(error), _) | (_, Err(error)) => return settings_error_view(error),
                    };
                    view! {
                        <div class="form-error" role="alert">{move || update_error().map(|e| e.to_string())}</div>
                        <p role="status">{move || matches!(reset.value().get(), Some(Ok(()))).then_some(
                            "Password reset. Give the user the new password; their sessions were logged out.")}</p>
                        <UsersTable users teams set_role set_scope set_active set_member reset/>
                        <NewUserForm create/>
                        <AuditLog changed=Signal::derive(move || (set_role.version().get(), set_scope.version().get(),
                            set_active.version().get(), reset.version().get()))/>
                    }.into_any()
                })}
            </Transition>
        </SettingsFrame>
    }
}

#[component]
fn UsersTable(
    users: Vec<AdminUser>,
    teams: Vec<Team>,
    set_role: ServerAction<SetUserRole>,
    set_scope: ServerAction<SetUserScope>,
    set_active: ServerAction<SetUserActive>,
    set_member: ServerAction<SetTeamMember>,
    reset: ServerAction<ResetPassword>,
) -> impl IntoView {
    view! {
        <table class="data-table">
            <caption class="visually-hidden">"Users of this help desk"</caption>
            <thead>
                <tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th>
                    <th scope="col">"Ticket access"</th><th scope="col">"Teams"</th><th scope="col">"Active"</th>
                    <th scope="col">"Password"</th></tr>
            </thead>
            <tbody>
                {users.into_iter().map(|user| {
                    let AdminUser { id, email, name, role, scope, active, team_ids } = user;
                    let (role_id, scope_id, active_id, reset_id) = (id.clone(), id.clone(), id.clone(), id.clone());
                    let new_password = NodeRef::<leptos::html::Input>::new();
                    let resetting = RwSignal::new(false);
                    view! {
                        <tr class:inactive=!active>
                            <td>{name.clone()}</td>
                            <td>{email}</td>
                            <td>
                                <select aria-label=format!("Role of {name}")
                                    on:change:target=move |ev| {
                                        if let Some(role) = Role::ALL.into_iter().find(|r| role_value(*r) == ev.target().value()) {
                                            set_role.dispatch(SetUserRole { id: role_id.clone(), role });
                                        }
                                    }>
                                    {Role::ALL.into_iter().map(|r| view! {
                                        <option value=role_value(r) selected=r == role>{r.label()}</option>
                                    }).collect_view()}
                                </select>
                            </td>
                            <td>
                                <select aria-label=format!("Ticket access of {name}")
                                    on:change:target=move |ev| {
                                        if let Some(scope) = Scope::ALL.into_iter().find(|s| scope_value(*s) == ev.target().value()) {
                                            set_scope.dispatch(SetUserScope { id: scope_id.clone(), scope });
                                        }
                                    }>
                                    {Scope::ALL.into_iter().map(|s| view! {
                                        <option value=scope_value(s) selected=s == scope>{s.label()}</option>
                                    }).collect_view()}
                                </select>
                            </td>
                            <td>
                                {teams.iter().map(|team| {
                                    let member = team_ids.contains(&team.id);
                                    let (team_id, user_id) = (team.id.clone(), id.clone());
                                    view! {
                                        <label class="inline-check">
                                            <input type="checkbox" checked=member
                                                on:change:target=move |ev| {
                                                    set_member.dispatch(SetTeamMember {
                                                        team_id: team_id.clone(), user_id: user_id.clone(), member: ev.target().checked(),
                                                    });
                                                }/>
                                            {team.name.clone()}
                                        </label>
                                    }
                                }).collect_view()}
                            </td>
                            <td>
                                <label class="inline-check">
                                    <input type="checkbox" checked=active aria-label=format!("Active: {name}")
                                        on:change:target=move |ev| {
                                            set_active.dispatch(SetUserActive { id: active_id.clone(), active: ev.target().checked() });
                                        }/>
                                    {if active { "Active" } else { "Deactivated" }}
                                </label>
                            </td>
                            <td>
                                // The field appears on demand: one password field per row would
                                // crowd the table (and the "Add a user" form's own Password field).
                                <Show when=move || resetting.get() fallback=move || view! {
                                    <button type="button" class="button subtle" on:click=move |_| resetting.set(true)>
                                        "Reset password"
                                    </button>
                                }>
                                    <form class="inline-form" novalidate on:submit={
                                        let reset_id = reset_id.clone();
                                        move |ev: leptos::ev::SubmitEvent| {
                                            ev.prevent_default();
                                            let password = new_password.get_untracked().map(|i| i.value()).unwrap_or_default();
                                            reset.dispatch(ResetPassword { id: reset_id.clone(), password });
                                        }
                                    }>
                                        <input type="password" node_ref=new_password autocomplete="new-password"
                                            aria-label=format!("New password for {name}")/>
                                        <button type="submit" class="button subtle">"Set password"</button>
                                    </form>
                                </Show>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// An audit-log action in the words of the Users table.
fn audit_action(action: &str) -> &str {
    match action {
        "role" => "Role",
        "scope" => "Ticket access",
        "active" => "Active",
        "password reset" => "Password reset",
        other => other,
    }
}

/// A stored role, scope or state in the words of the Users table.
fn audit_value(value: &str) -> String {
    match (Role::parse(value), Scope::parse(value), value) {
        (Some(role), _, _) => role.label().to_string(),
        (_, Some(scope), _) => scope.label().to_string(),
        (_, _, "inactive") => "Deactivated".to_string(),
        (_, _, "active") => "Active".to_string(),
        _ => value.to_string(),
    }
}

/// The latest changes of roles, ticket access, active states and passwords.
#[component]
fn AuditLog(changed: Signal<(usize, usize, usize, usize)>) -> impl IntoView {
    let entries = crate::wire::resource(move || changed.get(), |_| list_audit_log());
    view! {
        <section class="card" aria-labelledby="audit-heading">
            <h2 id="audit-heading">"Audit log"</h2>
            <Transition fallback=|| view! { <p role="status">"Loading the audit log…"</p> }>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(entries) if entries.is_empty() => view! { <p class="muted">"No changes yet."</p> }.into_any(),
                        Ok(entries) => view! {
                            <table class="data-table">
                                <caption class="visually-hidden">"Changes to users, newest first"</caption>
                                <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"User"</th>
                                    <th scope="col">"Change"</th></tr></thead>
                                <tbody>
                                    {entries.into_iter().map(|entry| {
                                        let change = match (&entry.old_value, &entry.new_value) {
                                            (Some(old), Some(new)) => format!(
                                                "{}: {} → {}",
                                                audit_action(&entry.action),
                                                audit_value(old),
                                                audit_value(new)
                                            ),
                                            _ => audit_action(&entry.action).to_string(),
                                        };
                                        view! {
                                            <tr><td>{crate::format::date_time(entry.at)}</td><td>{entry.actor}</td>
                                                <td>{entry.subject}</td><td>{change}</td></tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn NewUserForm(create: ServerAction<CreateUser>) -> impl IntoView {
    let error = move || create.value().get().and_then(|r| r.err());
    let field_error = move |name: &'static str| move || error().and_then(|e| e.field_message(name));
    let created = move || matches!(create.value().get(), Some(Ok(_)));
    view! {
        <section class="card" aria-labelledby="new-user-heading">
            <h2 id="new-user-heading">"Add a user"</h2>
            <ActionForm action=create attr:class="form-grid" attr:novalidate="true">
                <div class="field">
                    <label for="new-user-name">"Name"</label>
                    <input id="new-user-name" name="name" required/>
                    <p class="field-error" role="alert">{field_error("name")}</p>
                </div>
                <div class="field">
                    <label for="new-user-email">"Email"</label>
                    <input id="new-user-email" name="email" type="email" required/>
                    <p class="field-error" role="alert">{field_error("email")}</p>
                </div>
                <div class="field">
                    <label for="new-user-password">"Password"</label>
                    <input id="new-user-password" name="password" type="password" autocomplete="new-password" required/>
                    <p class="field-error" role="alert">{field_error("password")}</p>
                </div>
                <div class="field">
                    <label for="new-user-role">"Role"</label>
                    <select id="new-user-role" name="role">
                        {Role::ALL.into_iter().map(|r| view! {
                            <option value=role_value(r) selected=r == Role::HelpDesk>{r.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="new-user-scope">"Ticket access"</label>
                    <select id="new-user-scope" name="scope">
                        {Scope::ALL.into_iter().map(|s| view! { <option value=scope_value(s)>{s.label()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="form-actions">
                    <button type="submit" class="button primary">"Add user"</button>
                    <span role="status">{move || created().then_some("User added.")}</span>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn TeamsPage() -> impl IntoView {
    let create = ServerAction::<CreateTeam>::new();
    let teams = crate::wire::resource(move || create.version().get(), |_| list_teams());
    let error = move || create.value().get().and_then(|r| r.err());
    view! {
        <SettingsFrame title="Teams">
            <Transition fallback=|| view! { <p role="status">"Loading teams…"</p> }>
                {move || Suspend::new(async move {
                    match teams.await {
                        Err(error) => settings_error_view(error),
                        Ok(teams) if teams.is_empty() => view! {
                            <p class="empty-state">"No teams yet. Add one below, then add users to it on the Users page."</p>
                        }.into_any(),
                        Ok(teams) => view! {
                            <table class="data-table">
                                <caption class="visually-hidden">"Teams"</caption>
                                <thead><tr><th scope="col">"Team"</th><th scope="col">"Members"</th></tr></thead>
                                <tbody>
                                    {teams.into_iter().map(|t| view! { <tr><td>{t.name}</td><td>{t.member_count}</td></tr> }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                    }
                })}
            </Transition>
            <section class="card" aria-labelledby="new-team-heading">
                <h2 id="new-team-heading">"Add a team"</h2>
                <ActionForm action=create attr:class="form-grid" attr:novalidate="true">
                    <div class="field">
                        <label for="new-team-name">"Team name"</label>
                        <input id="new-team-name" name="name" required/>
                        <p class="field-error" role="alert">{move || error().map(|e| e.to_string())}</p>
                    </div>
                    <div class="form-actions">
                        <button type="submit" class="button primary">"Add team"</button>
                    </div>
                </ActionForm>
            </section>
        </SettingsFrame>
    }
}
