import { describe, expect, it, vi } from "vitest";
import { COLUMNS, DEFAULT_COLUMNS, cellText, clearedFilters, deleteView, filtering, healthBadge, filtersFor, gridTemplate, saveView, sameView, sortFieldOf, toggleColumn, viewNameProblem } from "./views";
import { NumbersView } from "./numbers.svelte";
import { SettingsStore } from "./settings.svelte";
import { TableViews } from "./tableViews.svelte";
import { makeNumber, mockClient, tick } from "../test/mockClient";
import type { View } from "./client";

const settle = async () => {
  for (let i = 0; i < 5; i++) await tick();
};

function view(name: string, patch: Partial<View> = {}): View {
  return {
    name,
    filters: { search: "", provider: null, status: null, agent: null, capabilities: [], country: null, numberType: null, readiness: null, needsAttention: false, health: null },
    columns: [...DEFAULT_COLUMNS],
    sort: "number",
    descending: false,
    ...patch,
  };
}

describe("columns", () => {
  it("sort by every field the CLI sorts by, and only those", () => {
    const sorting = (["number", ...COLUMNS] as const).map(sortFieldOf).filter((f) => f !== null);
    expect(sorting).toEqual(["number", "friendly_name", "created", "updated"]);
  });

  it("keep the chooser's order whatever the order they were turned on in", () => {
    let cols = toggleColumn(["status"], "webhook");
    cols = toggleColumn(cols, "name");
    expect(cols).toEqual(["name", "status", "webhook"]);
    expect(toggleColumn(cols, "status")).toEqual(["name", "webhook"]);
    expect(gridTemplate(["name", "webhook"]).split(" minmax").length).toBe(4);
  });

  it("show each fact of the row, and a dash for what it lacks", () => {
    const n = makeNumber(1, {
      agentId: "a1",
      accountId: "AC123",
      webhookUrl: "https://hooks.example.com/voice",
      lastVerifiedAt: null,
      metadata: { state: "CA", locality: "San Francisco" },
      numberType: "toll_free",
      country: "NZ",
    });
    const names = new Map([["a1", "Ava"]]);
    expect(cellText(n, "agent", names).text).toBe("Ava");
    expect(cellText(n, "account", names).text).toBe("AC123");
    expect(cellText(n, "webhook", names)).toEqual({ text: "https://hooks.example.com/voice", title: "https://hooks.example.com/voice" });
    expect(cellText(n, "region", names).text).toBe("CA");
    expect(cellText(n, "locality", names).text).toBe("San Francisco");
    expect(cellText(n, "type", names).text).toBe("Toll free");
    expect(cellText(n, "country", names).text).toBe("New Zealand");
    expect(cellText(n, "lastVerified", names).text).toBe("never");
    expect(cellText(n, "created", names).text).toMatch(/^2026-01-0[12]$/);
    const bare = makeNumber(2, { metadata: null, agentId: "gone" });
    expect(cellText(bare, "region", names).text).toBe("—");
    expect(cellText(bare, "webhook", names).text).toBe("—");
    expect(cellText(bare, "agent", names).text).toBe("Unknown agent");
  });
});

describe("the Health column", () => {
  it("says the state in words, with the answer rate and the sample in the title", () => {
    const base = { reasons: [], calls_per_day: 30, last_record_at: null };
    const healthy = healthBadge({ ...base, state: "healthy", calls: 210, answered: 122, answer_rate: 0.581, short_share: 0.123, failed_share: 0.057 });
    expect(healthy).toEqual({
      label: "Healthy",
      tone: "ready",
      title: "Healthy. Answer rate 58% of 210 calls in the last 7 days; short answers 12%, failed 6%.",
    });
    const risky = healthBadge({ ...base, state: "at_risk", calls: 40, answered: 8, answer_rate: 0.2, short_share: null, failed_share: 0.5 });
    expect([risky.label, risky.tone]).toEqual(["At risk", "blocked"]);
    expect(risky.title).toContain("Answer rate 20% of 40 calls");
    const none = healthBadge({ ...base, state: "insufficient_data", calls: 0, answered: 0, answer_rate: null, short_share: null, failed_share: null });
    expect(none).toEqual({ label: "Too few calls", tone: "unchecked", title: "Insufficient data. No calls in the last 7 days." });
    expect(healthBadge(undefined).label).toBe("…");
  });
});

describe("saved views", () => {
  it("are named, replaced by name whatever its case, deleted by name, in name order", () => {
    expect(viewNameProblem("  ")).toBe("Give the view a name.");
    expect(viewNameProblem("x".repeat(61))).toBe("At most 60 characters.");
    expect(viewNameProblem("Toll free")).toBeNull();
    let views = saveView([], view("Zed"));
    views = saveView(views, view(" toll free ", { sort: "created" }));
    views = saveView(views, view("Toll Free", { sort: "updated" }));
    expect(views.map((v) => [v.name, v.sort])).toEqual([["Toll Free", "updated"], ["Zed", "number"]]);
    expect(deleteView(views, "TOLL FREE").map((v) => v.name)).toEqual(["Zed"]);
  });

  it("match the table when filters, columns and order are the same", () => {
    const a = view("A", { filters: { ...view("").filters, capabilities: ["sms", "voice"] } });
    const b = view("B", { filters: { ...view("").filters, capabilities: ["voice", "sms"] } });
    expect(sameView(a, b)).toBe(true);
    expect(sameView(a, { ...b, descending: true })).toBe(false);
    expect(sameView(a, { ...b, columns: ["name"] })).toBe(false);
    expect(sameView(a, { ...b, filters: { ...b.filters, numberType: "mobile" } })).toBe(false);
    expect(sameView(a, { ...b, filters: { ...b.filters, readiness: "blocked" } })).toBe(false);
    expect(sameView(a, { ...b, filters: { ...b.filters, needsAttention: true } })).toBe(false);
    expect(sameView(a, { ...b, filters: { ...b.filters, health: "at_risk" } })).toBe(false);
  });

  it("count readiness, needs attention and health as filters, and clear them with the rest", () => {
    const none = view("").filters;
    expect(filtering(none)).toBe(false);
    expect(filtering({ ...none, readiness: "ready" })).toBe(true);
    expect(filtering({ ...none, needsAttention: true })).toBe(true);
    expect(filtering({ ...none, health: "insufficient_data" })).toBe(true);
    const all = { ...none, search: "415", provider: "twilio" as const, readiness: "blocked" as const, needsAttention: true, health: "at_risk" as const, capabilities: ["sms" as const] };
    expect(clearedFilters(all)).toEqual({ ...none, search: "415" });
  });

  it("drop an agent the organization does not have", () => {
    const f = { ...view("").filters, agent: { kind: "assigned" as const, id: "a9" } };
    expect(filtersFor(f, [{ id: "a9", organization_id: "o", name: "Ava" }]).agent).toEqual({ kind: "assigned", id: "a9" });
    expect(filtersFor(f, [{ id: "a1", organization_id: "o", name: "Bo" }]).agent).toBeNull();
    const none = { ...f, agent: { kind: "unassigned" as const } };
    expect(filtersFor(none, []).agent).toEqual({ kind: "unassigned" });
  });
});

/** A table of 50 numbers of org-1 with its views, restored from the mock's settings, the view
 * kept 400 ms after a change. */
async function tableWithViews() {
  const client = mockClient(50);
  const table = new NumbersView(client, 0);
  const views = new TableViews(table, new SettingsStore(client), undefined, 400);
  views.restore(await client.getSettings());
  table.setOrganization("org-1");
  return { client, table, views };
}

describe("TableViews", () => {
  it("keeps the view shown in the settings after a pause, and a restart shows it again", async () => {
    vi.useFakeTimers();
    try {
      const { client, table, views } = await tableWithViews();
      table.setFilters({ numberType: "toll_free", country: "US" });
      table.toggleSort("created");
      views.setColumns(["name", "webhook", "lastVerified"]);
      views.changed();
      expect(client.saveSettings).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(450);
      expect(client.saveSettings).toHaveBeenCalledTimes(1);
      expect(client.settings.lastView).toMatchObject({
        filters: { numberType: "toll_free", country: "US" },
        columns: ["name", "webhook", "lastVerified"],
        sort: "created",
        descending: false,
      });
      // Nothing changed since: nothing is written.
      views.changed();
      await vi.advanceTimersByTimeAsync(450);
      expect(client.saveSettings).toHaveBeenCalledTimes(1);

      await views.save("Toll free");
      expect(client.settings.views.map((v) => v.name)).toEqual(["Toll free"]);

      // A restart: a new table and views over the same settings.
      const again = new NumbersView(client, 0);
      const restored = new TableViews(again, new SettingsStore(client));
      restored.restore(await client.getSettings());
      expect(restored.columns).toEqual(["name", "webhook", "lastVerified"]);
      expect(again.filters.numberType).toBe("toll_free");
      expect(again.sort).toEqual({ field: "created", descending: false });
      expect(restored.shownName).toBe("Toll free");
      again.setOrganization("org-1");
      await vi.advanceTimersByTimeAsync(10);
      expect(client.listNumbers).toHaveBeenLastCalledWith(
        expect.objectContaining({ sort: "created", filter: expect.objectContaining({ numberType: "toll_free", country: "US" }) }),
      );
      // Changing the table leaves the saved view; choosing it brings it back in one request.
      again.setFilters({ numberType: null });
      expect(restored.shownName).toBe("");
      const calls = vi.mocked(client.listNumbers).mock.calls.length;
      restored.choose("toll FREE", []);
      await vi.advanceTimersByTimeAsync(10);
      expect(restored.shownName).toBe("Toll free");
      expect(again.filters.numberType).toBe("toll_free");
      expect(vi.mocked(client.listNumbers).mock.calls.length).toBe(calls + 1);

      await restored.remove("Toll free");
      expect(client.settings.views).toEqual([]);
      expect(restored.shownName).toBe("");
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps a view the delay after it changed, however often the table's owner says so meanwhile", async () => {
    vi.useFakeTimers();
    try {
      const { client, table, views } = await tableWithViews();
      table.setSearch("kestrel");
      views.changed();
      // The app's effect runs again for other reasons (the organizations reloaded after an
      // edit): the same view is waiting, and it is kept on time.
      for (let i = 0; i < 3; i++) {
        await vi.advanceTimersByTimeAsync(150);
        views.changed();
      }
      expect(client.saveSettings).toHaveBeenCalledTimes(1);
      expect(client.settings.lastView.filters.search).toBe("kestrel");
      // A new change starts the wait again.
      table.setSearch("");
      views.changed();
      await vi.advanceTimersByTimeAsync(300);
      table.setSearch("s");
      views.changed();
      await vi.advanceTimersByTimeAsync(300);
      expect(client.saveSettings).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(150);
      expect(client.saveSettings).toHaveBeenCalledTimes(2);
      expect(client.settings.lastView.filters.search).toBe("s");
    } finally {
      vi.useRealTimers();
    }
  });

  it("never loses a change when two settings writes overlap", async () => {
    const client = mockClient(5);
    const store = new SettingsStore(client);
    await Promise.all([
      store.update((s) => ({ ...s, lastOrganizationId: "org-9" })),
      store.update((s) => ({ ...s, theme: "dark" })),
    ]);
    expect(client.settings.lastOrganizationId).toBe("org-9");
    expect(client.settings.theme).toBe("dark");
    await settle();
  });
});
