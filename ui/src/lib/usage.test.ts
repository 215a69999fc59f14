import { describe, expect, it } from "vitest";
import type { ReportRow, UsageCounts } from "./generated/bindings";
import { costliest, daySeries, decimal, healthFigures, healthLabel, money, percent, totals, zeroCounts } from "./usage";

function counts(c: Partial<UsageCounts>): UsageCounts {
  return { ...zeroCounts(), ...c };
}

function row(key: string, c: Partial<UsageCounts>, cost: Record<string, number>): ReportRow {
  return { key, id: null, counts: counts(c), cost, health: null };
}

describe("money", () => {
  it("writes every decimal an amount has, at least two, without rounding", () => {
    expect(decimal(7_500_000)).toBe("0.0075");
    expect(decimal(12_300_000_000)).toBe("12.30");
    expect(decimal(0)).toBe("0.00");
    expect(decimal(-1_234_567_891)).toBe("-1.234567891");
    expect(money("EUR", 1_200_000_000)).toBe("EUR 1.20");
  });
});

describe("totals", () => {
  it("adds each currency apart and keeps pending records as a count", () => {
    const t = totals([
      row("2026-12-01", { calls: 3, billedSecs: 120, pending: 1 }, { USD: 15_000_000 }),
      row("2026-12-02", { calls: 2, billedSecs: 30 }, { USD: 7_500_000, EUR: 1_000_000_000 }),
      row("2026-12-03", { calls: 1, pending: 1 }, {}),
    ]);
    expect(t.cost).toEqual({ USD: 22_500_000, EUR: 1_000_000_000 });
    expect(t.counts.calls).toBe(6);
    expect(t.counts.billedSecs).toBe(150);
    expect(t.counts.pending).toBe(2);
  });

  it("has no currency when everything is pending (never a zero cost)", () => {
    const t = totals([row("2026-12-01", { calls: 1, pending: 1 }, {})]);
    expect(t.cost).toEqual({});
    expect(t.counts.pending).toBe(1);
  });
});

describe("daySeries", () => {
  it("gives every day of the range a value, each currency its own series", () => {
    const s = daySeries(
      [
        row("2026-11-30", { calls: 4, billedSecs: 90, pending: 2 }, { USD: 2_500_000_000 }),
        row("2026-12-02", { calls: 1, billedSecs: 60 }, { EUR: 500_000_000 }),
      ],
      "2026-11-29",
      "2026-12-02",
    );
    expect(s.days).toEqual(["2026-11-29", "2026-11-30", "2026-12-01", "2026-12-02"]);
    expect(s.calls).toEqual([0, 4, 0, 1]);
    expect(s.billedMinutes).toEqual([0, 1.5, 0, 1]);
    expect(s.pending).toEqual([0, 2, 0, 0]);
    expect(s.cost).toEqual({ EUR: [0, 0, 0, 0.5], USD: [0, 2.5, 0, 0] });
  });
});

describe("costliest", () => {
  it("orders by the main currency's cost, then the others, then pending, never converting", () => {
    const rows = [
      row("+15550000001", { calls: 9 }, { EUR: 9_000_000_000 }),
      row("+15550000002", { calls: 1 }, { USD: 2_000_000_000 }),
      row("+15550000003", { calls: 1 }, { USD: 3_000_000_000 }),
      row("+15550000004", { calls: 1, pending: 3 }, {}),
      row("+15550000005", { calls: 2 }, {}),
    ];
    expect(costliest(rows).map((r) => r.key)).toEqual([
      "+15550000001",
      "+15550000003",
      "+15550000002",
      "+15550000004",
      "+15550000005",
    ]);
    expect(costliest(rows, 2)).toHaveLength(2);
  });
});

describe("health in words", () => {
  it("names the states and gives each figure with its sample size", () => {
    expect(healthLabel("at_risk")).toBe("At risk");
    expect(healthLabel("insufficient_data")).toBe("Insufficient data");
    expect(percent(null)).toBe("—");
    expect(percent(0.125)).toBe("13 %");
    const figures = healthFigures({
      state: "healthy",
      reasons: [],
      calls: 1,
      answered: 0,
      calls_per_day: 1 / 7,
      answer_rate: 0,
      short_share: null,
      failed_share: 1,
      last_record_at: null,
    });
    expect(figures.map((f) => [f.label, f.value, f.sample])).toEqual([
      ["Answer rate", "0 %", "of 1 call"],
      ["Short answered calls", "—", "of 0 answered"],
      ["Failed calls", "100 %", "of 1 call"],
      ["Calls per day", "0.1", "1 in the window"],
    ]);
  });
});
