// A worker running the app's own wasm (see app/src/browser/worker.rs). The first message names
// the app's script and its wasm (the compiled module, or its address). With `host`, the worker
// then holds the page's network, and every later message is the page's, as JSON. Otherwise it
// does one job and answers once: { heads }, { error } when the job failed, or { unavailable }
// when the app couldn't start here.
self.onmessage = async ({ data }) => {
  let app;
  try {
    app = await import(data.js);
    await app.default({ module_or_path: data.module ?? data.wasm });
  } catch (e) {
    self.postMessage({ unavailable: String(e) });
    return;
  }
  if (data.host) {
    app.worker_host();
    self.postMessage({ ready: true });
    return;
  }
  try {
    self.postMessage({ heads: app.worker_snapshot_heads(data.text) });
  } catch (e) {
    self.postMessage({ error: String(e) });
  }
};
