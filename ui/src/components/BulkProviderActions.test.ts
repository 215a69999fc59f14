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
});
