import { expect, test, type Page } from "@playwright/test";
import { median, sizes, storeNetwork } from "./stored";

// How long a compaction holds the page, in the stored networks `cargo bench -p app --bench open`
// writes. A burst of edits (ticking a question on the day-of screen, one change and one chunk
// each) passes the compaction threshold (400 chunks); once the edits pause the app writes a
// snapshot, checks it by loading it, and moves to it. (Typing wouldn't do: a burst of typing is
// one change.) The bench records the page's long tasks (over 50 ms) from the end of the edits until
// `head` moves, and prints the longest (median of RUNS) and the time until `head` moved: with the
// check in a worker, as the app does it, and with the worker's script refused, so that the page
// checks the snapshot itself.
const RUNS = 3;
const EDITS = 400;

// The service worker would serve the worker's script from its cache, past the refusal.
test.use({ serviceWorkers: "block" });

async function compactOnce(page: Page, n: number) {
  await storeNetwork(page, n);
  await page.goto("/interviews/i000000/meet");
  await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 120_000 });
  const asked = page.locator(".ask-list li input[type=checkbox]").first();
  await asked.focus();
  const head = () => page.evaluate(() => localStorage.getItem("colloquy/head"));
  const before = await head();
  for (let i = 0; i < EDITS; i++) await page.keyboard.press("Space");
  const typed = await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.longTasks.push(entry.duration);
    }).observe({ type: "longtask" });
    return performance.now();
  });
  await expect.poll(head, { timeout: 120_000, intervals: [50] }).not.toBe(before);
  const moved = await page.evaluate(() => performance.now());
  const checkedBy = await page.evaluate(() =>
    performance
      .getEntriesByType("mark")
      .map((m) => m.name.replace("colloquy:snapshot-checked-by-", ""))
      .filter((name) => name === "worker" || name === "page"),
  );
  // Long tasks are reported a little after they end.
  await page.waitForTimeout(100);
  const longTasks: number[] = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
  return { longest: Math.max(0, ...longTasks), untilMoved: moved - typed, checkedBy };
}

test("how long compaction holds the page", async ({ page }) => {
  const rows: string[] = [];
  for (const n of sizes) {
    for (const mode of ["worker", "page"] as const) {
      if (mode === "page") await page.route("**/doc_worker.js", (route) => route.abort());
      const longest: number[] = [];
      const untilMoved: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const figures = await compactOnce(page, n);
        expect(figures.checkedBy).toEqual([mode]);
        longest.push(figures.longest);
        untilMoved.push(figures.untilMoved);
      }
      if (mode === "page") await page.unroute("**/doc_worker.js");
      rows.push(
        `${String(n).padStart(6)}  ${mode.padEnd(8)}  ${median(longest).toFixed(0).padStart(15)}  ${median(untilMoved).toFixed(0).padStart(13)}`,
      );
    }
  }
  console.log(`\npeople  check_in  longest_task_ms  head_moved_ms   (median of ${RUNS}, after ${EDITS} edits; head moves 1.5 s after the last)`);
  for (const row of rows) console.log(row);
  console.log("(issue 26 as filed: the page's longest task while compacting 10000 people was 212 ms)");
});
