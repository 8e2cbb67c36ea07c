// Renders the app icons in public/icons/ from the one source image, public/favicon.svg, in
// Chromium. Run from end2end/: `node scripts/icons.mjs`. The PNGs are committed.
import { chromium } from "@playwright/test";
import { readFileSync } from "node:fs";

const svg = readFileSync("../public/favicon.svg", "utf8");
const source = `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`;
// Maskable icons may be cropped to a circle: keep the mark in the middle 70% on a full-bleed
// background of the icon's own colour.
const background = /<rect[^>]*fill="(#[0-9a-f]{6})"/i.exec(svg)[1];

const icons = [
  { file: "icon-192.png", size: 192, scale: 1, fill: "transparent" },
  { file: "icon-512.png", size: 512, scale: 1, fill: "transparent" },
  { file: "maskable-512.png", size: 512, scale: 0.7, fill: background },
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const page = await browser.newPage();
for (const { file, size, scale, fill } of icons) {
  await page.setViewportSize({ width: size, height: size });
  const inner = Math.round(size * scale);
  await page.setContent(
    `<html><body style="margin:0;width:${size}px;height:${size}px;display:grid;place-items:center;background:${fill}">` +
      `<img src="${source}" width="${inner}" height="${inner}"></body></html>`,
  );
  await page.locator("img").evaluate((img) => img.decode());
  await page.screenshot({ path: `../public/icons/${file}`, omitBackground: fill === "transparent" });
  console.log(`public/icons/${file}`);
}
await browser.close();
