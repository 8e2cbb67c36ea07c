//! A handful of line icons, drawn inline with the text colour (no icon font, no requests).

use leptos::prelude::*;

/// Which icon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Icon {
    Next,
    People,
    Fields,
    Record,
    Settings,
}

impl Icon {
    /// The SVG path data, on a 24×24 grid.
    fn paths(self) -> &'static [&'static str] {
        match self {
            Icon::Next => &["M4 6.5h3M4 12h3M4 17.5h3", "M10 6.5h10M10 12h10M10 17.5h6"],
            Icon::People => &[
                "M9 11.5a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7Z",
                "M2.5 20c0-3.5 2.9-6 6.5-6s6.5 2.5 6.5 6",
                "M16 4.8a3 3 0 0 1 0 5.9M18 14.4c2 .7 3.5 2.7 3.5 5.6",
            ],
            Icon::Fields => &[
                "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18Z",
                "m15.5 8.5-2.2 4.8-4.8 2.2 2.2-4.8 4.8-2.2Z",
            ],
            Icon::Record => &[
                "M5 4.5A1.5 1.5 0 0 1 6.5 3H19v15H6.5A1.5 1.5 0 0 0 5 19.5v-15Z",
                "M5 19.5A1.5 1.5 0 0 0 6.5 21H19M9 7.5h6",
            ],
            Icon::Settings => &[
                "M4 7h9M17 7h3M4 17h3M11 17h9",
                "M15 9a2 2 0 1 0 0-4 2 2 0 0 0 0 4ZM9 19a2 2 0 1 0 0-4 2 2 0 0 0 0 4Z",
            ],
        }
    }
}

/// An icon beside a label that names it, so hidden from assistive technology.
#[component]
pub fn IconSvg(icon: Icon) -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            {icon.paths().iter().map(|d| view! { <path d=*d/> }).collect_view()}
        </svg>
    }
}
