import { defineConfig, devices } from "@playwright/test";
import type { Engine } from "./journeys/engines";

// Tests run against the debug build made by `cargo leptos build`, served by the real server.
const port = Number(process.env.COLLOQUY_TEST_PORT ?? 3100);
export const baseURL = `http://127.0.0.1:${port}`;

// Debian's Chromium; Playwright's own browser download can't be reached from here.
export const chromium = {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

/** Starts the real server binary on `port`, serving the site cargo-leptos built (a debug
 * build reads it from target/site; a release build carries it inside). */
export function server(binary: string, port: number, dataDir: string) {
  return {
    command: binary,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: {
      COLLOQUY_ADDR: `127.0.0.1:${port}`,
      COLLOQUY_DATA_DIR: dataDir,
      // Every test device comes from this one address.
      COLLOQUY_NETWORKS_PER_HOUR: "1000",
      RUST_LOG: "warn",
    },
  };
}

export default defineConfig<{ engine: Engine }>({
  testDir: "./tests",
  globalSetup: "./global-setup.ts",
  fullyParallel: false,
  workers: 1,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL,
    browserName: "chromium",
    launchOptions: chromium,
    // Phone first: every journey runs at a phone's size unless it says otherwise.
    ...devices["Pixel 7"],
    viewport: { width: 390, height: 844 },
    // Dates are written in the browser's locale; the journeys read them in British English.
    locale: "en-GB",
    defaultBrowserType: "chromium",
    trace: "retain-on-failure",
  },
  projects: [
    { name: "chromium" },
    // The journey through every date of an interview again, in a zone with daylight saving and
    // an offset far from the machine's.
    {
      name: "chromium-los-angeles",
      use: { timezoneId: "America/Los_Angeles" },
      testMatch: /interview\.spec\.ts/,
    },
    // The core journeys again in Safari's engine and in Firefox.
    { name: "webkit", use: { engine: "webkit" }, testMatch: /engines\.spec\.ts/ },
    { name: "firefox", use: { engine: "firefox" }, testMatch: /engines\.spec\.ts/ },
  ],
  webServer: server("../target/debug/server", port, "../target/end2end-data"),
});
