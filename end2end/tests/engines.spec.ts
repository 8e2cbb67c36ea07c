import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "../journeys/engines";
import { start, stop } from "../journeys/server";
import { exportJourney, importJourney, interviewJourney, lacking, lackingJourney, movedSnapshotJourney, shareJourney, offlineJourney, peopleJourney, screensJourney, syncJourney } from "../journeys/steps";
import { SMALL_PEOPLE, sampleNetwork } from "./helpers";
import { linkedInExport } from "./contacts";

// The core journeys in each engine: the project names it (chromium, webkit, firefox), and so
// does every failure.

test("add people and find them after a reload", async ({ tab }) => {
  await peopleJourney(tab);
});

test("a network stored before snapshots moved to the database moves them, and opens from there", async ({ tab }) => {
  await movedSnapshotJourney(tab, JSON.stringify(await sampleNetwork(SMALL_PEOPLE)), SMALL_PEOPLE);
});

test("a LinkedIn export imported", async ({ tab }, info) => {
  const file = info.outputPath("Connections.csv");
  writeFileSync(file, linkedInExport(50));
  await importJourney(tab, file);
});

test("the whole network exported, and imported back into an empty browser", async ({ tab, newTab }, info) => {
  const notes = info.outputPath("notes.txt");
  writeFileSync(notes, "just some text");
  await exportJourney(tab, await newTab(), info.outputPath("copy.automerge"), notes);
});

test("an interview from the request to the record", async ({ tab }) => {
  await interviewJourney(tab);
});

test("edits made offline are kept, and a deep link opens offline", async ({ newTab }) => {
  // A server of its own, to take away.
  const port = 3180;
  const url = `http://127.0.0.1:${port}`;
  const data = mkdtempSync(join(tmpdir(), "colloquy-offline-"));
  const server = await start(url, { COLLOQUY_ADDR: `127.0.0.1:${port}`, COLLOQUY_DATA_DIR: data });
  try {
    await offlineJourney(await newTab(undefined, url), () => stop(server));
  } finally {
    await stop(server);
    rmSync(data, { recursive: true, force: true });
  }
});

test("the main screens fit a phone", async ({ tab }, info) => {
  await screensJourney(tab, info.outputPath("screens"));
});

test("a Chromium laptop and a phone in this engine pair, edit at once, and converge", async ({ newTab }) => {
  test.setTimeout(120_000);
  await syncJourney(await newTab("chromium"), await newTab());
});

test("what the engine lacks is left out, not failed on", async ({ engine, newTab }, info) => {
  // Chromium has every optional feature: its tab is stripped of them, as another engine's might be.
  const tab = await newTab(undefined, undefined, true);
  await tab.open("/");
  const lacks = await lacking(tab);
  info.annotations.push({ type: "lacks", description: lacks.join(", ") || "nothing optional" });
  if (engine === "chromium") {
    expect(lacks).toEqual(["scheduler.yield", "Web Locks", "periodic background sync", "app badge"]);
  }
  await lackingJourney(tab);
});

test("a profile shared from another app becomes a person", async ({ tab }) => {
  await shareJourney(tab);
});
