import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import UsageView from "./UsageView.svelte";
import { deferred, mockClient } from "../test/mockClient";
import type { GroupBy, ReportRow, UsageCounts, UsageReport } from "../lib/client";
import { zeroCounts } from "../lib/usage";
import { charts } from "../test/uplot";

vi.mock("uplot", () => import("../test/uplot"));

afterEach(cleanup);
const wait = (ms = 5) => new Promise((r) => setTimeout(r, ms));

function row(key: string, c: Partial<UsageCounts>, cost: Record<string, number>): ReportRow {
  return { key, id: null, counts: { ...zeroCounts(), ...c }, cost, health: null };
}

const ROWS: Record<GroupBy, ReportRow[]> = {
  day: [
    row("2026-12-01", { calls: 3, answered: 2, billedSecs: 180, notReported: 3 }, { USD: 20_000_000 }),
    row("2026-12-02", { calls: 2, billedSecs: 60, pending: 2 }, { EUR: 1_000_000_000 }),
  ],
  number: [
    row("+14155550100", { calls: 2, notReported: 3 }, { USD: 5_000_000 }),
    row("+14155550101", { calls: 3, pending: 2 }, { USD: 15_000_000, EUR: 1_000_000_000 }),
  ],
  agent: [row("", { calls: 5, pending: 2 }, { USD: 20_000_000, EUR: 1_000_000_000 })],
  provider: [],
};

function open(prepare: (client: ReturnType<typeof mockClient>) => void = () => {}) {
  const client = mockClient(0);
  prepare(client);
  client.usageReport = vi.fn(
    async (_org: string, from: string | null, to: string | null, by: GroupBy): Promise<UsageReport> => ({
      from: from ?? "2026-12-01",
      to: to ?? "2026-12-03",
      by,
      rows: ROWS[by],
      reasons: by === "number" ? { "+14155550101": "answer rate 10 % is below 20 %" } : {},
    }),
  );
  const onClose = vi.fn();
  const view = render(UsageView, { client, organizationId: "org-1", organizationName: "Acme", organizationSlug: "acme", onClose });
  return { client, onClose, view };
}

describe("UsageView", () => {
  it("shows each currency's total apart and pending records as pending, never as zero", async () => {
    open();
    await wait();
    const cost = screen.getByTestId("usage-totals-cost").textContent ?? "";
    expect(cost).toContain("USD 0.02");
    expect(cost).toContain("EUR 1.00");
    expect(screen.getByTestId("usage-totals-pending").textContent).toContain("2 records priced pending");
    expect((screen.getByTestId("usage-from") as HTMLInputElement).value).toBe("2026-12-01");
    const days = screen.getByTestId("usage-days-table");
    expect(days.querySelectorAll("tbody tr")).toHaveLength(3);
  });

  it("counts the records whose cost is not reported apart from the cost and from pending", async () => {
    open();
    await wait();
    expect(screen.getByTestId("usage-totals-not-reported").textContent).toBe(
      "3 records whose provider reports no cost (not in the cost)",
    );
    expect(screen.getByTestId("usage-totals-pending").textContent).toContain("2 records priced pending");
    const table = screen.getByTestId("usage-top-number");
    const heads = [...table.querySelectorAll("thead th")].map((t) => t.textContent);
    const column = heads.indexOf("Cost not reported");
    expect(column).toBe(heads.indexOf("Pending") + 1);
    const cells = [...table.querySelectorAll("tbody tr")].map((tr) => tr.children[column].textContent);
    expect(cells).toEqual(["0", "3"]);
  });

  it("reads the report again when a background refresh changed the organization's records, until closed", async () => {
    let changed = () => {};
    const unlisten = vi.fn();
    const { client, view } = open((c) => {
      c.onUsageChanged = vi.fn(async (_org: string, f: () => void) => {
        changed = f;
        return unlisten;
      });
    });
    await wait();
    expect(client.onUsageChanged).toHaveBeenCalledWith("org-1", expect.any(Function));
    const before = vi.mocked(client.usageReport).mock.calls.length;
    ROWS.day[1] = row("2026-12-02", { calls: 4, billedSecs: 60, pending: 0 }, { EUR: 1_000_000_000 });
    try {
      changed();
      await wait();
      expect(vi.mocked(client.usageReport).mock.calls.length).toBe(before + 3);
      expect(screen.getByTestId("usage-totals-calls").textContent).toContain("7");
      expect(screen.getByTestId("usage-totals-pending").textContent).toBe("none");
    } finally {
      ROWS.day[1] = row("2026-12-02", { calls: 2, billedSecs: 60, pending: 2 }, { EUR: 1_000_000_000 });
    }
    expect(unlisten).not.toHaveBeenCalled();
    view.unmount();
    expect(unlisten).toHaveBeenCalledOnce();
  });

  it("charts calls, billed minutes and each currency on its own scale for every day", async () => {
    charts.length = 0;
    open();
    await wait(50);
    const chart = charts.at(-1)!;
    expect(chart.opts.series.slice(1).map((s) => [s.label, s.scale])).toEqual([
      ["Calls", "n"],
      ["Billed minutes", "n"],
      ["Cost EUR", "EUR"],
      ["Cost USD", "USD"],
    ]);
    const day = (d: string) => Date.parse(`${d}T00:00:00Z`) / 1000;
    expect(chart.data).toEqual([
      [day("2026-12-01"), day("2026-12-02"), day("2026-12-03")],
      [3, 2, 0],
      [3, 1, 0],
      [0, 1, 0],
      [0.02, 0, 0],
    ]);
  });

  it("lists the costliest numbers first and names the group without an agent", async () => {
    open();
    await wait();
    const numbers = [...screen.getByTestId("usage-top-number").querySelectorAll("tbody th")].map((t) => t.textContent);
    expect(numbers).toEqual(["+14155550101", "+14155550100"]);
    expect(screen.getByTestId("usage-top-agent").querySelector("tbody th")?.textContent).toBe("(no agent)");
  });

  it("says why a number is at risk in the report's words", async () => {
    open();
    await wait();
    const health = [...screen.getByTestId("usage-top-number").querySelectorAll("tbody tr")].map((tr) => tr.querySelector("td:last-child")?.getAttribute("title") ?? null);
    expect(health).toEqual(["answer rate 10 % is below 20 %", null]);
  });

  it("reads the chosen days again", async () => {
    const { client } = open();
    await wait();
    await fireEvent.input(screen.getByTestId("usage-from"), { target: { value: "2026-11-01" } });
    await fireEvent.click(screen.getByTestId("usage-show"));
    await wait();
    expect(client.usageReport).toHaveBeenLastCalledWith("org-1", "2026-11-01", "2026-12-03", "agent");
  });

  it("exports the numbers it shows as CSV, costliest first", async () => {
    const { client } = open();
    await wait();
    const blobs: Blob[] = [];
    URL.createObjectURL = vi.fn((b: Blob) => {
      blobs.push(b);
      return "blob:usage";
    });
    URL.revokeObjectURL = vi.fn();
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    await fireEvent.click(screen.getByTestId("usage-csv-number"));
    await wait();
    expect(click).toHaveBeenCalledOnce();
    // The CSV's columns are ops' (crates/ops/src/usage_csv.rs and src-tauri/tests/usage.rs):
    // the view hands it the rows in the order it shows them, and downloads what it answers.
    const [by, rows] = vi.mocked(client.usageReportCsv).mock.calls[0];
    expect(by).toBe("number");
    expect(rows.map((r) => r.key)).toEqual(["+14155550101", "+14155550100"]);
    const text = await new Promise<string>((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result as string);
      reader.readAsText(blobs[0]);
    });
    expect(text).toBe(await vi.mocked(client.usageReportCsv).mock.results[0].value);
    click.mockRestore();
  });

  it("syncs with progress, can cancel, and reads the report again", async () => {
    const { client } = open();
    await wait();
    const done = deferred<Awaited<ReturnType<typeof client.usageSync>>>();
    client.usageSync = vi.fn(async (_id, _org, _account, onProgress) => {
      onProgress({ provider: "twilio", accountId: "AC1", kind: "calls", pages: 2, records: 150 });
      return done.promise;
    });
    await fireEvent.click(screen.getByTestId("usage-sync"));
    await wait();
    expect(screen.getByTestId("usage-sync-progress").textContent).toContain("150 calls read (2 pages)");
    await fireEvent.click(screen.getByTestId("usage-sync-cancel"));
    const taskId = vi.mocked(client.usageSync).mock.calls[0][0];
    expect(client.cancelTask).toHaveBeenCalledWith(taskId);
    const before = vi.mocked(client.usageReport).mock.calls.length;
    done.resolve([]);
    await wait();
    expect(screen.getByTestId("usage-sync-result").textContent).toContain("No provider account");
    expect(vi.mocked(client.usageReport).mock.calls.length).toBe(before + 3);
  });

  it("closes on Escape and keeps Tab inside the view", async () => {
    const { onClose } = open();
    await wait();
    const close = screen.getByTestId("usage-close");
    close.focus();
    await fireEvent.keyDown(close, { key: "Tab" });
    expect(document.activeElement).toBe(screen.getByTestId("usage-from"));
    await fireEvent.keyDown(document.activeElement!, { key: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(close);
    await fireEvent.keyDown(close, { key: "Escape" });
    expect(onClose).toHaveBeenCalledOnce();
  });
});
