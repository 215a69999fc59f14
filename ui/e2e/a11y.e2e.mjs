// Accessibility of every screen and dialog in the real webview (issue #17): axe-core runs on the
// welcome screen, the numbers table, the detail panel and each dialog the toolbar opens, and
// finds no serious or critical violation; then the agents dialog's rename, the buy dialog (its
// search, results and confirmation, and where focus goes when the confirmation comes and goes),
// each step of the import wizard a provider account opens, against the fake Twilio (scripts/e2e.sh
// starts it) — the listing step too, which the fake is asked to make slow (its `latency_ms`
// fault) —, the dialog that refuses a bad CSV file (the system's file dialog, which WebDriver
// cannot drive, is driven with xdotool as a person would: the file's path typed into it), and the
// main screen and a dialog again in the dark theme. The conflicts dialog (a team workspace with
// an offline edit the server refused) is checked in team.e2e.mjs. On a workspace of its own (the
// file the other tests use is moved aside and put back), so it does not depend on which file ran
// before it.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FAKE_TWILIO, axeViolations, focusStaysIn, forgetFakeTwilio, hasFocus, ownWorkspace, screenshot, startApp, until } from "./support.mjs";

let b;
const testid = (id) => b.$(`[data-testid="${id}"]`);
const waitFor = (what, f, timeout) => until(b, "a11y", what, f, timeout);

const violations = () => axeViolations(b);

/** Checks the page with axe-core and saves a screenshot `name`. */
async function accessible(name) {
  await screenshot(b, name);
  const found = await violations();
  assert.deepEqual(found, [], `${name}: ${JSON.stringify(found, null, 1)}`);
}

const dialogOpen = async () => (await b.$$('[role="dialog"], [role="alertdialog"]')).length > 0;
const focusedHtml = () => b.execute(() => document.activeElement?.outerHTML.slice(0, 160) ?? "nothing");
/** Waits until the element `selector` has focus; a failure names where focus is. */
async function waitForFocus(what, selector) {
  await waitFor(what, () => hasFocus(b, selector), 5000).catch(async (e) => {
    throw new Error(`${e.message}; focus on ${await focusedHtml()}`);
  });
}

/** Sets the fake Twilio's faults (crates/fake-providers: `PUT /__fake/faults`). */
async function twilioFaults(faults) {
  const r = await fetch(`${process.env.SWITCHBOARD_TWILIO_API_URL}/__fake/faults`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(faults),
  });
  assert.ok(r.ok, `the fake took the faults ${JSON.stringify(faults)}: ${r.status}`);
}

/** Runs xdotool on the test's X display (scripts/e2e.sh's Xvfb). */
const xdotool = (...args) => execFileSync("xdotool", args, { encoding: "utf8", timeout: 30000 }).trim();

/** Chooses `path` in the system's file dialog titled `title` (GTK's, which the dialog plugin
 * opens) as a person would: focus on it, Ctrl+L, the path typed, Enter. */
async function chooseFile(title, path) {
  const window = xdotool("search", "--sync", "--onlyvisible", "--name", title).split("\n")[0];
  xdotool("windowfocus", "--sync", window);
  xdotool("key", "--clearmodifiers", "ctrl+l");
  await b.pause(300);
  xdotool("type", "--delay", "40", path);
  await b.pause(300);
  xdotool("key", "Return");
}

let putBack;

before(async () => {
  putBack = ownWorkspace("a11y");
  b = await startApp();
});

const { sid: SID, token: TOKEN } = FAKE_TWILIO;
const inAccount = (id) => b.$(`[data-testid="account-row"][data-account="${SID}"] [data-testid="${id}"]`);

after(async () => {
  await b?.deleteSession().catch(() => {});
  putBack?.();
  forgetFakeTwilio();
});

/** Checks the numbers table (screenshot `table`), then the first row's detail panel
 * (`panel`), and closes the panel. */
async function tableAndPanel(table, panel) {
  await accessible(table);
  await (await b.$('[data-testid="number-row"]')).click();
  await waitFor("the detail panel", async () => (await b.$$('[data-testid="detail-panel"]')).length > 0);
  await accessible(panel);
  await b.keys("Escape");
  await waitFor("the panel closed", async () => (await b.$$('[data-testid="detail-panel"]')).length === 0);
}

/** Presses Escape until no dialog is open. */
async function closeDialogs() {
  for (let i = 0; i < 3 && (await dialogOpen()); i++) {
    await b.keys("Escape");
    await b.pause(200);
  }
  await waitFor("every dialog closed", async () => !(await dialogOpen()));
}

describe("every screen and dialog passes axe-core", () => {
  it("the welcome screen", async () => {
    await (await testid("seed-demo")).waitForExist({ timeout: 20000 });
    await accessible("axe-01-welcome");
  });

  it("finds a violation planted in the page (the check itself works)", async () => {
    await b.execute(() => {
      const img = document.createElement("img");
      img.id = "planted";
      img.src = "data:image/gif;base64,R0lGODlhAQABAAAAACw=";
      document.body.append(img);
    });
    const found = await violations();
    await b.execute(() => document.getElementById("planted")?.remove());
    assert.ok(
      found.some((v) => v.rule === "image-alt" && v.where.includes("#planted")),
      `an image without alt text is reported: ${JSON.stringify(found)}`,
    );
    assert.deepEqual(await violations(), [], "and nothing once it is gone");
  });

  it("the numbers table and the detail panel", async () => {
    await (await testid("seed-demo")).click();
    await waitFor("the demo's rows", async () => (await b.$$('[data-testid="number-row"]')).length > 0, 60000);
    await tableAndPanel("axe-02-table", "axe-03-detail-panel");
  });

  for (const [opener, name] of [
    ['button[aria-keyshortcuts="n"]', "axe-04-add-number"],
    ['[data-testid="new-org-open"]', "axe-05-new-organization"],
    ['[data-testid="workspace-button"]', "axe-06-workspaces"],
    ['[data-testid="usage-open"]', "axe-07-usage"],
    ['[data-testid="agents-open"]', "axe-08-agents"],
    ['[data-testid="accounts-open"]', "axe-09-provider-accounts"],
    ['[data-testid="import-open"]', "axe-10-import"],
    ['[data-testid="columns-open"]', "axe-11-columns"],
    ['[data-testid="view-save-open"]', "axe-12-save-view"],
  ]) {
    it(`the dialog ${name.slice(7)}`, async () => {
      await (await b.$(opener)).click();
      await waitFor(`the dialog ${name}`, dialogOpen);
      await accessible(name);
      await b.keys("Escape");
      await waitFor(`the dialog ${name} closed`, async () => !(await dialogOpen()));
    });
  }

  it("the agents dialog renaming an agent", async () => {
    await (await testid("agents-open")).click();
    await (await testid("agents-dialog")).waitForExist({ timeout: 5000 });
    await (await b.$('[data-testid="agent-row"] [data-testid="agent-rename"]')).click();
    await (await testid("agent-rename-input")).waitForExist({ timeout: 5000 });
    await accessible("axe-13-agents-rename");
    await closeDialogs();
  });

  it("the buy dialog: its search, the numbers found and the confirmation", async () => {
    assert.ok(process.env.SWITCHBOARD_TWILIO_API_URL, "SWITCHBOARD_TWILIO_API_URL must point at the fake Twilio (scripts/e2e.sh)");
    await (await testid("accounts-open")).click();
    await (await testid("accounts-dialog")).waitForExist({ timeout: 5000 });
    await (await testid("account-id")).setValue(SID);
    await (await testid("account-secret")).setValue(TOKEN);
    await (await testid("account-label")).setValue("Fake Twilio");
    await (await testid("account-add")).click();
    await waitFor("the account row", async () => (await b.$$(`[data-testid="account-row"][data-account="${SID}"]`)).length === 1);
    await accessible("axe-14-provider-accounts-with-account");
    const buy = await inAccount("account-buy");
    await buy.scrollIntoView({ block: "center" });
    await buy.click();
    await (await testid("buy-dialog")).waitForExist({ timeout: 5000 });
    await accessible("axe-15-buy");
    await (await testid("buy-search")).click();
    await waitFor("numbers found", async () => (await b.$$('[data-testid="available-row"]')).length > 0, 20000);
    await accessible("axe-16-buy-found");
    const number = await (await b.$('[data-testid="available-row"]')).getAttribute("data-number");
    const buyButton = `[data-testid="available-row"][data-number="${number}"] button`;
    await (await b.$(buyButton)).click();
    await (await testid("buy-confirm")).waitForExist({ timeout: 5000 });
    await accessible("axe-17-buy-confirm");
    // Focus moves from the Buy… button the confirmation replaced to "Don't buy", and from there
    // back to that Buy… button: it never falls to the page.
    await waitForFocus("focus on Don't buy", '[data-testid="buy-decline"]');
    await b.keys("Enter");
    await (await testid("buy-confirm")).waitForExist({ reverse: true, timeout: 5000 });
    await waitForFocus("focus back on the Buy… button", buyButton);
    await closeDialogs();
  });

  it("each step of the import wizard", async () => {
    await (await testid("accounts-open")).click();
    await (await testid("accounts-dialog")).waitForExist({ timeout: 5000 });
    const open = await inAccount("account-import");
    await open.scrollIntoView({ block: "center" });
    await open.click();
    const wizard = await testid("import-wizard");
    await wizard.waitForExist({ timeout: 5000 });
    await waitFor("the account step", async () => (await b.$$('[data-testid="import-list"]')).length === 1);
    await accessible("axe-18-import-account");
    // The listing step lasts as long as the fake's answers: each is held 10 s while it is
    // checked (pressed with the keyboard, so that focus has to find its place in the new step).
    await twilioFaults({ latency_ms: 10000 });
    try {
      await b.execute(() => document.querySelector('[data-testid="import-list"]').focus());
      await b.keys("Enter");
      await waitFor("the listing step", async () => (await wizard.getAttribute("data-step")) === "listing", 5000);
      assert.ok(await hasFocus(b, '[data-testid="import-cancel"]'), `focus on the listing's Cancel, not on ${await focusedHtml()}`);
      await accessible("axe-19-import-listing");
      await focusStaysIn(b, '[data-testid="import-wizard"]');
      assert.equal(await wizard.getAttribute("data-step"), "listing", "all of it checked while listing");
    } finally {
      await twilioFaults({});
    }
    await waitFor("the review step", async () => (await wizard.getAttribute("data-step")) === "review", 30000);
    await accessible("axe-20-import-review");
    await (await testid("import-submit")).click();
    await (await testid("import-report")).waitForExist({ timeout: 30000 });
    await accessible("axe-21-import-done");
    await (await testid("import-close")).click();
    await waitFor("the wizard closed", async () => !(await dialogOpen()));
  });

  it("the dialog that refuses a CSV file with bad lines (its file chosen in the system's dialog)", async () => {
    await closeDialogs();
    const file = join(tmpdir(), `switchboard-a11y-refused-${process.pid}.csv`);
    writeFileSync(file, "phone_number,provider\n+14155550123,twilio\nnot a number,twilio\n+14155550124,nosuch\n");
    try {
      // Pressed with the keyboard: the button is disabled while the import runs, and focus has
      // to come back to it when the refusal closes.
      await b.execute(() => document.querySelector('[data-testid="import-csv"]').focus());
      await b.keys("Enter");
      await chooseFile("Import numbers from a CSV file", file);
      await (await testid("import-refused")).waitForExist({ timeout: 20000 });
      const lines = await (await testid("import-refused-lines")).getText();
      assert.match(lines, /line 3/, lines);
      assert.match(lines, /line 4/, lines);
      await accessible("axe-22-import-refused");
      await focusStaysIn(b, '[data-testid="import-refused"]');
      await b.keys("Escape");
      await (await testid("import-refused")).waitForExist({ reverse: true, timeout: 5000 });
      await waitForFocus("focus back on Import CSV…", '[data-testid="import-csv"]');
    } finally {
      rmSync(file, { force: true });
    }
  });

  it("the main screen and a dialog in the dark theme", async () => {
    await closeDialogs();
    await (await testid("theme")).selectByAttribute("value", "dark");
    await waitFor("the dark theme", async () => (await b.execute(() => document.documentElement.dataset.theme)) === "dark");
    try {
      await tableAndPanel("axe-23-dark-table", "axe-24-dark-detail-panel");
      await (await testid("accounts-open")).click();
      await (await testid("accounts-dialog")).waitForExist({ timeout: 5000 });
      await accessible("axe-25-dark-provider-accounts");
      await closeDialogs();
      await (await b.$('button[aria-keyshortcuts="n"]')).click();
      await waitFor("the add dialog", dialogOpen);
      await accessible("axe-26-dark-add-number");
      await closeDialogs();
    } finally {
      await (await testid("theme")).selectByAttribute("value", "system");
    }
  });
});
