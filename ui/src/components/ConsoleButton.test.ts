import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import ConsoleButton from "./ConsoleButton.svelte";
import { makeNumber, mockClient, tick } from "../test/mockClient";
import { toasts } from "../lib/toasts.svelte";

afterEach(() => {
  cleanup();
  toasts.items = [];
});

describe("ConsoleButton", () => {
  it("names the number's provider and asks the app to open it by id only", async () => {
    const client = mockClient(1);
    const number = makeNumber(7, { provider: "vonage" });
    render(ConsoleButton, { client, number });
    const button = screen.getByTestId("open-console");
    expect(button.textContent).toContain("Open in Vonage console");
    await fireEvent.click(button);
    await tick();
    expect(client.openInConsole).toHaveBeenCalledWith(number.id);
    expect(toasts.items.at(-1)).toMatchObject({ kind: "info", title: "Opened" });
    expect(toasts.items.at(-1)?.message).toContain(`https://console.twilio.com/us1/develop/phone-numbers/manage/incoming/PN${number.id}/configure`);
  });

  it("shows the app's refusal as an error toast", async () => {
    const client = mockClient(1);
    client.openInConsole = vi.fn(async () => {
      throw { code: "NotAllowed", message: "https://evil.example/ is not a provider console page" };
    });
    render(ConsoleButton, { client, number: makeNumber(3, { provider: "twilio" }) });
    expect(screen.getByTestId("open-console").textContent).toContain("Open in Twilio console");
    await fireEvent.click(screen.getByTestId("open-console"));
    await tick();
    expect(toasts.items.at(-1)).toMatchObject({ kind: "error", title: "Not allowed", message: "https://evil.example/ is not a provider console page" });
    expect((screen.getByTestId("open-console") as HTMLButtonElement).disabled).toBe(false);
  });
});
