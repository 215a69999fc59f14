import { describe, expect, it } from "vitest";
import type { Refreshed } from "./client";
import { alarmMessage, kindLabel, readinessAvailable, readinessBadge, readinessOf, refreshSummary } from "./readiness";

const item = {
  kind: "a2p_10dlc" as const,
  level: "blocked" as const,
  providerState: "FAILED",
  meaning: "The number's A2P 10DLC campaign failed or was suspended: carriers drop its SMS.",
  action: "Fix the campaign's errors and resubmit it.",
  reasons: ["30896: Opt-in information is missing or invalid."],
  since: "2026-11-20T09:30:00Z",
};

describe("readiness", () => {
  it("reads what ops keeps in metadata, and nothing else", () => {
    const r = readinessOf({ metadata: { readiness: { state: "blocked", items: [item], alarm: false, checkedAt: "2026-12-07T06:00:00Z" } } });
    expect(r?.state).toBe("blocked");
    expect(r?.items[0].reasons).toEqual(item.reasons);
    expect(r?.checkedAt).toBe("2026-12-07T06:00:00Z");
    expect(readinessOf({ metadata: null })).toBeNull();
    expect(readinessOf({ metadata: { readiness: "blocked" } })).toBeNull();
    expect(readinessOf({ metadata: { readiness: { state: "fine", items: [] } } })).toBeNull();
    // An item written by something else that does not read as one is left out, not shown half.
    const partial = readinessOf({ metadata: { readiness: { state: "attention", items: [item, { kind: "x" }], alarm: true } } });
    expect(partial?.items).toHaveLength(1);
    expect(partial?.alarm).toBe(true);
    expect(partial?.checkedAt).toBeNull();
  });

  it("says what a refresh found and raises the alarm for numbers moving away", () => {
    const r: Refreshed = {
      checked: 30,
      changed: 30,
      states: { ready: 10, attention: 12, blocked: 8 },
      alarms: [],
      elsewhere: [{ phoneNumber: "+14155550100", readiness: { state: "attention", items: [], alarm: false, checkedAt: null } }],
      requests: 13,
    };
    expect(refreshSummary(r)).toBe("30 number(s) checked: 10 ready, 12 needs attention, 8 blocked; 30 changed; 1 more being ported in.");
    expect(alarmMessage(r)).toBeNull();
    const moving = { ...r, alarms: [{ id: "1", phoneNumber: "+14155550101", readiness: { state: "blocked" as const, items: [], alarm: true, checkedAt: null }, new: true }] };
    expect(alarmMessage(moving)).toContain("+14155550101");
    expect(kindLabel("a2p_10dlc")).toBe("A2P 10DLC campaign");
    expect(readinessAvailable("twilio")).toBe(true);
    expect(readinessAvailable("bandwidth")).toBe(true);
    expect(readinessAvailable("vonage")).toBe(true);
    expect(readinessAvailable("plivo")).toBe(true);
  });

  it("badges a number in words: ready, attention, blocked, the port-out alarm, or not checked", () => {
    const of = (readiness: unknown) => readinessBadge({ metadata: readiness === undefined ? null : { readiness } });
    expect(of(undefined)).toEqual(expect.objectContaining({ label: "Not checked", tone: "unchecked" }));
    expect(of({ state: "fine", items: [] }).label).toBe("Not checked");
    const ready = of({ state: "ready", items: [], alarm: false, checkedAt: "2026-12-07T06:00:00Z" });
    expect([ready.label, ready.tone]).toEqual(["Ready", "ready"]);
    expect(ready.title).toMatch(/^Ready\. Checked 2026-12-07 \d\d:00\.$/);
    const attention = of({ state: "attention", items: [{ ...item, level: "attention" }], alarm: false });
    expect([attention.label, attention.tone]).toEqual(["Attention", "attention"]);
    const blocked = of({ state: "blocked", items: [item], alarm: false });
    expect(blocked.label).toBe("Blocked");
    expect(blocked.title).toBe(`Blocked. A2P 10DLC campaign: ${item.meaning}`);
    const moving = of({ state: "blocked", items: [{ ...item, kind: "port_out" }], alarm: true });
    expect([moving.label, moving.tone]).toEqual(["Port-out alarm", "alarm"]);
    expect(moving.title).toContain("being ported away");
    expect(moving.title).toContain("Port-out:");
  });
});
