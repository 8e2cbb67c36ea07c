import { expect, test, type Page } from "@playwright/test";
import { median, sizes, storeNetwork } from "./stored";

// Loads the stored networks written by `cargo bench -p app --bench open` into localStorage and
// measures, per size, the time from navigation start to the first screen drawn (the people list,
// `colloquy:people-listed`, or what's next, `colloquy:home-shown`, both from the cached
// overview) and to the network being open for editing (`colloquy:network-open`). Prints medians
// of several page loads, two ways:
// - a new page each time, as when the app is opened: the wasm is compiled afresh;
// - reloading one page: the browser keeps the compiled (and optimised) wasm from the last load.
const RUNS = 7;

async function open(page: Page, path: "/people" | "/") {
  await page.goto(path);
  await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 120_000 });
  if (path === "/people") await expect(page.getByRole("list", { name: "People" })).toBeVisible();
  else await expect(page.getByRole("heading", { name: "Voices heard" })).toBeVisible();
  return page.evaluate(
    (mark) => ({
      shown: performance.getEntriesByName(mark)[0]?.startTime ?? NaN,
      opened: performance.getEntriesByName("colloquy:network-open")[0]?.startTime ?? NaN,
    }),
    path === "/people" ? "colloquy:people-listed" : "colloquy:home-shown",
  );
}

test("open a stored network", async ({ context }) => {
  const rows: string[] = [];
  for (const n of sizes) {
    const page = await context.newPage();
    await storeNetwork(page, n);
    // One load to let the app write whatever it caches, then the measured loads.
    await open(page, "/people");
    await expect
      .poll(() => page.evaluate(() => localStorage.getItem("colloquy/list") !== null), { timeout: 60_000 })
      .toBe(true);
    for (const path of ["/people", "/"] as const) {
      const fresh = { shown: [] as number[], opened: [] as number[] };
      for (let run = 0; run < RUNS; run++) {
        const other = await context.newPage();
        const marks = await open(other, path);
        await other.close();
        fresh.shown.push(marks.shown);
        fresh.opened.push(marks.opened);
      }
      const reload = { shown: [] as number[], opened: [] as number[] };
      await page.goto(path);
      for (let run = 0; run < RUNS; run++) {
        const marks = await open(page, path);
        reload.shown.push(marks.shown);
        reload.opened.push(marks.opened);
      }
      const ms = (xs: number[], width: number) => median(xs).toFixed(0).padStart(width);
      rows.push(
        `${String(n).padStart(6)}  ${path.padEnd(7)}  ${ms(fresh.shown, 14)}  ${ms(fresh.opened, 16)}  ${ms(reload.shown, 12)}  ${ms(reload.opened, 14)}`,
      );
    }
    await page.close();
  }
  console.log(
    `\npeople  screen   new_page_shown  new_page_open_ms  reload_shown  reload_open_ms   (ms from navigation, median of ${RUNS}, headless Chromium)`,
  );
  for (const row of rows) console.log(row);
});
