// The app under tauri-driver for an e2e file (scripts/e2e.sh starts the driver and names the
// built app in SWITCHBOARD_APP): the browser session, its screenshots, and waiting with a
// screenshot of the moment it timed out.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { remote } from "webdriverio";

const shots = process.env.E2E_OUTPUT ?? "test-output/e2e";

/** Starts the app; its window is the session's. */
export async function startApp() {
  const app = process.env.SWITCHBOARD_APP;
  assert.ok(app, "SWITCHBOARD_APP must name the built app");
  mkdirSync(shots, { recursive: true });
  return remote({
    hostname: "127.0.0.1",
    port: Number(process.env.TAURI_DRIVER_PORT ?? 4444),
    logLevel: "error",
    capabilities: { "tauri:options": { application: app } },
  });
}

/** A screenshot `name`.png once the page has painted what the DOM holds (two frames later). */
export async function screenshot(b, name) {
  await b.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  await b.saveScreenshot(join(shots, `${name}.png`));
}

/** Waits until `f` holds; on a timeout, a screenshot `failed-{prefix}-{what}` and the toasts. */
export async function waitUntil(b, prefix, what, f, timeout = 20000) {
  try {
    await b.waitUntil(f, { timeout, interval: 100, timeoutMsg: `timed out waiting for ${what}` });
  } catch (e) {
    await screenshot(b, `failed-${prefix}-${what.replace(/\W+/g, "-")}`);
    const toasts = await b.execute(() => [...document.querySelectorAll(".toast")].map((t) => t.textContent));
    throw new Error(`${e.message}; toasts: ${JSON.stringify(toasts)}`);
  }
}
