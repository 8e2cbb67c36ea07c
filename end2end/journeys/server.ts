import { expect } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { get as httpGet } from "node:http";
import { get as httpsGet } from "node:https";
import { resolve } from "node:path";

// The server as an operator runs it: its own process, its own data directory and settings.

export const binary = resolve("../target/debug/server");

/** Starts the server with `settings` and waits until `url` answers. */
export async function start(url: string, settings: Record<string, string>): Promise<ChildProcess> {
  if ((await status(`${url}/healthz`)) !== 0) throw new Error(`something already answers at ${url}`);
  const child = spawn(binary, [], {
    env: { ...process.env, RUST_LOG: "warn", ...settings },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let i = 0; i < 400 && child.exitCode === null; i++) {
    if ((await status(`${url}/healthz`)) === 200) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error(`the server did not start (exit code ${child.exitCode})`);
}

/** The status `url` answers with (0 when nothing answers); any certificate is taken. */
export function status(url: string): Promise<number> {
  return new Promise((done) => {
    const get = url.startsWith("https:") ? httpsGet : httpGet;
    const request = get(url, { rejectUnauthorized: false }, (response) => {
      response.resume();
      done(response.statusCode ?? 0);
    });
    request.on("error", () => done(0));
  });
}

/** Stops the server as a service manager does (SIGTERM); it must exit 0. */
export async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise<number | null>((r) => child.once("exit", r));
  child.kill("SIGTERM");
  expect(await exited).toBe(0);
}

