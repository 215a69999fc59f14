// "Select all N matching" and Shift-click ranges in the real webview (issue #17): the table's
// bulk bar selects every number the search matches — more than the rows loaded — and one bulk
// status change (ops update_matching) changes them all; a Shift-click checks a whole range. On a
// workspace of its own (the demo organization, 10,000 numbers), moved aside and put back.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Key } from "webdriverio";
import { numberRows, ownWorkspace, screenshot, searchFor, startApp, until } from "./support.mjs";

let b;
const testid = (id) => b.$(`[data-testid="${id}"]`);
const waitFor = (what, f, timeout) => until(b, "selection", what, f, timeout);
const shot = (name) => screenshot(b, name);
/** The count beside the filters (NaN while it is being counted: "…"). */
const total = async () => Number((await (await testid("total")).getText()).replace(/[^\d…]/g, "").replace("…", "x") || "x");
const loaded = () => b.execute(() => document.querySelectorAll('[data-testid="number-row"]').length);
const bulkCount = async () => (await testid("bulk-count")).getText();

const search = (text) => searchFor(b, waitFor, text);

/** The statuses of the rows on screen. */
const statuses = () => b.execute(() => [...document.querySelectorAll('[data-testid="number-row"] .status')].map((s) => s.textContent.trim()));

/** Which rows' checkboxes are checked, in table order. */
const checks = () => b.execute(() => [...document.querySelectorAll('[data-testid="number-row"] input[type="checkbox"]')].map((c) => c.checked));

let putBack;

before(async () => {
  putBack = ownWorkspace("selection");
  b = await startApp();
});

after(async () => {
  await b?.deleteSession().catch(() => {});
  putBack?.();
});

describe("selecting many rows", () => {
  it("selects all the numbers a search matches, more than are loaded, and changes their status", async () => {
    await (await testid("seed-demo")).waitForExist({ timeout: 20000 });
    await (await testid("seed-demo")).click();
    await waitFor("the demo's rows", async () => (await loaded()) > 0, 60000);
    await search("12");
    await waitFor("the count", async () => Number.isInteger(await total()));
    const matching = await total();
    // The table loads its rows a page at a time: far fewer than match.
    assert.ok(matching > 300, `the search matches many numbers: ${matching}`);
    assert.ok((await b.execute(() => document.querySelector('[data-testid="numbers-table"]').getAttribute("aria-rowcount"))) - 1 === matching);
    await (await b.$('[data-testid="number-row"] input[type="checkbox"]')).click();
    await waitFor("the bulk bar", async () => (await b.$$('[data-testid="bulk-bar"]')).length === 1);
    assert.equal(await bulkCount(), "1 selected");
    const all = await testid("select-all-matching");
    assert.equal(await all.getText(), `Select all ${matching.toLocaleString("en-US")} matching`);
    await all.click();
    assert.equal(await bulkCount(), `All ${matching.toLocaleString("en-US")} matching selected`);
    await shot("sel01-all-matching-selected");
    await (await b.$('select[aria-label="Set status of selected"]')).selectByVisibleText("error");
    const toast = () => b.execute(() => [...document.querySelectorAll(".toast")].map((t) => t.textContent).join(" "));
    await waitFor("the bulk report", async () => /Status set to error/.test(await toast()), 60000);
    assert.match(await toast(), new RegExp(`${matching} updated\\.`), "the report counts every matching number");
    await waitFor("the bulk bar gone", async () => (await b.$$('[data-testid="bulk-bar"]')).length === 0);
    await waitFor("the table reloaded", async () => (await statuses()).length > 0 && (await statuses()).every((s) => s === "error"));
    await shot("sel02-all-matching-changed");
    // Not only the rows loaded: no number the search matches has another status now.
    for (const other of ["active", "inactive"]) {
      await (await b.$('select[aria-label="Status"]')).selectByAttribute("value", other);
      await waitFor(`the ${other} filter`, async () => (await b.$$('[data-testid="number-row"]')).length === 0 && (await total()) === 0);
    }
    await (await b.$('select[aria-label="Status"]')).selectByAttribute("value", "error");
    await waitFor("the error filter", async () => (await total()) >= matching);
    await (await b.$('select[aria-label="Status"]')).selectByAttribute("value", "");
    await waitFor("the filter cleared", async () => (await total()) === matching);
  });

  it("checks a range with Shift+click and counts it", async () => {
    await search("");
    await waitFor("the whole table", async () => (await loaded()) >= 6);
    const boxes = await b.$$('[data-testid="number-row"] input[type="checkbox"]');
    await boxes[1].click();
    assert.equal(await bulkCount(), "1 selected");
    // Shift held down across a real click on the fifth row's checkbox.
    await b.actions([
      b.action("key").down(Key.Shift).pause(50).pause(50).pause(50).up(Key.Shift),
      b.action("pointer").pause(50).move({ origin: boxes[5] }).down().up(),
    ]);
    await waitFor("the range", async () => (await bulkCount()) === "5 selected");
    assert.deepEqual((await checks()).slice(0, 7), [false, true, true, true, true, true, false]);
    await shot("sel03-shift-click-range");
    // A Shift+click inside the range clears from the anchor (the fifth row) to it.
    await b.actions([
      b.action("key").down(Key.Shift).pause(50).pause(50).pause(50).up(Key.Shift),
      b.action("pointer").pause(50).move({ origin: boxes[3] }).down().up(),
    ]);
    await waitFor("the range cleared back", async () => (await bulkCount()) === "2 selected");
    assert.deepEqual((await checks()).slice(0, 7), [false, true, true, false, false, false, false]);
    assert.ok((await numberRows(b)).length >= 6);
    // The view on screen is kept in settings 400 ms after its last change: give it the time.
    await b.pause(1500);
  });
});
