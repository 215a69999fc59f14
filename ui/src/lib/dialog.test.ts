import { afterEach, describe, expect, it } from "vitest";
import { modal, nextFocus } from "./dialog";

afterEach(() => document.body.replaceChildren());

/** A page with a button that opens a dialog of three buttons (the modal action on it). */
function page() {
  const opener = document.createElement("button");
  opener.textContent = "open";
  const dialog = document.createElement("div");
  const buttons = ["a", "b", "c"].map((t) => {
    const x = document.createElement("button");
    x.textContent = t;
    dialog.append(x);
    return x;
  });
  document.body.append(opener, dialog);
  opener.focus();
  let closed = 0;
  const action = modal(dialog, () => closed++);
  return { opener, dialog, buttons, action, closed: () => closed };
}

const flush = () => new Promise((r) => queueMicrotask(() => r(null)));
const key = (target: EventTarget, key: string, shiftKey = false) => {
  const e = new KeyboardEvent("keydown", { key, shiftKey, bubbles: true, cancelable: true });
  target.dispatchEvent(e);
  return e;
};

describe("modal", () => {
  it("focuses the dialog's first control, cycles Tab inside it and closes on Escape", async () => {
    const p = page();
    await flush();
    expect(document.activeElement).toBe(p.buttons[0]);
    key(p.buttons[0], "Tab", true);
    expect(document.activeElement).toBe(p.buttons[2]);
    key(p.buttons[2], "Tab");
    expect(document.activeElement).toBe(p.buttons[0]);
    key(p.buttons[0], "Escape");
    expect(p.closed()).toBe(1);
  });

  it("gives focus back to the opener when it closes", async () => {
    const p = page();
    await flush();
    p.action.destroy();
    expect(document.activeElement).toBe(p.opener);
  });

  it("brings focus back into the dialog when its focused control went away", async () => {
    const p = page();
    await flush();
    p.buttons[1].focus();
    p.buttons[1].remove();
    expect(document.activeElement).toBe(document.body);
    const e = key(document.body, "Tab");
    expect(e.defaultPrevented).toBe(true);
    expect(document.activeElement).toBe(p.buttons[0]);
    p.buttons[0].blur();
    key(document.body, "Tab", true);
    expect(document.activeElement).toBe(p.buttons[2]);
  });

  it("moves focus at once to the dialog's first control when the focused one is removed", async () => {
    const p = page();
    await flush();
    p.buttons[1].focus();
    p.buttons[1].remove();
    await flush();
    expect(document.activeElement).toBe(p.buttons[0]);
  });

  it("prefers the [autofocus] control the change brought in", async () => {
    const p = page();
    await flush();
    p.buttons[2].focus();
    const confirm = document.createElement("button");
    confirm.autofocus = true;
    p.buttons[2].replaceWith(confirm);
    await flush();
    expect(document.activeElement).toBe(confirm);
  });

  it("leaves focus alone when it is still on a control of the dialog", async () => {
    const p = page();
    await flush();
    p.buttons[1].focus();
    p.buttons[2].remove();
    await flush();
    expect(document.activeElement).toBe(p.buttons[1]);
  });

  it("keeps Shift+Tab inside when it arrives as GTK's ISO_Left_Tab (key code 9, another key name)", async () => {
    const p = page();
    await flush();
    const e = new KeyboardEvent("keydown", { key: "Unidentified", keyCode: 9, shiftKey: true, bubbles: true, cancelable: true });
    p.buttons[0].dispatchEvent(e);
    expect(e.defaultPrevented).toBe(true);
    expect(document.activeElement).toBe(p.buttons[2]);
  });

  it("keeps focus where a click on the dialog's plain text put it when the dialog changes", async () => {
    const p = page();
    await flush();
    // What the webview does on a click inside the dialog away from its controls: focus goes
    // to the nearest focusable ancestor, the dialog itself (the page's body if it had none).
    p.dialog.focus();
    expect(document.activeElement).toBe(p.dialog);
    p.dialog.append(document.createElement("p"));
    await flush();
    expect(document.activeElement).toBe(p.dialog);
    // Tab from there enters the dialog's controls.
    key(p.dialog, "Tab");
    expect(document.activeElement).toBe(p.buttons[0]);
  });

  it("leaves Tab alone once the dialog is gone", async () => {
    const p = page();
    await flush();
    p.action.destroy();
    p.opener.blur();
    const e = key(document.body, "Tab");
    expect(e.defaultPrevented).toBe(false);
  });
});

describe("nextFocus", () => {
  it("wraps at either end", () => {
    const items = [1, 2, 3].map(() => document.createElement("button"));
    expect(nextFocus(items, items[2], false)).toBe(items[0]);
    expect(nextFocus(items, items[0], true)).toBe(items[2]);
    expect(nextFocus(items, null, false)).toBe(items[0]);
    expect(nextFocus([], null, false)).toBeNull();
  });
});
