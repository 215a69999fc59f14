// What the end-to-end files share (scripts/e2e.sh starts tauri-driver and names the app): a
// session of the built app, screenshots into E2E_OUTPUT, and a wait that, when it times out,
// leaves a screenshot and says which toasts were shown. Not a test file itself (scripts/e2e.sh
// runs only *.e2e.mjs).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { Key, remote } from "webdriverio";

export const shots = process.env.E2E_OUTPUT ?? "test-output/e2e";
mkdirSync(shots, { recursive: true });

/** A new session of the built app (`SWITCHBOARD_APP`) through tauri-driver on
 * `TAURI_DRIVER_PORT` (scripts/e2e.sh starts both). */
export function startApp() {
  const application = process.env.SWITCHBOARD_APP;
  assert.ok(application, "SWITCHBOARD_APP must name the built app");
  return remote({
    hostname: "127.0.0.1",
    port: Number(process.env.TAURI_DRIVER_PORT ?? 4444),
    logLevel: "error",
    capabilities: { "tauri:options": { application } },
  });
}

/** Waits until `f` holds in session `b`; on a timeout, saves the screenshot
 * `failed-<suite>-<what>.png` in `shots` and fails naming the toasts shown. */
export async function until(b, suite, what, f, timeout = 15000) {
  try {
    await b.waitUntil(f, { timeout, interval: 100, timeoutMsg: `timed out waiting for ${what}` });
  } catch (e) {
    await b.saveScreenshot(join(shots, `failed-${suite}-${what.replace(/\W+/g, "-")}.png`));
    const toasts = await b.execute(() => [...document.querySelectorAll(".toast")].map((t) => t.textContent));
    throw new Error(`${e.message}; toasts: ${JSON.stringify(toasts)}`);
  }
}

/** The table's search as the app keeps it in its settings (the last view, written a moment
 * after each change: `TableViews.changed`), read through the app's own `get_settings`. */
export function keptSearch(b) {
  return b.executeAsync((done) =>
    window.__TAURI_INTERNALS__.invoke("get_settings").then(
      (s) => done(s.lastView?.filters?.search ?? null),
      (e) => done(`error: ${e?.message ?? e}`),
    ),
  );
}

/** The numbers of the table's rows shown, in order. */
export function numberRows(b) {
  return b.execute(() => [...document.querySelectorAll('[data-testid="number-row"]')].map((r) => r.getAttribute("data-number")));
}

/** Opens the import wizard with an account row's Import button (`importButton`) and lists the
 * account's numbers; the wizard, once its preview is shown (`waitFor` as the file waits). */
export async function previewImport(b, importButton, waitFor) {
  await importButton.scrollIntoView({ block: "center" });
  await importButton.click();
  const wizard = await b.$('[data-testid="import-wizard"]');
  await wizard.waitForExist({ timeout: 5000 });
  await (await b.$('[data-testid="import-list"]')).click();
  await waitFor("the preview", async () => (await wizard.getAttribute("data-step")) === "review");
  return wizard;
}

/** A screenshot `name`.png once the page has painted what the DOM holds (two frames later). */
export async function screenshot(b, name) {
  await b.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  await b.saveScreenshot(join(shots, `${name}.png`));
}

/** Opens the local workspace when another is open (a file before this one may have left a team
 * workspace open), with `waitFor(what, f)` as the file waits; closes the workspace dialog. */
export async function openLocalWorkspace(b, waitFor) {
  const workspace = await b.$('[data-testid="workspace-button"]');
  await workspace.waitForExist({ timeout: 30000 });
  // The button's whole label (the screen may show it cut short).
  const label = () => b.execute(() => document.querySelector('[data-testid="workspace-button"]').textContent);
  if (/Local workspace/.test(await label())) return;
  await workspace.click();
  await (await b.$('[data-testid="open-local"]')).click();
  await waitFor("the local workspace", async () => /Local workspace/.test(await label()));
  // The workspace dialog may stay open after the switch: close it (its "Close" button).
  await b.execute(() => {
    const dialog = document.querySelector('[data-testid="workspace-dialog"]');
    const close = dialog && [...dialog.querySelectorAll("button")].find((x) => x.textContent.trim() === "Close");
    close?.click();
  });
}

/** Runs the CLI (`SWITCHBOARD_CLI`, which scripts/e2e.sh builds) on the app's workspace; its
 * standard output. */
export function cli(...args) {
  return execFileSync(process.env.SWITCHBOARD_CLI, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** A new session once the file's own organization is set up by the CLI (`setUp`); `after`
 * ends it. Checks first that scripts/e2e.sh named the app and the CLI. */
export async function sessionAfter(setUp) {
  if (!process.env.SWITCHBOARD_APP) throw new Error("SWITCHBOARD_APP must name the built app");
  if (!process.env.SWITCHBOARD_CLI) throw new Error("SWITCHBOARD_CLI must name the CLI (scripts/e2e.sh builds it)");
  setUp();
  return startApp();
}

/** Chooses the organization whose name starts with `name` in the picker (waiting, with
 * `waitFor(what, f)`, for its option: the picker exists before its organizations are listed;
 * a number under a port-out alarm adds "(⚠ 1 moving away)" to the text); the organization
 * shown before, to put back. */
export async function chooseOrganization(b, name, waitFor) {
  const org = await b.$('select[aria-label="Organization"]');
  await org.waitForExist({ timeout: 30000 });
  const option = () =>
    b.execute((name) => {
      const o = [...document.querySelectorAll('select[aria-label="Organization"] option')].find((x) => x.textContent.trim().startsWith(name));
      return o ? o.value : null;
    }, name);
  await waitFor("the organization in the picker", async () => (await option()) !== null);
  const shown = await org.getValue();
  await org.selectByAttribute("value", await option());
  return shown;
}

/** The workspace file (SWITCHBOARD_WORKSPACE) and its SQLite companions. */
const WORKSPACE_FILES = ["", "-wal", "-shm"];

/** Gives the file a workspace of its own: moves the one the other files use aside (under the
 * suffix `.before-<name>`); returns what puts it back (the file's own workspace removed). */
export function ownWorkspace(name) {
  const workspace = process.env.SWITCHBOARD_WORKSPACE;
  assert.ok(workspace, "SWITCHBOARD_WORKSPACE must name the workspace file");
  const aside = (f) => `${workspace}${f}.before-${name}`;
  for (const f of WORKSPACE_FILES) if (existsSync(workspace + f)) renameSync(workspace + f, aside(f));
  return () => {
    for (const f of WORKSPACE_FILES) {
      rmSync(workspace + f, { force: true });
      if (existsSync(aside(f))) renameSync(aside(f), workspace + f);
    }
  };
}

/** Types `text` into the table's search (as the page's input event) and waits, with
 * `waitFor(what, f)`, until the table shows the rows for it. */
export async function searchFor(b, waitFor, text) {
  await b.execute((t) => {
    const el = document.querySelector('[data-testid="search"]');
    el.value = t;
    el.dispatchEvent(new Event("input", { bubbles: true }));
  }, text);
  await waitFor(`search ${text}`, async () =>
    (await b.execute(() => document.querySelector('[data-testid="numbers-table"]')?.dataset.shownSearch)) === text);
}

/** The fake Twilio's account (crates/fake-providers creds): not secrets, they exist only there. */
export const FAKE_TWILIO = { sid: "AC00000000000000000000000000000001", token: "fake-twilio-auth-token" };

/** Deletes the fake Twilio account's secret a file filed in the test vault (if any is left). */
export function forgetFakeTwilio() {
  try {
    execFileSync("secret-tool", ["clear", "service", "dev.switchboard.desktop", "username", `twilio:${FAKE_TWILIO.sid}`], { stdio: "ignore" });
  } catch {
    // none left
  }
}

const AXE_SOURCE = () => readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** The serious and critical violations axe-core finds in session `b`'s page as it is now:
 * each rule, its impact, what it asks and where (up to four elements). */
export async function axeViolations(b) {
  if (!(await b.execute(() => typeof window.axe !== "undefined"))) await b.execute(AXE_SOURCE());
  const found = await b.executeAsync((done) => {
    window.axe
      .run(document, { resultTypes: ["violations"] })
      .then((r) => done(JSON.stringify(r.violations)))
      .catch((e) => done(JSON.stringify({ error: String(e) })));
  });
  const parsed = JSON.parse(found);
  assert.ok(Array.isArray(parsed), `axe ran: ${found}`);
  return parsed
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ rule: v.id, impact: v.impact, help: v.help, where: v.nodes.slice(0, 4).map((n) => n.target.join(" ")) }));
}

/** Whether the element that has focus in session `b` matches `selector`. */
export const hasFocus = (b, selector) => b.execute((s) => document.activeElement?.matches(s) ?? false, selector);

/** Presses one key in session `b` (with Shift held when `shift`). */
export async function press(b, key, shift = false) {
  const k = b.action("key");
  if (shift) k.down(Key.Shift);
  k.down(key).up(key);
  if (shift) k.up(Key.Shift);
  await k.perform();
}

/** Checks that focus is inside the dialog `selector` and stays there through Tab (once round
 * its controls and one more) and Shift+Tab; the controls it went through. */
export async function focusStaysIn(b, selector) {
  const inside = () => b.execute((s) => !!document.querySelector(s)?.contains(document.activeElement), selector);
  // Where focus is, and the last key the page saw (named in a failure).
  await b.execute(() => {
    if (window.__lastKey !== undefined) return;
    window.__lastKey = null;
    document.addEventListener("keydown", (e) => (window.__lastKey = `${e.key}/${e.code}/${e.keyCode}${e.shiftKey ? "+shift" : ""}`), true);
  });
  const where = () =>
    b.execute(() => `${document.activeElement?.outerHTML.slice(0, 120) ?? "nothing"} (last key ${window.__lastKey})`);
  assert.ok(await inside(), `focus is in ${selector}, not on ${await where()}`);
  const controls = await b.execute(
    (s) =>
      [...document.querySelector(s).querySelectorAll("a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])")].length,
    selector,
  );
  const visited = new Set();
  for (let i = 0; i <= controls; i++) {
    await press(b, Key.Tab);
    assert.ok(await inside(), `Tab ${i + 1} keeps focus in ${selector}, not on ${await where()}`);
    visited.add(await where());
  }
  await press(b, Key.Tab, true);
  assert.ok(await inside(), `Shift+Tab keeps focus in ${selector}, not on ${await where()}`);
  return visited;
}
