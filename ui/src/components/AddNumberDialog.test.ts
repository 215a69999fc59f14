import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import AddNumberDialog from "./AddNumberDialog.svelte";
import { mockClient } from "../test/mockClient";

afterEach(cleanup);

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("AddNumberDialog", () => {
  it("shows core's reason for an invalid number inline and does not add it", async () => {
    const client = mockClient(0);
    const onAdded = vi.fn();
    render(AddNumberDialog, { client, organizationId: "org-1", agents: [], onClose: () => {}, onAdded });
    const input = screen.getByLabelText("Phone number");
    await fireEvent.input(input, { target: { value: "+1 555" } });
    await wait(200);
    expect(screen.getByTestId("number-hint").textContent).toContain("too short");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect((screen.getByTestId("add-submit") as HTMLButtonElement).disabled).toBe(true);
    expect(client.addNumber).not.toHaveBeenCalled();
  });

  it("adds a valid number with the chosen fields", async () => {
    const client = mockClient(0);
    const onAdded = vi.fn();
    render(AddNumberDialog, { client, organizationId: "org-1", agents: [], onClose: () => {}, onAdded });
    await fireEvent.input(screen.getByLabelText("Phone number"), { target: { value: "+1 415 555 1234" } });
    await fireEvent.input(screen.getByLabelText("Friendly name"), { target: { value: "Support" } });
    await wait(200);
    expect(screen.getByTestId("number-hint").textContent).toContain("✓");
    await fireEvent.click(screen.getByTestId("add-submit"));
    await wait(10);
    expect(client.addNumber).toHaveBeenCalledWith(
      "org-1",
      expect.objectContaining({ number: "+1 415 555 1234", friendlyName: "Support", provider: "twilio", region: "US" }),
    );
    expect(onAdded).toHaveBeenCalled();
  });
});
