import { expect, test, type Page } from "@playwright/test";
import { median, sizes, storeNetwork } from "./stored";

// Loads the stored networks written by `cargo bench -p app --bench open` into localStorage and
// measures, per size, the time from navigation start to the people list on screen (the app's
// `colloquy:people-listed` mark) and to the network being open for editing
// (`colloquy:network-open`). Prints medians of several page loads, two ways:
// - a new page each time, as when the app is opened: the wasm is compiled afresh;
// - reloading one page: the browser keeps the compiled (and optimised) wasm from the last load.
const RUNS = 7;

async function open(page: Page) {
  await page.goto("/people");
  await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByRole("list", { name: "People" })).toBeVisible();
  return page.evaluate(() => ({
    listed: performance.getEntriesByName("colloquy:people-listed")[0]?.startTime ?? NaN,
    opened: performance.getEntriesByName("colloquy:network-open")[0]?.startTime ?? NaN,
  }));
}

test("open a stored network", async ({ context }) => {
  const rows: string[] = [];
  for (const n of sizes) {
    const page = await context.newPage();
    await storeNetwork(page, n);
    // One load to let the app write whatever it caches, then the measured loads.
    await open(page);
    await expect
      .poll(() => page.evaluate(() => localStorage.getItem("colloquy/list") !== null), { timeout: 60_000 })
      .toBe(true);
    const fresh = { listed: [] as number[], opened: [] as number[] };
    for (let run = 0; run < RUNS; run++) {
      const other = await context.newPage();
      const marks = await open(other);
      await other.close();
      fresh.listed.push(marks.listed);
      fresh.opened.push(marks.opened);
    }
    const reload = { listed: [] as number[], opened: [] as number[] };
    for (let run = 0; run < RUNS; run++) {
      const marks = await open(page);
      reload.listed.push(marks.listed);
      reload.opened.push(marks.opened);
    }
    await page.close();
    const ms = (xs: number[], width: number) => median(xs).toFixed(0).padStart(width);
    rows.push(
      `${String(n).padStart(6)}  ${ms(fresh.listed, 18)}  ${ms(fresh.opened, 16)}  ${ms(reload.listed, 16)}  ${ms(reload.opened, 14)}`,
    );
  }
  console.log(
    `\npeople  new_page_listed_ms  new_page_open_ms  reload_listed_ms  reload_open_ms   (median of ${RUNS}, headless Chromium)`,
  );
  for (const row of rows) console.log(row);
});
