import { test as base, type Browser } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import type { WebDriver } from "selenium-webdriver";
import { chromium } from "../playwright.config";
import { playwrightTab, session, webdriverTab, type Tab } from "./tab";

/** The engines the shared journeys run in: Chromium through Playwright; WebKit (WebKitGTK, the
 * engine of Safari) and Firefox through their WebDriver servers, from Debian's packages. */
export type Engine = "chromium" | "webkit" | "firefox";

/** A phone's screen, as the Chromium journeys use. */
const phone = { width: 390, height: 844 };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Where WebKitGTK's MiniBrowser is (its directory names the API version). */
function miniBrowser(): string {
  for (const arch of readdirSync("/usr/lib").filter((d) => d.includes("-linux-"))) {
    for (const dir of readdirSync(`/usr/lib/${arch}`).filter((d) => d.startsWith("webkit2gtk-"))) {
      const binary = `/usr/lib/${arch}/${dir}/MiniBrowser`;
      if (existsSync(binary)) return binary;
    }
  }
  throw new Error("WebKitGTK's MiniBrowser is missing: run `bash .ci/setup --test`");
}

/** geckodriver, built from crates.io by `.ci/setup` into cargo's bin directory. */
function geckodriver(): string {
  const home = process.env.CARGO_HOME ?? `${process.env.HOME}/.cargo`;
  const binary = `${home}/bin/geckodriver`;
  if (!existsSync(binary)) throw new Error("geckodriver is missing: run `bash .ci/setup --test`");
  return binary;
}

/** A process the journeys need (a display, a WebDriver server), stopped with them. */
async function daemon(command: string, args: string[], env: Record<string, string>, ready: () => Promise<boolean>): Promise<ChildProcess> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let errors = "";
  child.stderr?.on("data", (chunk) => (errors = (errors + chunk).slice(-2000)));
  for (let i = 0; i < 200 && child.exitCode === null; i++) {
    if (await ready()) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error(`${command} did not start (exit code ${child.exitCode}): ${errors}`);
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

/** A display for WebKit, which has no headless mode. */
async function display(): Promise<{ name: string; stop: () => void }> {
  const name = `:${90 + ((await freePort()) % 9)}`;
  const child = await daemon("Xvfb", [name, "-screen", "0", "1280x1024x24", "-nolisten", "tcp"], {}, async () =>
    existsSync(`/tmp/.X11-unix/X${name.slice(1)}`),
  );
  return { name, stop: () => child.kill() };
}

type Driver = { url: string; capabilities: () => Record<string, unknown>; stop: () => void };

/** A WebDriver server for `engine` (on `screen` for WebKit), and what a session there is
 * started with. Each serves one session at a time. */
async function driverFor(engine: Exclude<Engine, "chromium">, screen: () => Promise<string>): Promise<Driver> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const children: ChildProcess[] = [];
  const stop = () => children.reverse().forEach((c) => c.kill());
  if (engine === "webkit") {
    children.push(await daemon("WebKitWebDriver", [`--port=${port}`], { DISPLAY: await screen() }, () => answers(`${url}/status`)));
    const binary = miniBrowser();
    return {
      url,
      stop,
      capabilities: () => ({
        browserName: "MiniBrowser",
        "webkitgtk:browserOptions": { binary, args: ["--automation"] },
      }),
    };
  }
  children.push(await daemon(geckodriver(), ["--port", String(port)], {}, () => answers(`${url}/status`)));
  return {
    url,
    stop,
    capabilities: () => ({
      browserName: "firefox",
      "moz:firefoxOptions": {
        binary: process.env.FIREFOX ?? "/usr/bin/firefox-esr",
        args: ["-headless"],
        prefs: {
          // As Chromium's flags do: no calls home from the test machine.
          "app.update.enabled": false,
          "browser.shell.checkDefaultBrowser": false,
          "datareporting.policy.dataSubmissionEnabled": false,
          "toolkit.telemetry.enabled": false,
          "network.captive-portal-service.enabled": false,
          "intl.accept_languages": "en-GB",
          "intl.locale.requested": "en-GB",
          // Downloads are saved without a dialog, out of the way.
          "browser.download.folderList": 2,
          "browser.download.dir": tmpdir(),
          "browser.download.useDownloadDir": true,
          "browser.download.always_ask_before_handling_new_types": false,
        },
      },
    }),
  };
}

/** Takes from a page, before its scripts run, the features some engines lack: `scheduler.yield`
 * (WebKit), Web Locks (older engines), Periodic Background Sync and the app badge (all but
 * Chromium). */
function withoutOptional() {
  Object.defineProperty(window, "scheduler", { value: undefined, configurable: true });
  Object.defineProperty(Navigator.prototype, "locks", { get: () => undefined, configurable: true });
  delete (ServiceWorkerRegistration.prototype as { periodicSync?: unknown }).periodicSync;
  delete (Navigator.prototype as { setAppBadge?: unknown }).setAppBadge;
  delete (Navigator.prototype as { clearAppBadge?: unknown }).clearAppBadge;
}

type Fixtures = {
  /** A new tab in `engine` (the project's engine by default), at a phone's size, on the test
   * server or on `base`. A `bare` Chromium tab lacks what other engines may lack (see
   * `withoutOptional`); other engines lack what they lack. */
  newTab: (engine?: Engine, base?: string, bare?: boolean) => Promise<Tab>;
  tab: Tab;
};
type WorkerFixtures = {
  engine: Engine;
  /** WebDriver servers, started as tabs need them and kept for the worker's next tests. */
  drivers: { take: (engine: Exclude<Engine, "chromium">) => Promise<Driver>; give: (driver: Driver) => void };
};

export const test = base.extend<Fixtures, WorkerFixtures>({
  engine: ["chromium", { option: true, scope: "worker" }],
  drivers: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const idle = new Map<string, Driver[]>();
      const all: Driver[] = [];
      let screen: Promise<{ name: string; stop: () => void }> | null = null;
      const engineOf = new Map<Driver, string>();
      await use({
        take: async (engine) => {
          const free = idle.get(engine)?.pop();
          if (free) return free;
          const driver = await driverFor(engine, async () => (await (screen ??= display())).name);
          all.push(driver);
          engineOf.set(driver, engine);
          return driver;
        },
        give: (driver) => {
          const engine = engineOf.get(driver)!;
          idle.set(engine, [...(idle.get(engine) ?? []), driver]);
        },
      });
      for (const driver of all) driver.stop();
      if (screen) (await screen).stop();
    },
    { scope: "worker" },
  ],
  newTab: async ({ engine, drivers, playwright, baseURL }, use, info) => {
    const sessions: [WebDriver, Driver][] = [];
    let browser: Browser | null = null;
    await use(async (which = engine, base = baseURL!, bare = false) => {
      if (which === "chromium") {
        browser ??= await playwright.chromium.launch(chromium);
        const context = await browser.newContext({ baseURL: base, viewport: phone, locale: "en-GB", isMobile: true, hasTouch: true });
        if (bare) await context.addInitScript(withoutOptional);
        return playwrightTab(await context.newPage());
      }
      const driver = await drivers.take(which);
      const webdriver = await session(driver.url, driver.capabilities());
      sessions.push([webdriver, driver]);
      await webdriver.manage().window().setRect(phone);
      // Longer than any wait a journey's page script makes (a service worker's first install).
      await webdriver.manage().setTimeouts({ script: 90_000 });
      return webdriverTab(webdriver, which, base);
    });
    if (info.status !== info.expectedStatus) {
      // What each WebDriver tab showed when the test failed (Playwright keeps its own).
      for (const [i, [webdriver]] of sessions.entries()) {
        const picture = await webdriver.takeScreenshot().catch(() => null);
        if (picture) await info.attach(`tab ${i + 1}`, { body: Buffer.from(picture, "base64"), contentType: "image/png" });
        const text = await webdriver.executeScript<string>("return location.href + '\\n\\n' + document.body.innerText").catch(() => null);
        if (text) await info.attach(`tab ${i + 1} text`, { body: text, contentType: "text/plain" });
      }
    }
    await Promise.all(sessions.map(([s]) => s.quit().catch(() => {})));
    sessions.forEach(([, driver]) => drivers.give(driver));
    await browser?.close();
  },
  tab: async ({ newTab }, use) => use(await newTab()),
});

export { expect } from "@playwright/test";
