// A worker running the app's own wasm, for work that would hold the page's thread for seconds
// (see app/src/browser/worker.rs). The page sends its script's address, its compiled wasm module
// and the job, and gets one answer: { heads }, { error } when the job failed, or { unavailable }
// when the app couldn't start here.
self.onmessage = async ({ data }) => {
  let app;
  try {
    app = await import(data.js);
    await app.default({ module_or_path: data.module });
  } catch (e) {
    self.postMessage({ unavailable: String(e) });
    return;
  }
  try {
    self.postMessage({ heads: app.worker_snapshot_heads(data.text) });
  } catch (e) {
    self.postMessage({ error: String(e) });
  }
};
