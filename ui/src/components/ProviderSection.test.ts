import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import ProviderSection from "./ProviderSection.svelte";
import { makeNumber, mockClient } from "../test/mockClient";

afterEach(cleanup);
const wait = (ms = 5) => new Promise((r) => setTimeout(r, ms));
const number = makeNumber(1, { accountId: "AC00000000000000000000000000000001" });

describe("ProviderSection", () => {
  it("shows the plan and asks before changing a shared object", async () => {
    const client = mockClient(5);
    client.planWebhooks = vi.fn(async () => ({
      phoneNumber: number.phoneNumber,
      writes: [{ channel: "voice" as const, object: "Call Control application 77", isNumber: false, objectName: "Main", sharedBy: 12, from: "https://a.example", to: "https://b.example", detaches: null }],
      sharedWarning: "Call Control application 77 is shared by 12 numbers: changing it re-points all of them, not only +14155550001",
    }));
    const onChanged = vi.fn();
    render(ProviderSection, { client, number, onChanged, onRemoved: () => {} });
    await fireEvent.input(screen.getByTestId("voice-url"), { target: { value: "https://b.example" } });
    await fireEvent.click(screen.getByTestId("webhook-review"));
    await wait();
    expect(screen.getByTestId("webhook-plan").textContent).toMatch(/shared by 12 numbers/);
    const apply = screen.getByTestId("webhook-apply") as HTMLButtonElement;
    expect(apply.disabled).toBe(true);
    await fireEvent.click(screen.getByTestId("webhook-shared-consent"));
    expect(apply.disabled).toBe(false);
    await fireEvent.click(apply);
    await wait();
    expect(client.setWebhooks).toHaveBeenCalledWith(number.id, "https://b.example", null, true);
    expect(onChanged).toHaveBeenCalledWith(expect.objectContaining({ webhookUrl: "https://b.example" }));
  });

  it("shows drift: the provider's URL against the one on record", async () => {
    const client = mockClient(5);
    render(ProviderSection, { client, number, onChanged: () => {}, onRemoved: () => {} });
    await fireEvent.click(screen.getByTestId("provider-drift"));
    await wait();
    expect(screen.getByTestId("drift-voice-state").textContent).toBe("Drifted");
    expect(screen.getByTestId("drift-voice-provider").textContent).toBe("https://elsewhere.example/voice");
  });

  it("releases only after a confirmation naming the number, and sends that number", async () => {
    const client = mockClient(5);
    const onRemoved = vi.fn();
    render(ProviderSection, { client, number, onChanged: () => {}, onRemoved });
    await fireEvent.click(screen.getByTestId("release-number"));
    expect(client.releaseNumber).not.toHaveBeenCalled();
    expect(screen.getByRole("alert").textContent).toMatch(new RegExp(`Release ${number.display.replace(/[+]/g, "\\+")}.*loses the number`));
    await fireEvent.click(screen.getByTestId("release-confirm"));
    await wait();
    expect(client.releaseNumber).toHaveBeenCalledWith(number.id, number.phoneNumber);
    expect(onRemoved).toHaveBeenCalled();
  });

  it("offers nothing to ask the provider when the number has no account", () => {
    render(ProviderSection, { client: mockClient(5), number: makeNumber(2), onChanged: () => {}, onRemoved: () => {} });
    expect(screen.queryByTestId("provider-verify")).toBeNull();
  });
});
