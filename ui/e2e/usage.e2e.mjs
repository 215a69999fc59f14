// End-to-end: the usage view shows the fake's totals (issue #15). The test sets up its own
// organization with the CLI before the app starts (`orgs add`, the fake Twilio account with its
// token filed where the app's vault reads it, `numbers import`), so it needs nothing another file
// left behind; in the app it opens the local workspace and that organization, syncs usage from
// the usage view (its progress shown as pages are kept), and checks the view's totals against
// the fake's records summed here from Twilio's API (calls, messages, cost per currency) and
// against the CLI's report of the same workspace (billed minutes, answered calls, segments and
// pending records too). Then it opens a number and checks the detail panel's figures the same
// way. Started by scripts/e2e.sh (fake providers, Secret Service, SWITCHBOARD_CLI).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { openLocalWorkspace, screenshot, startApp, until } from "./support.mjs";

const cli = process.env.SWITCHBOARD_CLI;
const TWILIO = process.env.SWITCHBOARD_TWILIO_API_URL;
// The fake's credentials (crates/fake-providers creds): not secrets, they exist only there.
const SID = "AC00000000000000000000000000000001";
const TOKEN = "fake-twilio-auth-token";
const ORG = `usage-e2e-${Date.now()}`;

let b;
let orgId;
const testid = (id) => b.$(`[data-testid="${id}"]`);
const shot = (name) => screenshot(b, name);
/** `until`, with the longer wait a sync of thousands of records may need. */
const waitFor = (what, f, timeout = 20000) => until(b, "usage", what, f, timeout);

/** The CLI on the app's workspace, its vault entries where the (release) app reads them. */
function run(args, input = "") {
  const env = { ...process.env, SWITCHBOARD_VAULT_SERVICE: "dev.switchboard.desktop" };
  return execFileSync(cli, args, { input, env, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
}

/** A decimal amount ("-0.01300", "181.2") in billionths of its unit, sign dropped (a charge). */
function nanos(amount) {
  const [whole, fraction = ""] = amount.replace(/^[-+]/, "").split(".");
  return BigInt(whole) * 1_000_000_000n + BigInt(fraction.padEnd(9, "0").slice(0, 9));
}

/** Every record of one of the fake Twilio's lists (`Calls`, `Messages`), following its pages. */
async function twilioList(resource, key) {
  const auth = Buffer.from(`${SID}:${TOKEN}`).toString("base64");
  const found = [];
  let uri = `/2010-04-01/Accounts/${SID}/${resource}.json?PageSize=1000`;
  while (uri) {
    const r = await fetch(`${TWILIO}${uri}`, { headers: { authorization: `Basic ${auth}` } });
    assert.equal(r.status, 200, `${resource}: ${await r.clone().text()}`);
    const page = await r.json();
    found.push(...page[key]);
    uri = page.next_page_uri;
  }
  return found;
}

/**
 * What the fake's records of `numbers` from the UTC day `from` to `to` add up to: calls,
 * messages, and per currency the charged prices (Twilio writes a charge negative); a record
 * without a price is not in any cost. Per number too.
 */
async function fakeTotals(numbers, from, to) {
  const ours = (r) => (r.direction === "inbound" || r.direction === "trunking-terminating" ? r.to : r.from);
  const day = (t) => new Date(Date.parse(t)).toISOString().slice(0, 10);
  const all = { calls: 0, messages: 0, cost: {} };
  const per = {};
  const add = (r, at, kind) => {
    const number = ours(r);
    const d = day(at);
    if (!numbers.includes(number) || d < from || d > to) return;
    per[number] ??= { calls: 0, messages: 0, cost: {} };
    for (const t of [all, per[number]]) {
      t[kind] += 1;
      if (r.price) t.cost[r.price_unit] = (t.cost[r.price_unit] ?? 0n) + nanos(r.price);
    }
  };
  for (const c of await twilioList("Calls", "calls")) add(c, c.start_time ?? c.date_created, "calls");
  for (const m of await twilioList("Messages", "messages")) add(m, m.date_sent ?? m.date_created, "messages");
  return { all, per };
}

/** The cost a totals block shows, per currency, in billionths ("USD 181.2345" spans). */
async function shownCost(id) {
  const texts = await b.execute((i) => [...document.querySelectorAll(`[data-testid="${i}"] .money`)].map((m) => m.textContent), id);
  return Object.fromEntries(texts.map((t) => t.trim().split(" ")).map(([c, a]) => [c, nanos(a)]));
}

/** A totals block's figures as shown (UsageTotals.svelte: `{prefix}-calls`, …). */
async function shown(prefix) {
  const text = async (id) => (await (await testid(`${prefix}-${id}`)).getText()).trim();
  return {
    calls: await text("calls"),
    minutes: await text("minutes"),
    messages: await text("messages"),
    pending: await text("pending"),
    cost: await shownCost(`${prefix}-cost`),
  };
}

/** The CLI's counts and cost (JSON numbers), summed over a report's rows, as the view shows them. */
function cliShown(rows) {
  const c = { calls: 0, answered: 0, billedSecs: 0, messages: 0, segments: 0, pending: 0 };
  const cost = {};
  for (const r of rows) {
    for (const k of Object.keys(c)) c[k] += r.counts[k];
    for (const [cur, n] of Object.entries(r.cost)) cost[cur] = (cost[cur] ?? 0n) + BigInt(n);
  }
  return {
    calls: `${c.calls} (${c.answered} answered)`,
    minutes: (c.billedSecs / 60).toFixed(1),
    messages: `${c.messages} (${c.segments} segments)`,
    pending: c.pending ? `${c.pending} records priced pending (not in the cost yet)` : "none",
    cost,
  };
}

before(async () => {
  assert.ok(cli, "SWITCHBOARD_CLI must name the CLI built with the fake providers (scripts/e2e.sh)");
  assert.ok(TWILIO, "SWITCHBOARD_TWILIO_API_URL must point at the fake Twilio (scripts/e2e.sh)");
  assert.ok(process.env.SWITCHBOARD_WORKSPACE, "SWITCHBOARD_WORKSPACE must name the app's workspace");
  // This file's own organization, account and numbers, in the workspace the app opens.
  run(["orgs", "add", "--slug", ORG, "--name", "Usage E2E"]);
  run(["accounts", "add", "--org", ORG, "--provider", "twilio", "--account-sid", SID], `${TOKEN}\n`);
  run(["numbers", "import", "--org", ORG, "--account", SID, "--yes"]);
  orgId = JSON.parse(run(["--json", "orgs", "list"])).find((o) => o.slug === ORG).id;
  b = await startApp();
});

after(async () => {
  await b?.deleteSession().catch(() => {});
});

describe("usage of an organization's numbers", () => {
  let numbers;
  let range;

  it("opens the local workspace and the organization the CLI set up", async () => {
    // A file before this one may have left a team workspace open: the local one holds ORG.
    await openLocalWorkspace(b, waitFor);
    await waitFor("the organization list", async () =>
      b.execute((id) => !!document.querySelector(`select[aria-label="Organization"] option[value="${id}"]`), orgId));
    await b.execute((id) => {
      const select = document.querySelector('select[aria-label="Organization"]');
      select.value = id;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }, orgId);
    await waitFor("the imported numbers", async () => (await b.$$('[data-testid="number-row"]')).length > 0);
    numbers = JSON.parse(run(["--json", "numbers", "list", "--org", ORG, "--limit", "1000"])).items.map((n) => n.phone_number);
    assert.equal(numbers.length, 30);
    await shot("u01-organization");
  });

  it("syncs usage from the usage view, its progress shown page by page", async () => {
    await (await testid("usage-open")).click();
    await (await testid("usage-view")).waitForExist({ timeout: 5000 });
    await waitFor("the empty report", async () => /nothing charged/.test(await (await testid("usage-totals-cost")).getText()));
    await shot("u02-usage-before-sync");
    // Every text the progress line shows, however briefly (the sync of 9,000 records is quick).
    await b.execute(() => {
      window.__usageProgress = [];
      new MutationObserver(() => {
        const p = document.querySelector('[data-testid="usage-sync-progress"]');
        const text = p?.textContent.trim();
        if (text && window.__usageProgress.at(-1) !== text) window.__usageProgress.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await (await testid("usage-sync")).click();
    await shot("u03-usage-syncing");
    const result = await testid("usage-sync-result");
    await result.waitForExist({ timeout: 60000 });
    assert.match(await result.getText(), new RegExp(`twilio ${SID}: \\d+ added, 0 completed, \\d+ pending, \\d+ skipped`));
    const progress = await b.execute(() => window.__usageProgress);
    assert.ok(
      progress.some((t) => new RegExp(`^twilio ${SID}: \\d+ calls read \\(\\d+ pages\\)$`).test(t)) &&
        progress.some((t) => /messages read/.test(t)),
      `progress per page: ${JSON.stringify(progress)}`,
    );
    await waitFor("the totals", async () => !/nothing charged/.test(await (await testid("usage-totals-cost")).getText()));
    // The chart per day is drawn (uPlot's canvas), not only its table.
    await waitFor("the view's chart", async () => (await b.$$('[data-testid="usage-view"] canvas')).length > 0);
    await shot("u04-usage-synced");
  });

  it("shows exactly the fake's totals, each currency apart", async () => {
    const from = await (await testid("usage-from")).getValue();
    const to = await (await testid("usage-to")).getValue();
    range = { from, to };
    const view = await shown("usage-totals");
    const fake = await fakeTotals(numbers, from, to);
    assert.ok(fake.all.calls > 1000, `the fake has calls in the range: ${fake.all.calls}`);
    assert.equal(view.calls.split(" ")[0], String(fake.all.calls), "calls");
    assert.equal(view.messages.split(" ")[0], String(fake.all.messages), "messages");
    assert.deepEqual(view.cost, fake.all.cost, "cost per currency, to the billionth");
    // The CLI's report of the same workspace and days: every figure the view shows.
    const report = JSON.parse(run(["usage", "report", "--org", ORG, "--by", "day", "--from", from, "--to", to, "--format", "json"]));
    assert.deepEqual(view, cliShown(report.rows));
    assert.match(view.pending, /^\d+ records priced pending \(not in the cost yet\)$/, "the last hour's prices are pending");
    await (await testid("usage-totals")).scrollIntoView({ block: "center" });
    await shot("u05-usage-totals");
  });

  it("shows an opened number's figures, health and chart in its detail panel", async () => {
    await (await testid("usage-close")).click();
    const number = numbers[7];
    await b.execute((t) => {
      const el = document.querySelector('[data-testid="search"]');
      el.value = t;
      el.dispatchEvent(new Event("input", { bubbles: true }));
    }, number.slice(1));
    await waitFor("the number in the table", async () => (await b.$$(`[data-testid="number-row"][data-number="${number}"]`)).length === 1);
    await (await b.$(`[data-testid="number-row"][data-number="${number}"]`)).click();
    await (await testid("number-usage-calls")).waitForExist({ timeout: 10000 });
    const panel = await shown("number-usage");
    const fake = (await fakeTotals([number], range.from, range.to)).per[number];
    assert.equal(panel.calls.split(" ")[0], String(fake.calls), "the number's calls");
    assert.equal(panel.messages.split(" ")[0], String(fake.messages), "the number's messages");
    assert.deepEqual(panel.cost, fake.cost, "the number's cost per currency");
    const one = JSON.parse(run(["usage", "report", "--org", ORG, "--number", number, "--format", "json"]));
    assert.deepEqual(panel, cliShown([one.totals]));
    const state = await (await testid("number-health-state")).getText();
    assert.equal(state.toLowerCase().replace(" ", "_"), one.health.state);
    const figures = await (await testid("number-health-figures")).getText();
    assert.match(figures, new RegExp(`Answer rate\\s*\\d+ %\\s*of ${one.health.calls} calls`));
    // The chart is drawn (uPlot's canvas), with the figures per day as its text alternative.
    await waitFor("the chart", async () => (await b.$$('[data-testid="number-usage"] canvas')).length > 0);
    const days = await b.execute(() => document.querySelectorAll('[data-testid="number-usage-days"] tbody tr').length);
    assert.equal(days, 30, "a row per day of the 30");
    await (await testid("number-usage")).scrollIntoView({ block: "start" });
    await shot("u06-detail-panel-usage");
  });
});
