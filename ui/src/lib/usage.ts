// The usage view's pure logic: totals per currency, the chart's series per day and the costliest
// groups (the CSV of what is shown is ops', through `Client.usageReportCsv`). Money stays per
// currency (never converted, never summed across currencies) and in integer nanos until it is
// written; a pending price is counted as pending, never as zero.

import type { GroupBy, Health, HealthState, ReportRow, UsageCounts, UsageRow } from "./generated/bindings";
import type { Client } from "./client";

const NANOS = 1_000_000_000;

/** Every currency the rows cost money in, by code. */
export function currencies(rows: UsageRow[]): string[] {
  const all = new Set<string>();
  for (const r of rows) for (const c of Object.keys(r.cost)) all.add(c);
  return [...all].sort();
}

/** An amount in nanos as a decimal: every decimal it has, at least two (`0.0075`, `12.30`). */
export function decimal(nanos: number): string {
  const sign = nanos < 0 ? "-" : "";
  const abs = Math.abs(nanos);
  const whole = Math.floor(abs / NANOS);
  const fraction = String(abs % NANOS).padStart(9, "0").replace(/0+$/, "").padEnd(2, "0");
  return `${sign}${whole}.${fraction}`;
}

/** `USD 12.30`. */
export function money(currency: string, nanos: number): string {
  return `${currency} ${decimal(nanos)}`;
}

/** What a report's rows add up to: counts, and the cost of each currency apart. */
export interface UsageTotals {
  counts: UsageCounts;
  /** Nanos per currency code. */
  cost: Record<string, number>;
}

/**
 * Calls `reload` each time a background refresh added or completed records of the
 * organization (`usage://{id}/changed`) until the returned function is called: an `$effect`'s
 * cleanup, so a view closed or moved to another organization stops listening.
 */
export function reloadOnUsageChanged(client: Client, organizationId: string, reload: () => void): () => void {
  let off: (() => void) | null = null;
  let stopped = false;
  void client.onUsageChanged(organizationId, reload).then(
    (unlisten) => (stopped ? unlisten() : (off = unlisten)),
    () => {},
  );
  return () => {
    stopped = true;
    off?.();
  };
}

/** Counts of nothing. */
export function zeroCounts(): UsageCounts {
  return {
    calls: 0,
    finalCalls: 0,
    answered: 0,
    shortAnswered: 0,
    failed: 0,
    billedSecs: 0,
    messages: 0,
    segments: 0,
    pending: 0,
    notReported: 0,
  };
}

/** Adds up `rows` (rows of one report: each record counted in exactly one row). */
export function totals(rows: UsageRow[]): UsageTotals {
  const counts = zeroCounts();
  const cost: Record<string, number> = {};
  for (const r of rows) {
    for (const k of Object.keys(counts) as (keyof UsageCounts)[]) counts[k] += r.counts[k];
    for (const [c, n] of Object.entries(r.cost)) cost[c] = (cost[c] ?? 0) + n;
  }
  return { counts, cost };
}

/** The days from `from` to `to` (YYYY-MM-DD, both included). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end; t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/** The chart's data: one value per day of the range (a day without records is 0 calls). */
export interface DaySeries {
  days: string[];
  calls: number[];
  billedMinutes: number[];
  /** Records whose price is still pending, per day (not in `cost`). */
  pending: number[];
  /** Per currency: what the priced records cost each day, in the currency's units. */
  cost: Record<string, number[]>;
}

/** Shapes a report grouped by day into one series per figure over every day of the range. */
export function daySeries(rows: UsageRow[], from: string, to: string): DaySeries {
  const days = daysBetween(from, to);
  const byDay = new Map(rows.map((r) => [r.key, r]));
  const cost: Record<string, number[]> = {};
  for (const c of currencies(rows)) {
    cost[c] = days.map((d) => (byDay.get(d)?.cost[c] ?? 0) / NANOS);
  }
  return {
    days,
    calls: days.map((d) => byDay.get(d)?.counts.calls ?? 0),
    billedMinutes: days.map((d) => (byDay.get(d)?.counts.billedSecs ?? 0) / 60),
    pending: days.map((d) => byDay.get(d)?.counts.pending ?? 0),
    cost,
  };
}

/**
 * The costliest groups first. Currencies are never converted, so rows are compared by the
 * cost in each currency in turn, the currency the rows cost most in first (then by code);
 * ties by pending records, then calls, then key.
 */
export function costliest(rows: ReportRow[], limit = Infinity): ReportRow[] {
  const sum = totals(rows).cost;
  const order = Object.keys(sum).sort((a, b) => sum[b] - sum[a] || a.localeCompare(b));
  const compare = (a: ReportRow, b: ReportRow) => {
    for (const c of order) {
      const d = (b.cost[c] ?? 0) - (a.cost[c] ?? 0);
      if (d !== 0) return d;
    }
    return (
      b.counts.pending - a.counts.pending ||
      b.counts.calls - a.counts.calls ||
      a.key.localeCompare(b.key)
    );
  };
  return [...rows].sort(compare).slice(0, limit);
}

/** What a group's key says when it is empty. */
export function groupLabel(key: string, by: GroupBy): string {
  if (key !== "") return key;
  if (by === "agent") return "(no agent)";
  if (by === "provider") return "(removed numbers)";
  return key;
}

/** The health states, in the order the Health filter lists them. */
export const HEALTH_STATES: readonly HealthState[] = ["healthy", "at_risk", "insufficient_data"];

/** A health state in words: "Healthy", "At risk", "Insufficient data". */
export function healthLabel(state: HealthState): string {
  const words = state.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A share as a whole percent ("40 %"); none (no sample) as "—". */
export function percent(share: number | null): string {
  return share === null ? "—" : `${Math.round(share * 100)} %`;
}

/** One figure of a number's health: what it is, its value and the sample it was taken from. */
export interface HealthFigure {
  label: string;
  value: string;
  sample: string;
}

/**
 * A health's figures as the detail panel lists them, each with its sample size (the CLI's
 * table shows the same: answer rate of the window's calls, short share of its answered calls,
 * failed share of its calls, calls per day).
 */
export function healthFigures(h: Health): HealthFigure[] {
  const calls = (n: number) => `of ${n} ${n === 1 ? "call" : "calls"}`;
  return [
    { label: "Answer rate", value: percent(h.answer_rate), sample: calls(h.calls) },
    { label: "Short answered calls", value: percent(h.short_share), sample: `of ${h.answered} answered` },
    { label: "Failed calls", value: percent(h.failed_share), sample: calls(h.calls) },
    { label: "Calls per day", value: h.calls_per_day.toFixed(1), sample: `${h.calls} in the window` },
  ];
}
