import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { median, sizes, storeNetwork } from "./stored";

// Loads the stored networks written by `cargo bench -p app --bench open` into localStorage and
// measures, per size, from navigation start:
// - `shown`: the first screen drawn (the people list, `colloquy:people-listed`, or what's next,
//   `colloquy:home-shown`, both from the cached overview), marked once its elements are in the
//   document (the browser paints them as the task ends);
// - `interactive`: the later of `shown` and the end of the page's last long task (over 50 ms, as
//   the browser reports them): from then on, taps are answered at once;
// - `open`: the network open for editing (`colloquy:network-open`);
// - `longest`: the longest task the page began after `shown`, while the network opens (how long a
//   tap on the first screen may wait);
// - `stored`: from the app starting to read browser storage (`colloquy:storage-read`, once the
//   wasm has compiled and the page hydrated) to interactive: the part that grows with the network;
// - on a new page, where the time to `shown` goes: `wasm`, the app's wasm received (its last
//   byte, from the service worker's cache); `reading`, the app starting to read storage, once
//   it has compiled and hydrated; `first`, the longest task up to `shown` (drawing included).
// Prints medians of several page loads, three ways:
// - a new page each time, as when the app is opened in a new tab while another is open: the wasm
//   is compiled afresh (from the browser's cache of its code) in the renderer the open one uses;
// - reloading one page: the browser keeps the compiled (and optimised) wasm from the last load;
// - a new page with no other page open, as when the app is opened from the home screen: every
//   step of its start is slower.
const RUNS = 7;

type Marks = {
  shown: number;
  interactive: number;
  opened: number;
  longest: number;
  stored: number;
  wasm: number;
  reading: number;
  first: number;
};

/** Pages whose network open the test awaits, and how to tell it. */
const opening = new Map<Page, () => void>();

/** Has every page of `context` note its long tasks from its first script on, and tell the test
 * when its network is open. The test waits for that rather than through a locator: Playwright's
 * own script, which a locator loads into the page, took ~7 ms of the page's thread while it was
 * opening. */
async function watchPages(context: BrowserContext) {
  await context.exposeBinding("colloquyBenchOpen", ({ page }) => opening.get(page)?.());
  await context.addInitScript(() => {
    const tasks: [number, number][] = [];
    const page = window as unknown as { longTasks: [number, number][]; colloquyBenchOpen: () => void };
    page.longTasks = tasks;
    new PerformanceObserver((list) => {
      for (const task of list.getEntries()) tasks.push([task.startTime, task.duration]);
    }).observe({ type: "longtask", buffered: true });
    new PerformanceObserver((list) => {
      if (list.getEntriesByName("colloquy:network-open").length > 0) page.colloquyBenchOpen();
    }).observe({ type: "mark" });
  });
}

async function open(page: Page, path: "/people" | "/"): Promise<Marks> {
  let late: ReturnType<typeof setTimeout> | undefined;
  const opened = new Promise<void>((resolve, reject) => {
    opening.set(page, resolve);
    late = setTimeout(() => reject(new Error(`${path}: the network did not open within 120 s`)), 120_000);
  });
  await page.goto(path);
  await opened.finally(() => clearTimeout(late));
  opening.delete(page);
  await expect(page.locator('main[data-network="ready"]')).toBeVisible();
  if (path === "/people") await expect(page.getByRole("list", { name: "People" })).toBeVisible();
  else await expect(page.getByRole("heading", { name: "Voices heard" })).toBeVisible();
  // The task that opened the network may still be reported.
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
  return page.evaluate((mark) => {
    const shown = performance.getEntriesByName(mark)[0]?.startTime ?? NaN;
    const tasks = (window as unknown as { longTasks: [number, number][] }).longTasks;
    const after = tasks.filter(([start]) => start > shown);
    const interactive = Math.max(shown, ...tasks.map(([start, duration]) => start + duration));
    const reading = performance.getEntriesByName("colloquy:storage-read")[0]?.startTime ?? NaN;
    const wasm = performance
      .getEntriesByType("resource")
      .find((entry) => entry.name.endsWith(".wasm")) as PerformanceResourceTiming | undefined;
    return {
      wasm: wasm?.responseEnd ?? NaN,
      reading,
      first: Math.max(0, ...tasks.filter(([start]) => start <= shown).map(([, duration]) => duration)),
      shown,
      interactive,
      stored: interactive - reading,
      opened: performance.getEntriesByName("colloquy:network-open")[0]?.startTime ?? NaN,
      longest: Math.max(0, ...after.map(([, duration]) => duration)),
    };
  }, path === "/people" ? "colloquy:people-listed" : "colloquy:home-shown");
}

/** Opens `path` on a new page of `context`, `RUNS` times, each page closed after. */
async function newPages(context: BrowserContext, path: "/people" | "/"): Promise<Marks[]> {
  const marks: Marks[] = [];
  for (let run = 0; run < RUNS; run++) {
    const page = await context.newPage();
    marks.push(await open(page, path));
    await page.close();
  }
  return marks;
}

test("open a stored network", async ({ context }) => {
  await watchPages(context);
  const rows: string[] = [];
  const steps: string[] = [];
  const lone: string[] = [];
  const ms = (xs: Marks[], key: keyof Marks, width: number) =>
    median(xs.map((x) => x[key])).toFixed(0).padStart(width);
  const columns = (xs: Marks[]) =>
    `${ms(xs, "shown", 6)} ${ms(xs, "interactive", 12)} ${ms(xs, "opened", 6)} ${ms(xs, "longest", 8)} ${ms(xs, "stored", 7)}`;
  for (const n of sizes) {
    const page = await context.newPage();
    await storeNetwork(page, n);
    // One load to let the app write whatever it caches, then the measured loads.
    await open(page, "/people");
    await expect
      .poll(() => page.evaluate(() => localStorage.getItem("colloquy/list") !== null), { timeout: 60_000 })
      .toBe(true);
    for (const path of ["/people", "/"] as const) {
      const fresh = await newPages(context, path);
      const reload: Marks[] = [];
      await page.goto(path);
      for (let run = 0; run < RUNS; run++) reload.push(await open(page, path));
      rows.push(`${String(n).padStart(6)}  ${path.padEnd(7)}  ${columns(fresh)}   ${columns(reload)}`);
      steps.push(
        `${String(n).padStart(6)}  ${path.padEnd(7)}  ${ms(fresh, "wasm", 5)}  ${ms(fresh, "reading", 8)}  ${ms(fresh, "shown", 6)}  ${ms(fresh, "first", 11)}`,
      );
    }
    await page.close();
    for (const path of ["/people", "/"] as const) {
      const alone = await newPages(context, path);
      lone.push(
        `${String(n).padStart(6)}  ${path.padEnd(7)}  ${columns(alone)}   ${ms(alone, "wasm", 5)}  ${ms(alone, "reading", 8)}`,
      );
    }
  }
  console.log(`\n(ms from navigation, median of ${RUNS}, headless Chromium)`);
  console.log("                  new page                                      reload");
  console.log("people  screen    shown  interactive   open  longest  stored    shown  interactive   open  longest  stored");
  for (const row of rows) console.log(row);
  console.log("\nnew page, where the time to shown goes (ms from navigation; first_task: longest task up to shown)");
  console.log("people  screen    wasm   reading   shown  first_task");
  for (const row of steps) console.log(row);
  console.log("\nnew page, no other page of the app open");
  console.log("people  screen    shown  interactive   open  longest  stored    wasm   reading");
  for (const row of lone) console.log(row);
  console.log("(issue 26 as filed, 10000 /people on a new page: shown ~250, edits waited ~4000 while the page opened the network)");
});
