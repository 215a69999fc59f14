// End-to-end: the app never vanishes. Started on a workspace file it cannot open (here a
// damaged one), the window opens and says what happened, naming the file, and what to do; the
// file is left as it was. Once the manager moves it aside, "Try again" opens a new, empty
// workspace. Started again while another program (the `sqlite3` shell standing in for
// `switchboard-cli import`) holds the workspace's write lock, the app opens it and shows its
// organizations. scripts/e2e.sh runs this file first: it removes the workspace at the end, so
// app.e2e.mjs starts on a fresh one.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { screenshot, startApp } from "./support.mjs";

const workspace = process.env.SWITCHBOARD_WORKSPACE;
const DAMAGED = "this is not a Switchboard workspace, only text in its place. ".repeat(80);

let b;

const testid = (id) => b.$(`[data-testid="${id}"]`);
const shot = (name) => screenshot(b, name);

/** The `sqlite3` shell holding the workspace's write lock with a change under way. */
async function holdWriteLock() {
  const shell = spawn("sqlite3", [workspace], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  shell.stdout.on("data", (d) => (out += d));
  shell.stdin.write("BEGIN IMMEDIATE; UPDATE organizations SET name = 'Renaming'; SELECT 'held';\n");
  const until = Date.now() + 10000;
  while (!out.includes("held")) {
    assert.ok(Date.now() < until && shell.exitCode === null, `sqlite3 did not take the lock: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return shell;
}

before(async () => {
  assert.ok(workspace, "SWITCHBOARD_WORKSPACE must name the workspace file");
  writeFileSync(workspace, DAMAGED);
  b = await startApp();
});

after(async () => {
  await b?.deleteSession().catch(() => {});
  for (const f of [`${workspace}.damaged`, workspace, `${workspace}-wal`, `${workspace}-shm`]) {
    rmSync(f, { force: true });
  }
});

describe("Starting on a workspace that cannot be opened", () => {
  it("opens the window and says what happened and what to do", async () => {
    const screen = await testid("startup-error");
    await screen.waitForExist({ timeout: 20000 });
    assert.equal(await b.getTitle(), "Switchboard");
    assert.equal(await screen.getAttribute("data-code"), "Storage");
    const message = await (await testid("startup-error-message")).getText();
    assert.ok(message.includes(workspace), `names the file: ${message}`);
    assert.match(message, /move it aside/);
    await shot("s01-startup-error");
    assert.equal(readFileSync(workspace, "utf8"), DAMAGED, "the file is left as it was");
  });

  it("opens a new workspace once the file is moved aside and the manager tries again", async () => {
    renameSync(workspace, `${workspace}.damaged`);
    await (await testid("startup-retry")).click();
    const seed = await testid("seed-demo");
    await seed.waitForExist({ timeout: 20000 });
    assert.equal(await (await testid("startup-error")).isExisting(), false);
    await shot("s02-after-try-again");
    await (await b.$("#org-name")).setValue("Acme Inc.");
    await (await b.$("#org-slug")).setValue("acme");
    await (await b.$("button=Create organization")).click();
    await (await b.$('select[aria-label="Organization"]')).waitForExist({ timeout: 10000 });
  });

  it("opens and reads the workspace while another program holds its write lock", async () => {
    await b.deleteSession();
    b = null;
    const shell = await holdWriteLock();
    try {
      const started = Date.now();
      b = await startApp();
      const org = await b.$('select[aria-label="Organization"]');
      await org.waitForExist({ timeout: 20000 });
      assert.equal(await org.$("option:checked").getText(), "Acme Inc.", "the committed name");
      assert.equal(await (await testid("startup-error")).isExisting(), false);
      await shot("s03-opens-while-another-program-writes");
      console.log(`opened in ${Date.now() - started} ms while the write lock was held`);
    } finally {
      shell.stdin.end("ROLLBACK;\n");
    }
  });
});
