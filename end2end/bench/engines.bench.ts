import { readFileSync } from "node:fs";
import { test, type Engine } from "../journeys/engines";
import { replaceStorageScript } from "../journeys/storage";
import { median } from "./stored";

// Opening a stored network of 1,000 people in each engine, through the shared journeys' `Tab`
// (Playwright for Chromium, WebDriver for WebKit and Firefox), at a phone's size. From
// navigation start, medians of several loads of one tab (the engine keeps its compiled wasm,
// as on a phone opening the app again):
// - `shown`: the people list drawn from the cached overview (`colloquy:people-listed`);
// - `open`: the network open for editing (`colloquy:network-open`).
const RUNS = 5;
const PEOPLE = 1000;

test("open 1,000 people in each engine", async ({ newTab }) => {
  const entries = readFileSync(`../target/bench/network-${PEOPLE}.json`, "utf8");
  const rows: string[] = [];
  for (const engine of ["chromium", "webkit", "firefox"] as Engine[]) {
    const tab = await newTab(engine);
    await tab.open("/people");
    await tab.run(replaceStorageScript(entries));
    // One load to let the app write what it caches, then the measured ones.
    await tab.open("/people");
    await tab.run(`while (localStorage.getItem("colloquy/list") === null) await new Promise((r) => setTimeout(r, 50));`);
    const shown: number[] = [];
    const open: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await tab.open("/people");
      const marks = await tab.run<[number, number]>(`
        const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
        while (Number.isNaN(at("colloquy:people-listed"))) await new Promise((r) => setTimeout(r, 20));
        return [at("colloquy:people-listed"), at("colloquy:network-open")];`);
      shown.push(marks[0]);
      open.push(marks[1]);
    }
    rows.push(`${engine.padEnd(9)} ${median(shown).toFixed(0).padStart(8)} ${median(open).toFixed(0).padStart(8)}`);
  }
  console.log(`\nopening ${PEOPLE} people, ms from navigation (medians of ${RUNS} loads of one tab)`);
  console.log(`engine       shown     open`);
  for (const row of rows) console.log(row);
});
