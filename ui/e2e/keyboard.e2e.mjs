// The main flow with the keyboard alone, in the real webview (issue #17): key presses only
// (Tab, Shift+Tab, Enter, Space, Escape, arrows and typing; no element is clicked) create the
// demo data, search the table, move to a row and open it, rename the number and save, assign an
// agent, check rows and run a bulk status change, and import a provider account's numbers through
// the wizard (against the fake Twilio, as providers.e2e.mjs; the CSV import opens the system's
// file dialog, which WebDriver cannot drive, so the provider import stands for the import here).
// After each dialog closes, focus is back where it was before it opened. The page is read (to
// check what happened and where focus is) but never acted on except through the keyboard. On a
// workspace of its own, moved aside and put back.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Key } from "webdriverio";
import { FAKE_TWILIO, forgetFakeTwilio, hasFocus, numberRows, ownWorkspace, press as pressKey, screenshot, startApp, until } from "./support.mjs";

const { sid: SID, token: TOKEN } = FAKE_TWILIO;

let b;
const waitFor = (what, f, timeout) => until(b, "keyboard", what, f, timeout);
const shot = (name) => screenshot(b, name);
const rows = () => numberRows(b);

/** What has focus: its test id, number (a table row), tag and label. */
const focused = () =>
  b.execute(() => {
    const a = document.activeElement;
    return a
      ? { testid: a.dataset?.testid ?? null, number: a.dataset?.number ?? null, tag: a.tagName.toLowerCase(), label: a.getAttribute("aria-label"), id: a.id || null }
      : null;
  });
const focusMatches = (selector) => hasFocus(b, selector);

/** Presses one key (with Shift held when `shift`). */
const press = (key, shift = false) => pressKey(b, key, shift);

/** Presses Tab (Shift+Tab when `back`) until the focused element matches `selector`; fails
 * after `max` presses. */
async function tabTo(selector, { back = false, max = 120 } = {}) {
  for (let i = 0; i < max; i++) {
    if (await focusMatches(selector)) return i;
    await press(Key.Tab, back);
  }
  if (await focusMatches(selector)) return max;
  await shot(`failed-keyboard-tab-to-${selector.replace(/\W+/g, "-")}`);
  throw new Error(`${max} presses of ${back ? "Shift+Tab" : "Tab"} never reached ${selector}; focus is on ${JSON.stringify(await focused())}`);
}

/** Types `text` into whatever has focus, a key press at a time (WebKitWebDriver drops a key
 * pressed again in the same action sequence: "00" typed as one sequence gives "0"). */
async function type(text) {
  for (const c of text) await press(c);
}

const toasts = () => b.execute(() => [...document.querySelectorAll(".toast")].map((t) => t.textContent).join(" "));
const dialogOpen = async () => (await b.$$('[role="dialog"], [role="alertdialog"]')).length > 0;

/** Checks that focus is back on the element matching `selector` after a dialog closed. */
async function focusBack(selector, what) {
  await waitFor(`${what} closed`, async () => !(await dialogOpen()));
  await waitFor(`focus back on ${selector} after ${what}`, () => focusMatches(selector), 3000);
}

let putBack;
let opened;

before(async () => {
  assert.ok(process.env.SWITCHBOARD_TWILIO_API_URL, "SWITCHBOARD_TWILIO_API_URL must point at the fake Twilio (scripts/e2e.sh)");
  putBack = ownWorkspace("keyboard");
  b = await startApp();
});

after(async () => {
  await b?.deleteSession().catch(() => {});
  putBack?.();
  forgetFakeTwilio();
});

describe("the main flow with the keyboard only", () => {
  it("creates the demo organization", async () => {
    await (await b.$('[data-testid="seed-demo"]')).waitForExist({ timeout: 20000 });
    await tabTo('[data-testid="seed-demo"]');
    await press(Key.Enter);
    await waitFor("the demo's rows", async () => (await rows()).length > 0, 60000);
    await shot("k01-demo");
  });

  it("searches the table with / and typing", async () => {
    const first = (await rows())[0];
    const digits = first.slice(-5, -2);
    await press("/");
    assert.equal((await focused()).testid, "search", "/ moves focus to the search");
    await type(digits);
    await waitFor("the search shown", async () =>
      (await b.execute(() => document.querySelector('[data-testid="numbers-table"]')?.dataset.shownSearch)) === digits);
    const shown = await rows();
    assert.ok(shown.length >= 3, `several numbers match ${digits}: ${shown.length}`);
    assert.ok(shown.every((n) => n.includes(digits)), `every row matches ${digits}: ${shown}`);
    await shot("k02-search");
  });

  it("moves to a row with Tab and the arrows, and opens it with Enter", async () => {
    await tabTo('[data-testid="number-row"]');
    const shown = await rows();
    assert.equal((await focused()).number, shown[0], "Tab reaches the first row");
    await press(Key.ArrowDown);
    await waitFor("the second row focused", async () => (await focused()).number === shown[1]);
    await press(Key.Enter);
    await waitFor("the detail panel", async () => (await b.$$('[data-testid="detail-panel"]')).length === 1);
    opened = shown[1];
    assert.match(await (await b.$('[data-testid="detail-panel"] h2')).getText(), /\d/);
    await waitFor("focus in the panel's name field", async () => (await focused()).testid === "friendly-name");
    await shot("k03-row-opened");
  });

  it("renames the number and saves with Enter", async () => {
    // Select the name there is (Ctrl+A), type over it, submit the form.
    await b.action("key").down(Key.Ctrl).down("a").up("a").up(Key.Ctrl).perform();
    await type("Keyboard line");
    await press(Key.Enter);
    await waitFor("the rename saved", async () => /Renamed to “Keyboard line”/.test(await toasts()));
    const row = await b.execute((n) => document.querySelector(`[data-testid="number-row"][data-number="${n}"]`)?.textContent ?? "", opened);
    assert.match(row, /Keyboard line/, "the table's row shows the new name");
    await shot("k04-renamed");
  });

  it("assigns an agent with the arrow keys and Enter in the Agent field", async () => {
    await tabTo('[data-testid="detail-panel"] [data-testid="agent"]');
    // The closed select's arrows show the next (or, on the last, the previous) option; Enter
    // saves it (as the bulk bar's selects).
    const { key, name, id } = await b.execute(() => {
      const s = document.querySelector('[data-testid="detail-panel"] [data-testid="agent"]');
      const down = s.selectedIndex < s.options.length - 1;
      const o = s.options[s.selectedIndex + (down ? 1 : -1)];
      return { key: down ? "down" : "up", name: o.textContent, id: o.value };
    });
    await press(key === "down" ? Key.ArrowDown : Key.ArrowUp);
    const said = id === "" ? "Unassigned" : `Assigned to ${name}`;
    await b.pause(500);
    assert.ok(!(await toasts()).includes(said), "the arrow only shows the choice");
    await press(Key.Enter);
    await waitFor("the agent assigned", async () => (await toasts()).includes(said));
    await waitFor("the panel shows it", async () => (await b.execute(() => document.querySelector('[data-testid="detail-panel"] [data-testid="agent"]').value)) === id);
    await waitFor("focus still on the Agent field", () => focusMatches('[data-testid="detail-panel"] [data-testid="agent"]'), 3000);
    await shot("k05-assigned");
  });

  it("closes the panel with Escape, focus back on the number's row", async () => {
    await press(Key.Escape);
    await waitFor("the panel closed", async () => (await b.$$('[data-testid="detail-panel"]')).length === 0);
    await waitFor("focus on the opened row", async () => (await focused()).number === opened, 3000);
  });

  it("checks rows with Space and Shift+Space, and sets their status from the bulk bar", async () => {
    // From the search (not from where the test before left focus) to the first row.
    const shown = await rows();
    await press("/");
    await tabTo('[data-testid="number-row"]');
    assert.equal((await focused()).number, shown[0]);
    await press(Key.Space);
    await waitFor("one checked", async () => (await b.$$('[data-testid="bulk-count"]')).length === 1);
    assert.equal(await (await b.$('[data-testid="bulk-count"]')).getText(), "1 selected");
    // Each arrow moves focus on the next frame: one press at a time.
    await press(Key.ArrowDown);
    await waitFor("the second row focused again", async () => (await focused()).number === shown[1]);
    await press(Key.ArrowDown);
    await waitFor("the third row focused", async () => (await focused()).number === shown[2]);
    await press(Key.Space, true);
    await waitFor("three checked", async () => (await (await b.$('[data-testid="bulk-count"]')).getText()) === "3 selected");
    await shot("k06-rows-checked");
    // A status the first row has not (read while it is on screen: Tab scrolls the table).
    const target = await b.execute((n) => {
      const row = document.querySelector(`[data-testid="number-row"][data-number="${n}"] .status`);
      return row.textContent.trim() === "inactive" ? "error" : "inactive";
    }, shown[0]);
    await tabTo('select[aria-label="Set status of selected"]');
    // The arrows go through the options (each one shown runs nothing) to the status; Enter runs it.
    for (let i = 0; i < 4 && (await b.execute(() => document.activeElement.value)) !== target; i++) await press(Key.ArrowDown);
    assert.equal(await b.execute(() => document.activeElement.value), target);
    await b.pause(500);
    assert.doesNotMatch(await toasts(), /Status set to/, "looking through the options changed nothing");
    assert.equal(await (await b.$('[data-testid="bulk-count"]')).getText(), "3 selected");
    await press(Key.Enter);
    await waitFor("the bulk change", async () => new RegExp(`Status set to ${target}.*3 updated`).test(await toasts()), 30000);
    // The table reloads at its top.
    await waitFor("the rows changed", async () =>
      b.execute((ns, t) => ns.every((n) => document.querySelector(`[data-testid="number-row"][data-number="${n}"] .status`)?.textContent.trim() === t), shown.slice(0, 3), target));
    await shot("k07-bulk-status");
  });

  it("opens and closes dialogs with the keyboard, focus back on their buttons", async () => {
    await press("/");
    await tabTo('[data-testid="agents-open"]', { back: true });
    await press(Key.Enter);
    await waitFor("the agents dialog", async () => (await b.$$('[data-testid="agents-dialog"]')).length === 1);
    assert.ok(await b.execute(() => document.querySelector('[data-testid="agents-dialog"]').contains(document.activeElement)), "focus moves into the dialog");
    await shot("k08-agents-dialog");
    await press(Key.Escape);
    await focusBack('[data-testid="agents-open"]', "the agents dialog");
    // N opens "Add a number"; Escape closes it.
    await press("n");
    await waitFor("the add dialog", async () => (await b.$$('[data-testid="add-dialog"]')).length === 1);
    await waitFor("focus in the add dialog", async () => (await focused()).id === "new-number");
    await press(Key.Escape);
    await focusBack('[data-testid="agents-open"]', "the add dialog");
  });

  it("adds the fake Twilio account and imports its numbers through the wizard", async () => {
    await tabTo('[data-testid="accounts-open"]');
    await press(Key.Enter);
    await waitFor("the accounts dialog", async () => (await b.$$('[data-testid="accounts-dialog"]')).length === 1);
    await tabTo('[data-testid="account-id"]');
    await type(SID);
    await tabTo('[data-testid="account-secret"]');
    await type(TOKEN);
    await tabTo('[data-testid="account-label"]');
    await type("Keyboard Twilio");
    await press(Key.Enter);
    await waitFor("the account row", async () => (await b.$$(`[data-testid="account-row"][data-account="${SID}"]`)).length === 1);
    await tabTo(`[data-testid="account-row"][data-account="${SID}"] [data-testid="account-import"]`, { back: true });
    await shot("k09-account-added");
    await press(Key.Enter);
    const wizard = await b.$('[data-testid="import-wizard"]');
    await wizard.waitForExist({ timeout: 5000 });
    await waitFor("focus in the wizard", () => b.execute(() => document.querySelector('[data-testid="import-wizard"]').contains(document.activeElement)));
    await tabTo('[data-testid="import-list"]');
    await press(Key.Enter);
    await waitFor("the preview", async () => (await wizard.getAttribute("data-step")) === "review", 30000);
    await shot("k10-import-review");
    await tabTo('[data-testid="import-submit"]');
    assert.match(await (await b.$('[data-testid="import-submit"]')).getText(), /Import 30/);
    await press(Key.Enter);
    const report = await b.$('[data-testid="import-report"]');
    await report.waitForExist({ timeout: 30000 });
    assert.match(await report.getText(), /30 imported, 0 refreshed, 0 failed/);
    await shot("k11-import-report");
    await tabTo('[data-testid="import-close"]');
    await press(Key.Enter);
    await focusBack('[data-testid="accounts-open"]', "the import wizard");
    // The imported numbers are in the table: search one.
    await press("/");
    await b.action("key").down(Key.Ctrl).down("a").up("a").up(Key.Ctrl).perform();
    await type("2340000");
    await waitFor("the imported numbers", async () => (await rows()).length > 0 && (await rows()).every((n) => n.includes("2340000")));
    await shot("k12-imported");
    // The view on screen is kept in settings (shared by every workspace) 400 ms after its last
    // change: leave it without this search, for the files after this one.
    await b.action("key").down(Key.Ctrl).down("a").up("a").up(Key.Ctrl).perform();
    await press(Key.Backspace);
    await waitFor("the search cleared", async () =>
      (await b.execute(() => document.querySelector('[data-testid="numbers-table"]')?.dataset.shownSearch)) === "");
    await b.pause(1500);
  });
});
