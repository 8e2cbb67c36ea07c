import { expect, test, type Page } from "@playwright/test";
import { median, sizes, storeNetwork } from "./stored";

// How long each main screen takes to appear when the user moves to it, in the stored networks
// `cargo bench -p app --bench open` writes (their interviews are all held, none thanked: at
// 10,000 people the home screen has 5,000 thank-yous due and the record 5,000 entries). Times
// from the tap on the navigation link to the frame after the screen is drawn; each screen is
// visited in turn, RUNS rounds, medians printed. The first visit to a screen that lists
// interviews reads them all in outline; later ones reuse that until the network changes.
const RUNS = 5;
const SCREENS = ["Next", "People", "Fields", "Record", "Settings"];

async function visit(page: Page, link: string) {
  const start = await page.evaluate(() => performance.now());
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  const drawn = await page.evaluate(
    () => new Promise<number>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())))),
  );
  return drawn - start;
}

test("moving between screens", async ({ page }) => {
  const rows: string[] = [];
  for (const n of sizes) {
    await storeNetwork(page, n);
    await page.goto("/settings");
    await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 120_000 });
    const first: Record<string, number> = {};
    const times: Record<string, number[]> = Object.fromEntries(SCREENS.map((s) => [s, []]));
    for (let run = 0; run < RUNS; run++) {
      for (const screen of SCREENS) {
        const ms = await visit(page, screen);
        if (run === 0) first[screen] = ms;
        else times[screen].push(ms);
      }
    }
    // The long lists show their first part, with a way to the rest.
    await visit(page, "Next");
    await expect(page.getByRole("button", { name: /^Show all \d+/ }).first()).toBeVisible();
    await visit(page, "Record");
    await expect(page.getByRole("list", { name: "Interviews held" }).getByRole("listitem")).toHaveCount(Math.min(50, n / 2));
    rows.push(
      `${String(n).padStart(6)}  ` +
        SCREENS.map((s) => `${first[s].toFixed(0).padStart(6)} / ${median(times[s]).toFixed(0).padStart(4)}`).join("  "),
    );
  }
  console.log(
    `\npeople  ${SCREENS.map((s) => s.padStart(13)).join("  ")}   (ms from tap to drawn: first visit / median of ${RUNS - 1} later, headless Chromium)`,
  );
  for (const row of rows) console.log(row);
});
