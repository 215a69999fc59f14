import { describe, expect, it, vi } from "vitest";
import type { SyncConflict, TeamStatus } from "./client";
import { ClientError } from "./client";
import {
  LOCAL_STATUS,
  TeamView,
  bannerText,
  missingFields,
  progressText,
  queuedText,
  blankProfile,
  skippedDetails,
  skippedText,
  weakTlsWarning,
} from "./team.svelte";
import { makeNumber, mockClient, tick } from "../test/mockClient";

const team = (patch: Partial<TeamStatus>): TeamStatus => ({
  ...LOCAL_STATUS,
  profile: "Team",
  server: "db:5432/switchboard",
  connection: "online",
  ...patch,
});
const fmt = (iso: string | null) => `<${iso}>`;

describe("the connection banner's text", () => {
  it("says nothing for the local workspace", () => {
    expect(bannerText(LOCAL_STATUS, fmt)).toBeNull();
  });

  it("shows cached data from the last sync when offline, with the queued edits", () => {
    const s = team({ connection: "offline", lastSyncedAt: "2026-11-27T01:00:00Z", outbox: 2 });
    expect(bannerText(s, fmt)).toBe("Offline — showing cached data from <2026-11-27T01:00:00Z> · 2 edits queued");
    expect(bannerText({ ...s, outbox: 1 }, fmt)).toBe("Offline — showing cached data from <2026-11-27T01:00:00Z> · 1 edit queued");
    expect(bannerText({ ...s, lastSyncedAt: null, outbox: 0 }, fmt)).toBe("Offline — nothing synced yet");
  });

  it("gives a failed sync's error as it is", () => {
    const s = team({ connection: "failed", lastError: { code: "NotAllowed", message: "role alice is a superuser" } });
    expect(bannerText(s, fmt)).toBe("Sync failed: role alice is a superuser");
  });

  it("says when it last synced while online", () => {
    expect(bannerText(team({ lastSyncedAt: "2026-11-27T01:00:00Z" }), fmt)).toBe("Synced <2026-11-27T01:00:00Z>");
    expect(bannerText(team({ connection: "unknown" }), fmt)).toBe("Connecting to db:5432/switchboard…");
  });

  it("names the phase and the rows of a sync", () => {
    expect(progressText({ phase: "copy", done: 20000, total: 100000 })).toBe("Copying numbers: 20,000 of 100,000");
    expect(progressText({ phase: "replay", done: 3, total: 0 })).toBe("Sending offline edits: 3");
    expect(progressText({ phase: "connect", done: 0, total: 0 })).toBe("Connecting…");
    expect(progressText(null)).toBe("");
    expect(queuedText(0)).toBe("");
  });
});

describe("the skipped rows", () => {
  it("counts them and names each with its id and reason, never more", () => {
    const bad = { numberId: "id-1", phoneNumber: "+14155550200", reason: 'invalid status: "suspended"', kept: false };
    const secret = { numberId: "id-2", phoneNumber: null, reason: "credentials held a secret: key authToken dropped", kept: true };
    expect(skippedText([])).toBe("");
    expect(skippedText([bad])).toBe("1 row not synced as it is");
    expect(skippedText([bad, secret])).toBe("2 rows not synced as they are");
    expect(skippedDetails([bad, secret])).toBe(
      '+14155550200 (id-1): invalid status: "suspended"\nid-2 (id-2), kept without it: credentials held a secret: key authToken dropped',
    );
  });
});

describe("the profile form", () => {
  it("needs a name, host, port, database and user", () => {
    expect(missingFields(blankProfile())).toEqual(["name", "host", "user"]);
    expect(missingFields({ ...blankProfile(), name: "T", host: "db", user: "alice", port: 0 })).toEqual(["port"]);
    expect(missingFields({ ...blankProfile(), name: "T", host: "db", user: "alice" })).toEqual([]);
  });

  it("checks certificates by default and warns about a weaker mode to a remote server", () => {
    const p = { ...blankProfile(), name: "T", host: "db.example.com", user: "alice" };
    expect(p.tlsMode).toBe("verify-full");
    expect(weakTlsWarning(p)).toBeNull();
    expect(weakTlsWarning({ ...p, tlsMode: "require" })).toContain("does not check the server's certificate");
    expect(weakTlsWarning({ ...p, tlsMode: "disable" })).toContain("may not encrypt at all");
    for (const host of ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "/var/run/postgresql"]) {
      expect(weakTlsWarning({ ...p, host, tlsMode: "disable" })).toBeNull();
    }
    expect(weakTlsWarning({ ...p, host: "127.0.0.1.example.com", tlsMode: "require" })).not.toBeNull();
  });
});

describe("TeamView", () => {
  it("follows the backend's status events", async () => {
    const client = mockClient(0);
    const view = new TeamView(client, () => {});
    const off = await view.start();
    expect(view.isTeam).toBe(false);
    client.emitStatus(team({ connection: "offline", outbox: 1 }));
    expect(view.status.connection).toBe("offline");
    expect(view.isTeam).toBe(true);
    off();
    client.emitStatus(team({ connection: "online" }));
    expect(view.status.connection).toBe("offline");
  });

  it("shows a sync's progress while it runs and the status after", async () => {
    const client = mockClient(0);
    let finish!: () => void;
    client.syncNow = vi.fn(async (onProgress) => {
      onProgress({ phase: "copy", done: 10, total: 100 });
      await new Promise<void>((r) => (finish = r));
      return team({ lastSyncedAt: "2026-11-27T01:00:00Z" });
    });
    const view = new TeamView(client, () => {});
    const running = view.syncNow();
    await tick();
    expect(view.progress).toEqual({ phase: "copy", done: 10, total: 100 });
    finish();
    await running;
    expect(view.progress).toBeNull();
    expect(view.status.lastSyncedAt).toBe("2026-11-27T01:00:00Z");
  });

  it("loads conflicts when there are some and drops a resolved one", async () => {
    const client = mockClient(0);
    const conflict: SyncConflict = {
      id: 7, numberId: "id-1", organizationId: "org-1", op: "update", reason: "changed on the server since",
      detectedAt: "2026-11-27T01:00:00Z", mine: makeNumber(1, { friendlyName: "Mine" }), theirs: makeNumber(1, { friendlyName: "Theirs" }),
    };
    client.listConflicts = vi.fn(async () => [conflict]);
    client.resolveConflict = vi.fn(async () => conflict);
    const view = new TeamView(client, () => {});
    view.apply(team({ conflicts: 1 }));
    await tick();
    expect(view.conflicts).toHaveLength(1);
    await view.resolve(7, "mine");
    expect(client.resolveConflict).toHaveBeenCalledWith(7, "mine");
    expect(view.conflicts).toHaveLength(0);
  });

  it("reports a failed resolution and keeps the conflict", async () => {
    const client = mockClient(0);
    const errors: ClientError[] = [];
    const view = new TeamView(client, (e) => errors.push(e));
    view.conflicts = [{ id: 1 } as SyncConflict];
    await view.resolve(1, "theirs");
    expect(errors[0].code).toBe("NotFound");
    expect(view.conflicts).toHaveLength(1);
  });
});
