import { expect, test } from "@playwright/test";
import { addPerson, fillPerson, listedNames, navigate, offlineReady, open, waitReady, watchConsole } from "./helpers";

test("add three people, one referred by another, and find them after a reload", async ({ page }) => {
  const problems = watchConsole(page);
  await open(page);
  await expect(page.getByText("Start with the people you already know")).toBeVisible();

  await addPerson(page, {
    name: "Ada Lovelace",
    organisation: "Analytical Engines Ltd",
    role: "Engineer",
    email: "ada@example.org",
    linkedin: "https://www.linkedin.com/in/ada",
    fields: "speech systems technology, computing",
    howWeKnow: "college roommate",
    tags: "mentor",
    notes: "Happy to talk about speech research.\nPrefers mornings.",
  });
  await page.getByRole("link", { name: "People" }).click();
  await addPerson(page, { name: "Grace Hopper", organisation: "Navy", referredBy: "Ada Lovelace" });
  await expect(page.getByText("Referred by Ada Lovelace")).toBeVisible();
  await page.getByRole("link", { name: "People" }).click();
  await addPerson(page, { name: "Hedy Lamarr", location: "Vienna" });

  await page.reload();
  await waitReady(page);
  await page.getByRole("link", { name: "People" }).click();
  await expect(page.getByRole("list", { name: "People" }).getByRole("listitem")).toHaveCount(3);
  expect(await listedNames(page)).toEqual(["Ada Lovelace", "Grace Hopper", "Hedy Lamarr"]);

  // Search narrows the list.
  await page.getByLabel("Search people").fill("navy");
  expect(await listedNames(page)).toEqual(["Grace Hopper"]);
  await page.getByLabel("Search people").fill("speech");
  expect(await listedNames(page)).toEqual(["Ada Lovelace"]);

  // The referrer's page lists whom they referred; the link leads there.
  await page.getByRole("link", { name: /Ada Lovelace/ }).click();
  await expect(page.getByText("Engineer at Analytical Engines Ltd")).toBeVisible();
  await expect(page.getByText("Already know — college roommate")).toBeVisible();
  await expect(page.getByText("Prefers mornings.")).toBeVisible();
  await expect(page.getByRole("link", { name: "https://www.linkedin.com/in/ada" })).toHaveAttribute(
    "href",
    "https://www.linkedin.com/in/ada",
  );
  const referred = page.locator("section", { has: page.getByRole("heading", { name: "People they referred" }) });
  await referred.getByRole("link", { name: "Grace Hopper" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Grace Hopper");
  await page.getByRole("link", { name: "Ada Lovelace" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Ada Lovelace");

  // Adding from the referrer's page pre-fills the referral.
  await page.getByRole("link", { name: "Add someone they referred" }).click();
  await waitReady(page);
  await expect(page.getByText("Referred by Ada Lovelace")).toBeVisible();

  expect(problems).toEqual([]);
});

test("the form explains what is wrong and keeps what was typed", async ({ page }) => {
  await open(page, "/people/new");
  await fillPerson(page, { name: "  ", email: "not an email", linkedin: "javascript:alert(1)" });
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("A name is needed.")).toBeVisible();
  await expect(page.getByText("That email address doesn't look right")).toBeVisible();
  await expect(page.getByText("The LinkedIn address must start with https://")).toBeVisible();
  await expect(page.getByLabel("Email", { exact: true })).toHaveValue("not an email");
  await expect(page.getByLabel("Email", { exact: true })).toHaveAttribute("aria-invalid", "true");

  await page.getByLabel("Someone referred me").check();
  await fillPerson(page, { name: "Solo", email: "solo@example.org", linkedin: "" });
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Pick who referred them")).toBeVisible();
  await page.getByLabel("I already know them").check();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Solo");
});

test("edits made offline are kept", async ({ page, context }) => {
  const problems = watchConsole(page);
  await open(page);
  // The page's own files (the favicon among them) come from the service worker once offline.
  await offlineReady(page);
  await context.setOffline(true);
  await addPerson(page, { name: "Offline Olive", organisation: "Cafe With Bad Wifi" });
  await page.getByRole("link", { name: "Edit" }).click();
  await fillPerson(page, { role: "Barista", notes: "Typed with no signal" });
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Barista at Cafe With Bad Wifi")).toBeVisible();
  await expect(page.getByText("Saved on this device", { exact: true })).toBeVisible();

  // Still offline, the reload is answered by the service worker's offline shell, and the edits
  // are there.
  await page.reload();
  await waitReady(page);
  expect(await page.evaluate(() => document.documentElement.dataset.shell)).toBe("offline");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Offline Olive");
  await expect(page.getByText("Barista at Cafe With Bad Wifi")).toBeVisible();
  await expect(page.getByText("Typed with no signal")).toBeVisible();

  // Back online, the page the server renders shows them too.
  await context.setOffline(false);
  await page.reload();
  await waitReady(page);
  expect(await page.evaluate(() => document.documentElement.dataset.shell)).toBeUndefined();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Offline Olive");
  await expect(page.getByText("Barista at Cafe With Bad Wifi")).toBeVisible();
  await expect(page.getByText("Typed with no signal")).toBeVisible();
  expect(problems).toEqual([]);
});

test("a page the browser draws no frames for still opens the network and keeps edits", async ({ page }) => {
  // A page that isn't drawn (hidden, or not shown yet; WebKit may hold frames back for long)
  // never gets an animation frame.
  await page.addInitScript(() => {
    window.requestAnimationFrame = () => 0;
  });
  await open(page);
  await addPerson(page, { name: "Frameless Fay", organisation: "Background Tab Ltd" });
  await page.reload();
  await waitReady(page);
  await page.getByRole("link", { name: "People" }).click();
  expect(await listedNames(page)).toEqual(["Frameless Fay"]);
});

test("two tabs editing different people at once both keep their edits", async ({ context }) => {
  const first = await context.newPage();
  const second = await context.newPage();
  await open(first);
  await open(second);
  await Promise.all([
    addPerson(first, { name: "From Tab One" }),
    addPerson(second, { name: "From Tab Two" }),
  ]);
  // Each tab hears about the other's edit without reloading.
  await first.getByRole("link", { name: "People" }).click();
  await expect(first.getByRole("list", { name: "People" }).getByRole("listitem")).toHaveCount(2);

  // Then both edit a different person at the same time.
  await first.getByRole("link", { name: /From Tab One/ }).click();
  await second.getByRole("link", { name: "Edit" }).click();
  await first.getByRole("link", { name: "Edit" }).click();
  await fillPerson(first, { role: "Edited in tab one" });
  await fillPerson(second, { role: "Edited in tab two" });
  await Promise.all([
    first.getByRole("button", { name: "Save" }).click(),
    second.getByRole("button", { name: "Save" }).click(),
  ]);
  await expect(first.getByText("Edited in tab one")).toBeVisible();
  await expect(second.getByText("Edited in tab two")).toBeVisible();

  for (const page of [first, second]) {
    await page.goto("/people");
    await waitReady(page);
    expect(await listedNames(page)).toEqual(["From Tab One", "From Tab Two"]);
    await expect(page.getByText("Edited in tab one")).toBeVisible();
    await expect(page.getByText("Edited in tab two")).toBeVisible();
  }
});

test("hostile names render as text and round-trip", async ({ page }) => {
  const problems = watchConsole(page);
  await open(page);
  const script = "<script>alert(1)</script>";
  const rtl = "\u202eevil\u202c name \u200f";
  const long = "L".repeat(10_000);
  const emoji = "Zoë 👩🏽‍💻🎉";
  const img = '<img src=x onerror="alert(2)">';
  for (const name of [script, rtl, long, emoji]) {
    await addPerson(page, { name, organisation: img, notes: `${script}\n${img}` });
    await page.getByRole("link", { name: "People" }).click();
  }
  await page.reload();
  await waitReady(page);
  const names = await listedNames(page);
  expect(names.sort()).toEqual([script, rtl, long, emoji].sort());
  // Nothing was interpreted as markup.
  expect(await page.locator("main script, main img").count()).toBe(0);

  await page.getByRole("link", { name: script }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(script);
  await expect(page.locator(".notes")).toHaveText(`${script}\n${img}`);
  await page.getByRole("link", { name: "People" }).click();
  await page.getByRole("link", { name: long }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(long);
  // A 10,000-character name wraps instead of widening the page.
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
  expect(problems).toEqual([]);
});

test("the layout works on a laptop too", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await open(page);
  await addPerson(page, { name: "Wide Screen", organisation: "Desk Co", role: "Analyst" });
  await expect(page.getByText("Analyst at Desk Co")).toBeVisible();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(1280);

  // A person's page has the people list beside it, the person shown marked in it, and the
  // next person is one click away without leaving the list.
  await navigate(page, "People");
  await addPerson(page, { name: "Second Desk", organisation: "Desk Co" });
  const list = page.getByRole("complementary", { name: "Your people" });
  await expect(list.getByRole("link", { name: /Second Desk/ })).toHaveAttribute("aria-current", "page");
  const beside = await list.boundingBox();
  const detail = await page.getByRole("heading", { level: 1 }).boundingBox();
  expect(beside!.x + beside!.width).toBeLessThanOrEqual(detail!.x);
  await list.getByRole("link", { name: /Wide Screen/ }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Wide Screen");
  await expect(list.getByRole("link", { name: /Wide Screen/ })).toHaveAttribute("aria-current", "page");
  await list.getByRole("searchbox", { name: "Search people" }).fill("second");
  await expect(list.getByRole("list", { name: "People" }).getByRole("link")).toHaveCount(1);

  // Narrowed to a phone, the page stands alone.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(list).toHaveCount(0);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Wide Screen");
});
