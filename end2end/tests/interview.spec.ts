import { expect, test, type Page } from "@playwright/test";
import ICAL from "ical.js";
import { linkedInExport } from "./contacts";
import { addPerson, downloaded, navigate, open, startOnMonday, waitReady, watchConsole } from "./helpers";

/** Takes the screenshot reviewers look at for each screen. */
async function shot(page: Page, name: string) {
  await page.screenshot({ path: `test-results/screens/${name}-phone.png`, fullPage: true });
}

test("an interview from the first request to the record", async ({ page, context }) => {
  test.setTimeout(180_000);
  const problems = watchConsole(page);
  await startOnMonday(page);

  // Who the user is, so requests are signed.
  await open(page, "/settings");
  await page.getByLabel("Your name", { exact: true }).fill("Sam Seeker");
  await page.getByLabel("Your email", { exact: true }).fill("sam@example.org");
  await page.getByLabel("Your phone", { exact: true }).fill("+1 555 0100");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  // A question of their own, for every interview's question bank.
  await page.getByLabel("New question", { exact: true }).fill("What surprised you most when you started?");
  await page.getByRole("button", { name: "Add to the bank" }).click();
  await expect(page.getByText("What surprised you most when you started?")).toBeVisible();

  // A field, and someone they already know.
  await navigate(page, "Fields");
  await page.getByLabel("Field", { exact: true }).fill("Speech systems technology");
  await page.getByLabel("General career research", { exact: true }).check();
  await page.getByRole("button", { name: "Add field" }).click();
  await expect(page.getByRole("list", { name: "Fields" })).toContainText("Speech systems technology");
  await shot(page, "fields");

  await navigate(page, "People");
  await addPerson(page, {
    name: "Ada Lovelace",
    organisation: "Acme Voice",
    role: "Speech scientist",
    email: "ada@acme.example",
    howWeKnow: "the rowing club",
  });
  await page.getByRole("button", { name: "Plan an interview" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Interview with Ada Lovelace");

  // The drafted request passes every check; a job request does not.
  const message = page.getByLabel("Message", { exact: true });
  await expect(message).toHaveValue(/Ada/);
  await expect(page.getByText(/^✓ Short, says how you got their name/)).toBeVisible();
  await shot(page, "request");
  await message.fill("Hi Ada, do you have any openings for a job at Acme?");
  const checks = page.getByRole("list", { name: "Checks" });
  await expect(checks).toContainText("not a job");
  await expect(checks).toContainText("20–30 minutes");
  // Starting again from the draft can be taken back.
  await page.getByRole("button", { name: "Start again from the draft" }).click();
  await expect(page.getByText(/^✓ Short/)).toBeVisible();
  await page.getByRole("status").getByRole("button", { name: "Undo" }).click();
  await expect(message).toHaveValue("Hi Ada, do you have any openings for a job at Acme?");
  await page.getByRole("button", { name: "Start again from the draft" }).click();
  await expect(page.getByText(/^✓ Short/)).toBeVisible();
  await expect(page.getByRole("link", { name: "Open in your email app" })).toHaveAttribute(
    "href",
    /^mailto:ada@acme\.example\?subject=.+&body=.*Ada/,
  );
  // Marked sent by mistake: the step is taken back, then taken again.
  await page.getByRole("button", { name: "Mark as sent" }).click();
  await expect(page.getByRole("heading", { name: "Waiting for a reply" })).toBeVisible();
  await page.getByRole("status").getByRole("button", { name: "Undo" }).click();
  await expect(page.locator(".stages [aria-current=step]")).toHaveText("Idea");
  await page.getByRole("button", { name: "Mark as sent" }).click();
  await expect(page.getByRole("heading", { name: "Waiting for a reply" })).toBeVisible();
  await expect(page.getByText(/Try a second contact at their organisation: Thu,? 3 Dec 2026/)).toBeVisible();
  await expect(page.getByText(/Follow up with them: Wed,? 9 Dec 2026/)).toBeVisible();

  // They said yes: a coffee shop, Wednesday morning.
  await page.getByLabel("Date and time", { exact: true }).fill("2026-12-02T10:00");
  await page.getByLabel("Where", { exact: true }).selectOption({ label: "Coffee shop or other public place" });
  await page.getByLabel("Place and address", { exact: true }).fill("Bean There, 12 High St");
  await page.getByRole("button", { name: "Save the meeting" }).click();
  await expect(page.locator(".stages [aria-current=step]")).toHaveText("Scheduled");
  await expect(page.getByText("Bean There, 12 High St")).toBeVisible();

  // Prepare: objectives, two questions from the bank, one of their own (closed, then fixed).
  await page.getByLabel("Your objectives for this meeting", { exact: true }).fill("Learn how people get into speech technology.");
  await page.getByText(/^Pick from the question bank/).click();
  await expect(page.locator(".bank")).toContainText("What surprised you most when you started?");
  const bankButtons = page.locator(".bank").getByRole("button", { name: /^Add: / });
  await bankButtons.nth(0).click();
  await bankButtons.nth(1).click();
  await page.getByLabel("Your own question", { exact: true }).fill("Do you like your job?");
  await expect(page.getByText("This can be answered with yes or no")).toBeVisible();
  await page.getByRole("button", { name: "Use this wording" }).click();
  await expect(page.getByLabel("Your own question", { exact: true })).toHaveValue(/^What do you like about your job\?$/);
  await expect(page.getByText("This can be answered with yes or no")).toHaveCount(0);
  await page.getByRole("button", { name: "Add question" }).click();
  const planned = page.getByRole("list", { name: "Questions to ask" }).getByRole("listitem");
  await expect(planned).toHaveCount(3);
  await expect(page.getByText("Closed question")).toHaveCount(0);
  await shot(page, "prepare");

  // The day of, with no connection.
  await context.setOffline(true);
  await page.getByRole("link", { name: "Open the day-of screen" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Meeting with Ada Lovelace");
  await expect(page.getByText("Thank them for their time first.")).toBeVisible();
  await page.getByRole("button", { name: "Start the timer" }).click();
  await expect(page.getByRole("timer")).toContainText("of 30:00");
  // A pause (they took a call) stops the clock until it resumes.
  await page.getByRole("button", { name: "Pause" }).click();
  await expect(page.getByText("Paused.")).toBeVisible();
  const paused = await page.getByRole("timer").textContent();
  await page.clock.fastForward("01:00");
  await expect(page.getByRole("timer")).toHaveText(paused!);
  await page.getByRole("button", { name: "Resume" }).click();
  await page.clock.fastForward("25:30");
  await expect(page.getByRole("timer")).toContainText("25:");
  await expect(page.getByText("Nearly time: ask whom else to talk to")).toBeVisible();
  const ask = page.locator(".ask-list li");
  await expect(ask).toHaveCount(3);
  for (let i = 0; i < 3; i++) {
    await ask.nth(i).getByRole("checkbox").check();
  }
  await ask.nth(0).getByRole("textbox").fill("Started in radio");
  await page.getByLabel("What you discussed", { exact: true }).fill("Ada moved from radio into speech recognition.\nLearn Python and signal processing.");
  for (const [name, org] of [["Grace Hopper", "Navy Labs"], ["Bo Li", "Acme Voice"]]) {
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Organisation (optional)", { exact: true }).fill(org);
    await page.getByRole("button", { name: "Add contact" }).click();
    await expect(page.getByRole("list", { name: "People they suggested" })).toContainText(name);
  }
  await shot(page, "day-of");

  // Reload with no connection: everything is still there.
  await page.reload();
  await waitReady(page);
  await expect(page.getByLabel("What you discussed", { exact: true })).toHaveValue(/Ada moved from radio/);
  await expect(page.locator(".ask-list li").nth(0).getByRole("textbox")).toHaveValue("Started in radio");
  await expect(page.locator(".ask-list li input[type=checkbox]:checked")).toHaveCount(3);
  await expect(page.getByRole("list", { name: "People they suggested" }).getByRole("listitem")).toHaveCount(2);

  // Back online, the meeting ends, on Monday, two days before the Wednesday it was set for:
  // asked whether it happened now, it moves to now, and every date follows.
  await context.setOffline(false);
  await page.getByRole("button", { name: "The meeting is over" }).click();
  await expect(page.getByText(/It isn't Wed,? 2 Dec 2026,? 10:00 yet/)).toBeVisible();
  await page.getByRole("button", { name: "Yes, it just ended" }).click();
  // The timer stops with the meeting.
  await expect(page.getByText("Meeting held.")).toBeVisible();
  await page.clock.fastForward("00:01");
  const stopped = await page.getByRole("timer").textContent();
  await page.clock.fastForward("02:00");
  await expect(page.getByRole("timer")).toHaveText(stopped!);
  await page.getByRole("link", { name: "Write the thank-you" }).click();
  await expect(page.getByText(/^Thank-you due by /)).toBeVisible();
  await expect(page.getByLabel("Your note", { exact: true })).toHaveValue(/Ada/);
  await shot(page, "thank-you");
  await page.getByRole("button", { name: "Mark thank-you sent" }).click();
  await expect(page.getByText(/^Thank-you sent /)).toBeVisible();

  // Reflect.
  await page.getByLabel("What did you like? What positive impressions did you get?", { exact: true }).fill("The mix of linguistics and code.");
  await page.getByLabel("Next steps", { exact: true }).fill("Take a signal processing course.");
  await page.getByLabel("Whom else to talk to?", { exact: true }).fill("Grace and Bo.");
  await page.getByRole("button", { name: "Done reflecting" }).click();
  await expect(page.getByText(/^Reflection written /)).toBeVisible();
  await expect(page.locator(".stages [aria-current=step]")).toHaveText("Reflected");
  // Each answer typed just before the step is kept, not only the last.
  await page.reload();
  await expect(page.getByLabel("What did you like? What positive impressions did you get?", { exact: true })).toHaveValue("The mix of linguistics and code.");
  await expect(page.getByLabel("Next steps", { exact: true })).toHaveValue("Take a signal processing course.");
  await expect(page.getByLabel("Whom else to talk to?", { exact: true })).toHaveValue("Grace and Bo.");
  await shot(page, "reflection");

  // The record, exported.
  await navigate(page, "Record");
  await expect(page.getByRole("list", { name: "Interviews held" })).toContainText("Ada Lovelace");
  await shot(page, "record");
  const markdown = await downloaded(page, "Download Markdown");
  for (const expected of ["Ada Lovelace", "2026-11-30", "Ada moved from radio into speech recognition.", "Grace Hopper", "Bo Li"]) {
    expect(markdown).toContain(expected);
  }
  expect(markdown).not.toContain("2026-12-02");
  await expect(page.getByRole("list", { name: "Interviews held" })).toContainText("30 Nov 2026");
  const csv = await downloaded(page, "Download CSV");
  expect(csv).toContain("Grace Hopper; Bo Li");

  // One voice is not enough: the nudge shows.
  await navigate(page, "Next");
  await expect(page.getByRole("region", { name: "Voices heard" })).toContainText("Speech systems technology: 1 person — talk to at least 3");
  await shot(page, "home");
  await page.getByRole("link", { name: "Speech systems technology" }).click();
  await expect(page.getByRole("note")).toContainText("Talk to at least 3 people");
  await expect(page.locator(".voice")).toContainText("The mix of linguistics and code.");
  await expect(page.locator(".voice")).toContainText("30 Nov 2026");
  await shot(page, "field");
  // Further along: the objective moves, and the list of fields says so after a reload.
  await page.getByLabel("Specific job research advice", { exact: true }).check();
  await page.reload();
  await expect(page.getByLabel("Specific job research advice", { exact: true })).toBeChecked();
  await navigate(page, "Fields");
  await expect(page.getByRole("list", { name: "Fields" })).toContainText("Specific job research advice");

  // The names Ada gave are next: each a request to send, drafted to say Ada suggested them.
  await navigate(page, "Next");
  const requests = page.getByRole("region", { name: "Requests to send" });
  await expect(requests).toContainText("Ask Grace Hopper for a meeting — suggested by Ada Lovelace");
  await expect(requests).toContainText("Ask Bo Li for a meeting — suggested by Ada Lovelace");
  await requests.getByRole("link", { name: /Ask Grace Hopper/ }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Interview with Grace Hopper");
  await expect(page.getByLabel("Message", { exact: true })).toHaveValue(/Ada Lovelace suggested I get in touch with you\./);

  // The referrals are people, referred by Ada.
  await navigate(page, "People");
  await page.getByRole("link", { name: /Grace Hopper/ }).click();
  await expect(page.getByRole("link", { name: "Ada Lovelace" })).toBeVisible();
  expect(problems).toEqual([]);
});

test("every interview screen fits a phone and a laptop", async ({ page }) => {
  test.setTimeout(120_000);
  const problems = watchConsole(page);
  await startOnMonday(page);
  await open(page, "/fields");
  await page.getByLabel("Field", { exact: true }).fill("Urban planning");
  await page.getByRole("button", { name: "Add field" }).click();
  await navigate(page, "People");
  await addPerson(page, { name: "Lena Ortiz", organisation: "City of Springfield", role: "Planner" });
  await page.getByRole("button", { name: "Plan an interview" }).click();
  await page.getByRole("button", { name: "Mark as sent" }).click();
  await page.getByLabel("Date and time", { exact: true }).fill("2026-12-02T10:00");
  await page.getByLabel("Where", { exact: true }).selectOption({ label: "Video call" });
  await page.getByLabel("Video link", { exact: true }).fill("https://meet.example.org/abc-defg-hij");
  await page.getByRole("button", { name: "Save the meeting" }).click();
  await expect(page.locator(".stages [aria-current=step]")).toHaveText("Scheduled");
  // The video link can be followed from the interview.
  await expect(page.getByRole("link", { name: "https://meet.example.org/abc-defg-hij" })).toHaveAttribute(
    "href",
    "https://meet.example.org/abc-defg-hij",
  );
  const interview = page.url();

  // The meeting as a calendar file, read back with a real iCalendar parser: the event with its
  // video link and a reminder to get ready, and the thank-you to-do due a day after.
  const ics = await downloaded(page, "Add to calendar");
  const calendar = new ICAL.Component(ICAL.parse(ics));
  const event = calendar.getFirstSubcomponent("vevent")!;
  const start = await page.evaluate(() => new Date("2026-12-02T10:00").getTime());
  const time = (c: ICAL.Component, name: string) => (c.getFirstPropertyValue(name) as ICAL.Time).toJSDate().getTime();
  expect(time(event, "dtstart")).toBe(start);
  expect(time(event, "dtend")).toBe(start + 30 * 60_000);
  expect(event.getFirstPropertyValue("summary")).toContain("Informational interview with Lena Ortiz");
  expect(event.getFirstPropertyValue("url")).toBe("https://meet.example.org/abc-defg-hij");
  const alarm = event.getFirstSubcomponent("valarm")!;
  expect(alarm.getFirstPropertyValue("action")).toBe("DISPLAY");
  expect(String(alarm.getFirstPropertyValue("trigger"))).toBe("-PT30M");
  const todo = calendar.getFirstSubcomponent("vtodo")!;
  expect(todo.getFirstPropertyValue("summary")).toBe("Thank Lena Ortiz");
  expect(time(todo, "due")).toBe(start + 30 * 60_000 + 24 * 3_600_000);

  // The home screen puts the coming meeting first, leading to the day-of screen.
  await navigate(page, "Next");
  await page.getByRole("link", { name: "Meet Lena Ortiz" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Meeting with Lena Ortiz");

  await page.getByRole("link", { name: "Back to the interview" }).click();
  await page.getByRole("link", { name: "Lena Ortiz" }).first().click();
  const person = new URL(page.url()).pathname;
  await navigate(page, "Fields");
  await page.getByRole("link", { name: "Urban planning" }).click();
  const field = new URL(page.url()).pathname;

  const screens: [string, string][] = [
    ["home", "/"],
    ["people", "/people"],
    ["person", person],
    ["person-edit", `${person}/edit`],
    ["person-new", "/people/new"],
    ["import", "/import"],
    ["fields", "/fields"],
    ["field", field],
    ["interview", interview],
    ["day-of", `${interview}/meet`],
    ["record", "/record"],
    ["settings", "/settings"],
    ["pair", "/pair"],
  ];
  const found: string[] = [];
  for (const [name, path] of screens) {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(path);
    await waitReady(page);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    // On every phone width: nothing sticks out sideways, and everything to tap is at least
    // 44 by 44 pixels (a link within a sentence excepted, as WCAG's target size allows).
    for (const width of [320, 360, 390, 430]) {
      await page.setViewportSize({ width, height: 844 });
      found.push(...(await page.evaluate(layoutProblems)).map((p) => `${name} at ${width}: ${p}`));
    }
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `test-results/screens/${name}-phone.png`, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 0) found.push(`${name} at 1280: ${overflow}px too wide`);
    await page.screenshot({ path: `test-results/screens/${name}-laptop.png`, fullPage: true });
  }
  expect(found).toEqual([]);
  expect(problems).toEqual([]);
});

/** What is wrong with the page's layout at this width: overflow, and targets under 44 px. */
function layoutProblems(): string[] {
  const problems: string[] = [];
  const width = document.documentElement.clientWidth;
  const overflow = document.documentElement.scrollWidth - width;
  const describe = (el: Element) =>
    `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${(el.textContent || el.getAttribute("aria-label") || "").trim().slice(0, 40)}"`;
  if (overflow > 0) {
    problems.push(`${overflow}px too wide`);
    for (const el of Array.from(document.querySelectorAll("body *"))) {
      const box = el.getBoundingClientRect();
      if (box.width > 0 && box.right > width + 0.5) problems.push(`sticks out: ${describe(el)}`);
    }
  }
  const targets = document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary");
  for (const el of Array.from(targets)) {
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || el.closest("[hidden], .visually-hidden")) continue;
    // A checkbox or radio is tapped through its label.
    const target = (el.matches("input[type=checkbox], input[type=radio]") && el.closest("label")) || el;
    const box = target.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    const inSentence = el.matches("a") && el.parentElement?.matches("p, li, dd, span, bdi") &&
      (el.parentElement.textContent || "").trim().length > (el.textContent || "").trim().length;
    if (inSentence) continue;
    if (box.width < 43.5 || box.height < 43.5) {
      problems.push(`small target ${Math.round(box.width)}×${Math.round(box.height)}: ${describe(el)}`);
    }
  }
  return problems;
}

test("a long list of what's next shows its first ten, and all on request", async ({ page }) => {
  test.setTimeout(120_000);
  const problems = watchConsole(page);
  await open(page, "/fields");
  await page.getByLabel("Field", { exact: true }).fill("Robotics");
  await page.getByRole("button", { name: "Add field" }).click();
  await page.goto("/import");
  await waitReady(page);
  await page.getByLabel("Choose a file").setInputFiles({ name: "Connections.csv", mimeType: "text/csv", buffer: linkedInExport(12) });
  await page.getByRole("button", { name: "Import 12 people" }).click();
  await expect(page.locator("p.done")).toHaveText("Imported: added 12 people.");
  // An interview planned with each: twelve requests to send.
  for (const n of ["0000", "0001", "0002", "0003", "0004", "0005", "0006", "0007", "0009", "0010", "0011"]) {
    await page.goto("/people");
    await waitReady(page);
    await page.getByRole("searchbox", { name: "Search people" }).fill(n);
    await page.getByRole("link", { name: new RegExp(n) }).click();
    await page.getByRole("button", { name: "Plan an interview" }).click();
    await expect(page.locator(".stages [aria-current=step]")).toHaveText("Idea");
  }
  await navigate(page, "Next");
  const requests = page.getByRole("region", { name: "Requests to send" });
  await expect(requests.getByRole("listitem")).toHaveCount(10);
  await requests.getByRole("button", { name: "Show all 11 (1 more)" }).click();
  await expect(requests.getByRole("listitem")).toHaveCount(11);
  await expect(requests.getByRole("button")).toHaveCount(0);
  await expect(requests.getByRole("link", { name: "Ask Person 0011 for a meeting" })).toBeVisible();
  await expect(requests.getByRole("link", { name: "Ask <script>alert(1)</script> 0007 for a meeting" })).toBeVisible();
  expect(problems).toEqual([]);
});
