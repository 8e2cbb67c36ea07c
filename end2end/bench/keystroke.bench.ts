import { expect, test } from "@playwright/test";
import { percentile, sizes, storeNetwork } from "./stored";

// How long a keystroke in an interview's notes takes to be durable in this browser's storage, in
// the stored networks `cargo bench -p app --bench open` writes.
//
// The day-of screen keeps the notes from its own `input` handler, synchronously: the whole text
// is written to localStorage (`colloquy/typing/<tab>`) before the handler returns, and committed
// to the document as one change once the typing pauses. A listener on the document hears the
// same event after that handler (it bubbles there), so `performance.now()` minus the event's
// `timeStamp` is the time from the keystroke to the text being stored; the listener also checks
// that the stored text is the one on screen. The bench then checks that the burst became one
// chunk and that the text is there after a reload. Prints the median and the 95th percentile.
const KEYS = 60;

test("a keystroke in a note, durable in storage", async ({ page }) => {
  const rows: string[] = [];
  for (const n of sizes) {
    await storeNetwork(page, n);

    await page.goto("/interviews/i000000/meet");
    await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 120_000 });
    const notes = page.getByLabel("What you discussed");
    await expect(notes).toBeVisible();
    await notes.click();
    await page.keyboard.press("End");
    await page.evaluate(() => {
      const w = window as unknown as { durable: number[] };
      w.durable = [];
      document.addEventListener("input", (event) => {
        const elapsed = performance.now() - event.timeStamp;
        const value = (event.target as HTMLTextAreaElement).value;
        const kept = Object.keys(localStorage).some(
          (k) => k.startsWith("colloquy/typing/") && localStorage.getItem(k)!.endsWith(value),
        );
        w.durable.push(kept ? elapsed : NaN);
      });
    });
    const chunks = () =>
      page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes("/chunk/")).length);
    const before = await chunks();
    const typed = "x".repeat(KEYS);
    await page.keyboard.type(typed);
    const durable: number[] = await page.evaluate(() => (window as unknown as { durable: number[] }).durable);
    expect(durable).toHaveLength(KEYS);
    expect(durable.filter(Number.isNaN), "keystrokes whose text was not in storage").toEqual([]);
    // Once the typing pauses, the burst is one change: one chunk.
    await expect
      .poll(() => page.evaluate(() => Object.keys(localStorage).some((k) => k.startsWith("colloquy/typing/"))))
      .toBe(false);
    expect(await chunks()).toBe(before + 1);

    await page.reload();
    await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 120_000 });
    await expect(page.getByLabel("What you discussed")).toHaveValue(new RegExp(`${typed}$`));

    rows.push(
      `${String(n).padStart(6)}  ${percentile(durable, 0.5).toFixed(2).padStart(10)}  ${percentile(durable, 0.95).toFixed(2).padStart(10)}`,
    );
  }
  console.log(`\npeople  durable_ms  p95_ms   (${KEYS} keystrokes in an interview's notes, headless Chromium)`);
  for (const row of rows) console.log(row);
});
