import { test as base, type Browser } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
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

/** A WebDriver server for `engine`, with a display of its own for WebKit (it has no headless
 * mode); what a session there is started with. */
async function driverFor(engine: Exclude<Engine, "chromium">): Promise<{ url: string; capabilities: () => Record<string, unknown>; stop: () => void }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const children: ChildProcess[] = [];
  const stop = () => children.reverse().forEach((c) => c.kill());
  if (engine === "webkit") {
    const display = `:${90 + (port % 9)}`;
    children.push(
      await daemon("Xvfb", [display, "-screen", "0", "1280x1024x24", "-nolisten", "tcp"], {}, async () =>
        existsSync(`/tmp/.X11-unix/X${display.slice(1)}`),
      ),
    );
    children.push(await daemon("WebKitWebDriver", [`--port=${port}`], { DISPLAY: display }, () => answers(`${url}/status`)));
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
        },
      },
    }),
  };
}

type Fixtures = {
  /** A new tab in `engine` (the project's engine by default), at a phone's size, on the test
   * server or on `base`. */
  newTab: (engine?: Engine, base?: string) => Promise<Tab>;
  tab: Tab;
};
type WorkerFixtures = {
  engine: Engine;
  drivers: (engine: Exclude<Engine, "chromium">) => Promise<{ url: string; capabilities: () => Record<string, unknown> }>;
};

export const test = base.extend<Fixtures, WorkerFixtures>({
  engine: ["chromium", { option: true, scope: "worker" }],
  drivers: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const started = new Map<string, Awaited<ReturnType<typeof driverFor>>>();
      await use(async (engine) => {
        if (!started.has(engine)) started.set(engine, await driverFor(engine));
        return started.get(engine)!;
      });
      for (const driver of started.values()) driver.stop();
    },
    { scope: "worker" },
  ],
  newTab: async ({ engine, drivers, playwright, baseURL }, use) => {
    const sessions: WebDriver[] = [];
    let browser: Browser | null = null;
    await use(async (which = engine, base = baseURL!) => {
      if (which === "chromium") {
        browser ??= await playwright.chromium.launch(chromium);
        const context = await browser.newContext({ baseURL: base, viewport: phone, locale: "en-GB", isMobile: true, hasTouch: true });
        return playwrightTab(await context.newPage());
      }
      const driver = await drivers(which);
      const webdriver = await session(driver.url, driver.capabilities());
      sessions.push(webdriver);
      await webdriver.manage().window().setRect(phone);
      // Longer than any wait a journey's page script makes (a service worker's first install).
      await webdriver.manage().setTimeouts({ script: 90_000 });
      return webdriverTab(webdriver, which, base);
    });
    await Promise.all(sessions.map((s) => s.quit().catch(() => {})));
    await browser?.close();
  },
  tab: async ({ newTab }, use) => use(await newTab()),
});

export { expect } from "@playwright/test";
