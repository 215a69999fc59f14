import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import BulkProviderActions from "./BulkProviderActions.svelte";
import { mockClient } from "../test/mockClient";

afterEach(cleanup);
const wait = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe("BulkProviderActions", () => {
  it("re-points the selection to one URL and shows the report per number", async () => {
    const client = mockClient(5);
    const onDone = vi.fn();
    render(BulkProviderActions, { client, organizationId: "org-1", ids: ["id-1", "id-2"], onDone });
    await fireEvent.click(screen.getByTestId("bulk-webhooks"));
    const apply = screen.getByTestId("bulk-webhook-apply") as HTMLButtonElement;
    await fireEvent.input(screen.getByTestId("bulk-webhook-url"), { target: { value: "ftp://nope" } });
    expect(apply.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId("bulk-webhook-url"), { target: { value: "https://platform.example/voice" } });
    await fireEvent.click(screen.getByTestId("bulk-webhook-apply"));
    await wait();
    // The plan first: nothing runs until Confirm.
    expect(client.planBulkWebhooks).toHaveBeenCalledWith(
      expect.any(String),
      "org-1",
      ["id-1", "id-2"],
      "https://platform.example/voice",
      null,
      false,
      expect.any(Function),
    );
    expect(client.bulkSetWebhooks).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId("plan-confirm"));
    await wait();
    expect(client.bulkSetWebhooks).toHaveBeenCalledWith(
      expect.any(String),
      "org-1",
      ["id-1", "id-2"],
      "https://platform.example/voice",
      null,
      false,
      expect.any(Function),
    );
    const rows = screen.getAllByTestId("report-row");
    expect(rows.map((r) => r.dataset.result)).toEqual(["ok", "ok"]);
    expect(screen.getByTestId("provider-report-summary").textContent).toBe("2 done");
    expect(onDone).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId("provider-report-close"));
    expect(onDone).toHaveBeenCalled();
  });

  it("shows the re-point's plan, with the shared object and the refused number, and cancel runs nothing", async () => {
    const client = mockClient(5);
    render(BulkProviderActions, { client, organizationId: "org-1", ids: ["id-1", "id-2", "id-3"], onDone: vi.fn() });
    await fireEvent.click(screen.getByTestId("bulk-webhooks"));
    await fireEvent.input(screen.getByTestId("bulk-webhook-url"), { target: { value: "https://platform.example/voice" } });
    await fireEvent.click(screen.getByTestId("bulk-webhook-apply"));
    await wait();
    expect(screen.getByTestId("plan-summary").textContent).toContain("1 number(s) will change, 2 refused");
    const objects = screen.getAllByTestId("plan-object");
    expect(objects).toHaveLength(1);
    expect(objects[0].textContent).toContain("shared by 3 numbers");
    expect(objects[0].dataset.changed).toBe("false");
    expect(screen.getAllByTestId("plan-number").map((r) => r.dataset.refused)).toEqual(["false", "true", "true"]);
    expect(screen.getByTestId("plan-confirm").textContent).toBe("Re-point 1");
    await fireEvent.click(screen.getByTestId("plan-cancel"));
    await wait();
    expect(screen.queryByTestId("plan-dialog")).toBeNull();
    expect(client.bulkSetWebhooks).not.toHaveBeenCalled();
  });

  it("verifies only after showing which accounts will be asked", async () => {
    const client = mockClient(5);
    render(BulkProviderActions, { client, organizationId: "org-1", ids: ["id-1", "id-2"], onDone: vi.fn() });
    await fireEvent.click(screen.getByTestId("bulk-verify"));
    await wait();
    expect(client.planVerify).toHaveBeenCalledWith("org-1", ["id-1", "id-2"]);
    expect(client.verifyNumbers).not.toHaveBeenCalled();
    expect(screen.getByTestId("plan-summary").textContent).toContain("2 number(s) on 1 account(s): 2 request(s)");
    expect(screen.getAllByTestId("plan-account")[0].textContent).toContain("AC1");
    await fireEvent.click(screen.getByTestId("plan-confirm"));
    await wait();
    expect(client.verifyNumbers).toHaveBeenCalledWith(expect.any(String), "org-1", ["id-1", "id-2"], expect.any(Function));
    expect(screen.getByTestId("provider-report-summary").textContent).toBe("2 done");
  });
});
