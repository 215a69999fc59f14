// End-to-end: readiness, health and "needs attention" in the numbers table, in the real webview. Opens
// its own organization ("Attention E2E"), written into the app's workspace by the CLI before the
// app starts (numbers in error, blocked, moving away, needing attention, ready, never checked;
// readiness as ops keeps it in metadata; no calls, so every number's health is insufficient
// data), so it needs no other file to have run. The manager turns on the Readiness and Health
// columns, filters by readiness, then by "Needs attention", and the view is put back (columns,
// filters, organization) for the files after this one.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as support from "./support.mjs";

const ORG = "attention-e2e";
const ORG_NAME = "Attention E2E";

/** Readiness as ops writes it into a number's metadata (`switchboard_core::readiness`). */
function readiness(state, alarm, kind, providerState, level) {
  const items = kind ? [{ kind, level, providerState, meaning: `${kind} is ${providerState}.`, action: "", since: "2026-12-01T00:00:00Z" }] : [];
  return { readiness: { state, items, alarm, checkedAt: "2026-12-07T06:00:00Z" } };
}

// Each number: its status and its metadata.
const NUMBERS = [
  ["+14155550201", "error", null],
  ["+14155550202", "active", readiness("blocked", false, "a2p_10dlc", "FAILED", "blocked")],
  ["+14155550203", "active", readiness("attention", false, "regulatory_bundle", "in-review", "attention")],
  ["+14155550204", "active", readiness("blocked", true, "port_out", "ported-out", "blocked")],
  ["+14155550205", "active", readiness("ready", false, null)],
  ["+14155550206", "inactive", null],
];
const NEEDS_ATTENTION = ["+14155550201", "+14155550202", "+14155550204"];

let b;
const byTestId = (id) => b.$(`[data-testid="${id}"]`);
const screenshot = (name) => support.screenshot(b, name);
const until = (what, f, timeout) => support.until(b, "attention", what, f, timeout);

/** The table's headers, and each row's number and readiness and health badges (with titles). */
const table = () =>
  b.execute(() => ({
    headers: [...document.querySelectorAll('[role="columnheader"]')].map((h) => h.textContent.trim()),
    rows: [...document.querySelectorAll('[data-testid="number-row"]')].map((r) => {
      const badge = r.querySelector('[data-testid="readiness-badge"]');
      const health = r.querySelector('[data-testid="health-badge"]');
      return {
        number: r.dataset.number,
        badge: badge?.textContent ?? null,
        title: badge?.getAttribute("title") ?? null,
        health: health?.textContent ?? null,
        healthTitle: health?.getAttribute("title") ?? null,
      };
    }),
  }));
const numbers = async () => (await table()).rows.map((r) => r.number).sort();
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

before(async () => {
  b = await support.sessionAfter(() => {
    support.cli("orgs", "add", "--slug", ORG, "--name", ORG_NAME);
    for (const [number, status, metadata] of NUMBERS) {
      const args = ["numbers", "add", "--org", ORG, "--provider", "twilio", "--number", number, "--status", status];
      support.cli(...args, ...(metadata ? ["--metadata", JSON.stringify(metadata)] : []));
    }
  });
});

after(async () => {
  await b?.deleteSession().catch(() => {});
});

describe("Readiness and needs attention in the numbers table", () => {
  let shownOrg = "";

  it("shows the Readiness and Health columns, a badge in words for every number", async () => {
    shownOrg = await support.chooseOrganization(b, ORG_NAME, until);
    await until("the organization's numbers", async () => same(await numbers(), NUMBERS.map(([n]) => n)));
    await (await byTestId("columns-open")).click();
    await (await byTestId("columns-dialog")).waitForExist({ timeout: 5000 });
    await (await byTestId("column-readiness")).click();
    await (await byTestId("column-health")).click();
    await screenshot("r01-column-chooser-readiness");
    await (await byTestId("columns-done")).click();
    await until("the badges", async () => (await table()).rows.every((r) => r.badge !== null && r.health === "Too few calls"));
    const t = await table();
    assert.ok(t.headers.includes("Readiness") && t.headers.includes("Health"), `${t.headers}`);
    assert.equal(t.rows[0].healthTitle, "Insufficient data. No calls in the last 7 days.");
    const badge = Object.fromEntries(t.rows.map((r) => [r.number, r.badge]));
    assert.deepEqual(badge, {
      "+14155550201": "Not checked",
      "+14155550202": "Blocked",
      "+14155550203": "Attention",
      "+14155550204": "Port-out alarm",
      "+14155550205": "Ready",
      "+14155550206": "Not checked",
    });
    const moving = t.rows.find((r) => r.number === "+14155550204");
    assert.match(moving.title, /being ported away/);
    await screenshot("r02-readiness-column");
  });

  it("filters by readiness", async () => {
    await (await byTestId("filter-readiness")).selectByAttribute("value", "blocked");
    await until("the blocked numbers", async () => same(await numbers(), ["+14155550202", "+14155550204"]));
    await screenshot("r03-readiness-blocked");
    await (await byTestId("filter-readiness")).selectByAttribute("value", "");
    await until("every number again", async () => (await numbers()).length === NUMBERS.length);
  });

  it("shows the numbers that need attention in one click", async () => {
    const chip = await byTestId("filter-needs-attention");
    await chip.click();
    await until("the numbers needing attention", async () => same(await numbers(), NEEDS_ATTENTION));
    assert.equal(await chip.getAttribute("aria-pressed"), "true");
    await until("the count", async () => /^3 numbers?$/.test((await (await byTestId("total")).getText()).trim()));
    await screenshot("r04-needs-attention");
    // With the readiness filter too: only what both select.
    await (await byTestId("filter-readiness")).selectByAttribute("value", "blocked");
    await until("blocked and needing attention", async () => same(await numbers(), ["+14155550202", "+14155550204"]));
  });

  it("puts the table back", async () => {
    await (await b.$("button=Clear filters")).click();
    await until("every number", async () => (await numbers()).length === NUMBERS.length);
    assert.equal(await (await byTestId("filter-needs-attention")).getAttribute("aria-pressed"), "false");
    await (await byTestId("columns-open")).click();
    await (await byTestId("column-readiness")).click();
    await (await byTestId("column-health")).click();
    await (await byTestId("columns-done")).click();
    await until("no readiness or health column", async () => !(await table()).headers.some((h) => h === "Readiness" || h === "Health"));
    if (shownOrg) await (await b.$('select[aria-label="Organization"]')).selectByAttribute("value", shownOrg);
    // The view shown is kept a moment after the last change.
    await b.pause(1000);
    await screenshot("r05-put-back");
  });
});
