import { expect, test, type Page } from "@playwright/test";
import {
  addPerson,
  listedNames,
  navigate,
  open,
  SAMPLE_PEOPLE,
  storeSampleNetwork,
  waitReady,
  watchConsole,
} from "./helpers";

/** Replaces a person's notes through the edit form, as a user would. */
async function setNotes(page: Page, name: string, notes: string) {
  await page.goto("/people");
  await waitReady(page);
  await page.getByRole("link", { name: new RegExp(name) }).click();
  await page.getByRole("link", { name: "Edit" }).click();
  await page.getByLabel("Notes", { exact: true }).fill(notes);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
}

async function notesOf(page: Page, name: string): Promise<string> {
  await page.goto("/people");
  await waitReady(page);
  await page.getByRole("link", { name: new RegExp(name) }).click();
  return (await page.locator(".notes").textContent()) ?? "";
}

test("two devices pair by link, merge concurrent edits made offline, and a third restores from the phrase", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  // The laptop: a network of its own, then sync turned on.
  const laptop = await browser.newContext();
  const a = await laptop.newPage();
  const problems = watchConsole(a);
  await open(a, "/people");
  await addPerson(a, { name: "Ana Lima", notes: "Met at the fair." });
  await a.goto("/settings");
  await waitReady(a);
  // The network's fingerprint shows at once; the pairing code, which holds its secret, only
  // when asked for.
  await a.getByRole("button", { name: "Turn on sync" }).click();
  await expect(a.getByRole("status").filter({ hasText: "Sync:" })).toHaveText("Sync: up to date");
  const fingerprint = (await a.locator(".fingerprint strong").textContent()) ?? "";
  expect(fingerprint).toMatch(/^[a-z]+ [a-z]+ [a-z]+ [a-z]+$/);
  await expect(a.getByRole("img", { name: "Pairing QR code" })).toHaveCount(0);
  await a.getByRole("button", { name: "Pair another device" }).click();
  await expect(a.getByRole("img", { name: "Pairing QR code" })).toBeVisible();
  // Saving the recovery phrase is offered, and stays a task on home until it is done.
  await navigate(a, "Next");
  await a.getByRole("link", { name: "Save your recovery phrase" }).click();
  await a.getByRole("button", { name: "Show the recovery phrase" }).click();
  const words = await a.getByRole("list", { name: "Recovery phrase" }).locator("li").allTextContents();
  expect(words).toHaveLength(24);
  await a.getByRole("button", { name: "I've saved it" }).click();
  await navigate(a, "Next");
  await expect(a.getByRole("link", { name: "Save your recovery phrase" })).toHaveCount(0);
  await navigate(a, "Settings");
  await a.getByRole("button", { name: "Pair another device" }).click();
  const link = (await a.locator(".pair-link code").textContent()) ?? "";
  expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/pair#k=[A-Za-z0-9_-]{43}$/);

  // The phone: someone already on it, then paired by the link.
  const phone = await browser.newContext();
  const b = await phone.newPage();
  await open(b, "/people");
  await addPerson(b, { name: "Ben Ode" });
  await b.goto(link);
  await waitReady(b);
  expect(b.url()).not.toContain("#k=");
  // Both devices name the network with the same words.
  await expect(b.locator(".fingerprint strong")).toHaveText(fingerprint);
  await b.getByRole("button", { name: "Join" }).click();
  await expect(b.getByRole("status").filter({ hasText: "Sync:" })).toHaveText("Sync: up to date");
  await b.getByRole("link", { name: "See your people" }).click();
  await expect.poll(() => listedNames(b), { timeout: 15_000 }).toEqual(["Ana Lima", "Ben Ode"]);
  await a.goto("/people");
  await waitReady(a);
  await expect.poll(() => listedNames(a), { timeout: 15_000 }).toEqual(["Ana Lima", "Ben Ode"]);

  // The same notes edited on both at once, the phone offline.
  await phone.setOffline(true);
  await setNotes(b, "Ana Lima", "Met at the fair. Phone: ask about night shifts.");
  await setNotes(a, "Ana Lima", "Met at the fair. Laptop: bring the portfolio.");
  await phone.setOffline(false);
  for (const page of [a, b]) {
    await expect
      .poll(() => notesOf(page, "Ana Lima"), { timeout: 20_000 })
      .toMatch(/^Met at the fair\. (?=.*night shifts)(?=.*portfolio).*$/s);
  }

  // A new browser restored from the phrase gets everything.
  const restored = await browser.newContext();
  const c = await restored.newPage();
  await open(c, "/settings");
  await c.getByLabel("Already syncing? Type your 24-word recovery phrase").fill(words.join(" "));
  await c.getByRole("button", { name: "Join with the phrase" }).click();
  await expect(c.getByRole("status").filter({ hasText: "Sync:" })).toHaveText("Sync: up to date");
  await c.goto("/people");
  await waitReady(c);
  await expect.poll(() => listedNames(c), { timeout: 15_000 }).toEqual(["Ana Lima", "Ben Ode"]);
  expect(await notesOf(c, "Ana Lima")).toMatch(/night shifts/);
  expect(await notesOf(c, "Ana Lima")).toMatch(/portfolio/);
  expect(problems).toEqual([]);
  for (const context of [laptop, phone, restored]) await context.close();
});

test("deleting the server's copy turns sync off on both devices, and it stays off", async ({ browser }) => {
  test.setTimeout(120_000);
  const laptop = await browser.newContext();
  const a = await laptop.newPage();
  await open(a, "/people");
  await addPerson(a, { name: "Dara Quinn" });
  await a.goto("/settings");
  await waitReady(a);
  await a.getByRole("button", { name: "Turn on sync" }).click();
  await expect(a.getByRole("status").filter({ hasText: "Sync:" })).toHaveText("Sync: up to date");
  await a.getByRole("button", { name: "Pair another device" }).click();
  const link = (await a.locator(".pair-link code").textContent()) ?? "";
  const phone = await browser.newContext();
  const b = await phone.newPage();
  await b.goto(link);
  await waitReady(b);
  await b.getByRole("button", { name: "Join" }).click();
  await expect(b.getByRole("status").filter({ hasText: "Sync:" })).toHaveText("Sync: up to date");
  await b.goto("/settings");
  await waitReady(b);

  // The laptop deletes the server's copy; the phone, online, is told too.
  await a.getByRole("button", { name: "Delete my data from the sync server…" }).click();
  await a.getByRole("button", { name: "Delete the server's copy" }).click();
  for (const page of [a, b]) {
    await expect(page.getByRole("status").filter({ hasText: "Sync is off" })).toContainText("was deleted");
    await expect(page.getByRole("button", { name: "Turn on sync" })).toBeVisible();
  }
  // A reload doesn't bring it back, and the people stay on both.
  for (const page of [a, b]) {
    await page.reload();
    await waitReady(page);
    await expect(page.getByRole("button", { name: "Turn on sync" })).toBeVisible();
    await page.goto("/people");
    await waitReady(page);
    await expect.poll(() => listedNames(page)).toEqual(["Dara Quinn"]);
  }
  await laptop.close();
  await phone.close();
});

test("a device that syncs one network asks before a link switches it to another", async ({ browser }) => {
  test.setTimeout(120_000);
  /** A device with a network of its own, synced; its settings page, fingerprint and link. */
  async function synced(name: string) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await open(page, "/people");
    await addPerson(page, { name });
    await page.goto("/settings");
    await waitReady(page);
    await page.getByRole("button", { name: "Turn on sync" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Sync:" })).toHaveText("Sync: up to date");
    const words = (await page.locator(".fingerprint strong").textContent()) ?? "";
    await page.getByRole("button", { name: "Pair another device" }).click();
    const link = (await page.locator(".pair-link code").textContent()) ?? "";
    return { context, page, words, link };
  }
  const mine = await synced("Mine Only");
  const theirs = await synced("Stranger");
  expect(mine.words).not.toEqual(theirs.words);

  // Someone sends their link: it names their network and warns before anything changes.
  const page = mine.page;
  await page.goto(theirs.link);
  await waitReady(page);
  expect(page.url()).not.toContain("#k=");
  expect(await page.evaluate(() => sessionStorage.getItem("colloquy/pairing"))).toBeNull();
  await expect(page.locator(".fingerprint strong")).toHaveText(theirs.words);
  const choice = page.getByRole("group", { name: "This device syncs another network" });
  await expect(choice).toContainText(mine.words);
  await expect(page.getByText("Only open pairing links you made yourself", { exact: false })).toBeVisible();
  await expect(page.getByRole("button", { name: "Join" })).toHaveCount(0);
  // Keeping the current network changes nothing.
  await choice.getByRole("link", { name: "Keep the current one" }).click();
  await waitReady(page);
  await expect(page.locator(".fingerprint strong")).toHaveText(mine.words);
  await page.goto("/people");
  await waitReady(page);
  await expect.poll(() => listedNames(page)).toEqual(["Mine Only"]);

  // Switching is a choice made knowingly: then the device syncs the other network.
  await page.goto(mine.link);
  await waitReady(page);
  await expect(page.getByRole("status").filter({ hasText: "already syncs" })).toHaveText(
    "This device already syncs this network.",
  );
  await page.goto(theirs.link);
  await waitReady(page);
  await page.getByRole("button", { name: "Switch to this network" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Sync:" })).toHaveText("Sync: up to date");
  await page.goto("/settings");
  await waitReady(page);
  await expect(page.locator(".fingerprint strong")).toHaveText(theirs.words);
  await mine.context.close();
  await theirs.context.close();
});

test(`a network of ${SAMPLE_PEOPLE.toLocaleString("en")} people, made in as many edits, syncs whole to a new device that keeps it`, async ({
  browser,
}) => {
  test.setTimeout(300_000);
  const laptop = await (await browser.newContext()).newPage();
  const problems = watchConsole(laptop);
  await storeSampleNetwork(laptop, SAMPLE_PEOPLE);
  await laptop.goto("/settings");
  await expect(laptop.locator('main[data-network="ready"]')).toBeVisible({ timeout: 240_000 });
  await laptop.getByRole("button", { name: "Turn on sync" }).click();
  // Up to date only once the relay has all of it.
  await expect(laptop.getByRole("status").filter({ hasText: "Sync:" })).toHaveText("Sync: up to date", {
    timeout: 120_000,
  });
  await laptop.getByRole("button", { name: "Pair another device" }).click();
  const link = (await laptop.locator(".pair-link code").textContent()) ?? "";

  const phone = await (await browser.newContext()).newPage();
  const phoneProblems = watchConsole(phone);
  await phone.goto(link);
  await waitReady(phone);
  await phone.getByRole("button", { name: "Join" }).click();
  await expect(phone.getByRole("status").filter({ hasText: "Sync:" })).toHaveText("Sync: up to date", {
    timeout: 120_000,
  });
  await phone.getByRole("link", { name: "See your people" }).click();
  const everyone = `${SAMPLE_PEOPLE.toLocaleString("en")} people`;
  await expect(phone.getByText(everyone, { exact: true })).toBeVisible({ timeout: 60_000 });
  // Stored, not only shown: after a reload the phone has the people and their interviews.
  await phone.reload();
  await expect(phone.getByText(everyone, { exact: true })).toBeVisible({ timeout: 60_000 });
  await phone.goto("/interviews/i000000");
  await expect(phone.getByRole("heading", { level: 1 })).toHaveText("Interview with Person 00000 Example", {
    timeout: 240_000,
  });
  // And edits go on both ways.
  await open(phone, "/people");
  await addPerson(phone, { name: "Added On The Phone" });
  await laptop.goto("/people");
  await waitReady(laptop);
  await laptop.getByRole("searchbox", { name: "Search people" }).fill("On The Phone");
  await expect.poll(() => listedNames(laptop), { timeout: 30_000 }).toEqual(["Added On The Phone"]);
  expect([...problems, ...phoneProblems]).toEqual([]);
  await laptop.context().close();
  await phone.context().close();
});
