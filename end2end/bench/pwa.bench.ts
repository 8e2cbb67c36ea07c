import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { median, sizes, storeNetwork } from "./stored";

// What a visit costs over the network, and how fast the installed app opens with none:
// - bytes transferred on a first visit (compressed, as sent) and on a second visit, split into
//   app code (/pkg) and the rest; the second visit should fetch no app code at all;
// - with the network off, the time from navigation to people listed and to the network open,
//   for the stored networks `cargo bench -p app --bench open` writes (medians).
const RUNS = 5;

type Tally = { appCode: number; other: number; requests: number };

/** Counts every byte the context receives from the network (the service worker's own fetches
 * included; answers it serves from its cache are not network traffic). */
function tally(context: BrowserContext): { current: Tally; reset(): void } {
  const state = { current: { appCode: 0, other: 0, requests: 0 }, reset() {} };
  state.reset = () => {
    state.current = { appCode: 0, other: 0, requests: 0 };
  };
  context.on("requestfinished", async (request) => {
    const response = await request.response();
    if (!response || response.fromServiceWorker()) return;
    const sizes = await request.sizes();
    const bytes = sizes.responseBodySize + sizes.responseHeadersSize;
    const path = new URL(request.url()).pathname;
    state.current.requests += 1;
    if (path.startsWith("/pkg/")) state.current.appCode += bytes;
    else state.current.other += bytes;
  });
  return state;
}

async function offlineReady(page: Page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
    }
  });
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1).padStart(9);

test("bytes over the network per visit, and opening offline", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const traffic = tally(context);

  const first = await context.newPage();
  await first.goto("/");
  await expect(first.locator('main[data-network="ready"]')).toBeVisible({ timeout: 60_000 });
  await offlineReady(first);
  await first.waitForLoadState("networkidle");
  const firstVisit = { ...traffic.current };
  await first.close();

  traffic.reset();
  const second = await context.newPage();
  await second.goto("/");
  await expect(second.locator('main[data-network="ready"]')).toBeVisible({ timeout: 60_000 });
  await second.waitForLoadState("networkidle");
  const secondVisit = { ...traffic.current };
  await second.close();

  console.log("\nvisit   app_code_kb  app_code_bytes  other_kb  requests   (as transferred, gzip/br; KB = 1,024 bytes)");
  for (const [name, visit] of [["first ", firstVisit], ["second", secondVisit]] as const) {
    console.log(`${name}  ${kb(visit.appCode)}  ${String(visit.appCode).padStart(14)}  ${kb(visit.other)}  ${String(visit.requests).padStart(8)}`);
  }

  const rows: string[] = [];
  for (const n of sizes) {
    const page = await context.newPage();
    await storeNetwork(page, n);
    // One opening online lets the app write its list cache, as it would in use.
    await page.reload();
    await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 120_000 });
    await expect
      .poll(() => page.evaluate(() => localStorage.getItem("colloquy/list") !== null), { timeout: 60_000 })
      .toBe(true);
    await page.close();

    await context.setOffline(true);
    const listed: number[] = [];
    const opened: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const offline = await context.newPage();
      await offline.goto("/people");
      await expect(offline.locator('main[data-network="ready"]')).toBeVisible({ timeout: 120_000 });
      const marks = await offline.evaluate(() => ({
        listed: performance.getEntriesByName("colloquy:people-listed")[0]?.startTime ?? NaN,
        opened: performance.getEntriesByName("colloquy:network-open")[0]?.startTime ?? NaN,
      }));
      listed.push(marks.listed);
      opened.push(marks.opened);
      await offline.close();
    }
    await context.setOffline(false);
    rows.push(`${String(n).padStart(6)}  ${median(listed).toFixed(0).padStart(22)}  ${median(opened).toFixed(0).padStart(23)}`);
  }
  console.log(`\npeople  offline_people_listed_ms  offline_network_open_ms   (median of ${RUNS})`);
  for (const row of rows) console.log(row);
  await context.close();
});
