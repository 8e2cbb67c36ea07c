import { expect } from "@playwright/test";
import type { Tab } from "./tab";
import { replaceStorageScript, SNAPSHOT_KEYS_SCRIPT } from "./storage";

/**
 * The core journeys, written once against `Tab` so that every engine runs the same steps.
 */

export type Person = { name: string; organisation?: string; location?: string; notes?: string; referredBy?: string };

/** Adds a person through the form and waits for their page. */
export async function addPerson(tab: Tab, person: Person) {
  await tab.link("Add person");
  await tab.fill("Name", person.name);
  if (person.organisation) await tab.fill("Organisation", person.organisation);
  if (person.location) await tab.fill("Location", person.location);
  if (person.notes) await tab.fill("Notes", person.notes);
  if (person.referredBy) {
    await tab.check("Someone referred me");
    await tab.fill("Who referred you?", person.referredBy);
    // The suggestion reads "Name, organisation".
    await tab.button(new RegExp(`^${person.referredBy}`));
  }
  await tab.button("Save");
  await tab.heading(person.name);
}

/** The names in the people list, in order, once it shows `count` of them. */
export async function listed(tab: Tab, count: number): Promise<string[]> {
  let names: string[] = [];
  await expect
    .poll(async () => {
      names = await tab.run<string[]>(`return [...document.querySelectorAll('ul[aria-label="People"] .name')].map((e) => e.textContent.trim());`);
      return names.length;
    })
    .toBe(count);
  return names;
}

/** Add people, one referred by another; they are all there after a reload, and search finds them. */
export async function peopleJourney(tab: Tab) {
  await tab.open("/people");
  await tab.see("Start with the people you already know");
  await addPerson(tab, { name: "Ada Lovelace", organisation: "Analytical Engines Ltd", notes: "Prefers mornings." });
  await tab.link("People");
  await addPerson(tab, { name: "Grace Hopper", organisation: "Navy", referredBy: "Ada Lovelace" });
  await tab.see("Referred by Ada Lovelace");
  await tab.link("People");
  await addPerson(tab, { name: "Hedy Lamarr", location: "Vienna" });

  await tab.reload();
  await tab.link("People");
  expect(await listed(tab, 3)).toEqual(["Ada Lovelace", "Grace Hopper", "Hedy Lamarr"]);
  await tab.fill("Search people", "navy");
  expect(await listed(tab, 1)).toEqual(["Grace Hopper"]);
  await tab.fill("Search people", "");
  await tab.link(/Ada Lovelace/);
  await tab.heading("Ada Lovelace");
  await tab.see("Prefers mornings.");
}

/** Waits until the service worker controls the page and has the app's files, as the app
 * needs to open with the network gone. Asked in short scripts, one after another: a script
 * left running while the worker takes over can lose its answer in WebKit's driver. */
export async function offlineReady(tab: Tab) {
  const deadline = Date.now() + 60_000;
  let controlled = false;
  while (!controlled && Date.now() < deadline) {
    controlled = await tab.run<boolean>(`
      const registration = await navigator.serviceWorker.getRegistration();
      return !!(registration?.active && navigator.serviceWorker.controller);`);
    if (!controlled) await tab.run(`await new Promise((resolve) => setTimeout(resolve, 100));`);
  }
  expect(controlled, `${tab.engine}: the service worker took control of the page within a minute`).toBe(true);
}

/** With the server gone (`goOffline`), a person added is kept across a reload, and a deep
 * link to a person's page opens. */
export async function offlineJourney(tab: Tab, goOffline: () => Promise<void>) {
  await tab.open("/people");
  await addPerson(tab, { name: "Lena Ortiz", organisation: "City Transit" });
  const lena = await tab.path();
  await offlineReady(tab);
  await goOffline();
  await tab.link("People");
  await addPerson(tab, { name: "Omar Haddad", notes: "Met at the café; call back." });
  await tab.reload();
  await tab.link("People");
  expect(await listed(tab, 2)).toEqual(["Lena Ortiz", "Omar Haddad"]);
  await tab.open(lena);
  await tab.heading("Lena Ortiz");
  await tab.see("City Transit");
}

/** The main screens at a phone's size: each one fits the screen's width, and a picture of each
 * is saved under `dir` for a person to look at. */
export async function screensJourney(tab: Tab, dir: string) {
  await tab.open("/people");
  await addPerson(tab, { name: "Ada Lovelace", organisation: "Analytical Engines Ltd", notes: "Prefers mornings." });
  const person = await tab.path();
  const screens: [string, string][] = [
    ["overview", "/"],
    ["people", "/people"],
    ["person", person],
    ["fields", "/fields"],
    ["settings", "/settings"],
  ];
  for (const [name, path] of screens) {
    await tab.open(path);
    const overflow = await tab.run<number>("return document.documentElement.scrollWidth - window.innerWidth;");
    expect(overflow, `${tab.engine}: the ${name} screen is wider than the phone`).toBeLessThanOrEqual(0);
    await tab.screenshot(`${dir}/${tab.engine}-${name}.png`);
  }
}

/** Opens a person's edit form and types new notes, not saved yet. */
export async function typeNotes(tab: Tab, name: string, notes: string) {
  await tab.open("/people");
  await tab.link(new RegExp(name));
  await tab.link("Edit");
  await tab.fill("Notes", notes);
}

/** Saves the person's edit form. */
export async function save(tab: Tab, name: string) {
  await tab.button("Save");
  await tab.heading(name);
}

/** A person's notes, as their page shows them. */
export async function notesOf(tab: Tab, name: string): Promise<string> {
  await tab.open("/people");
  await tab.link(new RegExp(name));
  await tab.heading(name);
  return tab.run<string>(`return document.querySelector(".notes")?.textContent ?? "";`);
}

/** A laptop turns sync on and pairs a phone by its link; both edit the same notes at once, and
 * both end with both edits. */
export async function syncJourney(laptop: Tab, phone: Tab) {
  await laptop.open("/people");
  await addPerson(laptop, { name: "Ana Lima", notes: "Met at the fair." });
  await laptop.open("/settings");
  await laptop.button("Turn on sync");
  await laptop.see("Sync: up to date");
  await laptop.button("Pair another device");
  const link = await laptop.run<string>(`return document.querySelector(".pair-link code")?.textContent ?? "";`);
  expect(link).toMatch(/\/pair#k=[A-Za-z0-9_-]{43}$/);

  await phone.open("/people");
  await addPerson(phone, { name: "Ben Ode" });
  await phone.open(link);
  await phone.button("Join");
  await phone.see("Sync: up to date");
  for (const tab of [phone, laptop]) {
    await tab.open("/people");
    expect(await listed(tab, 2), `${tab.engine} lists both people`).toEqual(["Ana Lima", "Ben Ode"]);
  }

  // Both change the same notes from what they both had, then save.
  await typeNotes(phone, "Ana Lima", "Met at the fair. Phone: ask about night shifts.");
  await typeNotes(laptop, "Ana Lima", "Met at the fair. Laptop: bring the portfolio.");
  await save(phone, "Ana Lima");
  await save(laptop, "Ana Lima");
  for (const tab of [phone, laptop]) {
    await expect
      .poll(() => notesOf(tab, "Ana Lima"), { timeout: 30_000, message: `${tab.engine} has both edits` })
      .toMatch(/^Met at the fair\. (?=.*night shifts)(?=.*portfolio).*$/s);
  }
}

/** `date` as a datetime-local field's value, in the machine's (and the browser's) zone. */
function local(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}T${two(date.getHours())}:${two(date.getMinutes())}`;
}

/** An interview from the request to the record: a field and a person, the request marked sent,
 * the meeting set, held, thanked for and reflected on, and then on the record. */
export async function interviewJourney(tab: Tab) {
  await tab.open("/fields");
  await tab.fill("Field", "Speech systems technology");
  await tab.check("General career research");
  await tab.button("Add field");
  await tab.see("Speech systems technology");
  await tab.open("/people");
  await addPerson(tab, { name: "Ada Lovelace", organisation: "Acme Voice" });
  await tab.button("Plan an interview");
  await tab.heading("Interview with Ada Lovelace");
  await tab.button("Mark as sent");
  await tab.see("Waiting for a reply");
  // They said yes: a coffee shop, in an hour.
  await tab.setValue("Date and time", local(new Date(Date.now() + 3_600_000)));
  await tab.select("Where", "Coffee shop or other public place");
  await tab.fill("Place and address", "Bean There, 12 High St");
  await tab.button("Save the meeting");
  await tab.see("Bean There, 12 High St");
  // On the day-of screen, the meeting ends early.
  await tab.link("Open the day-of screen");
  await tab.button("The meeting is over");
  await tab.button("Yes, it just ended");
  await tab.see("Meeting held.");
  await tab.link("Write the thank-you");
  await tab.button("Mark thank-you sent");
  await tab.see("Thank-you sent");
  await tab.fill("What did you like? What positive impressions did you get?", "The mix of linguistics and code.");
  await tab.fill("Next steps", "Take a signal processing course.");
  await tab.button("Done reflecting");
  await tab.see("Reflection written");
  await tab.open("/record");
  await expect
    .poll(() => tab.run<string>(`return document.querySelector('[aria-label="Interviews held"]')?.textContent ?? "";`))
    .toContain("Ada Lovelace");
}

/** A LinkedIn export (`file`, 50 connections) previewed and imported; the people are found. */
export async function importJourney(tab: Tab, file: string) {
  await tab.open("/people");
  await tab.link("Import from LinkedIn, Google or your phone");
  await tab.upload("Choose a file", file);
  await tab.see("50 new people.");
  await tab.button("Import 50 people");
  await tab.see("Imported: added 50 people.");
  await tab.link("See your people");
  await tab.see("50 people");
  await tab.fill("Search people", "person 0021");
  expect(await listed(tab, 1)).toEqual(["Person 0021"]);
}

/** Two people, one referred by the other, downloaded as a copy of the whole network in `tab`
 * (saved as `file`), then imported into `empty`, a browser that has never opened Colloquy: a
 * file that isn't a network changes nothing and says so; the copy brings both people and the
 * referral, kept across a reload. */
export async function exportJourney(tab: Tab, empty: Tab, file: string, notANetwork: string) {
  await tab.open("/people");
  await addPerson(tab, { name: "Exported Ezra", organisation: "Copy Co" });
  await tab.link("People");
  await addPerson(tab, { name: "Exported Fay", referredBy: "Exported Ezra" });
  await tab.open("/settings");
  const name = await tab.download("Download a copy of your network", file);
  expect(name, `${tab.engine}: the copy's file name`).toMatch(/^colloquy-.*\.automerge$/);

  await empty.open("/settings");
  await empty.upload("Import a copy", notANetwork);
  await empty.see("isn't a Colloquy network, or it is damaged; nothing was changed");
  await empty.upload("Import a copy", file);
  await empty.see("Imported. Your network now has 2 people; nothing was removed.");
  await empty.reload();
  await empty.open("/people");
  expect(await listed(empty, 2)).toEqual(["Exported Ezra", "Exported Fay"]);
  await empty.link(/Exported Fay/);
  await empty.heading("Exported Fay");
  await empty.see("Referred by Exported Ezra");
}

/** The optional features the page in `tab` lacks: they are used where they exist and left out
 * where they don't. (A share target can't be seen from a page: engines without one ignore the
 * manifest's entry.) */
export async function lacking(tab: Tab): Promise<string[]> {
  return tab.run<string[]>(`
    const lacks = [];
    if (typeof globalThis.scheduler?.yield !== "function") lacks.push("scheduler.yield");
    if (!navigator.locks) lacks.push("Web Locks");
    if (!("periodicSync" in ServiceWorkerRegistration.prototype)) lacks.push("periodic background sync");
    if (!("setAppBadge" in navigator)) lacks.push("app badge");
    return lacks;`);
}

/** What uses the optional features, done where the engine may lack them: opening and editing
 * (which give way with \`scheduler.yield\`), a meeting set (which asks for periodic reminder
 * checks and sets the badge), and meeting notes kept across a reload (typing is recovered
 * under Web Locks where there are some).
 * Nothing may throw, and everything must still work. */
export async function lackingJourney(tab: Tab) {
  await tab.open("/fields");
  await tab.run(`
    window.__thrown = [];
    addEventListener("error", (e) => __thrown.push(String(e.message)));
    addEventListener("unhandledrejection", (e) => __thrown.push(String(e.reason)));`);
  // From here the page is left only by its own links, so what it throws is caught.
  await tab.fill("Field", "Nursing");
  await tab.button("Add field");
  await tab.see("Nursing");
  await tab.link("People");
  await addPerson(tab, { name: "Ana Lima", organisation: "St Mary's", notes: "Night shifts." });
  await tab.button("Plan an interview");
  await tab.heading("Interview with Ana Lima");
  await tab.button("Mark as sent");
  await tab.setValue("Date and time", local(new Date(Date.now() + 3_600_000)));
  await tab.select("Where", "Video call");
  await tab.button("Save the meeting");
  await tab.link("Open the day-of screen");
  await tab.fill("What you discussed", "Night shifts rotate monthly.");
  const thrown = await tab.run<string[]>("return window.__thrown;");
  expect(thrown, `${tab.engine}: what the page threw`).toEqual([]);
  // Typing is kept when the page is left at once, and the screen opens with it again.
  await tab.reload();
  await expect
    .poll(() =>
      tab.run<string>(`return [...document.querySelectorAll("label")].find((l) => l.textContent.trim() === "What you discussed")?.control?.value ?? "";`),
    )
    .toBe("Night shifts rotate monthly.");
}

/** A profile shared from another app (as the share sheet opens the manifest's share target)
 * becomes a new person's form, filled in, and then that person. */
export async function shareJourney(tab: Tab) {
  const shared = new URLSearchParams({
    name: "Ana Lima - Night nurse - St Mary's | LinkedIn",
    text: "",
    url: "https://www.linkedin.com/in/ana-lima",
  });
  await tab.open(`/people/new?${shared}`);
  await tab.heading("Add a person");
  const filled = await tab.run<string[]>(`return ["name", "linkedin", "notes"].map((id) => document.getElementById(id)?.value ?? null);`);
  expect(filled, `${tab.engine}: the form, filled in from what was shared`).toEqual([
    "Ana Lima",
    "https://www.linkedin.com/in/ana-lima",
    "Night nurse - St Mary's",
  ]);
  await tab.button("Save");
  await tab.heading("Ana Lima");
  await tab.see("Night nurse - St Mary's");
  await tab.see("https://www.linkedin.com/in/ana-lima");
}

/** A network an earlier version stored (`entries`, its snapshot in localStorage) opens; its
 * snapshot moves to the database, and the network opens from there after a reload. */
export async function movedSnapshotJourney(tab: Tab, entries: string, people: number) {
  await tab.open("/people");
  await tab.run(replaceStorageScript(entries));
  await tab.open("/people");
  const count = `${people.toLocaleString("en")} people`;
  await tab.see(count);
  type Where = { local: string[]; database: string[] };
  const before: string[] = Object.keys(JSON.parse(entries)).filter((key) => key.includes("/snap/"));
  let where: Where = { local: before, database: [] };
  // (Asked in short scripts: see `offlineReady`.)
  for (let asked = 0; asked < 300 && where.local.length > 0; asked++) {
    if (asked > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    where = await tab.run<Where>(SNAPSHOT_KEYS_SCRIPT);
  }
  expect(where).toEqual({ local: [], database: before });
  await tab.reload();
  await tab.see(count);
  expect(await tab.run<string>(`return document.querySelector(".problems")?.innerText ?? "";`)).toBe("");
}
