import AxeBuilder from "@axe-core/playwright";
import { chromium as chromiumBrowser, devices, expect, test, type Page } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { baseURL, chromium } from "../playwright.config";
import { addPerson, navigate, offlineReady, open, startOnMonday, waitReady, watchConsole } from "./helpers";

test("Chromium finds the app installable; the manifest and icons load", async () => {
  // Installing needs a real profile: an incognito context is never installable.
  const profile = mkdtempSync(join(tmpdir(), "colloquy-profile-"));
  const context = await chromiumBrowser.launchPersistentContext(profile, { ...chromium, baseURL });
  try {
    const page = await context.newPage();
    await open(page, "/");
    await offlineReady(page);
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
    expect(installabilityErrors).toEqual([]);
    await checkManifest(page);
  } finally {
    await context.close();
  }
});

async function checkManifest(page: Page) {
  const manifest = await page.request.get("/manifest.webmanifest");
  expect(manifest.headers()["content-type"]).toContain("application/manifest+json");
  const body = await manifest.json();
  expect(body.display).toBe("standalone");
  const sizes: string[] = [];
  for (const icon of body.icons) {
    const response = await page.request.get(icon.src);
    expect(response.status(), icon.src).toBe(200);
    expect(response.headers()["content-type"]).toBe("image/png");
    sizes.push(`${icon.sizes} ${icon.purpose}`);
  }
  expect(sizes).toEqual(["192x192 any", "512x512 any", "512x512 maskable"]);
}

test("a page never visited opens offline, shows data, takes edits, and keeps them", async ({ context }) => {
  const first = await context.newPage();
  const problems = watchConsole(first);
  await open(first, "/");
  await offlineReady(first);
  await navigate(first, "People");
  await addPerson(first, { name: "Deep Link Dana", organisation: "Harbour Labs" });
  const personPage = new URL(first.url()).pathname;
  await first.close();

  await context.setOffline(true);
  const page = await context.newPage();
  problems.push(...watchConsole(page));
  // The person's page was only ever reached by a link inside the app: the browser never
  // fetched it, so the service worker answers with the offline shell.
  await page.goto(personPage);
  await waitReady(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Deep Link Dana");
  await expect(page.getByText("You're offline.")).toBeVisible();
  await page.getByRole("link", { name: "Edit" }).click();
  await page.getByLabel("Role", { exact: true }).fill("Harbour pilot");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Harbour pilot at Harbour Labs")).toBeVisible();

  await page.reload();
  await waitReady(page);
  await expect(page.getByText("Harbour pilot at Harbour Labs")).toBeVisible();

  await context.setOffline(false);
  await page.reload();
  await waitReady(page);
  await expect(page.getByText("Harbour pilot at Harbour Labs")).toBeVisible();
  expect(problems).toEqual([]);
});

test("on Wi-Fi that never answers, a page opens from the cache within seconds", async ({ context }) => {
  const first = await context.newPage();
  await open(first, "/");
  await offlineReady(first);
  await navigate(first, "People");
  await addPerson(first, { name: "Café Casey" });
  const personPage = new URL(first.url()).pathname;
  await first.close();

  // Connected, but the request for the page is never answered.
  await context.route((url) => url.pathname === personPage, () => {});
  const page = await context.newPage();
  const problems = watchConsole(page);
  await page.goto(personPage, { timeout: 20_000 });
  await waitReady(page);
  await expect(page.locator("html")).toHaveAttribute("data-shell", "offline");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Café Casey");
  expect(problems).toEqual([]);
});

/** A server process serving the copy of the site in `siteRoot` on `port`. */
async function serve(siteRoot: string, port: number): Promise<ChildProcess> {
  const child = spawn(resolve("../target/debug/server"), [], {
    env: {
      ...process.env,
      COLLOQUY_SITE_DIR: siteRoot,
      COLLOQUY_ADDR: `127.0.0.1:${port}`,
      COLLOQUY_DATA_DIR: join(siteRoot, "data"),
      RUST_LOG: "warn",
    },
    stdio: "ignore",
  });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) return child;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the server did not start");
}

async function stop(child: ChildProcess) {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill();
  await exited;
}

test("a new version is offered, and a half-typed note survives updating", async ({ page }) => {
  test.setTimeout(120_000);
  const problems = watchConsole(page);
  const port = 3150;
  // Version 1 is this build. Version 2 is the same build with a changed stylesheet, as a deploy
  // would ship it: new contents under a new hashed name.
  const work = mkdtempSync(join(tmpdir(), "colloquy-deploy-"));
  const v1 = join(work, "v1");
  const v2 = join(work, "v2");
  cpSync("../target/site", v1, { recursive: true });
  cpSync("../target/site", v2, { recursive: true });
  const css = readdirSync(join(v2, "pkg")).find((f) => f.endsWith(".css"))!;
  const changed = readFileSync(join(v2, "pkg", css), "utf8") + "\n/* version 2 */\n";
  rmSync(join(v2, "pkg", css));
  writeFileSync(join(v2, "pkg", css.replace(/\.[^.]+\.css$/, ".v2deployed.css")), changed);

  await startOnMonday(page);
  let server = await serve(v1, port);
  try {
    await page.goto(`http://127.0.0.1:${port}/fields`);
    await waitReady(page);
    await offlineReady(page);
    await page.getByLabel("Field", { exact: true }).fill("Marine biology");
    await page.getByRole("button", { name: "Add field" }).click();
    await navigate(page, "People");
    await addPerson(page, { name: "Update Ulla" });
    await page.getByRole("button", { name: "Plan an interview" }).click();
    await page.getByText("Already agreed in person? Set the time and place").click();
    await page.getByLabel("Date and time", { exact: true }).fill("2026-12-02T10:00");
    await page.getByRole("button", { name: "Save the meeting" }).click();
    await page.getByRole("link", { name: "Open the day-of screen" }).click();
    const notes = page.getByLabel("What you discussed", { exact: true });
    await notes.fill("Half a thought about kelp forests and");
    await expect(page.getByText("A new version of Colloquy is ready.")).toHaveCount(0);
    const before = await page.locator("link[rel=stylesheet]").first().getAttribute("href");
    // Another tab of the app, which will move to the new version with this one.
    const other = await page.context().newPage();
    await other.goto(`http://127.0.0.1:${port}/people`);
    await waitReady(other);

    // Deploy version 2 on the same address.
    await stop(server);
    server = await serve(v2, port);
    // The app looks for a new version every few minutes.
    await page.clock.fastForward("11:00");
    await expect(page.getByText("A new version of Colloquy is ready.")).toBeVisible({ timeout: 20_000 });
    await page.getByRole("button", { name: "Update" }).click();
    await page.waitForURL(/\/meet$/);
    await waitReady(page);
    const after = await page.locator("link[rel=stylesheet]").first().getAttribute("href");
    expect(after).toMatch(/^\/pkg\/colloquy\.[0-9a-f]{16}\.css$/);
    expect(after).not.toBe(before);
    expect(await (await page.request.get(`http://127.0.0.1:${port}${after}`)).text()).toContain("/* version 2 */");
    await expect(page.getByLabel("What you discussed", { exact: true })).toHaveValue("Half a thought about kelp forests and");
    await expect(page.getByText("A new version of Colloquy is ready.")).toHaveCount(0);
    // The other tab reloaded into it too: no page of the old version writes beside the new.
    await expect(other.locator("link[rel=stylesheet]").first()).toHaveAttribute("href", after!);
    await expect(other.getByRole("link", { name: "Update Ulla" })).toBeVisible();
  } finally {
    await stop(server);
    rmSync(work, { recursive: true, force: true });
  }
  expect(problems).toEqual([]);
});

test("every main screen has no serious or critical accessibility violations", async ({ page }) => {
  test.setTimeout(120_000);
  await startOnMonday(page);
  await open(page, "/fields");
  await page.getByLabel("Field", { exact: true }).fill("Accessibility research");
  await page.getByRole("button", { name: "Add field" }).click();
  await navigate(page, "People");
  await addPerson(page, { name: "Axe Avery", organisation: "Inclusive Co" });
  const person = page.url();
  await page.getByRole("button", { name: "Plan an interview" }).click();
  const interview = page.url();
  await page.getByText("Already agreed in person? Set the time and place").click();
  await page.getByLabel("Date and time", { exact: true }).fill("2026-12-02T10:00");
  await page.getByRole("button", { name: "Save the meeting" }).click();
  await expect(page.locator(".stages [aria-current=step]")).toHaveText("Scheduled");

  const screens = ["/", "/people", "/people/new", person, `${person}/edit`, "/fields", interview, `${interview}/meet`, "/record", "/settings"];
  const found: string[] = [];
  for (const path of screens) {
    await page.goto(path);
    await waitReady(page);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    // In the light and the dark scheme alike (contrast differs).
    for (const colorScheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme });
      const results = await new AxeBuilder({ page }).analyze();
      for (const v of results.violations) {
        if (v.impact === "serious" || v.impact === "critical") {
          found.push(`${path} (${colorScheme}): ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
        }
      }
    }
    await page.emulateMedia({ colorScheme: "light" });
  }
  expect(found).toEqual([]);
});

test("the whole network downloads as a file and imports back into an empty browser", async ({ browser }) => {
  const first = await browser.newContext();
  const page = await first.newPage();
  await open(page, "/");
  await navigate(page, "People");
  await addPerson(page, { name: "Exported Ezra", organisation: "Copy Co" });
  await navigate(page, "People");
  await addPerson(page, { name: "Exported Fay", referredBy: "Exported Ezra" });
  await navigate(page, "Settings");
  await expect(page.getByText(/^Your network takes .+ in this browser\./)).toBeVisible();
  await expect(page.getByText(/^This site uses .+ of the .+ the browser allows\./)).toBeVisible();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download a copy of your network" }).click(),
  ]);
  const saved = { name: download.suggestedFilename(), mimeType: "application/octet-stream", buffer: readFileSync(await download.path()) };
  await first.close();

  const second = await browser.newContext();
  const fresh = await second.newPage();
  const problems = watchConsole(fresh);
  await open(fresh, "/settings");
  // A file that isn't a network changes nothing and says so.
  await fresh.getByLabel("Import a copy", { exact: true }).setInputFiles({
    name: "notes.txt",
    mimeType: "text/plain",
    buffer: Buffer.from("just some text"),
  });
  await expect(fresh.getByText(/isn't a Colloquy network, or it is damaged; nothing was changed/)).toBeVisible();
  await fresh.getByLabel("Import a copy", { exact: true }).setInputFiles(saved);
  await expect(fresh.getByText("Imported. Your network now has 2 people; nothing was removed.")).toBeVisible();
  await fresh.reload();
  await waitReady(fresh);
  await navigate(fresh, "People");
  await fresh.getByRole("link", { name: /Exported Fay/ }).click();
  await expect(fresh.getByRole("link", { name: "Exported Ezra" })).toBeVisible();
  expect(problems).toEqual([]);
  await second.close();
});

test("on an iPhone, Settings says how to add Colloquy to the Home Screen and what Safari clears", async ({ browser }) => {
  const iphone = devices["iPhone 13"].userAgent;
  // Safari keeps no site's storage for good until it is on the Home Screen.
  const notPersisted = () => {
    Object.defineProperty(navigator.storage, "persisted", { value: () => Promise.resolve(false) });
  };
  const settings = async (userAgent: string | undefined, fromHomeScreen: boolean) => {
    const context = await browser.newContext(userAgent ? { userAgent } : {});
    await context.addInitScript(notPersisted);
    if (fromHomeScreen) await context.addInitScript(() => Object.defineProperty(navigator, "standalone", { value: true }));
    const page = await context.newPage();
    await open(page, "/settings");
    await expect(page.getByText(/^This site uses .+ of the .+ the browser allows\./)).toBeVisible();
    return { page, context };
  };

  const inSafari = await settings(iphone, false);
  await expect(inSafari.page.getByText("open it in Safari, tap Share, then Add to Home Screen")).toBeVisible();
  await expect(inSafari.page.getByText(/Safari clears it if you don't open Colloquy for seven days/)).toBeVisible();
  await inSafari.context.close();

  const onHomeScreen = await settings(iphone, true);
  await expect(onHomeScreen.page.getByText(/Add to Home Screen|Install app/)).toHaveCount(0);
  await expect(onHomeScreen.page.getByText(/The browser may clear it if the device runs short of space/)).toBeVisible();
  await onHomeScreen.context.close();

  const laptop = await settings(undefined, false);
  await expect(laptop.page.getByText("use your browser's menu: Install app, or Add to Home screen")).toBeVisible();
  await expect(laptop.page.getByText(/Safari clears it/)).toHaveCount(0);
  await laptop.context.close();
});
