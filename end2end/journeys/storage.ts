// What the app stores, as the tests and benchmarks replace and inspect it in any engine.

/** A script (for `Tab.run`, or a page's `evaluate` inside an async function) that replaces
 * everything the app stores with `entries` (JSON text of keys and values): the database where
 * it keeps snapshots is emptied and localStorage given `entries`, as a version from before
 * snapshots moved stored them. The app moves the snapshots over when it next opens. */
export function replaceStorageScript(entries: string): string {
  return `
    const entries = ${entries};
    await new Promise((resolve, reject) => {
      const open = indexedDB.open("colloquy", 1);
      open.onupgradeneeded = () => open.result.createObjectStore("saved");
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const emptied = open.result.transaction("saved", "readwrite");
        emptied.objectStore("saved").clear();
        emptied.oncomplete = () => { open.result.close(); resolve(); };
        emptied.onerror = () => reject(emptied.error);
      };
    });
    localStorage.clear();
    for (const [key, value] of Object.entries(entries)) localStorage.setItem(key, value);`;
}

/** A script returning where the app keeps its snapshots: `{ local, database }`, the keys in
 * localStorage and in its database. */
export const SNAPSHOT_KEYS_SCRIPT = `
  const local = Object.keys(localStorage).filter((key) => key.includes("/snap/"));
  const database = await new Promise((resolve, reject) => {
    const open = indexedDB.open("colloquy", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("saved");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const keys = open.result.transaction("saved").objectStore("saved").getAllKeys();
      keys.onsuccess = () => {
        open.result.close();
        resolve(keys.result.filter((key) => key.includes("/snap/")));
      };
      keys.onerror = () => reject(keys.error);
    };
  });
  return { local, database };`;
