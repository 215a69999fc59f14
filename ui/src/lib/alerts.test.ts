import { describe, expect, it, vi } from "vitest";
import { AlarmBadges, alertAction, badgeLabel, badgeText, pickerName } from "./alerts.svelte";
import { NumbersView } from "./numbers.svelte";
import { Toasts } from "./toasts.svelte";
import { deferred, mockClient, tick } from "../test/mockClient";
import type { Alert, OrgAlarms } from "./client";

const settle = async () => {
  for (let i = 0; i < 5; i++) await tick();
};

function alert(kind: Alert["kind"], organizationId = "org-1"): Alert {
  return {
    kind,
    organizationId,
    title: "2 numbers are moving away from Acme",
    body: "2 numbers of Acme are being ported away, or were: +14155550101, +14155550102.",
    numbers: [
      { id: "a", phoneNumber: "+14155550101" },
      { id: "b", phoneNumber: "+14155550102" },
    ],
  };
}

function target() {
  const calls: string[] = [];
  return {
    calls,
    switchTo: vi.fn(async (id: string) => {
      calls.push(`switch ${id}`);
    }),
    showAlarms: vi.fn(() => calls.push("alarms")),
    showNeedsAttention: vi.fn(() => calls.push("needs attention")),
  };
}

describe("an alert's toast", () => {
  it("opens the numbers moving away, in the alert's organization", async () => {
    const t = target();
    const action = alertAction(alert("alarm"), t, "org-1");
    expect(action.label).toBe("Show numbers moving away");
    action.run();
    await settle();
    expect(t.calls).toEqual(["alarms"]);
  });

  it("switches to the alert's organization first when another is shown", async () => {
    const t = target();
    alertAction(alert("needsAttention", "org-2"), t, "org-1").run();
    await settle();
    expect(t.calls).toEqual(["switch org-2", "needs attention"]);
  });

  it("stays on screen long enough to act on, and its button closes it", () => {
    vi.useFakeTimers();
    try {
      const toasts = new Toasts();
      const run = vi.fn();
      const id = toasts.alert("Title", "Body", { label: "Show", run });
      vi.advanceTimersByTime(8000);
      expect(toasts.items.map((x) => [x.id, x.kind, x.action?.label])).toEqual([[id, "alert", "Show"]]);
      vi.advanceTimersByTime(12000);
      expect(toasts.items).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("the organization's alarm badge", () => {
  it("words the count for the badge, its label and the picker", () => {
    expect(badgeText(0)).toBe("");
    expect(badgeText(3)).toBe("⚠ 3");
    expect(badgeLabel(1, "Acme")).toBe("1 number of Acme is being ported away or ported out: show it");
    expect(badgeLabel(2, "Acme")).toBe("2 numbers of Acme are being ported away or ported out: show them");
    expect(pickerName("Acme", 0)).toBe("Acme");
    expect(pickerName("Acme", 2)).toBe("Acme (⚠ 2 moving away)");
  });

  it("keeps each organization's count and drops an answer older than the latest asked", async () => {
    const first = deferred<OrgAlarms[]>();
    const answers = [first.promise, Promise.resolve([{ organizationId: "org-1", count: 2 }, { organizationId: "org-2", count: 0 }])];
    const client = { alarmCounts: vi.fn(() => answers.shift()!) };
    const badges = new AlarmBadges(client);
    const slow = badges.load();
    await badges.load();
    first.resolve([{ organizationId: "org-1", count: 9 }]);
    await slow;
    expect(badges.countOf("org-1")).toBe(2);
    expect(badges.countOf("org-2")).toBe(0);
    expect(badges.countOf("org-3")).toBe(0);
    expect(badges.countOf(null)).toBe(0);
    badges.clear();
    expect(badges.countOf("org-1")).toBe(0);
  });

  it("reports a failed count and keeps the counts it had", async () => {
    const seen: string[] = [];
    const client = {
      alarmCounts: vi
        .fn()
        .mockResolvedValueOnce([{ organizationId: "org-1", count: 1 }])
        .mockRejectedValueOnce({ code: "Storage", message: "disk I/O error" }),
    };
    const badges = new AlarmBadges(client, (e) => seen.push(e.code));
    await badges.load();
    await badges.load();
    expect(seen).toEqual(["Storage"]);
    expect(badges.countOf("org-1")).toBe(1);
  });

  it("clicked, lists only the numbers under alarm, and a saved view shown clears that", async () => {
    const client = mockClient(5);
    const view = new NumbersView(client, 0);
    view.setOrganization("org-1");
    view.setFilters({ status: "active" });
    await settle();
    view.showAlarms();
    await settle();
    const asked = vi.mocked(client.listNumbers).mock.lastCall![0];
    expect(asked.filter.alarm).toBe(true);
    expect(asked.filter.status).toBeNull();
    expect(view.alarmOnly).toBe(true);
    view.showAlarms(false);
    await settle();
    expect(vi.mocked(client.listNumbers).mock.lastCall![0].filter.alarm).toBeUndefined();
    view.showAlarms();
    view.show({ ...view.filters, status: "error" }, view.sort);
    await settle();
    expect(view.alarmOnly).toBe(false);
    expect(vi.mocked(client.listNumbers).mock.lastCall![0].filter).toMatchObject({ status: "error" });
    expect(vi.mocked(client.listNumbers).mock.lastCall![0].filter.alarm).toBeUndefined();
  });
});
