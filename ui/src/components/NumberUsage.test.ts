import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, render, screen } from "@testing-library/svelte";
import NumberUsage from "./NumberUsage.svelte";
import { deferred, makeNumber, mockClient } from "../test/mockClient";
import type { Health, NumberUsageReport, UsageCounts, UsageRow } from "../lib/client";
import { zeroCounts } from "../lib/usage";
import { charts } from "../test/uplot";

vi.mock("uplot", () => import("../test/uplot"));

afterEach(cleanup);
const wait = (ms = 5) => new Promise((r) => setTimeout(r, ms));

function row(key: string, c: Partial<UsageCounts>, cost: Record<string, number>): UsageRow {
  return { key, id: null, counts: { ...zeroCounts(), ...c }, cost };
}

const AT_RISK: Health = {
  state: "at_risk",
  reasons: [{ kind: "low_answer_rate", rate: 0.1, threshold: 0.25 }],
  calls: 40,
  answered: 4,
  calls_per_day: 40 / 7,
  answer_rate: 0.1,
  short_share: 0.25,
  failed_share: 0.05,
  last_record_at: "2026-12-03T10:15:00Z",
};

function report(phoneNumber: string, patch: Partial<NumberUsageReport> = {}): NumberUsageReport {
  const days = [
    row("2026-12-01", { calls: 3, answered: 2, billedSecs: 180, messages: 1, segments: 2 }, { USD: 20_000_000 }),
    row("2026-12-03", { calls: 2, billedSecs: 60, pending: 2 }, { EUR: 1_000_000_000 }),
  ];
  return {
    phoneNumber,
    numberId: "n-1",
    from: "2026-12-01",
    to: "2026-12-03",
    healthFrom: "2026-11-27",
    totals: row(phoneNumber, { calls: 5, answered: 2, billedSecs: 240, messages: 1, segments: 2, pending: 2 }, { EUR: 1_000_000_000, USD: 20_000_000 }),
    days,
    health: AT_RISK,
    reasons: "answer rate 10 % is below 25 %",
    ...patch,
  };
}

/** The panel's usage of number 1, as `report` gives it, once shown (after `ms`). */
async function show(ms = 5) {
  const client = mockClient(0);
  const number = makeNumber(1);
  client.numberUsage = vi.fn(async () => report(number.phoneNumber));
  render(NumberUsage, { client, number });
  await wait(ms);
  return { client, number };
}

describe("NumberUsage", () => {
  it("shows the number's figures with each currency apart and pending records as pending, never zero", async () => {
    const { client, number } = await show();
    expect(client.numberUsage).toHaveBeenCalledWith(number.organizationId, number.phoneNumber, null, null);
    expect(screen.getByTestId("number-usage-calls").textContent).toBe("5 (2 answered)");
    expect(screen.getByTestId("number-usage-minutes").textContent).toBe("4.0");
    expect(screen.getByTestId("number-usage-messages").textContent).toBe("1 (2 segments)");
    const cost = [...screen.getByTestId("number-usage-cost").querySelectorAll(".money")].map((m) => m.textContent);
    expect(cost).toEqual(["EUR 1.00", "USD 0.02"]);
    expect(screen.getByTestId("number-usage-pending").textContent).toBe("2 records priced pending (not in the cost yet)");
  });

  it("reads the number's usage again, keeping its figures meanwhile, when a background refresh changed the records", async () => {
    const client = mockClient(0);
    const number = makeNumber(1);
    let changed = () => {};
    const unlisten = vi.fn();
    client.onUsageChanged = vi.fn(async (_org: string, f: () => void) => {
      changed = f;
      return unlisten;
    });
    const later = deferred<NumberUsageReport>();
    client.numberUsage = vi.fn(async () => report(number.phoneNumber));
    const view = render(NumberUsage, { client, number });
    await wait();
    expect(client.onUsageChanged).toHaveBeenCalledWith(number.organizationId, expect.any(Function));
    client.numberUsage = vi.fn(async () => later.promise);
    changed();
    await wait();
    expect(client.numberUsage).toHaveBeenCalledWith(number.organizationId, number.phoneNumber, null, null);
    expect(screen.getByTestId("number-usage-calls").textContent).toBe("5 (2 answered)");
    later.resolve(report(number.phoneNumber, { totals: row(number.phoneNumber, { calls: 9, answered: 4, notReported: 2 }, {}) }));
    await wait();
    expect(screen.getByTestId("number-usage-calls").textContent).toBe("9 (4 answered)");
    expect(screen.getByTestId("number-usage-not-reported").textContent).toBe(
      "2 records whose provider reports no cost (not in the cost)",
    );
    view.unmount();
    expect(unlisten).toHaveBeenCalledOnce();
  });

  it("shows the health with its reasons, each figure with its sample and the last call", async () => {
    await show();
    expect(screen.getByTestId("number-health-state").textContent).toBe("At risk");
    expect(screen.getByTestId("number-health-reasons").textContent).toBe("answer rate 10 % is below 25 %");
    const rows = [...screen.getByTestId("number-health-figures").querySelectorAll("tr")].map((tr) =>
      [...tr.children].map((c) => c.textContent),
    );
    expect(rows.slice(0, 4)).toEqual([
      ["Answer rate", "10 %", "of 40 calls"],
      ["Short answered calls", "25 %", "of 4 answered"],
      ["Failed calls", "5 %", "of 40 calls"],
      ["Calls per day", "5.7", "40 in the window"],
    ]);
    expect(rows[4][0]).toBe("Last call");
    expect(rows[4][1]).toMatch(/^2026-12-03 \d\d:15$/);
    expect(screen.getByText("Health, 2026-11-27 to 2026-12-03")).toBeTruthy();
  });

  it("charts every day of the range, each currency on its own, with the same figures as a table", async () => {
    charts.length = 0;
    await show(50);
    const chart = charts.at(-1)!;
    expect(chart.opts.height).toBe(120);
    expect(chart.opts.series.slice(1).map((s) => s.label)).toEqual(["Calls", "Billed minutes", "Cost EUR", "Cost USD"]);
    expect(chart.data.slice(1)).toEqual([
      [3, 0, 2],
      [3, 0, 1],
      [0, 0, 1],
      [0.02, 0, 0],
    ]);
    const table = screen.getByTestId("number-usage-days");
    expect([...table.querySelectorAll("tbody th")].map((t) => t.textContent)).toEqual(["2026-12-01", "2026-12-02", "2026-12-03"]);
    expect(screen.getByRole("img").getAttribute("aria-label")).toContain("from 2026-12-01 to 2026-12-03");
  });

  it("says so when the number has no records, and never shows another number's late answer", async () => {
    const client = mockClient(0);
    const first = makeNumber(1);
    const second = makeNumber(2);
    const late = deferred<NumberUsageReport>();
    client.numberUsage = vi.fn(async (_org: string, phone: string) =>
      phone === first.phoneNumber
        ? late.promise
        : report(phone, {
            totals: row(phone, {}, {}),
            days: [],
            health: { ...AT_RISK, state: "insufficient_data", reasons: [], calls: 0, answered: 0, calls_per_day: 0, answer_rate: null, short_share: null, failed_share: null, last_record_at: null },
            reasons: "",
          }),
    );
    const view = render(NumberUsage, { client, number: first });
    await view.rerender({ client, number: second });
    await wait();
    late.resolve(report(first.phoneNumber));
    await wait();
    expect(screen.getByTestId("number-usage-calls").textContent).toBe("0 (0 answered)");
    expect(screen.getByTestId("number-usage-cost").textContent).toContain("nothing charged");
    expect(screen.getByTestId("number-usage-pending").textContent).toBe("none");
    expect(screen.getByTestId("number-health-state").textContent).toBe("Insufficient data");
    expect(screen.getByText(/No call or message records in these days/)).toBeTruthy();
    expect(screen.queryByTestId("number-usage-days")).toBeNull();
  });

  it("shows a failed read as an error", async () => {
    const client = mockClient(0);
    client.numberUsage = vi.fn(async () => {
      throw new Error("the team database is not reachable");
    });
    render(NumberUsage, { client, number: makeNumber(1) });
    await wait();
    expect(screen.getByTestId("number-usage-error").textContent).toBe("the team database is not reachable");
  });
});
