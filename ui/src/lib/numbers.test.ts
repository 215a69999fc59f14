import { describe, expect, it, vi } from "vitest";
import { FIRST_PAGE, NEXT_PAGE, NumbersView } from "./numbers.svelte";
import { deferred, makeNumber, mockClient, tick } from "../test/mockClient";
import type { NumberPage } from "./client";

const settle = async () => {
  for (let i = 0; i < 5; i++) await tick();
};

describe("NumbersView", () => {
  it("loads a small first page, then the exact count", async () => {
    const client = mockClient(1000);
    const view = new NumbersView(client, 0);
    view.setOrganization("org-1");
    await settle();
    expect(view.rows).toHaveLength(FIRST_PAGE);
    expect(view.total).toBe(1000);
    expect(view.hasMore).toBe(true);
    expect(client.listNumbers).toHaveBeenCalledWith(
      expect.objectContaining({ limit: FIRST_PAGE, after: null, sort: "number", descending: false }),
    );
  });

  it("pages forward with the keyset cursor", async () => {
    const client = mockClient(1000);
    const view = new NumbersView(client, 0);
    view.setOrganization("org-1");
    await settle();
    await view.loadMore();
    expect(view.rows).toHaveLength(FIRST_PAGE + NEXT_PAGE);
    expect(view.rows[FIRST_PAGE].id).toBe(`id-${FIRST_PAGE}`);
    expect(client.listNumbers).toHaveBeenLastCalledWith(expect.objectContaining({ after: String(FIRST_PAGE) }));
  });

  it("drops a stale answer and coalesces keystrokes typed while a request is in flight", async () => {
    const client = mockClient(10);
    const slow = deferred<NumberPage>();
    let calls = 0;
    const real = client.listNumbers;
    client.listNumbers = vi.fn(async (q) => {
      calls++;
      return calls === 1 ? slow.promise : real(q);
    });
    const view = new NumbersView(client, 0);
    view.setOrganization("org-1");
    view.setSearch("4");
    await settle();
    view.setSearch("41");
    await settle();
    view.setSearch("415555000");
    await settle();
    // Only the first request is out; the three edits wait for it.
    expect(calls).toBe(1);
    slow.resolve({ items: [makeNumber(999)], next: null });
    await settle();
    // The stale page never shows; one follow-up with the latest text replaced it.
    expect(calls).toBe(2);
    expect(client.listNumbers).toHaveBeenLastCalledWith(
      expect.objectContaining({ filter: expect.objectContaining({ search: "415555000" }) }),
    );
    expect(view.rows.map((r) => r.id)).toEqual(["id-0", "id-1", "id-2", "id-3", "id-4", "id-5", "id-6", "id-7", "id-8", "id-9"]);
    expect(view.rows.find((r) => r.id === "id-999")).toBeUndefined();
  });

  it("sends filters in the backend's shape and flips sort direction", async () => {
    const client = mockClient(5);
    const view = new NumbersView(client, 0);
    view.setOrganization("org-1");
    view.setFilters({ provider: "telnyx", agent: { kind: "unassigned" }, capabilities: ["sms"], country: "GB", numberType: "mobile" });
    view.setFilters({ readiness: "blocked", needsAttention: true });
    await settle();
    view.toggleSort("updated");
    await settle();
    view.toggleSort("updated");
    await settle();
    expect(client.listNumbers).toHaveBeenLastCalledWith(
      expect.objectContaining({
        sort: "updated",
        descending: true,
        filter: {
          organizationId: "org-1",
          search: null,
          provider: "telnyx",
          status: null,
          agent: { kind: "unassigned" },
          capabilities: ["sms"],
          country: "GB",
          numberType: "mobile",
          readiness: "blocked",
          needsAttention: true,
        },
      }),
    );
  });

  it("reports errors by code", async () => {
    const client = mockClient(5);
    const { ClientError } = await import("./client");
    client.listNumbers = vi.fn(async () => {
      throw { code: "Storage", message: "workspace storage error: disk I/O error" };
    });
    const seen: string[] = [];
    const view = new NumbersView(client, 0, (e) => seen.push(e.code));
    view.setOrganization("org-1");
    await settle();
    expect(view.error).toBeInstanceOf(ClientError);
    expect(seen).toEqual(["Storage"]);
  });

  it("asks for health only while its column is shown: once per loaded page, each number once", async () => {
    const client = mockClient(1000);
    const view = new NumbersView(client, 0);
    view.setOrganization("org-1");
    await settle();
    expect(client.numberHealth).not.toHaveBeenCalled();
    view.wantHealth(true);
    await settle();
    expect(client.numberHealth).toHaveBeenCalledTimes(1);
    expect(client.numberHealth).toHaveBeenLastCalledWith("org-1", view.rows.map((r) => r.phoneNumber));
    expect(view.health.get(view.rows[0].phoneNumber)?.state).toBe("insufficient_data");
    await view.loadMore();
    await settle();
    expect(client.numberHealth).toHaveBeenCalledTimes(2);
    const asked = vi.mocked(client.numberHealth).mock.calls[1][1];
    expect(asked).toHaveLength(NEXT_PAGE);
    expect(asked[0]).toBe(view.rows[FIRST_PAGE].phoneNumber);
    // A search shows rows already judged: nothing is asked again.
    view.setSearch("41555500");
    await settle();
    expect(client.numberHealth).toHaveBeenCalledTimes(2);
    view.wantHealth(false);
    view.setSearch("");
    await view.loadMore();
    await view.loadMore();
    await settle();
    expect(client.numberHealth).toHaveBeenCalledTimes(2);
  });

  it("asks for a first page's health only once typing pauses", async () => {
    vi.useFakeTimers();
    try {
      const client = mockClient(1000);
      const view = new NumbersView(client, 0, () => {}, 200);
      view.wantHealth(true);
      view.setOrganization("org-1");
      await vi.advanceTimersByTimeAsync(300);
      expect(client.numberHealth).toHaveBeenCalledTimes(1);
      for (const text of ["9", "99", "999"]) {
        view.setSearch(text);
        await vi.advanceTimersByTimeAsync(20);
      }
      await vi.advanceTimersByTimeAsync(300);
      // Only the last text's rows; the rows shown between keystrokes were never asked about.
      expect(client.numberHealth).toHaveBeenCalledTimes(2);
      expect(client.numberHealth).toHaveBeenLastCalledWith("org-1", ["+14155550999"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("stops a count still running when the query changes, and only that one", async () => {
    const client = mockClient(50);
    const running = new Map<string, (n: number) => void>();
    client.countNumbers = vi.fn((_f, taskId?: string) => {
      const d = deferred<number>();
      running.set(taskId!, d.resolve);
      return d.promise;
    });
    const view = new NumbersView(client, 0);
    view.setOrganization("org-1");
    await settle();
    const first = vi.mocked(client.countNumbers).mock.calls[0][1]!;
    expect(first).toEqual(expect.any(String));
    expect(client.cancelTask).not.toHaveBeenCalled();

    // A keystroke while the count runs: it is stopped before the next page is asked for.
    const pagesBefore = vi.mocked(client.listNumbers).mock.calls.length;
    view.setSearch("s");
    expect(client.cancelTask).toHaveBeenCalledExactlyOnceWith(first);
    await settle();
    expect(client.listNumbers).toHaveBeenCalledTimes(pagesBefore + 1);
    const second = vi.mocked(client.countNumbers).mock.calls[1][1]!;
    expect(second).not.toBe(first);

    // A count that has answered is not stopped again.
    running.get(second)!(7);
    await settle();
    expect(view.total).toBe(7);
    view.setSearch("su");
    await settle();
    expect(client.cancelTask).toHaveBeenCalledTimes(1);
  });
});
