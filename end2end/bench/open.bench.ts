import { expect, test } from "@playwright/test";
import { median, sizes, storeNetwork } from "./stored";

// Loads the stored networks written by `cargo bench -p app --bench open` into localStorage and
// measures, per size, the time from navigation start to the people list on screen (the app's
// `colloquy:people-listed` mark) and to the network being open for editing
// (`colloquy:network-open`). Prints medians of several page loads.
const RUNS = 7;

test("open a stored network", async ({ page }) => {
  const rows: string[] = [];
  for (const n of sizes) {
    await storeNetwork(page, n);
    // One load to let the app write whatever it caches, then the measured loads.
    const listed: number[] = [];
    const opened: number[] = [];
    for (let run = 0; run <= RUNS; run++) {
      await page.goto("/people");
      await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 120_000 });
      await expect(page.getByRole("list", { name: "People" })).toBeVisible();
      const marks = await page.evaluate(() => ({
        listed: performance.getEntriesByName("colloquy:people-listed")[0]?.startTime ?? NaN,
        opened: performance.getEntriesByName("colloquy:network-open")[0]?.startTime ?? NaN,
      }));
      if (run === 0) {
        // The app writes its list cache once it has been idle for a moment.
        await expect
          .poll(() => page.evaluate(() => localStorage.getItem("colloquy/list") !== null), { timeout: 60_000 })
          .toBe(true);
      } else {
        listed.push(marks.listed);
        opened.push(marks.opened);
      }
    }
    rows.push(
      `${String(n).padStart(6)}  ${median(listed).toFixed(0).padStart(15)}  ${median(opened).toFixed(0).padStart(16)}`,
    );
  }
  console.log(`\npeople  people_listed_ms  network_open_ms   (median of ${RUNS}, headless Chromium)`);
  for (const row of rows) console.log(row);
});
