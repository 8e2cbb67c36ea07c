import { expect, test } from "@playwright/test";
import { linkedInExport } from "../tests/contacts";
import { median } from "./stored";

// Imports a LinkedIn export of 5,000 connections into an empty network and prints, as medians of
// several runs: the time from choosing the file to the preview on screen (reading, parsing and
// matching), from pressing Import to "Imported" on screen (one Automerge change, saved to
// storage), the two together, and the page's longest task from choosing the file on (the
// reading, matching and the change are the worker's). The page times itself: from the input's event to the first frame
// drawn after the result is in the document.
const RUNS = 5;
const COUNT = Number(process.env.IMPORT_BENCH_COUNT ?? 5000);


test("import contacts", async ({ browser }) => {
  const file = { name: "Connections.csv", mimeType: "text/csv", buffer: linkedInExport(COUNT) };
  const previewed: number[] = [];
  const written: number[] = [];
  const longest: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto("/import");
    await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 60_000 });
    await page.evaluate(() => {
      const times: Record<string, number> = {};
      (window as any).benchTimes = times;
      const tasks: [number, number][] = [];
      (window as any).benchTasks = tasks;
      new PerformanceObserver((list) => {
        for (const task of list.getEntries()) tasks.push([task.startTime, task.duration]);
      }).observe({ type: "longtask" });
      // When `selector` first matches, the time of the next frame.
      const shown = (selector: string, name: string) => {
        const observer = new MutationObserver(() => {
          if (times[name] === undefined && document.querySelector(selector)) {
            times[name] = -1;
            observer.disconnect();
            requestAnimationFrame(() => (times[name] = performance.now()));
          }
        });
        observer.observe(document.body, { childList: true, subtree: true });
      };
      const at = (type: string, name: string) =>
        document.addEventListener(type, () => (times[name] ??= performance.now()), { capture: true });
      at("change", "chosen");
      at("click", "clicked");
      shown(".import-preview", "previewed");
      shown("p.done", "imported");
    });
    await page.getByLabel("Choose a file").setInputFiles(file);
    await expect(page.getByText(`${COUNT.toLocaleString("en")} new people.`)).toBeVisible({ timeout: 60_000 });
    await page.getByRole("button", { name: `Import ${COUNT.toLocaleString("en")} people` }).click();
    await expect(page.getByText(`Imported: added ${COUNT.toLocaleString("en")} people.`)).toBeVisible({ timeout: 60_000 });
    await page.waitForFunction(() => (window as any).benchTimes.imported > 0);
    const t = await page.evaluate(() => (window as any).benchTimes);
    // Long tasks are reported a moment after they end.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 50)));
    const tasks: [number, number][] = await page.evaluate(() => (window as any).benchTasks);
    previewed.push(t.previewed - t.chosen);
    written.push(t.imported - t.clicked);
    // Begun once the file is chosen (before, the page opened, and Playwright made the file in
    // the page for the input).
    longest.push(Math.max(0, ...tasks.filter(([start]) => start >= t.chosen).map(([, ms]) => ms)));
    await context.close();
  }
  const total = previewed.map((p, i) => p + written[i]);
  console.log(
    `\ncontacts  preview_ms  import_ms  total_ms  longest_task_ms   (median of ${RUNS}, headless Chromium)`,
  );
  const cell = (xs: number[], width: number) => median(xs).toFixed(0).padStart(width);
  console.log(
    `${String(COUNT).padStart(8)}  ${cell(previewed, 10)}  ${cell(written, 9)}  ${cell(total, 8)}  ${cell(longest, 15)}`,
  );
});
