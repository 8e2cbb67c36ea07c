//! What the pages take from the browser they run in, with the server's stand-ins (the server
//! renders no times and keeps no storage).

/// The user's time zone (UTC on the server).
#[cfg(feature = "hydrate")]
pub fn zone() -> crate::domain::clock::LocalZone {
    crate::browser::zone()
}

#[cfg(not(feature = "hydrate"))]
pub fn zone() -> crate::domain::clock::LocalZone {
    crate::domain::clock::LocalZone::UTC
}

/// Records a named instant for the benchmarks (nothing on the server).
pub fn mark(name: &str) {
    #[cfg(feature = "hydrate")]
    crate::browser::mark(name);
    #[cfg(not(feature = "hydrate"))]
    let _ = name;
}

#[cfg(feature = "hydrate")]
pub fn now() -> i64 {
    crate::browser::now()
}

#[cfg(not(feature = "hydrate"))]
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Whether the browser is online (never on the server).
pub fn online() -> bool {
    #[cfg(feature = "hydrate")]
    return crate::browser::is_online();
    #[cfg(not(feature = "hydrate"))]
    false
}

/// Runs `f` in a task of its own, after whatever the browser has waiting.
#[cfg(feature = "hydrate")]
pub fn later(f: impl FnOnce() + 'static) {
    leptos::prelude::set_timeout(f, std::time::Duration::ZERO);
}
