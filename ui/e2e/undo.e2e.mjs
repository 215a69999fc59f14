// End-to-end: undo of the last edit and of the last removal, in the real webview. Opens its own
// organization ("Undo E2E"), written into the app's workspace by the CLI before the app starts,
// so it needs no other file to have run. The manager renames a number and clicks the toast's
// Undo (the old name is back in the panel and the table), then removes it and clicks Undo (it is
// back in the table, with its name); the organization shown before is put back.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as support from "./support.mjs";

const ORG = "undo-e2e";
const ORG_NAME = "Undo E2E";
const NUMBERS = [
  ["+14155550301", "Front desk"],
  ["+14155550302", "Back office"],
];
const EDITED = NUMBERS[0][0];

let b;
const byTestId = (id) => b.$(`[data-testid="${id}"]`);
const screenshot = (name) => support.screenshot(b, name);
const until = (what, f, timeout) => support.until(b, "undo", what, f, timeout);

/** Each row's number and text. */
const rows = () =>
  b.execute(() => [...document.querySelectorAll('[data-testid="number-row"]')].map((r) => ({ number: r.dataset.number, text: r.textContent })));
const rowOf = async (number) => (await rows()).find((r) => r.number === number);
/** The info toasts' texts. */
const infoToasts = () => b.execute(() => [...document.querySelectorAll('[data-testid="toast-info"]')].map((t) => t.textContent));
/** Clicks the Undo of the info toast whose text matches `pattern`. */
async function clickUndo(pattern) {
  await until(`a toast with Undo matching ${pattern}`, async () => (await infoToasts()).some((t) => pattern.test(t) && t.includes("Undo")));
  const clicked = await b.execute((source) => {
    const re = new RegExp(source);
    const toast = [...document.querySelectorAll('[data-testid="toast-info"]')].find((t) => re.test(t.textContent));
    const button = toast?.querySelector('[data-testid="toast-action"]');
    button?.click();
    return button?.textContent ?? null;
  }, pattern.source);
  assert.equal(clicked, "Undo");
}

before(async () => {
  b = await support.sessionAfter(() => {
    support.cli("orgs", "add", "--slug", ORG, "--name", ORG_NAME);
    for (const [number, name] of NUMBERS) {
      support.cli("numbers", "add", "--org", ORG, "--provider", "twilio", "--number", number, "--friendly-name", name);
    }
  });
});

after(async () => {
  await b?.deleteSession().catch(() => {});
});

describe("Undo of the last edit or removal", () => {
  let shownOrg = "";

  it("opens its organization", async () => {
    // A file before this one may have left a team workspace open: the local one holds ORG.
    await support.openLocalWorkspace(b, until);
    shownOrg = await support.chooseOrganization(b, ORG_NAME, until);
    await until("the organization's numbers", async () => (await rows()).map((r) => r.number).sort().join() === NUMBERS.map(([n]) => n).join());
    await screenshot("undo-01-organization");
  });

  it("undoes a rename: the old name is back in the panel and the table", async () => {
    await (await b.$(`[data-number="${EDITED}"]`)).click();
    const name = await byTestId("friendly-name");
    await name.waitForExist({ timeout: 5000 });
    await until("the panel of the number", async () => (await name.getValue()) === "Front desk");
    await name.clearValue();
    await name.setValue("Renamed by mistake");
    await (await byTestId("save-name")).click();
    await until("the new name in the table", async () => (await rowOf(EDITED))?.text.includes("Renamed by mistake"));
    await screenshot("undo-02-renamed-toast-with-undo");
    await clickUndo(/Renamed to “Renamed by mistake”/);
    await until("the old name in the panel", async () => (await name.getValue()) === "Front desk");
    await until("the old name in the table", async () => (await rowOf(EDITED))?.text.includes("Front desk"));
    await until("the toast saying it was undone", async () => (await infoToasts()).some((t) => /is back as it was/.test(t)));
    await screenshot("undo-03-rename-undone");
  });

  it("undoes a removal: the number is back in the table, as it was", async () => {
    await (await byTestId("remove-number")).click();
    await (await byTestId("confirm-remove")).click();
    await until("the number gone from the table", async () => (await rowOf(EDITED)) === undefined);
    await screenshot("undo-04-removed-toast-with-undo");
    await clickUndo(/was removed/);
    await until("the number back in the table", async () => (await rowOf(EDITED))?.text.includes("Front desk"));
    await screenshot("undo-05-removal-undone");
  });

  it("puts the organization shown before back", async () => {
    await b.keys(["Escape"]);
    if (shownOrg) await (await b.$('select[aria-label="Organization"]')).selectByAttribute("value", shownOrg);
    await b.pause(1000);
    await screenshot("undo-06-put-back");
  });
});
