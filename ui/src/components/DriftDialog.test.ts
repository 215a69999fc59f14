import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import DriftDialog from "./DriftDialog.svelte";
import { mockClient } from "../test/mockClient";

afterEach(cleanup);
const wait = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe("DriftDialog", () => {
  it("checks the organization, reports per channel, and repairs after the plan is confirmed", async () => {
    const client = mockClient(3);
    const onClose = vi.fn();
    render(DriftDialog, { client, organizationId: "org-1", ids: null, onClose });
    await wait();
    expect(client.checkDrift).toHaveBeenCalledWith(expect.any(String), "org-1", null, expect.any(Function));
    expect(screen.getByTestId("drift-summary").textContent).toContain("2 in sync, 1 differ (voice 1, SMS 0)");
    const rows = screen.getAllByTestId("drift-row");
    expect(rows).toHaveLength(1);
    expect(rows[0].textContent).toContain("https://elsewhere.example/voice");
    const drifted = client.data[0].id;

    // Cancel on the plan changes nothing.
    await fireEvent.click(screen.getByTestId("drift-repair"));
    await wait();
    expect(client.planRepair).toHaveBeenCalledWith(expect.any(String), "org-1", [drifted], false, expect.any(Function));
    expect(screen.getByTestId("plan-summary").textContent).toContain("1 number(s) will change");
    await fireEvent.click(screen.getByTestId("plan-cancel"));
    await wait();
    expect(client.repairWebhooks).not.toHaveBeenCalled();

    // Confirm repairs, then the report, then the drift is checked again.
    await fireEvent.click(screen.getByTestId("drift-repair"));
    await wait();
    await fireEvent.click(screen.getByTestId("plan-confirm"));
    await wait();
    expect(client.repairWebhooks).toHaveBeenCalledWith(expect.any(String), "org-1", [drifted], false, expect.any(Function));
    expect(screen.getByTestId("provider-report-summary").textContent).toBe("1 done");
    await fireEvent.click(screen.getByTestId("provider-report-close"));
    await wait();
    expect(client.checkDrift).toHaveBeenCalledTimes(2);
    await fireEvent.click(screen.getByTestId("drift-close"));
    expect(onClose).toHaveBeenCalled();
  });

  it("repairs with the options the confirmed plan was made with, not the box at confirm time", async () => {
    const client = mockClient(3);
    render(DriftDialog, { client, organizationId: "org-1", ids: null, onClose: vi.fn() });
    await wait();
    const drifted = client.data[0].id;
    const box = screen.getByTestId("drift-shared") as HTMLInputElement;

    // Planned without shared objects; the box changed while the plan is shown changes nothing.
    await fireEvent.click(screen.getByTestId("drift-repair"));
    await wait();
    expect(client.planRepair).toHaveBeenLastCalledWith(expect.any(String), "org-1", [drifted], false, expect.any(Function));
    expect(box.disabled).toBe(true);
    await fireEvent.click(box);
    await fireEvent.click(screen.getByTestId("plan-confirm"));
    await wait();
    expect(client.repairWebhooks).toHaveBeenLastCalledWith(expect.any(String), "org-1", [drifted], false, expect.any(Function));
    await fireEvent.click(screen.getByTestId("provider-report-close"));
    await wait();

    // Planned with shared objects: the run changes them too.
    expect(box.disabled).toBe(false);
    box.checked = true;
    await fireEvent.change(box);
    await fireEvent.click(screen.getByTestId("drift-repair"));
    await wait();
    expect(client.planRepair).toHaveBeenLastCalledWith(expect.any(String), "org-1", [drifted], true, expect.any(Function));
    await fireEvent.click(screen.getByTestId("plan-confirm"));
    await wait();
    expect(client.repairWebhooks).toHaveBeenLastCalledWith(expect.any(String), "org-1", [drifted], true, expect.any(Function));
  });

  it("shows a number back in sync by the repair's plan as already in sync, with nothing to confirm", async () => {
    const client = mockClient(3);
    const drifted = client.data[0];
    vi.mocked(client.planRepair).mockImplementationOnce(async (_t, _o, ids, allowShared) => {
      const numbers = [{ id: drifted.id, phoneNumber: drifted.phoneNumber, state: "inSync" as const, writes: [], refused: null }];
      const account = { provider: "twilio" as const, accountId: "AC1", numbers, objects: [], changed: 0, inSync: 1, refused: 0 };
      void ids;
      return { accounts: [account], changed: 0, inSync: 1, refused: 0, notPlanned: [], allowShared, cancelled: false };
    });
    render(DriftDialog, { client, organizationId: "org-1", ids: null, onClose: vi.fn() });
    await wait();
    await fireEvent.click(screen.getByTestId("drift-repair"));
    await wait();
    // The words and counts are ops' plan's: the dialog does not work out which number is in sync.
    expect(screen.getByTestId("plan-summary").textContent).toContain("0 number(s) will change, 1 already in sync");
    expect(screen.getByTestId("plan-account").textContent).toBe("twilio AC1: 0 to change, 1 already in sync, 0 refused");
    expect(screen.getByTestId("plan-number").textContent).toContain("already in sync");
    expect((screen.getByTestId("plan-confirm") as HTMLButtonElement).disabled).toBe(true);
  });

  it("reports a number the repair found already in sync as such, not as done", async () => {
    const client = mockClient(3);
    const drifted = client.data[0];
    // Planned as drifted; back in sync at the provider by the time the repair runs.
    vi.mocked(client.repairWebhooks).mockImplementationOnce(async (_t, _o, ids, _a, onProgress) => {
      onProgress({ done: ids.length, total: ids.length });
      const outcomes = [{ id: drifted.id, phoneNumber: drifted.phoneNumber, result: "inSync" as const, message: "voice https://platform.example/voice, sms (none)" }];
      return { outcomes, succeeded: 0, inSync: 1, failed: 0, cancelled: false };
    });
    render(DriftDialog, { client, organizationId: "org-1", ids: null, onClose: vi.fn() });
    await wait();
    await fireEvent.click(screen.getByTestId("drift-repair"));
    await wait();
    await fireEvent.click(screen.getByTestId("plan-confirm"));
    await wait();
    expect(screen.getByTestId("provider-report-summary").textContent).toBe("0 done, 1 already in sync");
    expect(screen.getByTestId("report-row").children[1].textContent).toBe("Already in sync");
  });

  it("checks only the selection, and a running check can be cancelled", async () => {
    const client = mockClient(3);
    let finish: () => void = () => {};
    vi.mocked(client.checkDrift).mockImplementationOnce(
      (taskId: string, _o: string, _ids: string[] | null, onProgress: (p: { done: number; total: number }) => void) =>
        new Promise((resolve) => {
          onProgress({ done: 1, total: 2 });
          finish = () =>
            resolve({ inSync: 1, drifted: 0, voiceDrifted: 0, smsDrifted: 0, unknown: 0, errors: 0, skipped: 0, notStarted: 1, driftedIds: [], rows: [], cancelled: true });
          void taskId;
        }),
    );
    const ids = [client.data[1].id, client.data[2].id];
    render(DriftDialog, { client, organizationId: "org-1", ids, onClose: vi.fn() });
    await wait();
    expect(client.checkDrift).toHaveBeenCalledWith(expect.any(String), "org-1", ids, expect.any(Function));
    expect(screen.getByTestId("drift-progress")).toBeTruthy();
    await fireEvent.click(screen.getByTestId("drift-cancel"));
    const taskId = vi.mocked(client.checkDrift).mock.calls[0][0];
    expect(client.cancelTask).toHaveBeenCalledWith(taskId);
    finish();
    await wait();
    expect(screen.queryByTestId("drift-progress")).toBeNull();
    expect(screen.getByTestId("drift-summary").textContent).toContain("cancelled: 1 not checked");
    expect(screen.queryByTestId("drift-repair")).toBeNull();
  });
});
