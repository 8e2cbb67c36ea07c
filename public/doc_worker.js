// A worker running the app's own wasm to hold the page's network (see
// app/src/browser/worker.rs). The first message names the app's script, its compiled wasm and
// a Web Lock to hold while this worker lives (its end frees the lock, which the page watches).
// Once the app runs, the worker says { ready: true } and every later message is the page's, as
// JSON in UTF-8 bytes. When the app can't start here it says { unavailable }, and the page
// holds the network itself.
self.onmessage = async ({ data }) => {
  let app;
  try {
    app = await import(data.js);
    await app.default({ module_or_path: data.module ?? data.wasm });
    app.worker_host();
    if (data.lock && self.navigator.locks) {
      await new Promise((held) =>
        self.navigator.locks.request(data.lock, () => {
          held();
          return new Promise(() => {});
        }),
      );
    }
  } catch (e) {
    self.postMessage({ unavailable: String(e) });
    return;
  }
  self.postMessage({ ready: true });
};
