import { defineConfig } from "@playwright/test";
import { chromium } from "./playwright.config";

// Benchmarks: the release build, one worker, figures printed to stdout.
const port = Number(process.env.COLLOQUY_BENCH_PORT ?? 3200);
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: "./bench",
  testMatch: /.*\.bench\.ts/,
  workers: 1,
  retries: 0,
  timeout: 600_000,
  reporter: [["list"]],
  use: {
    baseURL,
    browserName: "chromium",
    launchOptions: chromium,
    viewport: { width: 390, height: 844 },
  },
  webServer: {
    command: "../target/release/server",
    url: `${baseURL}/`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: {
      LEPTOS_OUTPUT_NAME: "colloquy",
      LEPTOS_SITE_ROOT: "../target/site",
      LEPTOS_SITE_PKG_DIR: "pkg",
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      COLLOQUY_DATA_DIR: "../target/bench-data",
      RUST_LOG: "warn",
    },
  },
});
