import { chromium as chromiumBrowser, expect, test, type BrowserContext } from "@playwright/test";
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "../playwright.config";
import { addPerson, listedNames, offlineReady, open, waitReady, watchConsole } from "./helpers";
import { binary, start, status, stop } from "../journeys/server";

// The server as an operator runs it: its own process, its own data directory and settings.

test("the server binary copied alone into an empty directory serves the app and the relay", async ({ page }) => {
  test.setTimeout(120_000);
  const problems = watchConsole(page);
  const dir = mkdtempSync(join(tmpdir(), "colloquy-alone-"));
  copyFileSync(binary, join(dir, "server"));
  const port = 3170;
  const url = `http://127.0.0.1:${port}`;
  // Nothing but the file: no site directory, no settings in the environment.
  const bare = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("COLLOQUY_") && !k.startsWith("LEPTOS_")));
  const server = spawn(join(dir, "server"), ["--addr", `127.0.0.1:${port}`], { env: bare, cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
  try {
    for (let i = 0; i < 400 && (await status(`${url}/healthz`)) !== 200; i++) await new Promise((r) => setTimeout(r, 50));
    await page.goto(`${url}/people`);
    await waitReady(page);
    await addPerson(page, { name: "Alone Alma" });
    await page.goto(`${url}/settings`);
    await waitReady(page);
    await page.getByRole("button", { name: "Turn on sync" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Sync:" })).toHaveText("Sync: up to date");
    // Its data went where it was run.
    expect(existsSync(join(dir, "data", "relay.sqlite3"))).toBe(true);
  } finally {
    await stop(server);
    rmSync(dir, { recursive: true, force: true });
  }
  expect(problems).toEqual([]);
});

test("a server that starts networks by invite asks for a code, and syncs once given one", async ({ page }) => {
  test.setTimeout(120_000);
  const problems = watchConsole(page);
  const data = mkdtempSync(join(tmpdir(), "colloquy-invite-"));
  const port = 3160;
  const url = `http://127.0.0.1:${port}`;
  const server = await start(url, {
    COLLOQUY_ADDR: `127.0.0.1:${port}`,
    COLLOQUY_DATA_DIR: data,
    COLLOQUY_NEW_NETWORKS: "invite",
  });
  try {
    await page.goto(`${url}/settings`);
    await waitReady(page);
    await page.getByRole("button", { name: "Turn on sync" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Sync:" })).toContainText("only with an invite code");
    // Nothing to pair yet: the network isn't on the server.
    await expect(page.getByRole("button", { name: "Pair another device" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Don't sync for now" })).toBeVisible();
    // What the operator runs on the server's machine.
    const code = execFileSync(binary, ["invite"], { env: { ...process.env, COLLOQUY_DATA_DIR: data }, encoding: "utf8" }).trim();
    expect(code).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    await page.getByLabel("Invite code", { exact: true }).fill(code);
    await page.getByRole("button", { name: "Sync with this code" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Sync:" })).toHaveText("Sync: up to date");
    await expect(page.getByLabel("Invite code", { exact: true })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Pair another device" })).toBeVisible();
    // The code is spent once the network is there.
    expect(await page.evaluate(() => localStorage.getItem("colloquy/sync/invite"))).toBeNull();
  } finally {
    await stop(server);
    rmSync(data, { recursive: true, force: true });
  }
  // The relay's refusal closes the socket; the browser reports nothing else.
  expect(problems.filter((p) => !p.includes("WebSocket"))).toEqual([]);
});

test("over HTTPS on a real host name: installable, synced over wss://, and offline afterwards", async () => {
  test.setTimeout(240_000);
  const work = mkdtempSync(join(tmpdir(), "colloquy-https-"));
  const cert = join(work, "cert.pem");
  const key = join(work, "key.pem");
  const host = "colloquy.test";
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", key, "-out", cert, "-days", "2", "-subj", `/CN=${host}`, "-addext", `subjectAltName=DNS:${host}`,
  ], { stdio: "ignore" });
  // Chromium takes this certificate as valid (service workers need a valid one), and finds the
  // host name at 127.0.0.1.
  const spki = execFileSync("sh", [
    "-c", `openssl x509 -in ${cert} -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`,
  ], { encoding: "utf8" }).trim();
  const port = 3443;
  const origin = `https://${host}:${port}`;
  const server = await start(`https://127.0.0.1:${port}`, {
    COLLOQUY_ADDR: `127.0.0.1:${port}`,
    COLLOQUY_DATA_DIR: join(work, "data"),
    COLLOQUY_TLS_CERT: cert,
    COLLOQUY_TLS_KEY: key,
  });
  const launch = (name: string) =>
    chromiumBrowser.launchPersistentContext(join(work, name), {
      ...chromium,
      args: [...chromium.args, `--host-resolver-rules=MAP ${host} 127.0.0.1`, `--ignore-certificate-errors-spki-list=${spki}`],
      baseURL: origin,
      viewport: { width: 390, height: 844 },
      locale: "en-GB",
    });
  let laptop: BrowserContext | undefined;
  let phone: BrowserContext | undefined;
  try {
    laptop = await launch("laptop");
    const a = await laptop.newPage();
    const problems = watchConsole(a);
    const response = await a.goto("/people");
    expect(response!.headers()["strict-transport-security"]).toBe("max-age=31536000");
    await waitReady(a);
    await offlineReady(a);
    const cdp = await laptop.newCDPSession(a);
    const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
    expect(installabilityErrors).toEqual([]);

    await addPerson(a, { name: "Tls Tamsin", organisation: "Harbour Labs" });
    await a.goto("/settings");
    await waitReady(a);
    await a.getByRole("button", { name: "Turn on sync" }).click();
    await expect(a.getByRole("status").filter({ hasText: "Sync:" })).toHaveText("Sync: up to date");
    await a.getByRole("button", { name: "Pair another device" }).click();
    const link = (await a.locator(".pair-link code").textContent()) ?? "";
    expect(link.startsWith(`${origin}/pair#k=`)).toBe(true);

    phone = await launch("phone");
    const b = await phone.newPage();
    await b.goto(link);
    await waitReady(b);
    await b.getByRole("button", { name: "Join", exact: true }).click();
    await expect(b.getByRole("status").filter({ hasText: "Sync:" })).toHaveText("Sync: up to date", { timeout: 30_000 });
    await open(b, "/people");
    await expect.poll(() => listedNames(b), { timeout: 30_000 }).toContain("Tls Tamsin");
    await offlineReady(b);

    // Afterwards, with no network at all, the phone opens the app and its data.
    await phone.setOffline(true);
    await b.goto("/people");
    await waitReady(b);
    expect(await listedNames(b)).toContain("Tls Tamsin");
    expect(problems).toEqual([]);
  } finally {
    await laptop?.close();
    await phone?.close();
    await stop(server);
    rmSync(work, { recursive: true, force: true });
  }
});
