import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { undoAction } from "./undo";
import { Toasts, toasts } from "./toasts.svelte";
import { makeNumber, mockClient, tick } from "../test/mockClient";
import DetailPanel from "../components/DetailPanel.svelte";
import Toaster from "../components/Toasts.svelte";

afterEach(() => {
  cleanup();
  toasts.items = [];
});

function target() {
  return { undone: vi.fn(), info: vi.fn(), error: vi.fn() };
}

describe("the Undo button", () => {
  it("asks the app to undo, then shows the number as the undo left it", async () => {
    const client = mockClient(1);
    const back = makeNumber(4, { friendlyName: "Main" });
    client.undoLast = vi.fn(async () => back);
    const t = target();
    const action = undoAction(client, t);
    expect(action.label).toBe("Undo");
    action.run();
    await tick();
    expect(client.undoLast).toHaveBeenCalledTimes(1);
    expect(t.undone).toHaveBeenCalledWith(back);
    expect(t.info).toHaveBeenCalledWith(`${back.display} is back as it was.`, "Undone");
    expect(t.error).not.toHaveBeenCalled();
  });

  it("shows a refusal and changes nothing in the window", async () => {
    const client = mockClient(1);
    client.undoLast = vi.fn(async () => {
      throw { code: "InvalidInput", message: "invalid undo: +1 415-555-0100 was changed since the edit" };
    });
    const t = target();
    undoAction(client, t).run();
    await tick();
    expect(t.error).toHaveBeenCalledWith(expect.objectContaining({ code: "InvalidInput", message: "invalid undo: +1 415-555-0100 was changed since the edit" }));
    expect(t.undone).not.toHaveBeenCalled();
    expect(t.info).not.toHaveBeenCalled();
  });
});

describe("toasts with Undo", () => {
  it("keep only the newest Undo button (the app undoes the last edit only), other toasts stay", () => {
    const list = new Toasts();
    const undo = { label: "Undo", run: vi.fn() };
    list.info("Something else.");
    list.undoable("Renamed to “A”.", "Saved", undo);
    list.undoable("+1 415-555-0100 was removed.", "Removed", undo);
    expect(list.items.map((t) => [t.title, t.action?.label ?? null])).toEqual([
      ["Done", null],
      ["Removed", "Undo"],
    ]);
  });
});

describe("the detail panel", () => {
  it("offers Undo after an edit and after a removal, and the button undoes", async () => {
    const client = mockClient(1);
    const number = client.data[0]!;
    const undo = { label: "Undo", run: vi.fn() };
    const props = { client, number, agents: [], onChanged: vi.fn(), onRemoved: vi.fn(), onClose: vi.fn(), undo };
    render(DetailPanel, props);
    render(Toaster);
    const name = screen.getByTestId("friendly-name") as HTMLInputElement;
    await fireEvent.input(name, { target: { value: "Sales" } });
    await fireEvent.click(screen.getByTestId("save-name"));
    await tick();
    expect(client.updateNumber).toHaveBeenCalled();
    expect(toasts.items.at(-1)).toMatchObject({ kind: "info", title: "Saved", action: undo });
    await fireEvent.click(screen.getByTestId("toast-action"));
    expect(undo.run).toHaveBeenCalledTimes(1);
    expect(toasts.items).toEqual([]);

    await fireEvent.click(screen.getByTestId("remove-number"));
    await fireEvent.click(screen.getByTestId("confirm-remove"));
    await tick();
    expect(client.removeNumber).toHaveBeenCalledWith(number.id);
    expect(toasts.items.at(-1)).toMatchObject({ title: "Removed", message: `${number.display} was removed.`, action: undo });
  });

  it("shows the name an undo put back, in the name field too", async () => {
    const client = mockClient(1);
    const renamed = { ...client.data[0]!, friendlyName: "Renamed by mistake" };
    const undo = { label: "Undo", run: vi.fn() };
    const props = { client, number: renamed, agents: [], onChanged: vi.fn(), onRemoved: vi.fn(), onClose: vi.fn(), undo };
    const { rerender } = render(DetailPanel, props);
    const name = screen.getByTestId("friendly-name") as HTMLInputElement;
    expect(name.value).toBe("Renamed by mistake");
    await rerender({ ...props, number: { ...renamed, friendlyName: "Front desk" } });
    expect(name.value).toBe("Front desk");
  });
});
