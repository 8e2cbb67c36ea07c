import type { Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { replaceStorage } from "../tests/helpers";

// What the browser benchmarks share: the sizes they run at, medians, and the stored networks
// `cargo bench -p app --bench open` writes (`target/bench/network-<n>.json`).

/** Network sizes in people (`OPEN_BENCH_SIZES=1000,10000` by default). */
export const sizes = (process.env.OPEN_BENCH_SIZES ?? "1000,10000").split(",").map(Number);

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

/** Replaces what this origin stores with the stored network of `n` people. */
export async function storeNetwork(page: Page, n: number) {
  const entries: Record<string, string> = JSON.parse(
    readFileSync(`../target/bench/network-${n}.json`, "utf8"),
  );
  await page.goto("/people");
  await replaceStorage(page, entries);
}
