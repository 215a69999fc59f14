import { afterEach, describe, expect, it } from "vitest";
import { ProgressTask } from "./task.svelte";
import { ClientError } from "./client";
import { toasts } from "./toasts.svelte";
import { mockClient } from "../test/mockClient";

afterEach(() => {
  toasts.items = [];
});

describe("ProgressTask", () => {
  it("a Cancel sent before the backend answers names the task's id; a cancelled task is told, not an error", async () => {
    const client = mockClient(0);
    const task = new ProgressTask();
    let taskId = "";
    const result = await task.run(3, async (id) => {
      taskId = id;
      // The manager presses Cancel while the app is still reading the numbers.
      task.cancel(client);
      throw new ClientError("Cancelled", "cancelled while the numbers were read; nothing was sent");
    });
    expect(client.cancelTask).toHaveBeenCalledWith(taskId);
    expect(result).toBeNull();
    expect(task.progress).toBeNull();
    expect(toasts.items).toHaveLength(1);
    expect(toasts.items[0]).toMatchObject({
      kind: "info",
      title: "Cancelled",
      message: "cancelled while the numbers were read; nothing was sent",
    });
  });

  it("a report is summarized in a toast, an error toast when a number failed", async () => {
    const task = new ProgressTask();
    const done = { outcomes: [], succeeded: 2, inSync: 0, failed: 0, cancelled: false };
    expect(await task.report("Verify", 2, async () => done)).toBe(done);
    await task.report("Verify", 2, async () => ({ ...done, failed: 1 }));
    expect(toasts.items).toMatchObject([
      { kind: "info", title: "Verify", message: "2 done" },
      { kind: "error", title: "Verify", message: "2 done, 1 not done" },
    ]);
  });

  it("a failure is an error toast", async () => {
    const task = new ProgressTask();
    const result = await task.run(1, async () => {
      throw new ClientError("Offline", "the provider cannot be reached");
    });
    expect(result).toBeNull();
    expect(toasts.items[0]).toMatchObject({ kind: "error", title: "Offline" });
  });
});
