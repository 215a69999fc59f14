import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import BulkBar from "./BulkBar.svelte";
import { mockClient, tick } from "../test/mockClient";
import { arrowThrough } from "../test/keys";
import { toasts } from "../lib/toasts.svelte";
import { NumbersView } from "../lib/numbers.svelte";

afterEach(() => {
  cleanup();
  toasts.items = [];
});

const setStatus = (value: string) => fireEvent.change(screen.getByLabelText("Set status of selected"), { target: { value } });

describe("BulkBar", () => {
  it("changes the checked rows by id", async () => {
    const client = mockClient(40);
    const onDone = vi.fn();
    render(BulkBar, { client, organizationId: "org-1", ids: ["n-1", "n-2"], agents: [], matching: 40, filter: () => null, onDone, onClear: () => {} });
    expect(screen.getByTestId("bulk-count").textContent).toBe("2 selected");
    expect(screen.queryByTestId("select-all-matching")).toBeNull();
    await setStatus("inactive");
    await tick();
    expect(client.bulkUpdate).toHaveBeenCalledWith(expect.any(String), "org-1", ["n-1", "n-2"], [{ field: "status", value: "inactive" }], expect.any(Function));
    expect(client.updateMatching).not.toHaveBeenCalled();
    expect(onDone).toHaveBeenCalled();
  });

  it("selects every number the filter matches and changes them all through the filter taken then", async () => {
    const client = mockClient(40);
    const view = new NumbersView(client, 0, () => {});
    view.filters.status = "active";
    let current = view.filterFor("org-1");
    render(BulkBar, { client, organizationId: "org-1", ids: ["n-1"], agents: [], matching: 12345, filter: () => current, onDone: () => {}, onClear: () => {} });
    await fireEvent.click(screen.getByTestId("select-all-matching"));
    expect(screen.getByTestId("bulk-count").textContent).toBe("All 12,345 matching selected");
    expect(screen.queryByTestId("select-all-matching")).toBeNull();
    const taken = current;
    current = { ...current, status: "error" };
    await setStatus("inactive");
    await tick();
    expect(client.updateMatching).toHaveBeenCalledWith(expect.any(String), taken, [{ field: "status", value: "inactive" }], expect.any(Function));
    expect(client.bulkUpdate).not.toHaveBeenCalled();
    expect(toasts.items.at(-1)).toMatchObject({ kind: "info", title: "Status set to inactive" });
    expect(screen.getByTestId("bulk-count").textContent).toBe("1 selected");
  });

  it("goes back to the checked rows, and offers no select-all while every match is checked", async () => {
    const client = mockClient(3);
    const filter = () => new NumbersView(client, 0, () => {}).filterFor("org-1");
    render(BulkBar, { client, organizationId: "org-1", ids: ["a", "b"], agents: [], matching: 9, filter, onDone: () => {}, onClear: () => {} });
    await fireEvent.click(screen.getByTestId("select-all-matching"));
    await fireEvent.click(screen.getByTestId("select-loaded"));
    expect(screen.getByTestId("bulk-count").textContent).toBe("2 selected");
    cleanup();
    render(BulkBar, { client, organizationId: "org-1", ids: ["a", "b"], agents: [], matching: 2, filter, onDone: () => {}, onClear: () => {} });
    expect(screen.queryByTestId("select-all-matching")).toBeNull();
  });
});

describe("BulkBar with the keyboard", () => {
  it("runs nothing while the arrows go through the options, and the shown choice on Enter", async () => {
    const client = mockClient(40);
    render(BulkBar, { client, organizationId: "org-1", ids: ["n-1"], agents: [], matching: 40, filter: () => null, onDone: () => {}, onClear: () => {} });
    const select = screen.getByLabelText("Set status of selected") as HTMLSelectElement;
    await arrowThrough(select, ["active", "inactive"]);
    await tick();
    expect(client.bulkUpdate).not.toHaveBeenCalled();
    expect(select.value).toBe("inactive");
    await fireEvent.keyDown(select, { key: "Enter" });
    await tick();
    expect(client.bulkUpdate).toHaveBeenCalledTimes(1);
    expect(client.bulkUpdate).toHaveBeenCalledWith(expect.any(String), "org-1", ["n-1"], [{ field: "status", value: "inactive" }], expect.any(Function));
  });
});
