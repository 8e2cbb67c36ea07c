import { expect, test } from "@playwright/test";
import { storeNetwork } from "./stored";

test("probe", async ({ context }) => {
  await context.addInitScript(() => {
    const tasks: [number, number][] = [];
    (window as any).longTasks = tasks;
    new PerformanceObserver((list) => {
      for (const t of list.getEntries()) tasks.push([t.startTime, t.duration]);
    }).observe({ type: "longtask", buffered: true });
  });
  const n = Number(process.env.PROBE_N ?? 10000);
  const page = await context.newPage();
  await storeNetwork(page, n);
  await page.goto("/people");
  await expect(page.locator('main[data-network="ready"]')).toBeVisible({ timeout: 120_000 });
  await expect.poll(() => page.evaluate(() => localStorage.getItem("colloquy/list") !== null), { timeout: 60_000 }).toBe(true);
  for (let run = 0; run < 3; run++) {
    const p = await context.newPage();
    await p.goto(process.env.PROBE_PATH ?? "/people");
    await expect(p.locator('main[data-network="ready"]')).toBeVisible({ timeout: 120_000 });
    await p.evaluate(() => new Promise((r) => setTimeout(r, 0)));
    const out = await p.evaluate(() => ({
      marks: performance.getEntriesByType("mark").map((m) => `${m.name}@${m.startTime.toFixed(0)}`),
      res: performance.getEntriesByType("resource").filter((r: any) => r.name.includes("pkg")).map((r: any) => `${r.name.split("/").pop()} ${r.startTime.toFixed(0)}-${r.responseEnd.toFixed(0)}`),
      tasks: (window as any).longTasks.map(([s, d]: [number, number]) => `${s.toFixed(0)}+${d.toFixed(0)}`),
    }));
    console.log(JSON.stringify(out));
    await p.close();
  }
});
