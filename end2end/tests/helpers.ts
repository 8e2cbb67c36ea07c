import { expect, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { offlineReady as offlineReadyIn } from "../journeys/steps";
import { replaceStorageScript } from "../journeys/storage";
import { playwrightTab } from "../journeys/tab";

/** Console errors, warnings and uncaught exceptions seen on a page. */
/**
 * Starts the page's clock on a fixed Monday morning, before the meetings the tests plan for
 * Wednesday 2 December 2026, so that "coming" and "past" never depend on when the tests run.
 * Time then runs on as usual, and can be fast-forwarded.
 */
export async function startOnMonday(page: Page) {
  await page.clock.install({ time: new Date("2026-11-30T09:00:00Z") });
}

export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") {
      // Chromium's timing hint about a preloaded file (the wasm) not used within a few
      // seconds of the load event: seen only on a loaded machine with the debug build, and not
      // about what the page does.
      if (/was preloaded using link preload but not used within a few seconds/.test(message.text())) return;
      problems.push(`${message.type()}: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  page.on("dialog", (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return problems;
}

/** Goes to `path` and waits until the app has hydrated and opened the stored network. */
export async function open(page: Page, path = "/people") {
  await page.goto(path);
  await waitReady(page);
}

export async function waitReady(page: Page) {
  // Generous: a cold wasm compile on a busy machine takes a while.
  await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 30_000 });
}

export type PersonFields = {
  name: string;
  organisation?: string;
  role?: string;
  location?: string;
  email?: string;
  phone?: string;
  linkedin?: string;
  fields?: string;
  howWeKnow?: string;
  tags?: string;
  notes?: string;
  referredBy?: string;
};

/** Adds a person through the form, as a user would, and waits for their page. */
export async function addPerson(page: Page, person: PersonFields) {
  await page.getByRole("link", { name: "Add person" }).click();
  await fillPerson(page, person);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(person.name);
}

export async function fillPerson(page: Page, person: Partial<PersonFields>) {
  const text: [string, string | undefined][] = [
    ["Name", person.name],
    ["Organisation", person.organisation],
    ["Role", person.role],
    ["Location", person.location],
    ["Email", person.email],
    ["Phone", person.phone],
    ["LinkedIn URL", person.linkedin],
    ["Fields of interest", person.fields],
    ["How you know each other", person.howWeKnow],
    ["Tags", person.tags],
    ["Notes", person.notes],
  ];
  for (const [label, value] of text) {
    if (value !== undefined) {
      await page.getByLabel(label, { exact: true }).fill(value);
    }
  }
  if (person.referredBy !== undefined) {
    await page.getByLabel("Someone referred me").check();
    await page.getByLabel("Who referred you?").fill(person.referredBy);
    await page
      .getByRole("list", { name: "Matching people" })
      .getByRole("button", { name: person.referredBy })
      .click();
  }
}

/** The names in the people list, in order. */
export async function listedNames(page: Page): Promise<string[]> {
  return page.getByRole("list", { name: "People" }).locator(".name").allTextContents();
}

/**
 * From the fields page: adds a field and a person, plans an interview with them set for `when`
 * (a datetime-local value), and returns the interview's address.
 */
export async function planMeeting(page: Page, name: string, when: string): Promise<string> {
  await page.getByLabel("Field", { exact: true }).fill("Urban planning");
  await page.getByRole("button", { name: "Add field" }).click();
  await navigate(page, "People");
  await addPerson(page, { name });
  await page.getByRole("button", { name: "Plan an interview" }).click();
  const interview = new URL(page.url()).pathname;
  await page.getByText("Already agreed in person? Set the time and place").click();
  await page.getByLabel("Date and time", { exact: true }).fill(when);
  await page.getByRole("button", { name: "Save the meeting" }).click();
  await expect(page.locator(".stages [aria-current=step]")).toHaveText("Scheduled");
  return interview;
}

/** Follows a link in the main navigation. */
export async function navigate(page: Page, name: string) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();
}

/** Clicks a button that downloads a file and returns the file's text. */
export async function downloaded(page: Page, button: string): Promise<string> {
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: button }).click(),
  ]);
  return readFile(await download.path(), "utf8");
}

/** Waits until this version's service worker controls the page and has its files cached. */
export async function offlineReady(page: Page) {
  await offlineReadyIn(playwrightTab(page));
}

/** The size of the sample network the large-network journeys store (made before the tests
 * start, by `global-setup.ts`). */
export const SAMPLE_PEOPLE = 3_000;
/** A network small enough for every engine to load in its debug build (see docs/engines.md). */
export const SMALL_PEOPLE = 300;
/** The network of the targets, opened while an edit is made. */
export const LARGE_PEOPLE = 10_000;

/** The stored form of a sample network of `people`, written by the app's `sample_network`
 * example. Making it takes minutes in a debug build (its compiling included), so the suite
 * makes it before any test's clock starts; a spec run alone makes it on first use. */
export async function sampleNetwork(people: number): Promise<Record<string, string>> {
  const file = `../target/e2e/network-${people}.json`;
  if (!existsSync(file)) {
    // (Its output, the compiler's included, is shown only if it fails.)
    execFileSync("cargo", ["run", "-q", "-p", "app", "--example", "sample_network", "--", `${people}`, file], {
      stdio: ["ignore", "ignore", "pipe"],
    });
  }
  return JSON.parse(readFileSync(file, "utf8"));
}

/** Replaces this origin's storage with the sample network of `people` (see `sampleNetwork`). */
export async function storeSampleNetwork(page: Page, people: number) {
  const entries = await sampleNetwork(people);
  await page.goto("/people");
  await replaceStorage(page, entries);
}

/** Replaces what the app stores (localStorage, and the database where it keeps snapshots)
 * with `entries`, written into localStorage as a version before snapshots moved would have:
 * the app moves the snapshots over when it next opens. */
export async function replaceStorage(page: Page, entries: Record<string, string>) {
  await page.evaluate(`(async () => { ${replaceStorageScript(JSON.stringify(entries))} })()`);
}
