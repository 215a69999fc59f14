// End-to-end tests of the built desktop app in its real webview (WebKitGTK), driven through
// tauri-driver and WebKitWebDriver. Started by scripts/e2e.sh, which provides a fresh, empty
// workspace (SWITCHBOARD_WORKSPACE), a private HOME, Xvfb and the driver. They read like a
// manager's first day: create the demo organization, add a number (a wrong one first), find
// it, name it, give it to an agent, change several at once.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { keptSearch, screenshot, startApp } from "./support.mjs";

const NEW_NUMBER = "+1 (415) 555-1234";
const NEW_E164 = "+14155551234";

let b;

const $ = (sel) => b.$(sel);
const testid = (id) => b.$(`[data-testid="${id}"]`);
const shot = (name) => screenshot(b, name);

async function rows() {
  return b.execute(() =>
    [...document.querySelectorAll('[data-testid="number-row"]')].map((r) => ({
      number: r.getAttribute("data-number"),
      text: r.textContent,
    })),
  );
}

async function waitFor(what, f, timeout = 15000) {
  try {
    await b.waitUntil(f, { timeout, interval: 100, timeoutMsg: `timed out waiting for ${what}` });
  } catch (e) {
    await shot(`failed-${what.replace(/\W+/g, "-")}`);
    const shown = (await rows()).slice(0, 5).map((r) => r.number);
    const search = await b.execute(() => document.querySelector('[data-testid="search"]')?.value);
    throw new Error(`${e.message}; search=${JSON.stringify(search)}, first rows: ${shown.join(", ")}`);
  }
}

/** Waits for a toast of this kind whose text matches, and returns that text. */
async function expectToast(kind, pattern) {
  let texts = [];
  try {
    await b.waitUntil(
      async () => {
        texts = await b.execute(
          (k) => [...document.querySelectorAll(`[data-testid="toast-${k}"]`)].map((t) => t.textContent),
          kind,
        );
        return texts.some((t) => pattern.test(t));
      },
      { timeout: 10000, interval: 100 },
    );
  } catch {
    await shot(`failed-toast-${kind}`);
    assert.fail(`no ${kind} toast matching ${pattern}; toasts: ${JSON.stringify(texts)}`);
  }
  return texts.find((t) => pattern.test(t));
}

async function dismissToasts() {
  await b.execute(() => document.querySelectorAll('.toast button[aria-label="Dismiss"]').forEach((x) => x.click()));
}

async function search(text) {
  const input = await testid("search");
  await input.click();
  await b.execute(() => {
    const el = document.querySelector('[data-testid="search"]');
    el.value = "";
    el.dispatchEvent(new Event("input", { bubbles: true }));
  });
  if (text) await input.addValue(text);
}

before(async () => {
  b = await startApp();
});

after(async () => {
  await b?.deleteSession().catch(() => {});
});

describe("Switchboard desktop app", () => {
  it("offers demo data on first run and shows the numbers table", async () => {
    const seed = await testid("seed-demo");
    await seed.waitForExist({ timeout: 20000 });
    assert.equal(await b.getTitle(), "Switchboard");
    await shot("01-first-run");
    await seed.click();
    await waitFor("the table", async () => (await rows()).length > 10, 30000);
    await waitFor("the count", async () => (await (await testid("total")).getText()).includes("10,000"));
    const org = await $('select[aria-label="Organization"]');
    assert.equal(await org.getValue().then(() => org.$("option:checked").getText()), "Demo");
    await shot("02-numbers-table");
  });

  it("rejects an invalid number inline, with the reason", async () => {
    await search(NEW_E164.slice(1));
    await waitFor("search to settle", async () => (await rows()).every((r) => r.number === NEW_E164));
    assert.equal((await rows()).length, 0, "the new number must not be in the demo data");
    await b.keys(["Escape"]);
    await (await $("body")).click();
    await b.keys(["n"]);
    const dialog = await testid("add-dialog");
    await dialog.waitForExist({ timeout: 5000 });
    await (await testid("new-number")).setValue("+1 555");
    const hint = await testid("number-hint");
    await waitFor("the inline error", async () => (await hint.getText()).includes("not a valid phone number"));
    assert.match(await hint.getText(), /too short/);
    assert.equal(await (await testid("new-number")).getAttribute("aria-invalid"), "true");
    assert.equal(await (await testid("add-submit")).isEnabled(), false);
    await shot("03-add-invalid");
  });

  it("adds a valid number", async () => {
    const input = await testid("new-number");
    await input.clearValue();
    await input.setValue(NEW_NUMBER);
    const hint = await testid("number-hint");
    await waitFor("the number to validate", async () => (await hint.getText()).includes("+1 415-555-1234"));
    assert.match(await hint.getText(), /United States/);
    await (await testid("new-name")).setValue("Kestrel desk");
    await shot("04-add-valid");
    await (await testid("add-submit")).click();
    await expectToast("info", /\+1 415-555-1234 was added/);
    const panel = await testid("detail-panel");
    await panel.waitForExist({ timeout: 5000 });
    assert.match(await panel.getText(), /\+1 415-555-1234/);
    await dismissToasts();
  });

  it("refuses the same number twice with a clear error", async () => {
    await b.keys(["Escape"]);
    await (await $("body")).click();
    await b.keys(["n"]);
    await (await testid("new-number")).setValue(NEW_NUMBER);
    const hint = await testid("number-hint");
    await waitFor("the number to validate", async () => (await hint.getText()).includes("✓"));
    await (await testid("add-submit")).click();
    await expectToast("error", /already exists/);
    await shot("05-add-duplicate");
    await b.keys(["Escape"]);
    await dismissToasts();
  });

  it("finds the number as the manager types", async () => {
    await b.keys(["Escape"]);
    await (await $("body")).click();
    await b.keys(["/"]);
    const active = await b.execute(() => document.activeElement?.getAttribute("data-testid"));
    assert.equal(active, "search", "/ focuses search");
    // Element send-keys: WebKitWebDriver's key actions drop repeated characters ("555").
    await search("5551234");
    await waitFor("the final query", async () =>
      (await b.execute(() => document.querySelector('[data-testid="numbers-table"]').dataset.shownSearch)) === "5551234");
    await waitFor("the filtered table", async () => (await rows()).some((r) => r.number === NEW_E164));
    await waitFor("only matches", async () => (await rows()).every((r) => r.number.includes("5551234")));
    await shot("06-search");
    await search("kestrel");
    await waitFor("search by name", async () => {
      const shown = await b.execute(() => document.querySelector('[data-testid="numbers-table"]').dataset.shownSearch);
      if (shown !== "kestrel") return false;
      const r = await rows();
      return r.length === 1 && r[0].number === NEW_E164;
    });
  });

  it("edits the friendly name and status", async () => {
    const row = await $(`[data-number="${NEW_E164}"]`);
    await row.click();
    const name = await testid("friendly-name");
    await name.waitForExist({ timeout: 5000 });
    await name.clearValue();
    await name.setValue("Support line");
    await (await testid("save-name")).click();
    await expectToast("info", /Renamed to “Support line”/);
    await (await testid("status")).selectByVisibleText("Inactive");
    await waitFor("the status in the table", async () => (await rows()).some((r) => r.number === NEW_E164 && /inactive/i.test(r.text)));
    await waitFor("the name in the table", async () => (await rows()).some((r) => r.text.includes("Support line")));
    await dismissToasts();
    await shot("07-edited");
  });

  it("assigns and unassigns an agent", async () => {
    const agent = await testid("agent");
    const options = await agent.$$("option");
    const chosen = await options[1].getText();
    await agent.selectByIndex(1);
    await expectToast("info", new RegExp(`Assigned to ${chosen}`));
    await waitFor("the agent in the table", async () => (await rows()).some((r) => r.number === NEW_E164 && r.text.includes(chosen)));
    await shot("08-assigned");
    await dismissToasts();
    await agent.selectByVisibleText("Unassigned");
    await waitFor("unassigned", async () => (await rows()).some((r) => r.number === NEW_E164 && !r.text.includes(chosen)));
    await b.keys(["Escape"]);
    await (await testid("detail-panel")).waitForExist({ reverse: true, timeout: 5000 });
  });

  it("changes several numbers at once", async () => {
    await search("");
    await waitFor("the full table", async () => (await rows()).length > 10);
    const boxes = await b.$$('[data-testid="number-row"] input[type="checkbox"]');
    for (const box of boxes.slice(0, 3)) await box.click();
    const bar = await testid("bulk-bar");
    await bar.waitForExist({ timeout: 5000 });
    assert.match(await bar.getText(), /3 selected/);
    await shot("09-bulk-selected");
    await (await bar.$('select[aria-label="Set status of selected"]')).selectByVisibleText("error");
    await expectToast("info", /3 updated/);
    await waitFor("three errors", async () => (await rows()).slice(0, 3).every((r) => /error/i.test(r.text)));
    await shot("10-bulk-done");
    // The next spec starts the app again, on the view kept last: the table unsearched, once
    // the app has kept it (a moment after the search was cleared).
    await waitFor("the unsearched view kept", async () => (await keptSearch(b)) === "");
  });
});
