import { expect, type Page } from "@playwright/test";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Builder, type WebDriver, type WebElement } from "selenium-webdriver";

/**
 * A browser tab as the shared journeys drive it: what a user does (open an address, follow a
 * link, press a button, type into a labelled field) and what they see. One implementation on
 * Playwright (Chromium), one on WebDriver (WebKit and Firefox), so a journey is written once
 * and runs in every engine.
 */
export interface Tab {
  readonly engine: string;
  /** Goes to `path` and waits until the app has opened the stored network. */
  open(path: string): Promise<void>;
  reload(): Promise<void>;
  /** Follows the visible link whose accessible name is `name`. */
  link(name: string | RegExp): Promise<void>;
  /** Presses the visible button whose accessible name is `name`. */
  button(name: string | RegExp): Promise<void>;
  /** Types `value` into the field labelled `label`, replacing what was there. */
  fill(label: string, value: string): Promise<void>;
  /** Sets the field labelled `label` (a date, a time) to `value` in the form the page reads
   * (`2026-12-02T10:00`): each engine draws its own picker for these, so WebDriver's keystrokes
   * would mean different things. */
  setValue(label: string, value: string): Promise<void>;
  /** Chooses the option shown as `option` in the list labelled `label`. */
  select(label: string, option: string): Promise<void>;
  /** Presses the button named `name`, which offers a file for download, and saves that file
   * as `file`; returns the name the page suggested for it. */
  download(name: string, file: string): Promise<string>;
  /** Picks the file at `path` in the file field labelled `label`. */
  upload(label: string, path: string): Promise<void>;
  /** Ticks the checkbox labelled `label`. */
  check(label: string): Promise<void>;
  /** Waits until `text` is on the page. */
  see(text: string): Promise<void>;
  /** Waits until the page's heading is `text`. */
  heading(text: string): Promise<void>;
  /** Evaluates `script` (the body of a function) in the page and returns its result. */
  run<T>(script: string): Promise<T>;
  /** The address's path. */
  path(): Promise<string>;
  /** A picture of the visible screen, saved as `file` (PNG). */
  screenshot(file: string): Promise<void>;
}

const ready = 'main[data-network="ready"]';

/** A function body that finds the visible element of `role` named `name` (or null). */
function finder(role: "link" | "button", name: string | RegExp): string {
  const matcher = typeof name === "string" ? `(t) => t === ${JSON.stringify(name)}` : `(t) => ${name.toString()}.test(t)`;
  const selector = role === "link" ? "a[href]" : "button, input[type=submit], [role=button]";
  return `
    const matches = ${matcher};
    const named = (el) => (el.getAttribute("aria-label") ?? el.innerText ?? el.value ?? "").replace(/\\s+/g, " ").trim();
    return [...document.querySelectorAll(${JSON.stringify(selector)})]
      .find((el) => el.getClientRects().length > 0 && matches(named(el))) ?? null;`;
}

/** A function body that finds the form control labelled `label` (or null). */
function labelled(label: string): string {
  return `
    const name = ${JSON.stringify(label)};
    const text = (el) => (el.innerText ?? "").replace(/\\s+/g, " ").trim();
    for (const l of document.querySelectorAll("label")) {
      const control = l.control;
      if (!control) continue;
      const own = [...l.childNodes].filter((n) => n !== control && !n.contains?.(control));
      const words = own.map((n) => (n.nodeType === 3 ? n.textContent : n.innerText ?? "")).join(" ").replace(/\\s+/g, " ").trim();
      if (words === name || text(l) === name) return control;
    }
    return document.querySelector('[aria-label=' + JSON.stringify(name) + ']');`;
}

export function playwrightTab(page: Page): Tab {
  return {
    engine: "chromium",
    async open(path) {
      await page.goto(path);
      await expect(page.locator(ready)).toBeVisible({ timeout: 30_000 });
    },
    async reload() {
      await page.reload();
      await expect(page.locator(ready)).toBeVisible({ timeout: 30_000 });
    },
    link: (name) => page.getByRole("link", { name, exact: true }).click(),
    button: (name) => page.getByRole("button", { name, exact: true }).click(),
    fill: (label, value) => page.getByLabel(label, { exact: true }).fill(value),
    check: (label) => page.getByLabel(label, { exact: true }).check(),
    setValue: (label, value) => page.getByLabel(label, { exact: true }).fill(value),
    download: async (name, file) => {
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name, exact: true }).click()]);
      await download.saveAs(file);
      return download.suggestedFilename();
    },
    upload: (label, path) => page.getByLabel(label, { exact: true }).setInputFiles(path),
    select: async (label, option) => {
      await page.getByLabel(label, { exact: true }).selectOption({ label: option });
    },
    see: (text) => expect(page.getByText(text, { exact: false }).first()).toBeVisible(),
    heading: (text) => expect(page.getByRole("heading", { level: 1 })).toHaveText(text),
    run: (script) => page.evaluate(`(async () => { ${script} })()`),
    path: async () => new URL(page.url()).pathname,
    screenshot: async (file) => {
      await page.screenshot({ path: file });
    },
  };
}

/** How long a WebDriver step waits for what it looks for. */
const WAIT = 15_000;

export function webdriverTab(driver: WebDriver, engine: string, baseURL: string): Tab {
  const until = async <T>(what: string, find: () => Promise<T | null | false>, timeout = WAIT): Promise<T> => {
    let last: unknown = null;
    const found = await driver
      .wait(async () => {
        try {
          return (await find()) || null;
        } catch (e) {
          last = e;
          return null;
        }
      }, timeout)
      .catch(() => null);
    if (!found) throw new Error(`${engine}: ${what} (after ${timeout} ms)${last ? `: ${last}` : ""}`);
    return found as T;
  };
  const element = (what: string, body: string) =>
    until<WebElement>(what, async () => (await driver.executeScript(body)) as WebElement | null);
  // Into the middle of the screen first: at the bottom, the fixed tab bar would take the click.
  const centre = (el: WebElement) => driver.executeScript(`arguments[0].scrollIntoView({ block: "center" })`, el);
  // Found and clicked as one step, again until it works: an element the page redraws between
  // the two (a list updated by the network) is found afresh.
  const click = (what: string, body: string) =>
    until(what, async () => {
      const el = (await driver.executeScript(body)) as WebElement | null;
      if (!el) return null;
      await centre(el);
      await el.click();
      return true;
    });
  const waitReady = () =>
    until("the app opened the network", async () => driver.executeScript(`return !!document.querySelector('${ready}')`) as Promise<boolean>, 60_000);
  return {
    engine,
    async open(path) {
      await driver.get(new URL(path, baseURL).toString());
      await waitReady();
    },
    async reload() {
      // Loaded again as a user would: geckodriver's refresh skips the service worker.
      await driver.get(await driver.getCurrentUrl());
      await waitReady();
    },
    async link(name) {
      await click(`a link named ${name}`, finder("link", name));
    },
    async button(name) {
      await click(`a button named ${name}`, finder("button", name));
    },
    async fill(label, value) {
      const field = await element(`a field labelled ${label}`, labelled(label));
      await centre(field);
      await field.clear();
      if (value) {
        await field.sendKeys(value);
      } else {
        // Emptied by WebDriver, the field tells the page no input event.
        await driver.executeScript(`arguments[0].dispatchEvent(new Event("input", { bubbles: true }))`, field);
      }
    },
    async setValue(label, value) {
      const field = await element(`a field labelled ${label}`, labelled(label));
      await driver.executeScript(
        `arguments[0].value = arguments[1];
         arguments[0].dispatchEvent(new Event("input", { bubbles: true }));
         arguments[0].dispatchEvent(new Event("change", { bubbles: true }));`,
        field,
        value,
      );
    },
    async download(name, file) {
      // WebDriver has no download events, and where an engine saves its downloads is its own
      // affair: the page's file is taken as it hands it to the browser (a blob behind a link
      // with a download name), and the browser then goes on to save it as usual.
      await driver.executeScript(`
        if (!window.__offered) {
          const blobs = new Map();
          const create = URL.createObjectURL;
          URL.createObjectURL = (object) => {
            const url = create.call(URL, object);
            blobs.set(url, object);
            return url;
          };
          const click = HTMLAnchorElement.prototype.click;
          HTMLAnchorElement.prototype.click = function () {
            if (this.download && blobs.has(this.href)) window.__offered.push({ name: this.download, blob: blobs.get(this.href) });
            return click.call(this);
          };
        }
        window.__offered = [];`);
      await this.button(name);
      const offered = await until<{ name: string; data: string }>(`a file offered by ${name}`, async () =>
        driver.executeAsyncScript(`
          const done = arguments[arguments.length - 1];
          const offered = window.__offered[0];
          if (!offered) return done(null);
          const reader = new FileReader();
          reader.onload = () => done({ name: offered.name, data: reader.result.split(",")[1] ?? "" });
          reader.readAsDataURL(offered.blob);`),
      );
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, Buffer.from(offered.data, "base64"));
      return offered.name;
    },
    async upload(label, path) {
      // A file field takes the file's path as keys, drawn or not.
      await (await element(`a file field labelled ${label}`, labelled(label))).sendKeys(path);
    },
    async select(label, option) {
      const list = await element(`a list labelled ${label}`, labelled(label));
      const found = await driver.executeScript(
        `const o = [...arguments[0].options].find((o) => o.text.trim() === arguments[1]);
         if (!o) return false;
         arguments[0].value = o.value;
         arguments[0].dispatchEvent(new Event("change", { bubbles: true }));
         return true;`,
        list,
        option,
      );
      if (!found) throw new Error(`${engine}: no option ${JSON.stringify(option)} in ${label}`);
    },
    async check(label) {
      // As `click`: found, centred and clicked as one step, again until it is checked (a
      // page still laying itself out can move it under the tab bar between two steps).
      await until(`a checkbox labelled ${label}, checked`, async () => {
        const box = (await driver.executeScript(labelled(label))) as WebElement | null;
        if (!box) return null;
        if (!(await box.isSelected())) {
          await centre(box);
          await box.click();
        }
        return box.isSelected();
      });
    },
    async see(text) {
      await until(`the text ${JSON.stringify(text)}`, async () =>
        driver.executeScript(`return document.body.innerText.replace(/\\s+/g, " ").includes(${JSON.stringify(text)})`) as Promise<boolean>,
      );
    },
    async heading(text) {
      await until(`the heading ${JSON.stringify(text)}`, async () =>
        driver.executeScript(`return document.querySelector("h1")?.innerText.trim() === ${JSON.stringify(text)}`) as Promise<boolean>,
      );
    },
    run: async (script) => driver.executeAsyncScript(`const done = arguments[arguments.length - 1]; (async () => { ${script} })().then(done, (e) => done({ error: String(e) }));`),
    path: async () => new URL(await driver.getCurrentUrl()).pathname,
    screenshot: async (file) => {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, Buffer.from(await driver.takeScreenshot(), "base64"));
    },
  };
}

/** Starts a WebDriver session on a driver already listening at `url`. */
export async function session(url: string, capabilities: Record<string, unknown>): Promise<WebDriver> {
  return new Builder().usingServer(url).withCapabilities(capabilities).build();
}
