// End-to-end: a port-out shows the alarm in the app (issue 16). On its own workspace (the file
// scripts/e2e.sh names is moved aside first and put back at the end, so this file depends on no
// other and leaves nothing to them), a manager creates the demo organization, adds the fake
// Telnyx account (whose fake seeds numbers `port-out-pending` and `ported-out`), imports its
// numbers and checks readiness: the alarm's toast names the numbers moving away, the
// organization's badge counts them (the count read from the fake's own API, not written here),
// the toast's button and the badge list exactly them, and one of them shows the alarm in its
// detail panel. The OS notification the backend sends at the same time has no daemon to reach
// under Xvfb: the app only logs that.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { numberRows, ownWorkspace, previewImport, screenshot, startApp, until } from "./support.mjs";

const TELNYX = process.env.SWITCHBOARD_TELNYX_API_URL;
// The fake's API key (crates/fake-providers creds): not a secret, it exists only there.
const KEY = "KEYfake-telnyx-0001";
const LABEL = "e2e-telnyx-alarm";
const MOVING = ["port-out-pending", "ported-out"];

let b;
const testid = (id) => b.$(`[data-testid="${id}"]`);
const inAccount = (id) => b.$(`[data-testid="account-row"][data-account="${LABEL}"] [data-testid="${id}"]`);
const shot = (name) => screenshot(b, name);

const waitFor = (what, f, timeout) => until(b, "alarm", what, f, timeout);
const rows = () => numberRows(b);

/** The toasts' dismiss buttons only (an alert's toast also has an action button). */
async function dismissToasts() {
  await b.execute(() => document.querySelectorAll('.toast button[aria-label="Dismiss"]').forEach((x) => x.click()));
}

/** The fake Telnyx account's numbers moving away, read through its API (as its portal would). */
async function movingAway() {
  const r = await fetch(`${TELNYX}/v2/phone_numbers?page[number]=1&page[size]=250`, {
    headers: { authorization: `Bearer ${KEY}` },
  });
  assert.equal(r.status, 200);
  const body = await r.json();
  assert.ok(body.data.length < 250, "one page holds the fake's numbers");
  return body.data.filter((n) => MOVING.includes(n.status)).map((n) => n.phone_number).sort();
}

let putBack;

before(async () => {
  assert.ok(TELNYX, "SWITCHBOARD_TELNYX_API_URL must point at the fake Telnyx (scripts/e2e.sh)");
  putBack = ownWorkspace("alarm");
  b = await startApp();
});

after(async () => {
  await b?.deleteSession().catch(() => {});
  putBack?.();
});

describe("a port-out shows the alarm end to end", () => {
  let expected = [];

  it("imports the fake Telnyx account's numbers into a new organization", async () => {
    expected = await movingAway();
    assert.ok(expected.length >= 2, `the fake seeds numbers moving away: ${expected}`);
    const seed = await testid("seed-demo");
    await seed.waitForExist({ timeout: 20000 });
    await seed.click();
    const open = await testid("accounts-open");
    await open.waitForExist({ timeout: 15000 });
    await waitFor("no alarm badge before any readiness check", async () => (await b.$$('[data-testid="org-alarm-badge"]')).length === 0);
    await open.click();
    await (await testid("accounts-dialog")).waitForExist({ timeout: 5000 });
    await (await testid("account-provider")).selectByAttribute("value", "telnyx");
    await (await testid("account-id")).setValue(LABEL);
    await (await testid("account-secret")).setValue(KEY);
    await (await testid("account-add")).click();
    await waitFor("the Telnyx account row", async () => (await b.$$(`[data-testid="account-row"][data-account="${LABEL}"]`)).length === 1);
    await shot("a01-telnyx-account");
    await previewImport(b, await inAccount("account-import"), waitFor);
    const listed = await b.execute(() => [...document.querySelectorAll('[data-testid="import-row"]')].map((r) => r.dataset.number));
    for (const n of expected) assert.ok(listed.includes(n), `${n} is offered for import`);
    await (await testid("import-select-all")).click();
    await (await testid("import-submit")).click();
    const report = await testid("import-report");
    await report.waitForExist({ timeout: 15000 });
    assert.match(await report.getText(), new RegExp(`${listed.length} imported`));
    await shot("a02-imported");
    await (await testid("import-close")).click();
    await dismissToasts();
  });

  it("checks readiness: the alarm's toast names the numbers moving away", async () => {
    await (await testid("accounts-open")).click();
    await (await testid("accounts-dialog")).waitForExist({ timeout: 5000 });
    const check = await inAccount("account-readiness");
    await check.scrollIntoView({ block: "center" });
    await check.click();
    await waitFor("the alarm's toast", async () => (await b.$$('[data-testid="toast-alert"]')).length === 1);
    const text = await (await testid("toast-alert")).getText();
    assert.match(text, new RegExp(`${expected.length} numbers are moving away from`));
    for (const n of expected.slice(0, 5)) assert.ok(text.includes(n), `the toast names ${n}: ${text}`);
    await shot("a03-alarm-toast");
    await b.keys("Escape");
    await (await testid("accounts-dialog")).waitForExist({ reverse: true, timeout: 5000 });
  });

  it("the toast's button and the organization's badge list exactly the numbers moving away", async () => {
    const badge = await testid("org-alarm-badge");
    await waitFor("the organization's badge", async () => (await badge.isExisting()) && (await badge.getText()) === `⚠ ${expected.length}`);
    assert.match(await badge.getAttribute("aria-label"), new RegExp(`^${expected.length} numbers of .+ are being ported away`));
    await shot("a04-org-badge");

    const action = await b.$('[data-testid="toast-alert"] [data-testid="toast-action"]');
    await action.click();
    await (await testid("alarm-filter")).waitForExist({ timeout: 5000 });
    await waitFor("only the numbers moving away", async () => JSON.stringify([...(await rows())].sort()) === JSON.stringify(expected));
    await shot("a05-toast-opens-alarms");

    await (await b.$('[data-testid="alarm-filter"] button')).click();
    await waitFor("every number again", async () => (await rows()).length > expected.length);
    await badge.click();
    assert.equal(await badge.getAttribute("aria-pressed"), "true");
    await waitFor("the badge's numbers", async () => JSON.stringify([...(await rows())].sort()) === JSON.stringify(expected));
    await shot("a06-badge-opens-alarms");
  });

  it("one of them shows the alarm in its detail panel", async () => {
    const row = await b.$(`[data-testid="number-row"][data-number="${expected[0]}"]`);
    await row.click();
    const panel = await testid("detail-panel");
    await panel.waitForExist({ timeout: 5000 });
    const alarm = await testid("readiness-alarm");
    await alarm.waitForExist({ timeout: 5000 });
    assert.match(await alarm.getText(), /being ported away/);
    assert.equal(await (await testid("readiness-state")).getText(), "Blocked");
    await shot("a07-detail-alarm");
  });
});
