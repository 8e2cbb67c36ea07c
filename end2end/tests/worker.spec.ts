import { expect, test, type Page } from "@playwright/test";
import { listedNames, SAMPLE_PEOPLE, sampleNetwork, watchConsole } from "./helpers";

// The network's worker (app/src/host.rs, app/src/browser/worker.rs) driven through its protocol
// (app/src/wire.rs) by the page's side of it, written here as the app's page holds it: the page
// keeps every edit in storage first, then hands it over, and makes the worker's writes.

/** Installs the page's side of the protocol on a page of the app's site. */
async function installPageSide(page: Page) {
  const html = await (await page.request.get("/people")).text();
  const js = html.match(/rel="modulepreload" href="([^"]+)"/)![1];
  const wasm = html.match(/rel="preload" href="([^"]+\.wasm)"/)![1];
  await page.evaluate(
    ({ js, wasm }) => {
      type Worker_ = { worker: Worker; rows: Map<string, string>; ran: string[]; opened: boolean; failed: string[] };
      const w = window as unknown as Record<string, unknown>;
      w.startWorker = async (tab: string) => {
        const worker = new Worker("/doc_worker.js", { type: "module" });
        const state: Worker_ = { worker, rows: new Map(), ran: [], opened: false, failed: [] };
        await new Promise<void>((resolve, reject) => {
          worker.onmessage = ({ data }) => (data.ready ? resolve() : reject(new Error(data.unavailable)));
          worker.postMessage({ js, wasm, host: true });
        });
        const send = (message: unknown) => worker.postMessage(JSON.stringify(message));
        worker.onmessage = ({ data }) => {
          const message = JSON.parse(data);
          if (message.Writes) {
            for (const write of message.Writes.writes) {
              if (write.Set) localStorage.setItem(write.Set[0], write.Set[1]);
              else localStorage.removeItem(write.Remove);
            }
            send({ Written: { batch: message.Writes.batch } });
          } else if (message.Opened) {
            state.opened = true;
          } else if (message.Changed) {
            for (const id of message.Changed.rows_removed) state.rows.delete(id);
            for (const row of message.Changed.rows) state.rows.set(row.id, row.name);
          } else if (message.Ran) {
            state.ran.push(message.Ran.key);
          } else if (message.Problems) {
            state.failed.push(JSON.stringify(message.Problems));
          }
        };
        const stored: [string, string][] = [];
        for (let i = 0; i < localStorage.length; i++) {
          const key = localStorage.key(i)!;
          if (key.startsWith("colloquy/")) stored.push([key, localStorage.getItem(key)!]);
        }
        send({ Open: { tab, stored } });
        w.held = state;
      };
      w.keep = (key: string, command: unknown) => {
        const value = JSON.stringify(command);
        localStorage.setItem(key, value);
        (w.held as Worker_).worker.postMessage(JSON.stringify({ Stored: { key, value } }));
      };
    },
    { js, wasm },
  );
}

const rowCount = (page: Page) =>
  page.evaluate(() => {
    const held = (window as unknown as { held?: { opened: boolean; rows: Map<string, string> } }).held;
    return held?.opened ? held.rows.size : -1;
  });
const journal = (page: Page) =>
  page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("colloquy/journal/")).length);
const person = (id: string, name: string) => ({ PutPerson: { id, person: { name, organisation: "Initech" } } });

test("a worker opens a stored 3,000-person network and makes edits; terminated mid-edit, the next one loses nothing", async ({
  page,
}) => {
  test.setTimeout(180_000);
  const entries = await sampleNetwork(SAMPLE_PEOPLE);
  // A page of the site without the app on it: the worker is the only one holding the network.
  await page.goto("/healthz");
  await page.evaluate((entries) => {
    localStorage.clear();
    for (const [key, value] of Object.entries(entries)) localStorage.setItem(key, value);
  }, entries);
  await installPageSide(page);

  await page.evaluate(() => (window as unknown as { startWorker(tab: string): Promise<void> }).startWorker("tab-one"));
  await expect.poll(() => rowCount(page), { timeout: 120_000 }).toBe(3_000);

  // An edit: in storage before the worker hears of it; made, stored, and its entry gone.
  await page.evaluate(
    (command) => (window as unknown as { keep(k: string, c: unknown): void }).keep("colloquy/journal/000000000000001-0000-one", command),
    person("p-worker", "Made By The Worker"),
  );
  await expect.poll(() => rowCount(page)).toBe(3_001);
  await expect.poll(() => journal(page)).toBe(0);

  // Another edit, and the worker is terminated before it could store it.
  await page.evaluate(
    (command) => {
      const w = window as unknown as { keep(k: string, c: unknown): void; held: { worker: Worker } };
      w.keep("colloquy/journal/000000000000002-0000-one", command);
      w.held.worker.terminate();
    },
    person("p-worker", "Renamed As The Worker Died"),
  );
  expect(await journal(page)).toBe(1);
  // The page starts another: it makes the edit from the entry the page kept.
  await page.evaluate(() => (window as unknown as { startWorker(tab: string): Promise<void> }).startWorker("tab-two"));
  await expect.poll(() => rowCount(page), { timeout: 120_000 }).toBe(3_001);
  await expect.poll(() => journal(page)).toBe(0);
  expect(
    await page.evaluate(() => (window as unknown as { held: { rows: Map<string, string> } }).held.rows.get("p-worker")),
  ).toBe("Renamed As The Worker Died");
  expect(await page.evaluate(() => (window as unknown as { held: { failed: string[] } }).held.failed)).toEqual([]);

  // What the worker wrote is the app's own storage: the app opens it and lists the edit.
  // (Watched from here: the page without the app asks for an icon the site doesn't have.)
  const problems = watchConsole(page);
  await page.goto("/people");
  await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 120_000 });
  await page.getByRole("searchbox").fill("Worker");
  await expect.poll(() => listedNames(page), { timeout: 30_000 }).toEqual(["Renamed As The Worker Died"]);
  expect(problems).toEqual([]);
});
