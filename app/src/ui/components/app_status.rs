use leptos::prelude::*;

/// The offline banner and the "new version" offer, above every page.
#[component]
pub fn AppStatus() -> impl IntoView {
    // Both start as "nothing to say", on the server and in the first client render alike.
    let online = RwSignal::new(true);
    let update_ready = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        online.set(crate::browser::is_online());
        let on = window_event_listener(leptos::ev::online, move |_| {
            online.set(true);
            crate::browser::check_for_update();
        });
        let off = window_event_listener(leptos::ev::offline, move |_| online.set(false));
        let visible = window_event_listener(leptos::ev::visibilitychange, move |_| {
            if document().visibility_state() == web_sys::VisibilityState::Visible {
                crate::browser::check_for_update();
            }
        });
        // After the first screen, which doesn't wait for it.
        crate::ui::platform::later(move || {
            crate::browser::register_service_worker(move || update_ready.set(true));
        });
        // A phone may keep the app open for days: look for a new version now and then.
        let every = set_interval_with_handle(
            crate::browser::check_for_update,
            std::time::Duration::from_secs(10 * 60),
        );
        on_cleanup(move || {
            on.remove();
            off.remove();
            visible.remove();
            if let Ok(handle) = every {
                handle.clear();
            }
        });
    });
    let sync = crate::ui::sync::use_sync();
    let syncing = move || sync.secret().is_some();
    let update = move |_| {
        #[cfg(feature = "hydrate")]
        crate::browser::apply_update();
    };
    view! {
        <Show when=move || !online.get()>
            <p class="banner offline" role="status">{move || if syncing() {
                "You're offline. Your changes are saved on this device and sync when you're back."
            } else {
                "You're offline. Everything you do is saved on this device."
            }}</p>
        </Show>
        <Show when=move || update_ready.get()>
            <div class="banner update" role="status">
                <span>"A new version of Colloquy is ready."</span>
                <button type="button" class="primary" on:click=update>"Update"</button>
            </div>
        </Show>
    }
}
