import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import DetailPanel from "./DetailPanel.svelte";
import type { Agent } from "../lib/client";
import { makeNumber, mockClient, tick } from "../test/mockClient";
import { arrowThrough } from "../test/keys";

afterEach(cleanup);

function show(patch: Parameters<typeof makeNumber>[1]) {
  const client = mockClient(1);
  const number = makeNumber(1, patch);
  render(DetailPanel, { client, number, agents: [], onChanged: () => {}, onRemoved: () => {}, onClose: () => {}, undo: { label: "Undo", run: () => {} } });
}

describe("DetailPanel webhooks", () => {
  it("shows the voice and the SMS webhook apart", () => {
    show({
      webhookConfigured: true,
      webhookUrl: "https://platform.example.com/voice",
      voiceWebhookUrl: "https://platform.example.com/voice",
      smsWebhookUrl: "https://platform.example.com/sms",
    });
    expect(screen.getByTestId("voice-webhook").textContent).toBe("https://platform.example.com/voice");
    expect(screen.getByTestId("sms-webhook").textContent).toBe("https://platform.example.com/sms");
  });

  it("says a webhook with nothing on record is not recorded", () => {
    show({ webhookUrl: "https://platform.example.com/voice", voiceWebhookUrl: "https://platform.example.com/voice" });
    expect(screen.getByTestId("voice-webhook").textContent).toBe("https://platform.example.com/voice");
    expect(screen.getByTestId("sms-webhook").textContent).toBe("not recorded");
  });

  it("says when the stored SMS webhook is not a valid URL", () => {
    show({
      smsWebhookUrl: null,
      smsWebhookUrlProblem: "the stored SMS webhook URL is not a valid URL, read as not recorded (invalid metadata.smsWebhookUrl: has no host)",
      metadata: { smsWebhookUrl: "https://" },
    });
    expect(screen.getByTestId("sms-webhook").textContent).toBe("not recorded");
    expect(screen.getByTestId("sms-webhook-problem").textContent).toContain("The stored SMS webhook URL is not a valid URL");
  });

  it("says nothing more when the SMS webhook is valid or absent", () => {
    show({ smsWebhookUrl: "https://platform.example.com/sms" });
    expect(screen.queryByTestId("sms-webhook-problem")).toBeNull();
  });
});

describe("DetailPanel with the keyboard", () => {
  it("saves Status and Agent on Enter after the arrows, not at each arrow (as the bulk bar)", async () => {
    const client = mockClient(1);
    const agents: Agent[] = [
      { id: "ag-1", organization_id: "org-1", name: "Ava" },
      { id: "ag-2", organization_id: "org-1", name: "Bo" },
    ];
    const number = makeNumber(1, { status: "active", agentId: null });
    render(DetailPanel, { client, number, agents, onChanged: () => {}, onRemoved: () => {}, onClose: () => {}, undo: { label: "Undo", run: () => {} } });
    const status = screen.getByTestId("status") as HTMLSelectElement;
    await arrowThrough(status, ["inactive", "error"]);
    await tick();
    expect(client.updateNumber).not.toHaveBeenCalled();
    expect(status.value).toBe("error");
    await fireEvent.keyDown(status, { key: "Enter" });
    await vi.waitFor(() => expect(client.updateNumber).toHaveBeenCalledTimes(1));
    expect(client.updateNumber).toHaveBeenLastCalledWith(number.id, [{ field: "status", value: "error" }]);

    // A choice the arrows showed and Enter did not save goes back to the record when focus leaves.
    const agent = screen.getByTestId("agent") as HTMLSelectElement;
    await vi.waitFor(() => expect(agent.disabled).toBe(false));
    agent.focus();
    await arrowThrough(agent, ["ag-1"]);
    await tick();
    agent.blur();
    expect(agent.value).toBe("");
    expect(client.updateNumber).toHaveBeenCalledTimes(1);

    // A pointer choice saves at once.
    await fireEvent.change(agent, { target: { value: "ag-2" } });
    await vi.waitFor(() => expect(client.updateNumber).toHaveBeenCalledTimes(2));
    expect(client.updateNumber).toHaveBeenLastCalledWith(number.id, [{ field: "agent", value: "ag-2" }]);
  });


  it("gives focus back to the select a change came from once it is saved", async () => {
    const client = mockClient(1);
    const number = makeNumber(1, {});
    render(DetailPanel, { client, number, agents: [], onChanged: () => {}, onRemoved: () => {}, onClose: () => {}, undo: { label: "Undo", run: () => {} } });
    const status = screen.getByTestId("status") as HTMLSelectElement;
    status.focus();
    status.value = status.value === "inactive" ? "active" : "inactive";
    status.dispatchEvent(new Event("change", { bubbles: true }));
    // The web view takes focus from a control while it is disabled (the save).
    status.blur();
    expect(document.activeElement).toBe(document.body);
    await vi.waitFor(() => expect(client.updateNumber).toHaveBeenCalled());
    await vi.waitFor(() => expect(document.activeElement).toBe(status));
  });
});
