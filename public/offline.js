// The offline shell's loader: the service worker serves /offline for pages it can't fetch; this
// loads the build named in its meta tags and renders the app client-side.
const meta = (name) => document.querySelector(`meta[name="${name}"]`).content;
const { default: init, mount } = await import(meta("colloquy-js"));
await init({ module_or_path: meta("colloquy-wasm") });
mount();
