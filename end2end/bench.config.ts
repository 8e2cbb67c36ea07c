import { defineConfig } from "@playwright/test";
import { chromium, server } from "./playwright.config";

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
  webServer: server("../target/release/server", port, "../target/bench-data"),
});
