import { expect, test } from "@playwright/test";
import { linkedInExport } from "../tests/contacts";
import { median } from "./stored";

// Imports a LinkedIn export of 5,000 connections into an empty network and prints, as medians of
// several runs: the time from choosing the file to the preview on screen (reading, parsing and
// matching), from pressing Import to "Imported" on screen (one Automerge change, saved to
// storage), and the two together. The page times itself: from the input's event to the first
// frame drawn after the result is in the document.
const RUNS = 5;
const COUNT = Number(process.env.IMPORT_BENCH_COUNT ?? 5000);


test("import contacts", async ({ browser }) => {
  const file = { name: "Connections.csv", mimeType: "text/csv", buffer: linkedInExport(COUNT) };
  const previewed: number[] = [];
  const written: number[] = [];
  // Inside import_ms: resolving the plan into people, writing them as one change, updating the
  // list, storing the change, and the rest (showing the result).
  const steps: number[][] = [];
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto("/import");
    await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 60_000 });
    await page.evaluate(() => {
      const times: Record<string, number> = {};
      (window as any).benchTimes = times;
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
    await expect(page.getByText(`${COUNT} new people.`)).toBeVisible({ timeout: 60_000 });
    await page.getByRole("button", { name: `Import ${COUNT} people` }).click();
    await expect(page.getByText(`Imported: added ${COUNT} people.`)).toBeVisible({ timeout: 60_000 });
    await page.waitForFunction(() => (window as any).benchTimes.imported > 0);
    const t = await page.evaluate(() => (window as any).benchTimes);
    const marks = await page.evaluate(() =>
      Object.fromEntries(
        performance
          .getEntriesByType("mark")
          .filter((m) => m.name.startsWith("colloquy:edit:"))
          .map((m) => [m.name.slice("colloquy:edit:".length), m.startTime]),
      ),
    );
    previewed.push(t.previewed - t.chosen);
    written.push(t.imported - t.clicked);
    steps.push([
      marks.run - marks.start,
      marks.listed - marks.run,
      marks.saved - marks.listed,
      t.imported - t.clicked - (marks.saved - marks.start),
    ]);
    await context.close();
  }
  const total = previewed.map((p, i) => p + written[i]);
  console.log(`\ncontacts  preview_ms  import_ms  total_ms   (median of ${RUNS}, headless Chromium)`);
  console.log(
    `${String(COUNT).padStart(8)}  ${median(previewed).toFixed(0).padStart(10)}  ${median(written)
      .toFixed(0)
      .padStart(9)}  ${median(total).toFixed(0).padStart(8)}`,
  );
  const names = ["resolve and write", "list", "store", "rest"];
  console.log(
    `import_ms by step: ${names.map((n, i) => `${n} ${median(steps.map((s) => s[i])).toFixed(0)}`).join(", ")}`,
  );
});
