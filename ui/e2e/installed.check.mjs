// Checks the installed app (from the .deb): its window opens, is titled "Switchboard", and
// shows the numbers table (seeding the demo organization on a fresh workspace first).
// Run by scripts/package-app.sh with SWITCHBOARD_APP=/usr/bin/<binary> under Xvfb.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { remote } from "webdriverio";

test("the installed app shows the numbers table", async () => {
  const b = await remote({
    hostname: "127.0.0.1",
    port: Number(process.env.TAURI_DRIVER_PORT ?? 4444),
    logLevel: "error",
    capabilities: { "tauri:options": { application: process.env.SWITCHBOARD_APP } },
  });
  try {
    await b.waitUntil(async () => (await b.$('[data-testid="seed-demo"], [data-testid="numbers-table"]')).isExisting(), {
      timeout: 20000,
    });
    assert.equal(await b.getTitle(), "Switchboard");
    const seed = await b.$('[data-testid="seed-demo"]');
    if (await seed.isExisting()) await seed.click();
    await b.waitUntil(async () => (await b.$$('[data-testid="number-row"]')).length > 10, { timeout: 30000 });
    await b.saveScreenshot(join(process.env.E2E_OUTPUT ?? ".", "installed-app.png"));
  } finally {
    await b.deleteSession();
  }
});
