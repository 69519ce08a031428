//! Who a reply goes to (MISSION R5): "To", and behind "From, CC, BCC" the team address it is
//! sent from and more recipients. Each address field suggests contacts as the agent types
//! (the last address being written is searched) and takes free entry; the server names a
//! bad address beside its field.

use leptos::prelude::*;

use crate::channels::email::model::SendingAddress;
use crate::contacts::model::SearchHit;

/// The address being written: what follows the last comma.
fn last_entry(text: &str) -> &str {
    text.rsplit(',').next().unwrap_or_default().trim()
}

/// `text` with its last entry replaced by `address`, ready for the next one.
fn with_last_replaced(text: &str, address: &str) -> String {
    let kept = text.rsplit_once(',').map_or("", |(head, _)| head).trim();
    if kept.is_empty() {
        format!("{address}, ")
    } else {
        format!("{kept}, {address}, ")
    }
}

/// One address field (To, CC or BCC) with contact suggestions: a combobox whose list
/// follows the keyboard (arrows, Enter, Escape).
#[component]
fn AddressField(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    on_change: Callback<()>,
) -> impl IntoView {
    let hits = RwSignal::new(Vec::<SearchHit>::new());
    // A bad address is named when the agent leaves the field (not while it is being typed;
    // the server names it again at send).
    let checked = RwSignal::new(None::<String>);
    let active = RwSignal::new(None::<usize>);
    let asked = StoredValue::new(0u64);
    let list_id = format!("{id}-suggestions");
    let error_id = format!("{id}-error");
    let search = move |text: String| {
        let query = last_entry(&text).to_string();
        let ticket = asked.get_value() + 1;
        asked.set_value(ticket);
        if query.chars().count() < 2 || query.len() > 100 {
            hits.set(Vec::new());
            return;
        }
        leptos::task::spawn_local(async move {
            let found = crate::contacts::api::search_contacts(query).await.unwrap_or_default();
            // Only the answer to the latest question counts.
            if asked.get_value() == ticket {
                hits.set(found.into_iter().filter(|h| h.email.is_some()).take(8).collect());
                active.set(None);
            }
        });
    };
    let pick = move |hit: &SearchHit| {
        if let Some(email) = &hit.email {
            value.update(|v| *v = with_last_replaced(v, email));
            hits.set(Vec::new());
            active.set(None);
            on_change.run(());
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let count = hits.with(Vec::len);
        if count == 0 {
            return;
        }
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % count)));
            }
            "ArrowUp" => {
                ev.prevent_default();
                active.update(|a| *a = Some(a.map_or(count - 1, |i| (i + count - 1) % count)));
            }
            "Enter" => {
                if let Some(hit) = active
                    .get_untracked()
                    .and_then(|i| hits.with_untracked(|h| h.get(i).cloned()))
                {
                    ev.prevent_default();
                    pick(&hit);
                }
            }
            "Escape" => {
                ev.prevent_default();
                hits.set(Vec::new());
            }
            _ => {}
        }
    };
    let option_id = move |i: usize| format!("{id}-option-{i}");
    view! {
        <div class="field address-field">
            <label for=id>{label}</label>
            <input id=id type="text" autocomplete="off" role="combobox" aria-autocomplete="list"
                aria-controls=list_id.clone() aria-expanded=move || (!hits.with(Vec::is_empty)).to_string()
                aria-activedescendant=move || active.get().map(option_id)
                aria-describedby=error_id.clone()
                aria-invalid=move || (checked.with(Option::is_some) || error.with(Option::is_some)).then_some("true")
                prop:value=move || value.get()
                on:input:target=move |ev| {
                    let text = ev.target().value();
                    value.set(text.clone());
                    checked.set(None);
                    on_change.run(());
                    search(text);
                }
                on:keydown=on_key
                on:blur=move |_| {
                    hits.set(Vec::new());
                    checked.set(crate::conversations::model::bad_address(&super::addresses(&value.get_untracked())));
                }/>
            <ul id=list_id class="suggestions" role="listbox" aria-label=format!("Contacts for {label}")
                hidden=move || hits.with(Vec::is_empty)>
                {move || hits.get().into_iter().enumerate().map(|(i, hit)| {
                    let text = format!("{} <{}>", hit.label, hit.email.clone().unwrap_or_default());
                    view! {
                        <li id=option_id(i) role="option" aria-selected=move || (active.get() == Some(i)).to_string()
                            class:active=move || active.get() == Some(i)
                            on:mousedown=move |ev| { ev.prevent_default(); pick(&hit); }>
                            {text}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p id=error_id class="field-error" role="alert">{move || checked.get().or_else(|| error.get())}</p>
        </div>
    }
}

/// "To", the "From, CC, BCC" toggle, and behind it From, CC and BCC.
#[component]
pub fn Recipients(
    to: RwSignal<String>,
    cc: RwSignal<String>,
    bcc: RwSignal<String>,
    from: RwSignal<String>,
    senders: Vec<SendingAddress>,
    show: RwSignal<bool>,
    /// The message for a field (`to`, `cc`, `bcc`, `from`), if the server refused it.
    errors: Callback<&'static str, Option<String>>,
    on_change: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="composer-to">
            <AddressField id="reply-to" label="To" value=to error=Signal::derive(move || errors.run("to")) on_change/>
            <button type="button" class="button subtle" aria-expanded=move || show.get().to_string()
                aria-controls="reply-recipients" on:click=move |_| show.update(|s| *s = !*s)>
                "From, CC, BCC"
            </button>
        </div>
        <div id="reply-recipients" class="composer-recipients" hidden=move || !show.get()>
            <div class="field">
                <label for="reply-from">"From"</label>
                <select id="reply-from" prop:value=move || from.get()
                    on:change:target=move |ev| { from.set(ev.target().value()); on_change.run(()); }>
                    {senders.iter().map(|s| view! { <option value=s.id.clone()>{s.label()}</option> }).collect_view()}
                </select>
                <p class="field-error" role="alert">{move || errors.run("from")}</p>
            </div>
            <AddressField id="reply-cc" label="CC" value=cc error=Signal::derive(move || errors.run("cc")) on_change/>
            <AddressField id="reply-bcc" label="BCC" value=bcc error=Signal::derive(move || errors.run("bcc")) on_change/>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pick_replaces_the_address_being_written() {
        assert_eq!(last_entry("tom@example.com, ma"), "ma");
        assert_eq!(with_last_replaced("ma", "mary@example.com"), "mary@example.com, ");
        assert_eq!(
            with_last_replaced("tom@example.com, ma", "mary@example.com"),
            "tom@example.com, mary@example.com, "
        );
    }
}
