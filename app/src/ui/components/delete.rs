use crate::doc::Command;
use crate::ui::state::use_network;
use leptos::prelude::*;

/// Deleting something the user made: asked first, saying what goes with it, then undone from
/// the notice that follows if it was a mistake.
#[component]
pub fn DeleteSection(
    /// The button before asking: "Delete this person…".
    button: &'static str,
    /// What is deleted, named as the user knows it: "Ana Lima".
    name: String,
    /// What else happens, in sentences (empty for nothing else).
    #[prop(into)]
    consequences: Signal<String>,
    command: Command,
    /// Where to go once it is deleted.
    then: String,
) -> impl IntoView {
    let state = use_network();
    let navigate = leptos_router::hooks::use_navigate();
    let asking = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let delete = {
        let name = name.clone();
        move |_| match state.edit_with_undo(command.clone(), format!("Deleted {name}")) {
            Ok(_) => navigate(&then, Default::default()),
            Err(e) => error.set(Some(format!("Not deleted: {e}"))),
        }
    };
    view! {
        <section class="danger-zone" aria-labelledby="delete-heading">
            <h2 id="delete-heading">"Delete"</h2>
            {move || if asking.get() {
                let delete = delete.clone();
                view! {
                    <div class="confirm" role="group" aria-label="Confirm deletion">
                        <p><strong>"Delete " <bdi>{name.clone()}</bdi> "?"</strong></p>
                        <p>{move || consequences.get()} " You can undo it straight after."</p>
                        <div class="actions">
                            <button type="button" class="destructive" on:click=delete>
                                "Delete " <bdi>{name.clone()}</bdi>
                            </button>
                            <button type="button" on:click=move |_| asking.set(false)>"Cancel"</button>
                        </div>
                    </div>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="destructive-outline" on:click=move |_| asking.set(true)>
                        {button}
                    </button>
                }.into_any()
            }}
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        </section>
    }
}
