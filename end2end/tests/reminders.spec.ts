import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { navigate, offlineReady, open, planMeeting, waitReady, watchConsole } from "./helpers";

// Reminders come from the service worker, whose clock is the real one (a page's clock can be
// set, a worker's can't): meetings here are set relative to the real time.

/**
 * A datetime-local value `minutes` and half a minute to a minute and a half from now, in the
 * browser's zone (a whole minute, as the input takes them).
 */
async function fromNow(page: Page, minutes: number): Promise<string> {
  return page.evaluate((minutes) => {
    const d = new Date(Math.ceil((Date.now() + 30_000) / 60_000) * 60_000 + minutes * 60_000);
    const p = (n: number) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  }, minutes);
}

/** The titles of the notifications the service worker is showing, read from `page`. */
async function shownTitles(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    return (await registration!.getNotifications()).map((n) => n.title);
  });
}

function worker(context: BrowserContext) {
  const workers = context.serviceWorkers();
  expect(workers.length).toBeGreaterThan(0);
  return workers[workers.length - 1];
}

test("reminders are offered once a meeting is set; the worker shows one when due, and a tap opens the interview", async ({ page, context }) => {
  const problems = watchConsole(page);
  await open(page, "/fields");
  await offlineReady(page);
  const interview = await planMeeting(page, "Lena Ortiz", await fromNow(page, 30));

  // Offered with why, at the moment it makes sense; the browser asks, the user allows.
  const offer = page.getByRole("complementary", { name: "Get reminders on this device?" });
  await expect(offer).toContainText("An hour before the meeting");
  // The badge, which a headless browser doesn't draw, is watched in the worker.
  await worker(context).evaluate(() => {
    const scope = self as unknown as { badges: number[] };
    scope.badges = [];
    Object.assign(navigator, {
      setAppBadge: async (n: number) => void scope.badges.push(n),
      clearAppBadge: async () => void scope.badges.push(0),
    });
  });
  await context.grantPermissions(["notifications"]);
  await offer.getByRole("button", { name: "Turn on reminders" }).click();
  await expect(page.getByText("Reminders are on for this device.")).toBeVisible();

  // The meeting is within the hour: its reminder is due, and shown once.
  await expect.poll(() => shownTitles(page)).toEqual([expect.stringMatching(/^Meeting with Lena Ortiz at /)]);
  await expect.poll(() => worker(context).evaluate(() => (self as unknown as { badges: number[] }).badges.at(-1))).toBe(1);
  await page.reload();
  await waitReady(page);
  await expect.poll(() => shownTitles(page)).toHaveLength(1);

  // Tapped from anywhere in the app, it opens the day-of screen of that interview.
  await navigate(page, "Next");
  await worker(context).evaluate(async () => {
    const scope = self as unknown as ServiceWorkerGlobalScope;
    const [notification] = await scope.registration.getNotifications();
    scope.dispatchEvent(new NotificationEvent("notificationclick", { notification }));
  });
  await expect(page).toHaveURL(new RegExp(`${interview}/meet$`));
  await waitReady(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Meeting with Lena Ortiz");
  expect(await shownTitles(page)).toEqual([]);

  // Each kind can be turned off on this device.
  await navigate(page, "Settings");
  const kinds = page.getByRole("group", { name: "Remind me of" });
  await expect(kinds.getByRole("checkbox")).toHaveCount(4);
  await kinds.getByLabel("An hour before each meeting").uncheck();
  await page.reload();
  await waitReady(page);
  await expect(kinds.getByLabel("An hour before each meeting")).not.toBeChecked();
  await expect(kinds.getByLabel("Thank-yous due and overdue")).toBeChecked();
  expect(problems).toEqual([]);
});

test("with every page of the app closed, a periodic sync wakes the worker to remind", async ({ page, context, baseURL }) => {
  test.setTimeout(180_000);
  await context.grantPermissions(["notifications"]);
  await open(page, "/fields");
  await offlineReady(page);
  // A meeting an hour and a minute or so away: its reminder comes due in half a minute to a
  // minute and a half, once the app is closed.
  await planMeeting(page, "Lena Ortiz", await fromNow(page, 60));
  await expect(page.getByText("Reminders are on for this device.")).toBeVisible();
  // The worker holds the schedule (handed over once the edits pause), and nothing is due yet.
  await expect
    .poll(() =>
      page.evaluate(async () => {
        const hit = await (await caches.open("reminders")).match("/schedule");
        return hit ? ((await hit.json()) as unknown[]).length : 0;
      }),
    )
    .toBe(1);
  expect(await shownTitles(page)).toEqual([]);

  // A blank tab carries the DevTools session that plays the browser's periodic sync.
  const blank = await context.newPage();
  const cdp = await context.newCDPSession(blank);
  const registration = new Promise<string>((resolve) => {
    cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
      const ours = registrations.find((r) => r.scopeURL.startsWith(baseURL!) && !r.isDeleted);
      if (ours) resolve(ours.registrationId);
    });
  });
  await cdp.send("ServiceWorker.enable");
  const registrationId = await registration;
  await page.close();

  // The app is closed. The site's manifest, a page that runs no app, reads what is shown.
  const reader = await context.newPage();
  await reader.goto("/manifest.webmanifest");
  await expect
    .poll(
      async () => {
        await cdp.send("ServiceWorker.dispatchPeriodicSyncEvent", { origin: new URL(baseURL!).origin, registrationId, tag: "reminders" });
        return shownTitles(reader);
      },
      { timeout: 130_000, intervals: [2_000] },
    )
    .toEqual([expect.stringMatching(/^Meeting with Lena Ortiz at /)]);
});
