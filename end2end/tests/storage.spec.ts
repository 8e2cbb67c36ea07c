import { expect, test } from "@playwright/test";
import { SNAPSHOT_KEYS_SCRIPT } from "../journeys/storage";
import {
  addPerson,
  listedNames,
  navigate,
  open,
  SAMPLE_PEOPLE,
  sampleNetwork,
  storeSampleNetwork,
  waitReady,
  watchConsole,
} from "./helpers";

/** Every localStorage entry the app wrote. */
async function stored(page: import("@playwright/test").Page): Promise<Record<string, string>> {
  return page.evaluate(() => {
    const entries: Record<string, string> = {};
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i)!;
      if (key.startsWith("colloquy/")) entries[key] = localStorage.getItem(key)!;
    }
    return entries;
  });
}

test("a corrupted stored network is reported and kept aside, not overwritten", async ({ page }) => {
  await open(page);
  await addPerson(page, { name: "Kept Safe" });
  await page.getByRole("link", { name: "People" }).click();
  await addPerson(page, { name: "Lost Cause" });

  // Damage the chunk that holds the second person.
  const keys = Object.keys(await stored(page)).filter((k) => k.includes("/chunk/")).sort();
  expect(keys.length).toBe(2);
  const damaged = keys[1];
  const garbage = btoa("\x85\x6f\x4a\x83 this is not what was saved");
  await page.evaluate(([key, value]) => localStorage.setItem(key, value), [damaged, garbage]);

  await page.goto("/people");
  await waitReady(page);
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("could not be read");
  await expect(alert).toContainText("kept aside");
  expect(await listedNames(page)).toEqual(["Kept Safe"]);

  // Editing on does not touch the damaged entry.
  await addPerson(page, { name: "Added After" });
  await page.reload();
  await waitReady(page);
  expect((await stored(page))[damaged]).toBe(garbage);
  await page.getByRole("link", { name: "People" }).click();
  expect(await listedNames(page)).toEqual(["Added After", "Kept Safe"]);

  // The user can take the unreadable data away, then delete it.
  await page.goto("/people");
  await waitReady(page);
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download the unreadable data" }).first().click();
  const file = await download;
  expect(file.suggestedFilename()).toBe("colloquy-unreadable.json");
  await page.getByRole("button", { name: "Delete the unreadable data" }).first().click();
  await expect(page.getByText("could not be read")).toHaveCount(0);
  expect((await stored(page))[damaged]).toBeUndefined();
});

test("when storage is full, edits stay in memory, the user is told, and they are saved later", async ({ page }) => {
  await open(page);
  await addPerson(page, { name: "Before Full" });

  // Fill the origin's storage to the brim with someone else's data.
  await page.evaluate(() => {
    const block = "x".repeat(256 * 1024);
    let i = 0;
    for (; ; i++) {
      try {
        localStorage.setItem(`filler/${i}`, block);
      } catch {
        break;
      }
    }
    for (let size = 128 * 1024; size >= 1; size = Math.floor(size / 2)) {
      try {
        localStorage.setItem(`filler/${i++}`, "x".repeat(size));
      } catch {
        /* this size no longer fits: try a smaller one */
      }
    }
  });

  await page.getByRole("link", { name: "People" }).click();
  await addPerson(page, { name: "While Full" });
  await expect(page.getByRole("alert")).toContainText("storage is full");
  await expect(page.getByText("Not saved: storage full")).toBeVisible();
  await page.getByRole("link", { name: "People" }).click();
  expect(await listedNames(page)).toEqual(["Before Full", "While Full"]);

  // Space comes back; the next edit saves everything.
  await page.evaluate(() => {
    for (const key of Object.keys(localStorage)) if (key.startsWith("filler/")) localStorage.removeItem(key);
  });
  await addPerson(page, { name: "After Free" });
  await expect(page.getByText("Saved on this device", { exact: true })).toBeVisible();
  await expect(page.getByText("storage is full")).toHaveCount(0);
  await page.reload();
  await waitReady(page);
  await page.getByRole("link", { name: "People" }).click();
  expect(await listedNames(page)).toEqual(["After Free", "Before Full", "While Full"]);
});

/** Text that doesn't compress away, so each save stores a sizeable chunk: characters from a
 * small generator over a large alphabet. */
function incompressible(seed: number): (n: number) => string {
  return (n) =>
    Array.from({ length: n }, () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return String.fromCharCode(0x4e00 + (seed % 20000));
    }).join("");
}

/** Saves ever longer notes for the person whose page is open, one chunk per save. */
function noteWriter(page: import("@playwright/test").Page, name: string, seed: number) {
  const letters = incompressible(seed);
  let text = "";
  return {
    text: () => text,
    async save() {
      await page.getByRole("link", { name: "Edit" }).click();
      text += letters(3000) + "\n";
      await page.getByLabel("Notes", { exact: true }).fill(text);
      await page.getByRole("button", { name: "Save" }).click();
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
    },
  };
}

/** Where the app checked its compaction snapshots ("worker" or "page"), from its marks. */
async function snapshotsCheckedBy(page: import("@playwright/test").Page): Promise<string[]> {
  return page.evaluate(() =>
    performance
      .getEntriesByType("mark")
      .map((m) => m.name)
      .filter((name) => name.startsWith("colloquy:snapshot-checked-by-"))
      .map((name) => name.replace("colloquy:snapshot-checked-by-", "")),
  );
}

/** Where the app keeps its snapshots: the keys in localStorage and in its database. */
async function snapshotKeys(page: import("@playwright/test").Page): Promise<{ local: string[]; database: string[] }> {
  return page.evaluate(`(async () => { ${SNAPSHOT_KEYS_SCRIPT} })()`);
}

/** The snapshot `head` names, which must be in the database. */
async function headSnapshot(page: import("@playwright/test").Page): Promise<string> {
  const head = await page.evaluate(() => localStorage.getItem("colloquy/head"));
  const [generation, tab] = (head ?? "").split(" ");
  return `colloquy/g${generation}/snap/${tab}`;
}

test("many edits are compacted into a snapshot without losing any", async ({ page }) => {
  await open(page);
  await addPerson(page, { name: "Compact Me" });
  await page.getByRole("link", { name: "Edit" }).click();
  const notes = page.getByLabel("Notes", { exact: true });
  // Each save is one chunk; past 64 KiB of chunks the app compacts them into a snapshot.
  const letters = incompressible(7);
  let text = "";
  for (let i = 0; i < 25; i++) {
    text += letters(3000) + "\n";
    await notes.fill(text);
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Compact Me");
    await page.getByRole("link", { name: "Edit" }).click();
  }
  await expect
    .poll(async () => page.evaluate(() => localStorage.getItem("colloquy/head")), { timeout: 15_000 })
    .not.toBeNull();
  // Checked off the page's thread, in the worker that holds the network.
  expect(await snapshotsCheckedBy(page)).toEqual(["worker"]);
  // Kept in the database, not in localStorage, which a new page loads whole before it can
  // read anything.
  const where = await snapshotKeys(page);
  expect(where.local).toEqual([]);
  expect(where.database).toContain(await headSnapshot(page));
  await page.reload();
  await waitReady(page);
  await expect(page.getByLabel("Notes", { exact: true })).toHaveValue(text);
});

test("compaction waits until the edits pause, never in the middle of them", async ({ page }) => {
  await open(page);
  await addPerson(page, { name: "Busy Writer" });
  const notes = page.getByLabel("Notes", { exact: true });
  const letters = incompressible(11);
  const head = () => page.evaluate(() => localStorage.getItem("colloquy/head"));
  const before = await head();
  // Saves one after another for several seconds, each well within the pause the app waits for:
  // the chunks pass the compaction threshold early in the burst, yet the stored generation
  // must not change until the saving stops.
  let text = "";
  const started = Date.now();
  let saves = 0;
  while (Date.now() - started < 6_000 || saves < 8) {
    await page.getByRole("link", { name: "Edit" }).click();
    // (Begun afresh before notes reach their 100,000-character limit, however many saves a
    // slow machine makes in the time.)
    text = (text.length > 80_000 ? "" : text) + letters(6000) + "\n";
    await notes.fill(text);
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Busy Writer");
    saves += 1;
    expect(await head(), `compacted during the edits, after save ${saves}`).toBe(before);
  }
  // Once they pause, the chunks are compacted, and nothing is lost.
  await expect.poll(head, { timeout: 15_000 }).not.toBe(before);
  await page.reload();
  await waitReady(page);
  await page.getByRole("link", { name: "Edit" }).click();
  await expect(notes).toHaveValue(text);
});

test.describe("with no service worker, so the test decides what the worker's script request gets", () => {
  test.use({ serviceWorkers: "block" });

  test("where no worker can start, the page checks the new snapshot itself", async ({ page }) => {
    await page.route("**/doc_worker.js", (route) => route.abort());
    await open(page);
    await addPerson(page, { name: "No Worker" });
    const writer = noteWriter(page, "No Worker", 17);
    for (let i = 0; i < 25; i++) await writer.save();
    const head = () => page.evaluate(() => localStorage.getItem("colloquy/head"));
    await expect.poll(head, { timeout: 20_000 }).not.toBeNull();
    expect(await snapshotsCheckedBy(page)).toEqual(["page"]);
    const where = await snapshotKeys(page);
    expect(where.local).toEqual([]);
    expect(where.database).toContain(await headSnapshot(page));
    await page.reload();
    await waitReady(page);
    await page.getByRole("link", { name: "Edit" }).click();
    await expect(page.getByLabel("Notes", { exact: true })).toHaveValue(writer.text());
  });

  test("a new page draws a large cached list from the start of it, and the rest after", async ({ page, context }) => {
    await storeSampleNetwork(page, SAMPLE_PEOPLE);
    await page.goto("/people");
    await waitReady(page);
    // The overview the worker cached: longer than the start a new page copies (64 KB).
    const cached = () => page.evaluate(() => localStorage.getItem("colloquy/list")?.length ?? 0);
    await expect.poll(cached, { timeout: 60_000 }).toBeGreaterThan(64 * 1024);
    const more = (p: typeof page) => p.getByRole("button", { name: "Show more" });
    // Past the first part (100 people): 150 rows, as the open network lists them.
    await more(page).click();
    await more(page).click();
    const names = await listedNames(page);
    expect(names).toHaveLength(150);

    // A page whose worker never starts: all it draws comes from the cache.
    const other = await context.newPage();
    await other.route("**/doc_worker.js", () => {});
    await other.goto("/people");
    await expect(other.getByText(`${SAMPLE_PEOPLE.toLocaleString("en")} people`)).toBeVisible();
    await more(other).click();
    await more(other).click();
    await expect.poll(() => listedNames(other)).toEqual(names);
    await expect(other.locator('main[data-network="loading"]')).toBeVisible();
  });
});

/** The cached overview (`colloquy/list`: base64 of deflated text, `doc::list_cache`), read or
 * replaced in the page. Its fields are each a length in UTF-8 bytes, `:`, and the text. */
type Overview = { heads: string[]; rows: string[][]; interviews: string[][]; fields: string[][]; followUp: string };

// The stored overview (`doc::list_cache`): "overview3", then parts, each a field (its length,
// ":", its text) holding base64 of its deflated text, itself fields. The first part: the heads,
// the counts of people and interviews, the fields, the follow-up settings and the first 100
// people; later parts: a counted list of people until all are there, then of interviews.
async function readOverview(page: import("@playwright/test").Page): Promise<Overview | null> {
  return page.evaluate(async () => {
    const value = localStorage.getItem("colloquy/list");
    if (value === null) return null;
    const tag = "overview3";
    if (!value.startsWith(tag)) throw new Error("another format");
    const fields = (text: Uint8Array) => {
      let rest = text;
      return () => {
        const colon = rest.indexOf(58);
        const len = Number(new TextDecoder().decode(rest.subarray(0, colon)));
        const field = new TextDecoder().decode(rest.subarray(colon + 1, colon + 1 + len));
        rest = rest.subarray(colon + 1 + len);
        return field;
      };
    };
    const outer = fields(new TextEncoder().encode(value.slice(tag.length)));
    const part = async () => {
      const bytes = Uint8Array.from(atob(outer()), (c) => c.charCodeAt(0));
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
      return fields(new Uint8Array(await new Response(stream).arrayBuffer()));
    };
    const list = (field: () => string, width: number) =>
      Array.from({ length: Number(field()) }, () => Array.from({ length: width }, field));
    const first = await part();
    const heads = list(first, 1).map((h) => h[0]);
    const [people, interviewCount] = [Number(first()), Number(first())];
    const overview = { heads, fields: list(first, 4), followUp: first(), rows: list(first, 7), interviews: [] as string[][] };
    while (overview.rows.length < people) overview.rows.push(...list(await part(), 7));
    while (overview.interviews.length < interviewCount) overview.interviews.push(...list(await part(), 4));
    return overview;
  });
}

async function writeOverview(page: import("@playwright/test").Page, overview: Overview): Promise<string> {
  return page.evaluate(async (o) => {
    const field = (text: string) => `${new TextEncoder().encode(text).length}:${text}`;
    const list = (items: string[][]) => field(String(items.length)) + items.map((item) => item.map(field).join("")).join("");
    const deflated = async (text: string) => {
      const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("deflate-raw"));
      const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
      return field(btoa(String.fromCharCode(...bytes)));
    };
    const first =
      list(o.heads.map((h) => [h])) +
      field(String(o.rows.length)) +
      field(String(o.interviews.length)) +
      list(o.fields) +
      field(o.followUp) +
      list(o.rows.slice(0, 100));
    let value = "overview3" + (await deflated(first));
    if (o.rows.length > 100) value += await deflated(list(o.rows.slice(100)));
    if (o.interviews.length > 0) value += await deflated(list(o.interviews));
    localStorage.setItem("colloquy/list", value);
    return value;
  }, overview);
}

test("the people list and what's next are cached for a fast opening, and a stale cache is never trusted", async ({
  page,
}) => {
  await open(page, "/fields");
  await page.getByLabel("Field", { exact: true }).fill("Urban planning");
  await page.getByRole("button", { name: "Add field" }).click();
  await navigate(page, "People");
  await addPerson(page, { name: "Really Here" });
  await page.getByRole("button", { name: "Plan an interview" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Interview with Really Here");
  // Once edits pause, the overview is written: the list, the interview in outline, the field.
  await expect
    .poll(async () => (await readOverview(page))?.interviews?.length, { timeout: 15_000 })
    .toBe(1);
  const written = (await readOverview(page))!;
  expect(written.rows.map((r: string[]) => r[1])).toEqual(["Really Here"]);
  expect(written.fields.map((f: string[]) => f[1])).toEqual(["Urban planning"]);
  await page.goto("/people");
  await waitReady(page);
  expect(await listedNames(page)).toEqual(["Really Here"]);

  // The opening draws from the overview while it has the document's heads. (A name and a sent
  // request only the cache has show that: the document says otherwise.)
  const asCached = structuredClone(written);
  asCached.rows[0][1] = "Name From Cache";
  const numbers = asCached.interviews[0][3].split(",");
  numbers[2] = numbers[0];
  asCached.interviews[0][3] = numbers.join(",");
  await writeOverview(page, asCached);
  await page.goto("/");
  await waitReady(page);
  await expect(page.getByRole("link", { name: "Waiting for Name From Cache to reply" })).toBeVisible();

  // An overview that claims other heads shows at first, then gives way to the document.
  const ghost = await writeOverview(page, {
    ...written,
    heads: ["00".repeat(32)],
    rows: [["ghost", "Ghost From Cache", "", "", "", "", ""]],
    interviews: [["ghost-i", "ghost", written.interviews[0][2], "1,,,,,,,,30,,,"]],
  });
  await page.goto("/");
  await waitReady(page);
  await expect(page.getByRole("link", { name: "Ask Really Here for a meeting" })).toBeVisible();
  await expect(page.getByText("Ghost From Cache")).toHaveCount(0);
  await navigate(page, "People");
  expect(await listedNames(page)).toEqual(["Really Here"]);
  // And the overview is rewritten from the document.
  await expect
    .poll(async () => page.evaluate(() => localStorage.getItem("colloquy/list")), { timeout: 15_000 })
    .not.toBe(ghost);
  expect((await readOverview(page))!.rows.map((r: string[]) => r[1])).toEqual(["Really Here"]);
});

/** Plans an interview with a new person and opens its day-of screen; returns that screen's address. */
async function dayOfScreen(page: import("@playwright/test").Page): Promise<string> {
  await open(page, "/fields");
  await page.getByLabel("Field", { exact: true }).fill("Urban planning");
  await page.getByRole("button", { name: "Add field" }).click();
  await navigate(page, "People");
  await addPerson(page, { name: "Lena Ortiz" });
  await page.getByRole("button", { name: "Plan an interview" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Interview with Lena Ortiz");
  const meet = `${page.url()}/meet`;
  await page.goto(meet);
  await waitReady(page);
  return meet;
}

test("typing is kept at every keystroke, committed as one change once it pauses, and recovered after a crash", async ({
  context,
  page,
}) => {
  const problems = watchConsole(page);
  const meet = await dayOfScreen(page);

  const chunks = async () => Object.keys(await stored(page)).filter((k) => k.includes("/chunk/")).length;
  const typing = async (p = page) =>
    Object.entries(await stored(p))
      .filter(([k]) => k.startsWith("colloquy/typing/"))
      .map(([, v]) => v);
  // Each keystroke is in storage by the time its input event has been handled.
  await page.evaluate(() => {
    const w = window as unknown as { kept: boolean[] };
    w.kept = [];
    document.addEventListener("input", (event) => {
      const value = (event.target as HTMLTextAreaElement).value;
      w.kept.push(
        Object.keys(localStorage).some(
          (k) => k.startsWith("colloquy/typing/") && localStorage.getItem(k)!.endsWith(value),
        ),
      );
    });
  });
  const notes = page.getByLabel("What you discussed");
  const before = await chunks();
  const first = "Started in transit planning.";
  await notes.pressSequentially(first);
  const kept = await page.evaluate(() => (window as unknown as { kept: boolean[] }).kept);
  expect(kept).toHaveLength(first.length);
  expect(kept.every(Boolean)).toBe(true);
  // Once the typing pauses it becomes one change, and the kept typing is forgotten.
  await expect.poll(() => typing()).toEqual([]);
  expect(await chunks()).toBe(before + 1);

  // Typing, then the tab crashes before the typing has paused (everything the crash needs is
  // ready beforehand, so nothing slow stands between the last key and the crash).
  const cdp = await context.newCDPSession(page);
  const crashed = page.waitForEvent("crash");
  const second = " Suggests the regional council.";
  await notes.pressSequentially(second);
  void cdp.send("Page.crash").catch(() => {});
  await crashed;
  const next = await context.newPage();

  // The next opening finds the typing the dead tab left, and commits it.
  const nextProblems = watchConsole(next);
  await next.goto(meet);
  await waitReady(next);
  await expect(next.getByLabel("What you discussed")).toHaveValue(first + second);
  await expect
    .poll(() => next.evaluate(() => performance.getEntriesByName("colloquy:typing-recovered").length))
    .toBe(1);
  await expect.poll(() => typing(next)).toEqual([]);
  expect(problems.filter((p) => !p.includes("crash"))).toEqual([]);
  expect(nextProblems).toEqual([]);
});

test("typing in one tab is left alone by a tab opened meanwhile, and reaches it once", async ({ context, page }) => {
  const problems = watchConsole(page);
  const meet = await dayOfScreen(page);

  // The first tab types slowly, never pausing long enough to commit, while a second tab opens
  // and looks for typing left by dead tabs.
  const text = "Rode the night bus to the depot, then walked the whole yard.";
  const typing = page.getByLabel("What you discussed").pressSequentially(text, { delay: 250 });
  const other = await context.newPage();
  await expect
    .poll(() => page.evaluate(() => Object.keys(localStorage).some((k) => k.startsWith("colloquy/typing/"))))
    .toBe(true);
  await other.goto(meet);
  await waitReady(other);
  await expect
    .poll(() => other.evaluate(() => performance.getEntriesByName("colloquy:typing-checked").length))
    .toBe(1);
  // The tabs overlapped: the check found the first tab's typing still uncommitted, and left it.
  expect(await other.evaluate(() => performance.getEntriesByName("colloquy:typing-live").length)).toBe(1);
  await typing;
  // The typing tab commits it; the other tab gets it from storage, once, and recovered nothing.
  await expect(other.getByLabel("What you discussed")).toHaveValue(text);
  expect(await other.evaluate(() => performance.getEntriesByName("colloquy:typing-recovered").length)).toBe(0);
  await expect(page.getByLabel("What you discussed")).toHaveValue(text);
  await other.reload();
  await waitReady(other);
  await expect(other.getByLabel("What you discussed")).toHaveValue(text);
  expect(problems).toEqual([]);
});

test("edits kept while a 3,000-person network opens survive leaving mid-opening, and are made in order once it opens", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const problems = watchConsole(page);
  await storeSampleNetwork(page, SAMPLE_PEOPLE);
  await page.reload();
  await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 120_000 });
  await expect
    .poll(() => page.evaluate(() => localStorage.getItem("colloquy/list") !== null), { timeout: 60_000 })
    .toBe(true);
  // Two edits as a page keeps them when they are made before its network is open (the form
  // is shown from the cached overview): a person added, then renamed.
  const journal = (at: number, name: string) => [
    `colloquy/journal/${String(at).padStart(15, "0")}-0000-kept`,
    JSON.stringify({ PutPerson: { id: "p-kept", person: { name, organisation: "Initech" } } }),
  ];
  await page.evaluate(
    (kept) => kept.forEach(([key, value]) => localStorage.setItem(key, value)),
    [journal(1, "Kept While Opening"), journal(2, "Kept And Renamed")],
  );
  // Storage as seen from a page of the same site that isn't the app (the app's page is busy
  // opening).
  const probe = await page.context().newPage();
  await probe.goto("/healthz");
  const keptKeys = () =>
    probe.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("colloquy/journal/")).length);
  // Left while still opening (an open network would have run them): nothing is lost.
  await page.goto("/people");
  expect(await keptKeys()).toBe(2);
  await page.goto("/fields");
  expect(await keptKeys()).toBe(2);
  await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 120_000 });
  await page.goto("/people");
  await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 120_000 });
  await page.getByRole("searchbox").fill("Kept");
  await expect.poll(() => listedNames(page)).toEqual(["Kept And Renamed"]);
  expect(await keptKeys()).toBe(0);
  expect(problems).toEqual([]);
});

test("a snapshot an earlier version kept in localStorage moves to the database, and opens from there", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const problems = watchConsole(page);
  // Stored as before snapshots moved: all of it in localStorage.
  await storeSampleNetwork(page, SAMPLE_PEOPLE);
  const before = await snapshotKeys(page);
  expect(before.local).toHaveLength(1);
  expect(before.database).toEqual([]);
  await page.reload();
  await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 120_000 });
  // Told the network is open once the move is made.
  expect(await snapshotKeys(page)).toEqual({ local: [], database: before.local });
  await page.reload();
  await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByText(`${SAMPLE_PEOPLE.toLocaleString("en")} people`)).toBeVisible();
  // Settings counts it where it now is.
  await navigate(page, "Settings");
  const taken = page.getByText(/^Your network takes [\d.]+ (KB|MB) in this browser\./);
  const [, amount, unit] = /takes ([\d.]+) (KB|MB)/.exec(await taken.innerText())!;
  const snapshot = before.local[0];
  const chars = (await sampleNetwork(SAMPLE_PEOPLE))[snapshot].length;
  const bytes = Number(amount) * (unit === "MB" ? 1e6 : 1e3);
  // (A character of base64 is a byte; the overview cache and the rest are far less.)
  expect(bytes).toBeGreaterThan(chars * 0.95);
  expect(bytes).toBeLessThan(chars * 2);
  expect(problems).toEqual([]);
});

test("another tab follows a compaction to its snapshot in the database, and saves into it", async ({
  context,
  page,
}) => {
  const problems = watchConsole(page);
  await open(page);
  await addPerson(page, { name: "Compact Here" });
  const other = await context.newPage();
  problems.push(...watchConsole(other));
  await open(other);
  const writer = noteWriter(page, "Compact Here", 23);
  for (let i = 0; i < 25; i++) await writer.save();
  const head = () => page.evaluate(() => localStorage.getItem("colloquy/head"));
  await expect.poll(head, { timeout: 15_000 }).not.toBeNull();
  const [generation, compacting] = (await head())!.split(" ");
  // The other tab's next edit is saved into the new generation: it followed `head` to the
  // snapshot, which only the database holds (a tab that can't read it stays where it was).
  await addPerson(other, { name: "Made After" });
  const savedThere = () =>
    other.evaluate(
      ([generation, compacting]) =>
        Object.keys(localStorage).filter(
          (key) => key.startsWith(`colloquy/g${generation}/chunk/`) && !key.includes(`/chunk/${compacting}/`),
        ).length,
      [generation, compacting],
    );
  await expect.poll(savedThere).toBeGreaterThan(0);
  for (const tab of [page, other]) {
    await tab.reload();
    await waitReady(tab);
    await navigate(tab, "People");
    await expect.poll(() => listedNames(tab)).toEqual(["Compact Here", "Made After"]);
  }
  expect(problems).toEqual([]);
});
