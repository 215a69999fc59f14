// End-to-end: a manager opens the team's PostgreSQL in the app, loses the server, keeps
// working from the offline cache, and gets the edit to the server when it is back. Started by
// scripts/e2e.sh, which runs a throwaway PostgreSQL (ui/e2e/team-postgres.sh: database
// "switchboard" migrated, organization "acme" with 200 numbers, manager role "manager") and a
// private Secret Service for the profile's password. This test stops and starts that server.
// Then an offline edit of a number the server changed meanwhile comes back as a conflict: the
// conflicts dialog passes axe-core, keeps focus inside and gives it back to the banner's button.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { axeViolations, focusStaysIn, screenshot, startApp } from "./support.mjs";

const pgDir = process.env.E2E_PG_DIR;
const pgPort = process.env.E2E_PG_PORT;
const pgPassword = process.env.E2E_PG_PASSWORD;
const pgScript = new URL("./team-postgres.sh", import.meta.url).pathname;
const EDITED = "+14155550007";
const CONFLICTED = "+14155550008";

let b;
const testid = (id) => b.$(`[data-testid="${id}"]`);
const shot = (name) => screenshot(b, name);
const pg = (...args) => execFileSync("bash", [pgScript, args[0], pgDir, ...args.slice(1)], { encoding: "utf8" }).trim();

/** Files under `dir` whose bytes contain `needle`. */
function filesContaining(dir, needle) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? entry.path, entry.name);
    try {
      if (readFileSync(path).includes(needle)) found.push(path);
    } catch {
      // Sockets and files that vanished meanwhile.
    }
  }
  return found;
}

async function errorToasts() {
  return b.execute(() => [...document.querySelectorAll('[data-testid="toast-error"]')].map((t) => t.textContent));
}

async function rows() {
  return b.execute(() =>
    [...document.querySelectorAll('[data-testid="number-row"]')].map((r) => ({
      number: r.getAttribute("data-number"),
      text: r.textContent,
    })),
  );
}

async function banner() {
  return b.execute(() => {
    const el = document.querySelector('[data-testid="connection-banner"]');
    return el ? { connection: el.getAttribute("data-connection"), text: el.textContent.replace(/\s+/g, " ").trim() } : null;
  });
}

async function waitFor(what, f, timeout = 20000) {
  try {
    await b.waitUntil(f, { timeout, interval: 150, timeoutMsg: `timed out waiting for ${what}` });
  } catch (e) {
    await shot(`failed-team-${what.replace(/\W+/g, "-")}`);
    throw new Error(`${e.message}; banner: ${JSON.stringify(await banner())}`);
  }
}

/** Stops PostgreSQL and renames `number` to `name` in its detail panel: the app goes offline
 * and queues the edit. */
async function renameOffline(number, name) {
  pg("stop");
  await (await b.$(`[data-number="${number}"]`)).click();
  const field = await testid("friendly-name");
  await field.waitForExist({ timeout: 5000 });
  await field.clearValue();
  await field.setValue(name);
  await (await testid("save-name")).click();
  await waitFor("the offline banner", async () => (await banner())?.connection === "offline");
  await waitFor("the queued edit", async () => /1 edit queued/.test((await banner()).text));
}

before(async () => {
  assert.ok(pgDir && pgPort && pgPassword, "E2E_PG_DIR, E2E_PG_PORT and E2E_PG_PASSWORD must be set (scripts/e2e.sh)");
  b = await startApp();
});

after(async () => {
  await b?.deleteSession().catch(() => {});
});

describe("team workspace on PostgreSQL", () => {
  it("adds a connection profile, tests it and opens it", async () => {
    const button = await testid("workspace-button");
    await button.waitForExist({ timeout: 20000 });
    await button.click();
    await (await testid("add-profile")).click();
    await (await testid("profile-name")).setValue("team");
    await (await testid("profile-host")).setValue("127.0.0.1");
    const port = await testid("profile-port");
    await port.clearValue();
    await port.setValue(pgPort);
    await (await testid("profile-user")).setValue("manager");
    await (await testid("profile-tls")).selectByAttribute("value", "disable");

    // A wrong password: the server's refusal, as it is.
    await (await testid("profile-password")).setValue("not-the-password");
    await (await testid("profile-test")).click();
    const result = await testid("test-result");
    await waitFor("the refusal", async () => /password authentication failed/i.test(await result.getText()));
    await shot("team-01-test-refused");

    const password = await testid("profile-password");
    await password.clearValue();
    await password.setValue(pgPassword);
    await (await testid("profile-test")).click();
    await waitFor("the connection test", async () => /Connected to 127\.0\.0\.1:\d+\/switchboard as manager/.test(await result.getText()));
    await shot("team-02-test-ok");
    await (await testid("profile-save")).click();
    const row = await b.$('[data-testid="profile-row"][data-name="team"]');
    await row.waitForExist({ timeout: 10000 });
    // Background syncs every 5 s from here on.
    const interval = await testid("sync-interval");
    await interval.clearValue();
    await interval.setValue("5");
    await b.keys(["Tab"]);
    await (await row.$('[data-testid="open-profile"]')).click();
    await (await testid("workspace-dialog")).waitForExist({ reverse: true, timeout: 10000 });
  });

  it("shows the team's numbers once synced", async () => {
    await waitFor("the team's numbers", async () => (await rows()).some((r) => r.number === EDITED), 30000);
    await waitFor("the count", async () => (await (await testid("total")).getText()).includes("200"));
    await waitFor("online", async () => (await banner())?.connection === "online");
    assert.match((await banner()).text, /Synced/);
    const label = await b.execute(() => document.querySelector('[data-testid="workspace-button"]').textContent);
    assert.match(label, /Team: team/);
    assert.deepEqual(await errorToasts(), [], "switching workspace shows no error");
    await shot("team-03-synced");
  });

  it("goes offline when PostgreSQL stops, keeps the cached numbers and queues an edit", async () => {
    await renameOffline(EDITED, "Renamed offline");
    assert.match((await banner()).text, /Offline — showing cached data from/);
    await waitFor("the edit in the table", async () =>
      (await rows()).some((r) => r.number === EDITED && r.text.includes("Renamed offline")));
    assert.ok((await rows()).length > 10, "the cached numbers still show");
    assert.match(await (await testid("total")).getText(), /200/);
    await b.keys(["Escape"]);
    await shot("team-04-offline");
  });

  it("sends the queued edit when PostgreSQL is back", async () => {
    pg("start");
    await (await testid("sync-now")).click();
    await waitFor("online again", async () => (await banner())?.connection === "online");
    await waitFor("the outbox to empty", async () => !/queued/.test((await banner()).text));
    const onServer = pg("sql", `SELECT friendly_name FROM phone_numbers WHERE phone_number = '${EDITED}'`);
    assert.equal(onServer, "Renamed offline");
    await shot("team-05-back-online");
  });

  it("shows an offline edit the server changed meanwhile as a conflict, in an accessible dialog", async () => {
    await renameOffline(CONFLICTED, "Mine, offline");
    await b.keys(["Escape"]);
    pg("start");
    // Meanwhile another manager renamed it on the server.
    pg("sql", `UPDATE phone_numbers SET friendly_name = 'Theirs, on the server', updated_at = now() + interval '1 second' WHERE phone_number = '${CONFLICTED}'`);
    await (await testid("sync-now")).click();
    const open = await testid("open-conflicts");
    await open.waitForExist({ timeout: 30000 });
    await shot("team-06-conflict");
    // Opened with the keyboard, so that focus has a place to come back to.
    await b.execute(() => document.querySelector('[data-testid="open-conflicts"]').focus());
    await b.keys(["Enter"]);
    await waitFor("the conflict listed", async () => (await b.$$('[data-testid="conflict"]')).length === 1);
    assert.match(await (await testid("conflict-mine")).getText(), /Mine, offline/);
    assert.match(await (await testid("conflict-theirs")).getText(), /Theirs, on the server/);
    await shot("team-07-conflicts-dialog");
    assert.deepEqual(await axeViolations(b), [], "the conflicts dialog");
    await focusStaysIn(b, '[data-testid="conflicts-dialog"]');
    await b.keys(["Escape"]);
    await (await testid("conflicts-dialog")).waitForExist({ reverse: true, timeout: 5000 });
    assert.ok(
      await b.execute(() => document.activeElement?.dataset.testid === "open-conflicts"),
      "focus back on the banner's conflicts button",
    );
    // Put the server's side back in place: keep theirs.
    await (await testid("open-conflicts")).click();
    await (await testid("keep-theirs")).click();
    await (await testid("conflicts-dialog")).waitForExist({ reverse: true, timeout: 10000 });
  });

  it("kept the password out of the profile file, settings, the cache and the logs", async () => {
    // Everything the app wrote lives under the sandbox HOME (the vault is elsewhere).
    assert.ok(process.env.HOME, "HOME is the sandbox");
    assert.deepEqual(filesContaining(process.env.HOME, Buffer.from(pgPassword)), []);
    // The profile itself was written there (one file, shared with the CLI): the search above
    // read the files that hold it.
    const saved = filesContaining(process.env.HOME, Buffer.from(`manager@127.0.0.1:${pgPort}`));
    assert.ok(saved.some((f) => f.endsWith("profiles.json")), `the profile is in the profile file: ${saved}`);
  });
});
