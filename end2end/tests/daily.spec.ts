import { expect, test } from "@playwright/test";
import { addPerson, listedNames, navigate, open, startOnMonday, waitReady, watchConsole } from "./helpers";

test("a person is deleted after saying what goes with them, and the deletion is undone", async ({ page }) => {
  const problems = watchConsole(page);
  await open(page, "/fields");
  await page.getByLabel("Field", { exact: true }).fill("Urban planning");
  await page.getByRole("button", { name: "Add field" }).click();
  await navigate(page, "People");
  await addPerson(page, { name: "Ana Lima", organisation: "City Transit" });
  await page.getByRole("button", { name: "Plan an interview" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Interview with Ana Lima");
  await navigate(page, "People");
  await addPerson(page, { name: "Bo Chen", referredBy: "Ana Lima" });
  await navigate(page, "People");
  await page.getByRole("link", { name: /Ana Lima/ }).click();

  // Asked first, with what happens to her interview and to Bo.
  await page.getByRole("button", { name: "Delete this person…" }).click();
  const confirm = page.getByRole("group", { name: "Confirm deletion" });
  await expect(confirm).toContainText("Your interview with them is deleted too.");
  await expect(confirm).toContainText("The person they referred stays, no longer linked to them.");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(confirm).toHaveCount(0);
  await page.getByRole("button", { name: "Delete this person…" }).click();
  await confirm.getByRole("button", { name: "Delete Ana Lima" }).click();

  await expect(page.getByRole("heading", { level: 1 })).toHaveText("People");
  expect(await listedNames(page)).toEqual(["Bo Chen"]);
  const notice = page.getByRole("status").filter({ hasText: "Deleted Ana Lima" });
  await expect(notice).toBeVisible();
  await page.getByRole("link", { name: /Bo Chen/ }).click();
  await expect(page.getByText("Referred — Suggested by Ana Lima")).toBeVisible();

  // Undo: Ana, her interview and Bo's link to her are back, and stay after a reload.
  await notice.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByRole("link", { name: "Ana Lima" })).toBeVisible();
  await page.reload();
  await waitReady(page);
  await expect(page.getByRole("link", { name: "Ana Lima" })).toBeVisible();
  await page.getByRole("link", { name: "Ana Lima" }).click();
  await expect(page.getByRole("list", { name: "Interviews" })).toContainText("Urban planning");
  await navigate(page, "People");
  expect(await listedNames(page)).toEqual(["Ana Lima", "Bo Chen"]);
  expect(problems).toEqual([]);
});

test("a LinkedIn request is a note within LinkedIn's 300 characters, counted as it is typed", async ({ page }) => {
  const problems = watchConsole(page);
  await open(page, "/settings");
  await page.getByLabel("Your name", { exact: true }).fill("Sam Seeker");
  await page.getByLabel("Your email", { exact: true }).fill("sam@example.org");
  await page.getByRole("button", { name: "Save settings" }).click();
  await navigate(page, "Fields");
  await page.getByLabel("Field", { exact: true }).fill("Urban transit planning");
  await page.getByRole("button", { name: "Add field" }).click();
  await navigate(page, "People");
  await addPerson(page, { name: "Raj Patel" });
  await navigate(page, "People");
  await addPerson(page, { name: "Grace Kim", referredBy: "Raj Patel" });
  await page.getByRole("button", { name: "Plan an interview" }).click();

  // The draft is written once the page has the person, the field and the settings.
  await expect(page.getByLabel("Message", { exact: true })).toHaveValue(/Raj Patel[^]{280,}/);
  await page.getByLabel("How you'll ask", { exact: true }).selectOption({ label: "LinkedIn message" });
  const note = page.getByLabel("Note with your invitation to connect", { exact: true });
  const text = await note.inputValue();
  expect(text.length).toBeLessThanOrEqual(300);
  expect(text).toContain("Raj Patel suggested I reach out.");
  expect(text).toContain("urban transit planning");
  await expect(page.getByText(`${text.length} of 300 characters`)).toBeVisible();
  await expect(page.getByText(/^✓ Short/)).toBeVisible();

  // Over the limit, it says so.
  await note.fill(text + " " + "I would also love to hear about your path into the field.".repeat(2));
  await expect(page.getByText(/of 300 characters: LinkedIn cuts a note at 300; shorten it\./)).toBeVisible();

  // On the phone: what to say, not a letter.
  await page.getByRole("button", { name: "Start again from the draft" }).click();
  await page.getByLabel("How you'll ask", { exact: true }).selectOption({ label: "Phone call" });
  const script = await page.getByLabel("What to say on the call", { exact: true }).inputValue();
  expect(script).toMatch(/^Hello Grace, my name is Sam Seeker\./);
  expect(script).not.toContain("Best wishes");
  expect(problems).toEqual([]);
});

test("settings keep what is typed when the page is left without saving", async ({ page }) => {
  const problems = watchConsole(page);
  await open(page, "/settings");
  await page.getByLabel("Your name", { exact: true }).fill("Sam Seeker");
  await page.getByLabel("Your phone", { exact: true }).fill("+1 555 0100");
  // Straight to another screen: no "Save" pressed.
  await navigate(page, "People");
  await page.reload();
  await waitReady(page);
  await navigate(page, "Settings");
  await expect(page.getByLabel("Your name", { exact: true })).toHaveValue("Sam Seeker");
  await expect(page.getByLabel("Your phone", { exact: true })).toHaveValue("+1 555 0100");
  expect(problems).toEqual([]);
});

test("after meeting someone suggested, what's next asks to tell whoever suggested them", async ({ page }) => {
  const problems = watchConsole(page);
  await startOnMonday(page);
  await open(page, "/settings");
  await page.getByLabel("Your name", { exact: true }).fill("Sam Seeker");
  await page.getByRole("button", { name: "Save settings" }).click();
  await navigate(page, "Fields");
  await page.getByLabel("Field", { exact: true }).fill("Urban planning");
  await page.getByRole("button", { name: "Add field" }).click();
  await navigate(page, "People");
  await addPerson(page, { name: "Raj Patel", email: "raj@example.org" });
  await navigate(page, "People");
  await addPerson(page, { name: "Grace Kim", referredBy: "Raj Patel" });
  await page.getByRole("button", { name: "Plan an interview" }).click();
  const interview = new URL(page.url()).pathname;
  // Met on Monday at eight, before the page's clock (nine).
  await page.getByText("Already agreed in person? Set the time and place").click();
  await page.getByLabel("Date and time", { exact: true }).fill("2026-11-30T08:00");
  await page.getByRole("button", { name: "Save the meeting" }).click();
  await page.getByRole("link", { name: "Open the day-of screen" }).click();
  await page.getByRole("button", { name: "The meeting is over" }).click();
  await expect(page.getByText("Meeting held.")).toBeVisible();

  // Not before the meeting: only now does Raj's line appear, next to the thank-you.
  await navigate(page, "Next");
  const thanks = page.getByRole("region", { name: "Thank-yous due" });
  await expect(thanks).toContainText("Thank Grace Kim");
  await thanks.getByRole("link", { name: "Tell Raj Patel how it went with Grace Kim" }).click();
  await expect(page).toHaveURL(new RegExp(`${interview}#tell-referrer$`));
  const tell = page.getByRole("region", { name: "Tell Raj how it went" });
  await expect(tell).toContainText("Hello Raj,");
  await expect(tell).toContainText("Thank you for putting me in touch with Grace Kim.");
  await expect(tell).toContainText("Sam Seeker");
  const mailto = await tell.getByRole("link", { name: "Open in your email app" }).getAttribute("href");
  expect(mailto).toMatch(/^mailto:raj@example\.org\?subject=Thank%20you%20for%20introducing%20me%20to%20Grace%20Kim&body=Hello%20Raj/);
  await tell.getByRole("button", { name: "Mark as told" }).click();
  await expect(tell).toContainText(/^Tell Raj how it went\s*Told Raj /);

  // Done: the line goes, and stays gone after a reload; the thank-you is still due.
  await navigate(page, "Next");
  await expect(thanks).toContainText("Thank Grace Kim");
  await expect(thanks).not.toContainText("Tell Raj Patel");
  await page.reload();
  await waitReady(page);
  await expect(thanks).toContainText("Thank Grace Kim");
  await expect(thanks).not.toContainText("Tell Raj Patel");
  expect(problems).toEqual([]);
});
