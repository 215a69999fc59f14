import { describe, expect, it, vi } from "vitest";
import { copyNumber, focusBackToRow, numberToCopy } from "./keys";

function keyOn(target: HTMLElement, init: KeyboardEventInit): KeyboardEvent {
  const e = new KeyboardEvent("keydown", { bubbles: true, ...init });
  Object.defineProperty(e, "target", { value: target });
  return e;
}

function row(e164: string): HTMLElement {
  const r = document.createElement("div");
  r.dataset.number = e164;
  const cell = document.createElement("span");
  r.appendChild(cell);
  return cell;
}

describe("numberToCopy", () => {
  it("copies the focused row's number with c, before the open one", () => {
    expect(numberToCopy(keyOn(row("+14155550100"), { key: "c" }), "+442071838750", "")).toBe("+14155550100");
  });

  it("copies the open number when no row has the focus", () => {
    expect(numberToCopy(keyOn(document.createElement("div"), { key: "c" }), "+442071838750", "")).toBe("+442071838750");
    expect(numberToCopy(keyOn(document.createElement("div"), { key: "c" }), null, "")).toBeNull();
  });

  it("takes Ctrl+C and Cmd+C only while no text is selected", () => {
    const target = row("+14155550100");
    expect(numberToCopy(keyOn(target, { key: "c", ctrlKey: true }), null, "")).toBe("+14155550100");
    expect(numberToCopy(keyOn(target, { key: "c", metaKey: true }), null, "")).toBe("+14155550100");
    expect(numberToCopy(keyOn(target, { key: "c", ctrlKey: true }), null, "Support line")).toBeNull();
    expect(numberToCopy(keyOn(target, { key: "c", ctrlKey: true, metaKey: true }), null, "")).toBeNull();
  });

  it("never fires in a text field, a dialog, or for other keys and chords", () => {
    const input = document.createElement("input");
    expect(numberToCopy(keyOn(input, { key: "c" }), "+14155550100", "")).toBeNull();
    const dialog = document.createElement("div");
    dialog.setAttribute("role", "dialog");
    const button = document.createElement("button");
    dialog.appendChild(button);
    expect(numberToCopy(keyOn(button, { key: "c" }), "+14155550100", "")).toBeNull();
    const target = row("+14155550100");
    expect(numberToCopy(keyOn(target, { key: "v", ctrlKey: true }), null, "")).toBeNull();
    expect(numberToCopy(keyOn(target, { key: "C", shiftKey: true }), null, "")).toBeNull();
    expect(numberToCopy(keyOn(target, { key: "c", altKey: true }), null, "")).toBeNull();
  });
});

describe("copyNumber", () => {
  it("writes the E.164 number and says so", async () => {
    const writeText = vi.fn(async () => {});
    const tell = { info: vi.fn(), error: vi.fn() };
    expect(await copyNumber("+14155550100", { writeText }, tell)).toBe(true);
    expect(writeText).toHaveBeenCalledWith("+14155550100");
    expect(tell.info).toHaveBeenCalledWith("+14155550100 is on the clipboard.", "Copied");
    expect(tell.error).not.toHaveBeenCalled();
  });

  it("says why when the clipboard refuses or is missing", async () => {
    const tell = { info: vi.fn(), error: vi.fn() };
    const writeText = vi.fn(async () => {
      throw new Error("Write permission denied.");
    });
    expect(await copyNumber("+14155550100", { writeText }, tell)).toBe(false);
    expect(tell.error.mock.calls[0][0].message).toBe("Could not copy +14155550100: Write permission denied.");
    expect(await copyNumber("+14155550100", undefined, tell)).toBe(false);
    expect(tell.error.mock.calls[1][0].message).toBe("Could not copy +14155550100: The clipboard is not available in this window.");
    expect(tell.info).not.toHaveBeenCalled();
  });
});

describe("focusBackToRow", () => {
  function table() {
    document.body.replaceChildren();
    const rows = ["+14155550100", "+14155550101"].map((n) => {
      const r = document.createElement("div");
      r.dataset.testid = "number-row";
      r.dataset.number = n;
      r.tabIndex = 0;
      document.body.append(r);
      return r;
    });
    return rows;
  }

  it("puts focus back on the closed number's row when it fell to the page's body", () => {
    const rows = table();
    expect(focusBackToRow(document, "+14155550101")).toBe(true);
    expect(document.activeElement).toBe(rows[1]);
  });

  it("leaves focus where the manager put it, and does nothing for a row not on screen", () => {
    const rows = table();
    const search = document.createElement("input");
    document.body.append(search);
    search.focus();
    expect(focusBackToRow(document, "+14155550101")).toBe(false);
    expect(document.activeElement).toBe(search);
    search.blur();
    expect(focusBackToRow(document, "+19999999999")).toBe(false);
    expect(document.activeElement).not.toBe(rows[0]);
  });
});
