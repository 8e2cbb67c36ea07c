use crate::ui::state::use_network;
use leptos::prelude::*;

/// The short notice after a change that can be taken back: "Deleted Ana Lima · Undo".
#[component]
pub fn UndoNotice() -> impl IntoView {
    let state = use_network();
    view! {
        <div class="toast-area" role="status" aria-live="polite">
            {move || state.report.with(|r| r.notice.clone()).map(|notice| {
                let can_undo = notice.undo.is_some();
                view! {
                    <div class="toast">
                        <span class="toast-text"><bdi>{notice.text}</bdi></span>
                        {can_undo.then(|| view! {
                            <button type="button" class="quiet" on:click=move |_| state.undo()>"Undo"</button>
                        })}
                        <button
                            type="button"
                            class="quiet close"
                            aria-label="Dismiss"
                            on:click=move |_| { state.with_tab(crate::tab::Tab::dismiss_notice); }
                        >
                            "×"
                        </button>
                    </div>
                }
            })}
        </div>
    }
}
