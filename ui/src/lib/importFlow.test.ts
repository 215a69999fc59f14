import { describe, expect, it, vi } from "vitest";
import { ImportFlow } from "./importFlow.svelte";
import { ClientError } from "./client";
import { TWILIO_ACCOUNT, deferred, mockClient, tick } from "../test/mockClient";

describe("ImportFlow", () => {
  it("lists with progress, preselects only the new numbers, and counts each state", async () => {
    const client = mockClient(0);
    const flow = new ImportFlow(client, "org-1");
    await flow.list(TWILIO_ACCOUNT);
    expect(client.importPreview).toHaveBeenCalledWith(expect.any(String), "org-1", "twilio", TWILIO_ACCOUNT.accountId, expect.any(Function));
    expect(flow.step).toBe("review");
    expect(flow.listing).toEqual({ pages: 1, fetched: 3, total: 3 });
    expect(flow.counts).toEqual({ new: 2, different: 1, present: 1 });
    expect([...flow.chosen].sort()).toEqual(["+12345550001", "+12345550002"]);
    expect(flow.refresh.size).toBe(0);
  });

  it("toggles, selects all (refreshing different ones) and none; present numbers cannot be chosen", async () => {
    const flow = new ImportFlow(mockClient(0), "org-1");
    await flow.list(TWILIO_ACCOUNT);
    const [a, , different, present] = flow.preview!.candidates;
    flow.toggle(a);
    expect(flow.isChosen(a)).toBe(false);
    flow.toggle(present);
    expect(flow.isChosen(present)).toBe(false);
    flow.selectAll();
    expect(flow.selectedCount).toBe(3);
    expect(flow.isChosen(different)).toBe(true);
    flow.selectNone();
    expect(flow.selectedCount).toBe(0);
  });

  it("imports the chosen numbers of its preview and keeps the report", async () => {
    const client = mockClient(0);
    const flow = new ImportFlow(client, "org-1");
    await flow.list(TWILIO_ACCOUNT);
    flow.toggle(flow.preview!.candidates[2]);
    await flow.importChosen();
    expect(client.importNumbers).toHaveBeenCalledWith(
      expect.any(String),
      "preview-1",
      expect.arrayContaining(["+12345550001", "+12345550002"]),
      ["+12345550003"],
      expect.any(Function),
    );
    expect(flow.step).toBe("done");
    expect(flow.report).toEqual({ imported: 2, refreshed: 1, smsRecorded: 0, smsDrift: [], failed: [], cancelled: false });
  });

  it("imports with nothing chosen when SMS webhook URLs are to be recorded, and not otherwise", async () => {
    const client = mockClient(0);
    const flow = new ImportFlow(client, "org-1");
    await flow.list(TWILIO_ACCOUNT);
    flow.selectNone();
    expect(flow.writesAnything).toBe(false);
    await flow.importChosen();
    expect(client.importNumbers).not.toHaveBeenCalled();
    flow.preview!.smsUnrecorded = 2;
    expect(flow.writesAnything).toBe(true);
    await flow.importChosen();
    expect(client.importNumbers).toHaveBeenCalledWith(expect.any(String), "preview-1", [], [], expect.any(Function));
  });

  it("cancels a listing through the backend's task and says nothing was imported", async () => {
    const client = mockClient(0);
    const gate = deferred<void>();
    client.importPreview = vi.fn(async () => {
      await gate.promise;
      throw new ClientError("Cancelled", "cancelled; nothing was imported");
    });
    const flow = new ImportFlow(client, "org-1");
    const listing = flow.list(TWILIO_ACCOUNT);
    await tick();
    expect(flow.step).toBe("listing");
    flow.cancel();
    const taskId = (client.importPreview as ReturnType<typeof vi.fn>).mock.calls[0][0];
    expect(client.cancelTask).toHaveBeenCalledWith(taskId);
    gate.resolve();
    await listing;
    expect(flow.step).toBe("account");
    expect(flow.error).toMatch(/nothing was imported/);
    expect(client.importNumbers).not.toHaveBeenCalled();
  });

  it("shows the provider's error and stays on the first step", async () => {
    const client = mockClient(0);
    client.importPreview = vi.fn(async () => {
      throw new ClientError("ProviderAuth", "Twilio refused the credentials for account AC… (HTTP 401, code 20003: Authenticate)");
    });
    const flow = new ImportFlow(client, "org-1");
    await flow.list(TWILIO_ACCOUNT);
    expect(flow.step).toBe("account");
    expect(flow.error).toMatch(/refused the credentials/);
  });
});
