import { expect, test } from "@playwright/test";
import { addPerson, downloaded, listedNames, open, waitReady, watchConsole } from "./helpers";
import { linkedInExport } from "./contacts";

test("a LinkedIn export of 500 connections: preview, import, search, and a second import adds nothing", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const problems = watchConsole(page);
  await open(page, "/people");
  await page.getByRole("link", { name: "Import from LinkedIn, Google or your phone" }).click();
  await expect(page.getByRole("heading", { name: "Import contacts" })).toBeVisible();

  const file = { name: "Connections.csv", mimeType: "text/csv", buffer: linkedInExport(500) };
  await page.getByLabel("Choose a file").setInputFiles(file);
  const preview = page.getByRole("region", { name: /Connections\.csv/ });
  await expect(preview.getByRole("heading", { level: 2 })).toHaveText(
    "Connections.csv: a LinkedIn connections export with 500 contacts",
  );
  await expect(preview.getByRole("status")).toHaveText("500 new people.");
  await expect(preview.locator(".new-people li")).toHaveCount(50);
  await expect(preview.getByText("…and 450 more.")).toBeVisible();
  // Nothing is written before the user says so.
  await page.goto("/people");
  await waitReady(page);
  await expect(page.getByText("Start with the people you already know")).toBeVisible();

  await page.goto("/import");
  await waitReady(page);
  await page.getByLabel("Choose a file").setInputFiles(file);
  await page.getByRole("button", { name: "Import 500 people" }).click();
  await expect(page.locator("p.done")).toHaveText("Imported: added 500 people.");
  await page.getByRole("link", { name: "See your people" }).click();
  await expect(page.getByText("500 people", { exact: true })).toBeVisible();

  await page.getByRole("searchbox", { name: "Search people" }).fill("person 0421");
  expect(await listedNames(page)).toEqual(["Person 0421"]);
  await page.getByRole("link", { name: /Person 0421/ }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Person 0421");
  await expect(page.getByText("Engineer 1 at Company 21")).toBeVisible();
  await expect(page.getByText(/Connected on LinkedIn on 0?2 Feb 2011/)).toBeVisible();

  // The hostile name is text, and survives a reload.
  await page.reload();
  await waitReady(page);
  await page.goto("/people");
  await waitReady(page);
  await page.getByRole("searchbox", { name: "Search people" }).fill("<script>");
  expect(await listedNames(page)).toEqual(["<script>alert(1)</script> 0007"]);

  // The same file again: everyone is already here, nothing to import.
  await page.goto("/import");
  await waitReady(page);
  await page.getByLabel("Choose a file").setInputFiles(file);
  await expect(page.getByRole("region", { name: /Connections\.csv/ }).getByRole("status")).toHaveText(
    "500 already in your network, nothing new to import.",
  );
  await expect(page.getByRole("button", { name: "Nothing to import" })).toBeDisabled();
  await page.goto("/people");
  await waitReady(page);
  await expect(page.getByText("500 people", { exact: true })).toBeVisible();
  expect(problems).toEqual([]);
});

test("a possible duplicate is merged without losing either side", async ({ page }) => {
  await open(page, "/people");
  await addPerson(page, {
    name: "Ana Lima",
    email: "ana@example.org",
    organisation: "Acme",
    phone: "+1 555 0100",
  });
  const card = [
    "BEGIN:VCARD",
    "VERSION:3.0",
    "FN:Ana Lima",
    "N:Lima;Ana;;;",
    "EMAIL;TYPE=INTERNET:ana@example.org",
    "TEL;TYPE=CELL:+44 20 7946 0000",
    "ORG:Acme Corporation",
    "NOTE:Prefers mornings.",
    "END:VCARD",
    "BEGIN:VCARD",
    "VERSION:3.0",
    "FN:Ben Ode",
    "EMAIL:ben@example.org",
    "END:VCARD",
    "",
  ].join("\r\n");
  await page.goto("/import");
  await waitReady(page);
  await page
    .getByLabel("Choose a file")
    .setInputFiles({ name: "contacts.vcf", mimeType: "text/vcard", buffer: Buffer.from(card) });
  const preview = page.getByRole("region", { name: /contacts\.vcf/ });
  await expect(preview.getByRole("status")).toHaveText("1 new person, 1 to merge.");
  await expect(preview.getByText(/looks like/)).toContainText("same email (ana@example.org)");
  await expect(preview.getByLabel("What to do with Ana Lima")).toHaveValue("merge");
  await page.getByRole("button", { name: "Import 1 and merge 1" }).click();
  await expect(page.locator("p.done")).toHaveText("Imported: added 1 person, merged 1.");

  await page.goto("/people");
  await waitReady(page);
  await page.getByRole("link", { name: /Ana Lima/ }).click();
  const also = page.getByRole("list", { name: "Other details" });
  await expect(also).toContainText("Phone: +44 20 7946 0000");
  await expect(also).toContainText("Organisation: Acme Corporation");
  await expect(page.getByText("+1 555 0100")).toBeVisible();
  await expect(page.getByText("Prefers mornings.")).toBeVisible();

  // "Keep both" adds a second Ana instead.
  await page.goto("/import");
  await waitReady(page);
  const again = card.replace("Prefers mornings.", "Has a dog.");
  await page
    .getByLabel("Choose a file")
    .setInputFiles({ name: "again.vcf", mimeType: "text/vcard", buffer: Buffer.from(again) });
  await page.getByLabel("What to do with Ana Lima").selectOption("both");
  await page.getByRole("button", { name: "Import 1 person" }).click();
  await page.goto("/people");
  await waitReady(page);
  expect(await listedNames(page)).toEqual(["Ana Lima", "Ana Lima", "Ben Ode"]);
});

test("a broken file is refused with its line and nothing is imported", async ({ page }) => {
  await open(page, "/import");
  const csv = [
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
    "Ana,Lima,,,Acme,Chemist,12 Mar 2024",
    "Ben,Ode,,,Beta,Writer,32 Foo 2024",
    "",
  ].join("\r\n");
  await page
    .getByLabel("Choose a file")
    .setInputFiles({ name: "Connections.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await expect(page.getByRole("alert")).toContainText("Line 3:");
  await expect(page.getByRole("alert")).toContainText("Nothing was imported.");
  await page.goto("/people");
  await waitReady(page);
  await expect(page.getByText("Start with the people you already know")).toBeVisible();
});

test("people exported as vCard and JSON come back whole in another browser", async ({ page, browser }) => {
  await open(page, "/people");
  await addPerson(page, { name: "Ana Lima", email: "ana@example.org", tags: "mentor, alumni" });
  await page.goto("/people");
  await waitReady(page);
  await addPerson(page, { name: "Ben Ode", referredBy: "Ana Lima", notes: "Line one\nLine two; with, marks" });
  await page.goto("/settings");
  await waitReady(page);
  const vcard = await downloaded(page, "Export as vCard");
  const json = await downloaded(page, "Export as JSON");
  expect(vcard).toContain("BEGIN:VCARD");

  for (const [name, text] of [
    ["people.vcf", vcard],
    ["people.json", json],
  ]) {
    const elsewhere = await browser.newContext();
    const other = await elsewhere.newPage();
    await open(other, "/import");
    await other.getByLabel("Choose a file").setInputFiles({ name, mimeType: "text/plain", buffer: Buffer.from(text) });
    await other.getByRole("button", { name: "Import 2 people" }).click();
    await other.goto("/people");
    await waitReady(other);
    expect(await listedNames(other)).toEqual(["Ana Lima", "Ben Ode"]);
    await other.getByRole("link", { name: /Ben Ode/ }).click();
    await expect(other.getByText("Referred by Ana Lima")).toBeVisible();
    await expect(other.locator(".notes")).toHaveText(/^Line one\s+Line two; with, marks$/);
    await elsewhere.close();
  }
});
