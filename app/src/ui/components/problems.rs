use crate::doc::store::Problem;
use crate::ui::state::{use_network, SaveState};
#[cfg(feature = "hydrate")]
use crate::wire::{Reply, Request};
use leptos::prelude::*;
use leptos_router::components::A;

/// What the user must know about their stored network, with a way out for each problem.
#[component]
pub fn Problems() -> impl IntoView {
    let state = use_network();
    view! {
        <div class="problems" role="alert">
            <For
                each=move || state.report.with(|r| r.problems.clone())
                key=|problem| problem.to_string()
                children=move |problem| view! { <ProblemNotice problem/> }
            />
        </div>
    }
}

#[component]
fn ProblemNotice(problem: Problem) -> impl IntoView {
    let state = use_network();
    let message = problem.to_string();
    let unreadable = matches!(problem, Problem::Unreadable { .. });
    let download_copy = move |_| {
        #[cfg(feature = "hydrate")]
        state.request(Request::Export, |reply| {
            if let Reply::Exported(bytes) = reply {
                let _ = crate::browser::download(
                    "colloquy-network.automerge",
                    "application/octet-stream",
                    &bytes,
                );
            }
        });
    };
    let download_aside = move |_| {
        #[cfg(feature = "hydrate")]
        state.request(Request::Aside, |reply| {
            if let Reply::Aside(json) = reply {
                let _ = crate::browser::download(
                    "colloquy-unreadable.json",
                    "application/json",
                    json.as_bytes(),
                );
            }
        });
    };
    view! {
        <section class="notice" class:error=unreadable>
            <p>{message}</p>
            <p class="hint">"A downloaded copy can be brought back in " <A href="/settings#your-data">"Settings"</A> "."</p>
            <div class="actions">
                <button type="button" on:click=download_copy>"Download a copy of your network"</button>
                <Show when=move || unreadable>
                    <button type="button" on:click=download_aside>"Download the unreadable data"</button>
                    <button
                        type="button"
                        class="quiet"
                        on:click=move |_| {
                            // (The tab drops the problem once it is done.)
                            state.request(crate::wire::Request::DiscardAside, |_| {});
                        }
                    >
                        "Delete the unreadable data"
                    </button>
                </Show>
            </div>
        </section>
    }
}

/// Whether the latest edit is stored on this device.
#[component]
pub fn SaveStatus() -> impl IntoView {
    let state = use_network();
    let text = move || match state.report.with(|r| r.save) {
        SaveState::Idle => "",
        SaveState::Saved => "Saved on this device",
        SaveState::NotSaved => "Not saved: storage full",
    };
    view! {
        <span class="save-status" role="status" class:warn=move || state.report.with(|r| r.save) == SaveState::NotSaved>
            {text}
        </span>
    }
}
