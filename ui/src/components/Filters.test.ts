import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import Filters from "./Filters.svelte";
import NumbersTable from "./NumbersTable.svelte";
import { NumbersView } from "../lib/numbers.svelte";
import { makeNumber, mockClient } from "../test/mockClient";

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
    expect(client.countNumbers).toHaveBeenLastCalledWith(expect.objectContaining({ needsAttention: true }));
    await fireEvent.click(screen.getByText("Clear filters"));
    await settle();
    expect(view.filters.readiness).toBeNull();
    expect(view.filters.needsAttention).toBe(false);
    expect(client.listNumbers).toHaveBeenLastCalledWith(
      expect.objectContaining({ filter: expect.objectContaining({ readiness: undefined, needsAttention: false }) }),
    );
  });
});

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
    render(NumbersTable, {
      view,
      agents: [],
      columns: ["name", "readiness"],
      selectedId: null,
      checked: new Set<string>(),
      onSelect: () => {},
      onToggle: () => {},
      onAdd: () => {},
    });
    await settle();
    expect(screen.getAllByRole("columnheader").map((h) => h.textContent?.trim())).toContain("Readiness");
    const badges = screen.getAllByTestId("readiness-badge");
    expect(badges.map((b) => b.textContent)).toEqual(["Ready", "Blocked", "Port-out alarm", "Not checked"]);
    expect(badges[2].className).toContain("readiness-alarm");
    expect(badges[2].getAttribute("title")).toContain("being ported away");
  });
});
