import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import Filters from "./Filters.svelte";
import NumbersTable from "./NumbersTable.svelte";
import { NumbersView } from "../lib/numbers.svelte";
import { makeNumber, mockClient } from "../test/mockClient";
import type { Column } from "../lib/client";

afterEach(cleanup);
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
};

describe("Filters: readiness and needs attention", () => {
  it("asks the backend for a readiness state and for the numbers that need attention, and clears both", async () => {
    const client = mockClient(5);
    const view = new NumbersView(client, 0);
    view.setOrganization("org-1");
    render(Filters, { view, agents: [] });
    await settle();
    await fireEvent.change(screen.getByTestId("filter-readiness"), { target: { value: "blocked" } });
    await settle();
    expect(client.listNumbers).toHaveBeenLastCalledWith(
      expect.objectContaining({ filter: expect.objectContaining({ readiness: "blocked", needsAttention: false }) }),
    );
    const attention = screen.getByTestId("filter-needs-attention");
    expect(attention.getAttribute("aria-pressed")).toBe("false");
    await fireEvent.click(attention);
    await settle();
    expect(attention.getAttribute("aria-pressed")).toBe("true");
    expect(client.listNumbers).toHaveBeenLastCalledWith(
      expect.objectContaining({ filter: expect.objectContaining({ readiness: "blocked", needsAttention: true }) }),
    );
    expect(client.countNumbers).toHaveBeenLastCalledWith(expect.objectContaining({ needsAttention: true }), expect.any(String));
    await fireEvent.click(screen.getByText("Clear filters"));
    await settle();
    expect(view.filters.readiness).toBeNull();
    expect(view.filters.needsAttention).toBe(false);
    expect(client.listNumbers).toHaveBeenLastCalledWith(
      expect.objectContaining({ filter: expect.objectContaining({ readiness: undefined, needsAttention: false }) }),
    );
  });
});

describe("Filters: health", () => {
  it("lists and counts only the numbers in the chosen health, page after page, through the health commands", async () => {
    const client = mockClient(400);
    const risky = client.data.filter((_, i) => i % 3 === 0).map((n) => n.phoneNumber);
    risky.forEach((n) => client.health.set(n, "at_risk"));
    const view = new NumbersView(client, 0);
    view.setOrganization("org-1");
    render(Filters, { view, agents: [] });
    await settle();
    const pick = screen.getByTestId("filter-health") as HTMLSelectElement;
    expect([...pick.options].map((o) => o.textContent)).toEqual(["Any health", "Healthy", "At risk", "Insufficient data"]);
    vi.mocked(client.listNumbers).mockClear();
    await fireEvent.change(pick, { target: { value: "at_risk" } });
    await settle();
    expect(view.filters.health).toBe("at_risk");
    expect(client.listNumbers).not.toHaveBeenCalled();
    expect(client.listNumbersByHealth).toHaveBeenLastCalledWith(expect.objectContaining({ filter: expect.objectContaining({ organizationId: "org-1" }), after: null }), "at_risk");
    expect(client.countNumbersByHealth).toHaveBeenLastCalledWith(expect.objectContaining({ organizationId: "org-1" }), "at_risk");
    expect(view.total).toBe(risky.length);
    while (view.hasMore) await view.loadMore();
    expect(view.rows.map((r) => r.phoneNumber)).toEqual(risky);
    expect(vi.mocked(client.listNumbersByHealth).mock.calls.every(([, h]) => h === "at_risk")).toBe(true);
    await fireEvent.click(screen.getByText("Clear filters"));
    await settle();
    expect(view.filters.health).toBeNull();
    expect(client.listNumbers).toHaveBeenCalledTimes(1);
    expect(view.total).toBe(400);
  });
});

/** The table over `view`, showing `columns`. */
function showTable(view: NumbersView, columns: Column[]) {
  render(NumbersTable, { view, agents: [], columns, selectedId: null, checked: new Set<string>(), onSelect: () => {}, onToggle: () => {}, onAdd: () => {} });
}

describe("NumbersTable: the readiness column", () => {
  // jsdom has no layout: the table's measured height (bind:clientHeight) stays as it starts.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };

  it("shows each number's readiness in words, with what lies behind it in the title", async () => {
    const client = mockClient(0);
    const blocked = { state: "blocked", items: [], alarm: false, checkedAt: null };
    client.data.push(
      makeNumber(1, { metadata: { readiness: { state: "ready", items: [], alarm: false, checkedAt: null } } }),
      makeNumber(2, { metadata: { readiness: blocked } }),
      makeNumber(3, { metadata: { readiness: { ...blocked, alarm: true } } }),
      makeNumber(4),
    );
    const view = new NumbersView(client, 0);
    view.setOrganization("org-1");
    await settle();
    showTable(view, ["name", "readiness"]);
    await settle();
    expect(screen.getAllByRole("columnheader").map((h) => h.textContent?.trim())).toContain("Readiness");
    const badges = screen.getAllByTestId("readiness-badge");
    expect(badges.map((b) => b.textContent)).toEqual(["Ready", "Blocked", "Port-out alarm", "Not checked"]);
    expect(badges[2].className).toContain("readiness-alarm");
    expect(badges[2].getAttribute("title")).toContain("being ported away");
    expect(client.numberHealth).not.toHaveBeenCalled();
  });

  it("shows each number's health once the page's one health call answers", async () => {
    const client = mockClient(3);
    client.numberHealth = vi.fn(async (_org: string, numbers: string[]) =>
      numbers.map((phoneNumber, i) => ({
        phoneNumber,
        numberId: null,
        health: {
          state: i === 1 ? ("at_risk" as const) : ("healthy" as const),
          reasons: [],
          calls: 100,
          answered: i === 1 ? 20 : 60,
          calls_per_day: 14,
          answer_rate: i === 1 ? 0.2 : 0.6,
          short_share: 0.1,
          failed_share: 0.1,
          last_record_at: null,
        },
      })),
    );
    const view = new NumbersView(client, 0);
    view.setOrganization("org-1");
    await settle();
    showTable(view, ["health"]);
    await settle();
    expect(client.numberHealth).toHaveBeenCalledTimes(1);
    const badges = screen.getAllByTestId("health-badge");
    expect(badges.map((b) => b.textContent)).toEqual(["Healthy", "At risk", "Healthy"]);
    expect(badges[1].getAttribute("title")).toBe("At risk. Answer rate 20% of 100 calls in the last 7 days; short answers 10%, failed 10%.");
  });
});
