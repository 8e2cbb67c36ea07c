import { expect, test, type Page } from "@playwright/test";
import { addPerson, listedNames, LARGE_PEOPLE, open, storeSampleNetwork, waitReady, watchConsole } from "./helpers";

// The network is held by a dedicated worker (app/src/browser/worker.rs, app/src/host.rs); the
// page keeps each edit in storage before the worker hears of it (app/src/tab.rs).

/** The worker holding this page's network. */
function docWorker(page: Page) {
  const worker = page.workers().find((w) => w.url().endsWith("/doc_worker.js"));
  if (!worker) throw new Error(`no network worker among ${page.workers().map((w) => w.url())}`);
  return worker;
}

/** Storage as seen from a page of the same site that isn't the app. */
async function keptEdits(page: Page) {
  const probe = await page.context().newPage();
  await probe.goto("/healthz");
  return async () => {
    const kept = await probe.evaluate(
      () => Object.keys(localStorage).filter((k) => k.startsWith("colloquy/journal/")).length,
    );
    return kept;
  };
}

test("the worker ending mid-edit is started again by the page, and the edit is made", async ({ page }) => {
  const problems = watchConsole(page);
  await open(page);
  await addPerson(page, { name: "Ada Before" });
  await expect.poll(() => page.workers().length).toBeGreaterThan(0);
  const first = docWorker(page);
  const ended = new Promise<void>((resolve) => first.once("close", () => resolve()));
  // The worker ends on the next message the page sends it, without reading it, and without
  // an error the page could hear: only its lock going tells.
  await first.evaluate(() => {
    self.onmessage = () => self.close();
  });
  await page.getByRole("link", { name: "People" }).click();
  await addPerson(page, { name: "Grace During Restart" });
  await ended;
  expect(page.workers().map((w) => w.url())).toContainEqual(expect.stringMatching(/doc_worker\.js$/));
  const kept = await keptEdits(page);
  await expect.poll(kept).toBe(0);
  await page.reload();
  await waitReady(page);
  await page.getByRole("link", { name: "People" }).click();
  await expect.poll(() => listedNames(page)).toEqual(["Ada Before", "Grace During Restart"]);
  expect(problems).toEqual([]);
});

test("two tabs, each with its worker, keep each other's edits", async ({ context, page }) => {
  const problems = watchConsole(page);
  await open(page);
  const other = await context.newPage();
  const otherProblems = watchConsole(other);
  await open(other);
  await addPerson(page, { name: "Made In One" });
  await expect.poll(() => listedNamesAfter(other)).toEqual(["Made In One"]);
  await addPerson(other, { name: "Made In Two" });
  await page.getByRole("link", { name: "People" }).click();
  await expect.poll(() => listedNames(page)).toEqual(["Made In One", "Made In Two"]);
  // Each page holds its own worker.
  expect(docWorker(page)).not.toBe(docWorker(other));
  for (const tab of [page, other]) {
    await tab.reload();
    await waitReady(tab);
    await expect.poll(() => listedNamesAfter(tab)).toEqual(["Made In One", "Made In Two"]);
  }
  expect([...problems, ...otherProblems]).toEqual([]);
});

/** The names the people list shows, going back to it first. */
async function listedNamesAfter(page: Page) {
  if (!page.url().endsWith("/people")) await page.getByRole("link", { name: "People" }).click();
  return listedNames(page);
}

test(`an edit made while a ${LARGE_PEOPLE.toLocaleString("en")}-person network is still opening survives a reload`, async ({
  page,
}) => {
  test.setTimeout(300_000);
  const problems = watchConsole(page);
  await storeSampleNetwork(page, LARGE_PEOPLE);
  // Open once so the overview is cached, as it is for anyone who used the app before.
  await page.reload();
  await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 240_000 });
  await expect
    .poll(() => page.evaluate(() => localStorage.getItem("colloquy/list") !== null), { timeout: 60_000 })
    .toBe(true);

  await page.goto("/people/new");
  await page.getByLabel("Name", { exact: true }).fill("Added While Opening");
  await page.getByRole("button", { name: "Save" }).click();
  // Made before the worker has the network, and kept in storage all the same.
  await expect(page.locator("main")).not.toHaveAttribute("data-network", "ready");
  const kept = await keptEdits(page);
  expect(await kept()).toBe(1);
  await page.reload();
  await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 240_000 });
  await page.getByRole("link", { name: "People" }).click();
  await page.getByRole("searchbox").fill("While Opening");
  await expect.poll(() => listedNames(page), { timeout: 30_000 }).toEqual(["Added While Opening"]);
  await expect.poll(kept).toBe(0);
  expect(problems).toEqual([]);
});
