import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import FileActions from "./FileActions.svelte";
import { deferred, mockClient, tick } from "../test/mockClient";
import { toasts } from "../lib/toasts.svelte";
import { NumbersView } from "../lib/numbers.svelte";
import type { FileDone } from "../lib/client";

afterEach(() => {
  cleanup();
  toasts.items = [];
});

describe("FileActions", () => {
  it("exports the table's whole query, its filters and order, from the first row", async () => {
    const client = mockClient(30);
    const view = new NumbersView(client, 0, () => {});
    view.organizationId = "org-1";
    view.filters.status = "active";
    view.sort = { field: "updated", descending: true };
    render(FileActions, { client, organizationId: "org-1", query: () => view.queryFor("org-1") });
    await fireEvent.click(screen.getByTestId("export-json"));
    await tick();
    expect(client.exportNumbers).toHaveBeenCalledWith(
      { filter: view.filterFor("org-1"), sort: "updated", descending: true, limit: expect.any(Number), after: null },
      null,
      "json",
    );
    expect(vi.mocked(client.exportNumbers).mock.calls[0][0].filter).toMatchObject({ organizationId: "org-1", status: "active" });
    expect(toasts.items.at(-1)).toMatchObject({ kind: "info", title: "Exported" });
    expect(toasts.items.at(-1)?.message).toMatch(/^\d+ numbers? written to \/home\/m\/numbers\.json$/);
  });

  it("exports under the table's Health filter only the numbers in that state", async () => {
    const client = mockClient(30);
    const view = new NumbersView(client, 0, () => {});
    view.filters.health = "at_risk";
    render(FileActions, { client, organizationId: "org-1", query: () => view.queryFor("org-1"), health: () => view.filters.health ?? null });
    await fireEvent.click(screen.getByTestId("export-csv"));
    await tick();
    expect(vi.mocked(client.exportNumbers).mock.calls[0].slice(1)).toEqual(["at_risk", "csv"]);
  });

  it("says nothing when the dialog is closed without a file, and runs one file task at a time", async () => {
    const client = mockClient(3);
    const pending = deferred<FileDone | null>();
    client.exportNumbers = vi.fn(() => pending.promise);
    render(FileActions, { client, organizationId: "org-1", query: () => new NumbersView(client, 0, () => {}).queryFor("org-1") });
    await fireEvent.click(screen.getByTestId("export-csv"));
    await tick();
    expect(screen.getByTestId("export-csv").textContent).toContain("Exporting…");
    for (const id of ["export-csv", "export-json", "import-csv"]) expect((screen.getByTestId(id) as HTMLButtonElement).disabled).toBe(true);
    pending.resolve(null);
    await tick();
    expect(toasts.items).toEqual([]);
    expect((screen.getByTestId("import-csv") as HTMLButtonElement).disabled).toBe(false);
    expect(client.exportNumbers).toHaveBeenCalledTimes(1);
  });

  it("imports a chosen CSV and says how many; a refused file lists every bad line and imports nothing", async () => {
    const client = mockClient(3);
    render(FileActions, { client, organizationId: "org-1", query: () => new NumbersView(client, 0, () => {}).queryFor("org-1") });
    await fireEvent.click(screen.getByTestId("import-csv"));
    await tick();
    expect(client.importNumbersFile).toHaveBeenCalledWith("org-1");
    expect(toasts.items.at(-1)).toMatchObject({ kind: "info", title: "Imported", message: "2 numbers imported from /home/m/numbers.csv" });

    const lines = "2 bad row(s); nothing was imported:\n  line 3: not a valid phone number\n  line 7: +14155550100 is already in this organization";
    client.importNumbersFile = vi.fn(async () => {
      throw { code: "InvalidInput", message: lines };
    });
    await fireEvent.click(screen.getByTestId("import-csv"));
    await tick();
    expect(screen.getByTestId("import-refused-lines").textContent).toBe(lines);
    expect(screen.getByRole("dialog").getAttribute("aria-labelledby")).toBe("import-refused-title");
    await fireEvent.click(screen.getByTestId("import-refused-close"));
    expect(screen.queryByTestId("import-refused")).toBeNull();

    client.importNumbersFile = vi.fn(async () => {
      throw { code: "Storage", message: "the workspace file is read-only" };
    });
    await fireEvent.click(screen.getByTestId("import-csv"));
    await tick();
    expect(screen.queryByTestId("import-refused")).toBeNull();
    expect(toasts.items.at(-1)).toMatchObject({ kind: "error", message: "the workspace file is read-only" });
  });

  it("gives focus back to the button the work disabled: after an export, and when the refusal closes", async () => {
    const client = mockClient(3);
    render(FileActions, { client, organizationId: "org-1", query: () => new NumbersView(client, 0, () => {}).queryFor("org-1") });
    // WebKit takes focus from a control that becomes disabled; jsdom does not, so the tests blur it.
    const started = (id: string) => {
      const button = screen.getByTestId(id);
      button.focus();
      button.click();
      button.blur();
      return button;
    };
    const exported = started("export-csv");
    await tick();
    await tick();
    expect(document.activeElement).toBe(exported);

    client.importNumbersFile = vi.fn(async () => {
      throw { code: "InvalidInput", message: "1 bad row(s); nothing was imported:\n  line 2: not a valid phone number" };
    });
    const imported = started("import-csv");
    await tick();
    await tick();
    expect(screen.getByTestId("import-refused").contains(document.activeElement)).toBe(true);
    await fireEvent.click(screen.getByTestId("import-refused-close"));
    await tick();
    expect(screen.queryByTestId("import-refused")).toBeNull();
    expect(document.activeElement).toBe(imported);
  });
});
