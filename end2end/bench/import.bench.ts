import { expect, test } from "@playwright/test";
import { linkedInExport } from "../tests/contacts";

// Imports a LinkedIn export of 5,000 connections into an empty network and prints, as medians of
// several runs: the time from choosing the file to the preview on screen (reading, parsing and
// matching), from pressing Import to "Imported" (one Automerge change, saved to storage), and
// the two together.
const RUNS = 5;
const COUNT = Number(process.env.IMPORT_BENCH_COUNT ?? 5000);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const now = (page: import("@playwright/test").Page) => page.evaluate(() => performance.now());

test("import contacts", async ({ browser }) => {
  const file = { name: "Connections.csv", mimeType: "text/csv", buffer: linkedInExport(COUNT) };
  const previewed: number[] = [];
  const written: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto("/import");
    await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 60_000 });
    const start = await now(page);
    await page.getByLabel("Choose a file").setInputFiles(file);
    await expect(page.getByText(`${COUNT} new people.`)).toBeVisible({ timeout: 60_000 });
    const shown = await now(page);
    await page.getByRole("button", { name: `Import ${COUNT} people` }).click();
    await expect(page.getByText(`Imported: added ${COUNT} people.`)).toBeVisible({ timeout: 60_000 });
    const done = await now(page);
    previewed.push(shown - start);
    written.push(done - shown);
    await context.close();
  }
  const total = previewed.map((p, i) => p + written[i]);
  console.log(`\ncontacts  preview_ms  import_ms  total_ms   (median of ${RUNS}, headless Chromium)`);
  console.log(
    `${String(COUNT).padStart(8)}  ${median(previewed).toFixed(0).padStart(10)}  ${median(written)
      .toFixed(0)
      .padStart(9)}  ${median(total).toFixed(0).padStart(8)}`,
  );
});
