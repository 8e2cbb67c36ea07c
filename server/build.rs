//! The site cargo-leptos builds into `target/site` is compiled into the server (see
//! `src/site.rs`): the server is built again whenever it changes.

fn main() {
    println!("cargo::rerun-if-changed=../target/site");
}
