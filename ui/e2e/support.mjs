// What an e2e file needs to drive the app (scripts/e2e.sh starts tauri-driver and names the
// app): a session, screenshots into E2E_OUTPUT, and waiting with a screenshot when it fails.
// Not a test file itself (scripts/e2e.sh runs only *.e2e.mjs).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { remote } from "webdriverio";

export const shots = process.env.E2E_OUTPUT ?? "test-output/e2e";
mkdirSync(shots, { recursive: true });

/** A WebDriver session of the built app (SWITCHBOARD_APP), through tauri-driver. */
export function session() {
  return remote({
    hostname: "127.0.0.1",
    port: Number(process.env.TAURI_DRIVER_PORT ?? 4444),
    logLevel: "error",
    capabilities: { "tauri:options": { application: process.env.SWITCHBOARD_APP } },
  });
}

/** Saves a screenshot of `b` called `name`. */
export const screenshot = (b, name) => b.saveScreenshot(join(shots, `${name}.png`));

/** Waits until `f` holds; when it never does, saves `failed-<prefix>-<what>` and throws. */
export async function until(b, prefix, what, f, timeout = 15000) {
  try {
    await b.waitUntil(f, { timeout, interval: 100, timeoutMsg: `timed out waiting for ${what}` });
  } catch (e) {
    await screenshot(b, `failed-${prefix}-${what.replace(/\W+/g, "-")}`);
    throw e;
  }
}
