import { expect, test, type Page } from "@playwright/test";
import ICAL from "ical.js";
import { downloaded, navigate, open, planMeeting, waitReady, watchConsole } from "./helpers";

/**
 * Plans a meeting on `date` at `time` with a new person, the page's clock set to a winter Monday,
 * and returns the interview's address.
 */
async function planInWinter(page: Page, date: string, time: string): Promise<string> {
  await page.clock.install({ time: new Date("2027-01-11T17:00:00Z") });
  await open(page, "/fields");
  return planMeeting(page, "Lena Ortiz", `${date}T${time}`);
}

/** The start of the meeting in the calendar file, as a UTC instant. */
async function calendarStart(page: Page): Promise<number> {
  const calendar = new ICAL.Component(ICAL.parse(await downloaded(page, "Add to calendar")));
  return (calendar.getFirstSubcomponent("vevent")!.getFirstPropertyValue("dtstart") as ICAL.Time).toJSDate().getTime();
}

test.describe("in Los Angeles, in American English", () => {
  test.use({ timezoneId: "America/Los_Angeles", locale: "en-US" });

  test("a summer meeting planned in winter keeps its hour, shown on a 12-hour clock", async ({ page }) => {
    const problems = watchConsole(page);
    const interview = await planInWinter(page, "2027-07-15", "14:00");
    // 2 PM daylight time is 21:00 UTC (in January the offset is an hour more).
    const shown = /Thu, Jul 15, 2027, 2:00\sPM/;
    await expect(page.getByText(shown)).toBeVisible();
    expect(await calendarStart(page)).toBe(Date.UTC(2027, 6, 15, 21, 0));

    // Summer comes: the meeting is still at 2 PM, on every screen.
    await page.clock.setSystemTime(new Date("2027-07-14T16:00:00Z"));
    await page.goto(interview);
    await waitReady(page);
    await expect(page.getByText(shown)).toBeVisible();
    await page.getByText("Change the time or place").click();
    await expect(page.getByLabel("Date and time", { exact: true })).toHaveValue("2027-07-15T14:00");
    expect(await calendarStart(page)).toBe(Date.UTC(2027, 6, 15, 21, 0));
    await navigate(page, "Next");
    await expect(page.getByRole("region", { name: "Meetings" })).toContainText(/Jul 15, 2027, 2:00\sPM \(in 28 hours\)/);
    expect(problems).toEqual([]);
  });

  test("a time the clocks skip moves to the hour after, and says so on screen", async ({ page }) => {
    // 2:30 AM on 14 March 2027 doesn't exist in Los Angeles: the clocks go from 2:00 to 3:00.
    await planInWinter(page, "2027-03-14", "02:30");
    await expect(page.getByText(/Sun, Mar 14, 2027, 3:30\sAM/)).toBeVisible();
    expect(await calendarStart(page)).toBe(Date.UTC(2027, 2, 14, 10, 30));
  });
});

test.describe("in London, in British English", () => {
  test.use({ timezoneId: "Europe/London", locale: "en-GB" });

  test("a summer meeting planned in winter keeps its hour, shown on a 24-hour clock", async ({ page }) => {
    const problems = watchConsole(page);
    await planInWinter(page, "2027-07-15", "14:00");
    await expect(page.getByText(/Thu,? 15 Jul 2027,? 14:00/)).toBeVisible();
    expect(await calendarStart(page)).toBe(Date.UTC(2027, 6, 15, 13, 0));
    expect(problems).toEqual([]);
  });
});
