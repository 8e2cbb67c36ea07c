use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// A link within the app: a plain anchor (the router takes its clicks), marked as the current
/// page while the location is at its path or under it (`exact`: at it only). Lighter than the
/// router's `A`, which resolves relative paths and keeps two effects and a memo per link: the
/// first screen draws many.
#[component]
pub fn Link(
    #[prop(into)] href: String,
    #[prop(optional)] exact: bool,
    #[prop(optional, into)] class: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let pathname = use_location().pathname;
    let path = href.split(['#', '?']).next().unwrap_or_default().to_owned();
    let current = move || {
        pathname
            .with(|at| is_current(&path, at, exact))
            .then_some("page")
    };
    view! { <a href=href class=class aria-current=current>{children()}</a> }
}

/// Whether a link to `path` is to the page at `location`: the same path, or (unless `exact`)
/// a page under it.
fn is_current(path: &str, location: &str, exact: bool) -> bool {
    let (path, location) = (path.trim_end_matches('/'), location.trim_end_matches('/'));
    path == location
        || (!exact
            && !path.is_empty()
            && location
                .strip_prefix(path)
                .is_some_and(|rest| rest.starts_with('/')))
}

#[cfg(test)]
mod tests {
    use super::is_current;

    #[test]
    fn a_link_is_current_at_its_page_and_under_it_unless_exact() {
        assert!(is_current("/people", "/people", false));
        assert!(is_current("/people", "/people/abc", false));
        assert!(is_current("/people", "/people/", true));
        assert!(!is_current("/people", "/people/abc", true));
        assert!(!is_current("/people", "/peoples", false));
        assert!(!is_current("/people/new", "/people", false));
        assert!(is_current("/", "/", true));
        assert!(!is_current("/", "/people", true));
        // The root is only ever current by itself.
        assert!(!is_current("/", "/people", false));
    }
}
