import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import BuyDialog from "./BuyDialog.svelte";
import { TWILIO_ACCOUNT, mockClient, tick } from "../test/mockClient";

afterEach(cleanup);

const settle = async () => {
  for (let i = 0; i < 6; i++) await tick();
};

/** The dialog with two numbers found, as the manager sees it after a search. */
async function found() {
  const client = mockClient(3);
  vi.mocked(client.searchAvailable).mockResolvedValue([
    { phoneNumber: "+14155550100", display: "+1 415-555-0100", locality: "San Francisco", region: "CA", country: "US", capabilities: { voice: true, sms: true, mms: false, fax: false } },
    { phoneNumber: "+14155550101", display: "+1 415-555-0101", locality: "San Francisco", region: "CA", country: "US", capabilities: { voice: true, sms: false, mms: false, fax: false } },
  ]);
  const props = { client, organizationId: "org-1", account: TWILIO_ACCOUNT, onClose: vi.fn(), onBought: vi.fn() };
  render(BuyDialog, props);
  await settle();
  await fireEvent.click(screen.getByTestId("buy-search"));
  await settle();
  const buyOf = (n: string) => screen.getAllByTestId("available-row").find((r) => r.dataset.number === n)!.querySelector("button")!;
  return { ...props, buyOf };
}

describe("BuyDialog", () => {
  it("moves focus to Don't buy when Buy… gives way to the confirmation, and back to that number's Buy… after it", async () => {
    const { buyOf } = await found();
    buyOf("+14155550101").focus();
    await fireEvent.click(buyOf("+14155550101"));
    await settle();
    expect(screen.getByTestId("buy-confirm")).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByTestId("buy-decline"));

    await fireEvent.click(screen.getByTestId("buy-decline"));
    await settle();
    expect(screen.queryByTestId("buy-confirm")).toBeNull();
    expect(document.activeElement).toBe(buyOf("+14155550101"));
  });

});
