// End-to-end: the numbers table's views and the agents dialog in the real webview. Runs after
// app.e2e.mjs (the demo organization exists). The manager picks columns, filters by country and
// line type, sorts by creation, saves that as a view, restarts the app and finds the view back;
// then deletes it and puts the table back as it was, so the tests after this one see the
// default table. Then agents: add one, rename it, give it two numbers, delete it (the dialog
// says both numbers are left unassigned, and none is lost), and read the orphan report.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as support from "./support.mjs";

let b;
const byTestId = (id) => b.$(`[data-testid="${id}"]`);
const screenshot = (name) => support.screenshot(b, name);

const start = () => support.startApp();

/** The table's header texts and its rows' numbers and texts. */
const table = () =>
  b.execute(() => ({
    headers: [...document.querySelectorAll('[role="columnheader"]')].map((h) => h.textContent.trim()),
    rows: [...document.querySelectorAll('[data-testid="number-row"]')].map((r) => ({ number: r.dataset.number, text: r.textContent })),
    sortedBy: document.querySelector('[aria-sort="ascending"], [aria-sort="descending"]')?.textContent.trim() ?? null,
    direction: document.querySelector('[aria-sort="ascending"], [aria-sort="descending"]')?.getAttribute("aria-sort") ?? null,
  }));

const until = (what, f, timeout) => support.until(b, "views", what, f, timeout);

const ukFixedLines = (t) => t.rows.length > 0 && t.rows.every((r) => r.number.startsWith("+44") && /London|Manchester/.test(r.text));

before(async () => {
  b = await start();
});

after(async () => {
  await b?.deleteSession().catch(() => {});
});

describe("Views of the numbers table", () => {
  it("picks columns with the keyboard-operable chooser", async () => {
    await until("the numbers table", async () => (await table()).rows.length > 10);
    await screenshot("v01-default-table");
    const open = await byTestId("columns-open");
    await open.click();
    const dialog = await byTestId("columns-dialog");
    await dialog.waitForExist({ timeout: 5000 });
    assert.equal(await dialog.getAttribute("aria-labelledby"), "columns-title");
    for (const c of ["webhook", "locality", "created", "provider"]) await (await byTestId(`column-${c}`)).click();
    await screenshot("v02-column-chooser");
    await b.keys(["Escape"]);
    await dialog.waitForExist({ reverse: true, timeout: 5000 });
    assert.equal(await b.execute(() => document.activeElement?.dataset.testid), "columns-open", "focus returns to the button");
    const { headers } = await table();
    for (const h of ["Webhook", "Locality", "Created"]) assert.ok(headers.some((x) => x.startsWith(h)), `${h} in ${headers}`);
    assert.ok(!headers.some((x) => x.startsWith("Provider")), `no Provider in ${headers}`);
  });

  it("filters by country and line type, sorts by creation and saves the view", async () => {
    await (await b.$('select[aria-label="Country"]')).selectByVisibleText("United Kingdom");
    await (await byTestId("filter-type")).selectByVisibleText("Fixed line");
    await until("UK fixed lines", async () => ukFixedLines(await table()));
    await (await byTestId("sort-created")).click();
    await (await byTestId("sort-created")).click();
    await until("newest first", async () => (await table()).direction === "descending");
    await screenshot("v03-filtered-sorted");

    await (await byTestId("view-save-open")).click();
    const name = await byTestId("view-name");
    await name.waitForExist({ timeout: 5000 });
    assert.equal(await b.execute(() => document.activeElement?.id), "view-name", "the name field has focus");
    await name.setValue("UK landlines");
    await screenshot("v04-save-view");
    await b.keys(["Enter"]);
    await (await byTestId("save-view-dialog")).waitForExist({ reverse: true, timeout: 5000 });
    await until("the view chosen", async () => (await (await byTestId("view-select")).getValue()) === "UK landlines");
    await screenshot("v05-view-saved");
  });

  it("finds the view back after a restart", async () => {
    await b.deleteSession();
    b = await start();
    await until("the restored table", async () => ukFixedLines(await table()), 20000);
    const t = await table();
    assert.ok(t.headers.some((h) => h.startsWith("Locality")), `${t.headers}`);
    assert.ok(!t.headers.some((h) => h.startsWith("Provider")), `${t.headers}`);
    assert.match(t.sortedBy ?? "", /^Created/);
    assert.equal(t.direction, "descending");
    assert.equal(await (await byTestId("view-select")).getValue(), "UK landlines");
    assert.equal(await (await byTestId("filter-type")).getValue(), "fixed_line");
    // The first screenshot after a start can show the page before its first update.
    await b.pause(500);
    await screenshot("v06-after-restart");
  });

  it("deletes the view and puts the table back", async () => {
    await (await byTestId("view-delete")).click();
    await until("no view chosen", async () => (await (await byTestId("view-select")).getValue()) === "");
    const options = await b.execute(() => [...document.querySelectorAll('[data-testid="view-select"] option')].map((o) => o.textContent));
    assert.ok(!options.includes("UK landlines"), `${options}`);
    await (await byTestId("columns-open")).click();
    for (const c of ["webhook", "locality", "created", "provider"]) await (await byTestId(`column-${c}`)).click();
    await (await byTestId("columns-done")).click();
    await (await b.$("button=Clear filters")).click();
    await (await byTestId("sort-number")).click();
    await until("the default table", async () => {
      const t = await table();
      return (
        t.sortedBy?.startsWith("Number") &&
        t.direction === "ascending" &&
        t.headers.some((h) => h.startsWith("Provider")) &&
        !ukFixedLines(t)
      );
    });
    await (await byTestId("theme")).selectByAttribute("value", "dark");
    assert.equal(await b.execute(() => document.documentElement.dataset.theme), "dark");
    await screenshot("v07-dark-theme");
    await (await byTestId("theme")).selectByAttribute("value", "system");
    // The view shown is kept a moment after the last change.
    await b.pause(1000);
    await screenshot("v08-back-to-default");
  });

  it("adds, renames and deletes an agent, leaving its numbers unassigned, and reports orphans", async () => {
    const total = async () => Number((await (await byTestId("total")).getText()).replace(/\D/g, ""));
    await until("the count", async () => (await total()) > 0);
    const before = await total();
    await (await byTestId("agents-open")).click();
    const dialog = await byTestId("agents-dialog");
    await dialog.waitForExist({ timeout: 5000 });
    assert.equal(await b.execute(() => document.querySelector('[data-testid="agents-dialog"]').contains(document.activeElement)), true);
    await screenshot("a01-agents");
    await (await byTestId("agent-new")).setValue("E2E Agent");
    await (await byTestId("agent-add")).click();
    const row = (name) => b.$(`[data-testid="agent-row"][data-name="${name}"]`);
    await (await row("E2E Agent")).waitForExist({ timeout: 5000 });
    await (await (await row("E2E Agent")).$('[data-testid="agent-rename"]')).click();
    const input = await byTestId("agent-rename-input");
    await input.clearValue();
    await input.setValue("E2E Desk");
    await (await byTestId("agent-rename-save")).click();
    await (await row("E2E Desk")).waitForExist({ timeout: 5000 });
    await screenshot("a02-renamed");
    await (await byTestId("agents-close")).click();
    await dialog.waitForExist({ reverse: true, timeout: 5000 });

    // Two numbers for the agent, through the bulk bar.
    const boxes = await b.$$('[data-testid="number-row"] input[type="checkbox"]');
    for (const box of boxes.slice(0, 2)) await box.click();
    await (await b.$('select[aria-label="Assign selected to agent"]')).selectByVisibleText("E2E Desk");
    await until("two numbers assigned", async () => (await table()).rows.filter((r) => r.text.includes("E2E Desk")).length === 2);

    await (await byTestId("agents-open")).click();
    await (await row("E2E Desk")).waitForExist({ timeout: 5000 });
    const unassignedBefore = Number((await (await byTestId("orphans-unassigned")).getText()).replace(/\D/g, ""));
    await (await (await row("E2E Desk")).$('[data-testid="agent-delete"]')).click();
    const said = await byTestId("agent-remove-text");
    await said.waitForExist({ timeout: 5000 });
    assert.equal(await said.getText(), "Its 2 numbers will be left unassigned; none is removed.");
    await screenshot("a03-delete-confirmation");
    await (await byTestId("agent-remove")).click();
    await (await row("E2E Desk")).waitForExist({ reverse: true, timeout: 5000 });
    await until("the orphan report", async () => {
      const text = await (await byTestId("orphans-unassigned")).getText();
      return Number(text.replace(/\D/g, "")) === unassignedBefore + 2;
    });
    await screenshot("a04-deleted-orphans");
    await (await byTestId("orphans-show")).click();
    await dialog.waitForExist({ reverse: true, timeout: 5000 });
    await until("the unassigned numbers", async () => (await total()) === unassignedBefore + 2);
    await screenshot("a05-unassigned-in-table");
    await (await b.$("button=Clear filters")).click();
    await until("every number still there", async () => (await total()) === before);
    await b.pause(1000);
  });
});
