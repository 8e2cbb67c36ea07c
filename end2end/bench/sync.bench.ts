import { expect, test, type Browser, type Page } from "@playwright/test";
import { median, storeNetwork } from "./stored";

// How long syncing holds the page, for the stored networks `cargo bench -p app --bench open`
// writes. Three moments, each on the page of the device doing the work:
// - `push`: turning sync on where the network is, until the relay has all of it (it is sealed
//   and pushed whole);
// - `pull`: a new device joining by the pairing link (it fetches the whole network, opens it and
//   draws the people list);
// - `live`: EDITS edits on the first device (ticking a question on the day-of screen), each
//   awaited on the second, which shows the same screen: the time from the tick to the second
//   device showing it (median), and the longest task on either page meanwhile.
// Long tasks are the browser's (over 50 ms); 0 means none.
//
// Sizes in people: `SYNC_BENCH_SIZES`, 1,000 and 10,000 by default. (Before a long history was
// pushed as the compressed document, a network of 10,000 never synced; joining it held the page
// for 129 ms.)
const sizes = (process.env.SYNC_BENCH_SIZES ?? "1000,10000").split(",").map(Number);
const EDITS = 15;

type Window = { longTasks: [number, number][] };

/** Has `page` note its long tasks from its first script on. */
async function watchLongTasks(page: Page) {
  await page.addInitScript(() => {
    const tasks: [number, number][] = [];
    (window as unknown as Window).longTasks = tasks;
    new PerformanceObserver((list) => {
      for (const task of list.getEntries()) tasks.push([task.startTime, task.duration]);
    }).observe({ type: "longtask", buffered: true });
  });
}

const now = (page: Page) => page.evaluate(() => performance.now());

/** The longest task `page` began at or after `since` (its clock). */
async function longestSince(page: Page, since: number): Promise<number> {
  // Long tasks are reported a little after they end.
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)));
  return page.evaluate(
    (since) =>
      Math.max(0, ...(window as unknown as Window).longTasks.filter(([start]) => start >= since).map(([, d]) => d)),
    since,
  );
}

const status = (page: Page) => page.getByRole("status").filter({ hasText: "Sync:" });

async function pairOnce(browser: Browser, n: number) {
  const laptop = await (await browser.newContext()).newPage();
  await watchLongTasks(laptop);
  await storeNetwork(laptop, n);
  await laptop.goto("/settings");
  await expect(laptop.locator('main[data-network="ready"]')).toBeVisible({ timeout: 120_000 });
  let since = await now(laptop);
  const pushStart = Date.now();
  await laptop.getByRole("button", { name: "Turn on sync" }).click();
  await expect(status(laptop)).toHaveText("Sync: up to date", { timeout: 300_000 });
  const push = { ms: Date.now() - pushStart, longest: await longestSince(laptop, since) };
  await laptop.getByRole("button", { name: "Pair another device" }).click();
  const link = (await laptop.locator(".pair-link code").textContent()) ?? "";

  const phone = await (await browser.newContext()).newPage();
  await watchLongTasks(phone);
  await phone.goto(link);
  await expect(phone.locator('main[data-network="ready"]')).toBeVisible({ timeout: 60_000 });
  since = await now(phone);
  const pullStart = Date.now();
  await phone.getByRole("button", { name: "Join" }).click();
  await expect(status(phone)).toHaveText("Sync: up to date", { timeout: 300_000 });
  await phone.getByRole("link", { name: "See your people" }).click();
  await expect(phone.getByText(`${n.toLocaleString("en")} people`, { exact: true })).toBeVisible({ timeout: 300_000 });
  const pull = { ms: Date.now() - pullStart, longest: await longestSince(phone, since) };

  // Both on the day-of screen of the first interview; the laptop ticks, the phone follows.
  for (const page of [laptop, phone]) {
    await page.goto("/interviews/i000000/meet");
    await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 120_000 });
  }
  const box = (page: Page) => page.locator(".ask-list li input[type=checkbox]").first();
  await expect(box(phone)).toBeVisible();
  const liveSince = [await now(laptop), await now(phone)];
  const delivered: number[] = [];
  for (let edit = 0; edit < EDITS; edit++) {
    const before = await box(laptop).isChecked();
    const start = Date.now();
    await box(laptop).click();
    await expect(box(phone)).toBeChecked({ checked: !before, timeout: 30_000 });
    delivered.push(Date.now() - start);
  }
  const live = {
    ms: median(delivered),
    longest: Math.max(await longestSince(laptop, liveSince[0]), await longestSince(phone, liveSince[1])),
  };
  await laptop.context().close();
  await phone.context().close();
  return { push, pull, live };
}

test("how long syncing holds the page", async ({ browser }) => {
  const rows: string[] = [];
  for (const n of sizes) {
    const { push, pull, live } = await pairOnce(browser, n);
    for (const [moment, figures] of [["push", push], ["pull", pull], ["live", live]] as const) {
      rows.push(
        `${String(n).padStart(6)}  ${moment.padEnd(6)}  ${figures.longest.toFixed(0).padStart(15)}  ${figures.ms.toFixed(0).padStart(8)}`,
      );
    }
  }
  console.log(`\npeople  moment  longest_task_ms   time_ms   (push, pull: once each; live: median of ${EDITS} edits)`);
  for (const row of rows) console.log(row);
});
