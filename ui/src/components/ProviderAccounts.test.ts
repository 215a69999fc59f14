import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import ProviderAccounts from "./ProviderAccounts.svelte";
import { TWILIO_ACCOUNT, mockClient } from "../test/mockClient";
import { ClientError } from "../lib/client";

afterEach(cleanup);
const wait = (ms = 5) => new Promise((r) => setTimeout(r, ms));

function open(client = mockClient(0)) {
  render(ProviderAccounts, { client, organizationId: "org-1", onClose: () => {}, onImport: vi.fn(), onBuy: vi.fn() });
  return client;
}

describe("ProviderAccounts", () => {
  it("adds a Twilio account with its token and clears the secret field afterwards", async () => {
    const client = open();
    await wait();
    await fireEvent.input(screen.getByTestId("account-id"), { target: { value: " AC00000000000000000000000000000002 " } });
    await fireEvent.input(screen.getByTestId("account-secret"), { target: { value: "tok-secret" } });
    await fireEvent.click(screen.getByTestId("account-add"));
    await wait();
    expect(client.addAccount).toHaveBeenCalledWith("org-1", {
      provider: "twilio",
      kind: "secret",
      accountId: "AC00000000000000000000000000000002",
      identifier: null,
      secret: "tok-secret",
      label: null,
    });
    expect((screen.getByTestId("account-secret") as HTMLInputElement).value).toBe("");
    expect(client.listAccounts).toHaveBeenCalledTimes(2);
  });

  it("asks Bandwidth for its client id and labels the fields per provider", async () => {
    const client = open();
    await wait();
    await fireEvent.change(screen.getByTestId("account-provider"), { target: { value: "bandwidth" } });
    expect(screen.getByLabelText("Client secret")).toBeTruthy();
    expect((screen.getByTestId("account-kind") as HTMLSelectElement).value).toBe("bandwidthOAuth2");
    await fireEvent.input(screen.getByTestId("account-id"), { target: { value: "9900001" } });
    await fireEvent.input(screen.getByTestId("account-secret"), { target: { value: "s" } });
    expect((screen.getByTestId("account-add") as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(screen.getByTestId("account-identifier"), { target: { value: "cid" } });
    expect((screen.getByTestId("account-add") as HTMLButtonElement).disabled).toBe(false);
    await fireEvent.click(screen.getByTestId("account-add"));
    await wait();
    expect(client.addAccount).toHaveBeenCalledWith(
      "org-1",
      expect.objectContaining({ provider: "bandwidth", kind: "bandwidthOAuth2", identifier: "cid", secret: "s" }),
    );
  });

  it("offers every kind the CLI does and checks the API key SID inline", async () => {
    const client = open();
    await wait();
    const kinds = [...(screen.getByTestId("account-kind") as HTMLSelectElement).options].map((o) => o.value);
    expect(kinds).toEqual(["secret", "twilioApiKey", "signalWire"]);
    await fireEvent.change(screen.getByTestId("account-kind"), { target: { value: "twilioApiKey" } });
    expect(screen.getByLabelText("API key SID")).toBeTruthy();
    expect(screen.getByLabelText("API key secret")).toBeTruthy();
    await fireEvent.input(screen.getByTestId("account-id"), { target: { value: "AC00000000000000000000000000000001" } });
    await fireEvent.input(screen.getByTestId("account-identifier"), { target: { value: "AC0000" } });
    await fireEvent.input(screen.getByTestId("account-secret"), { target: { value: "key-secret" } });
    await wait(200);
    expect(client.checkAccount).toHaveBeenLastCalledWith(expect.objectContaining({ kind: "twilioApiKey", identifier: "AC0000" }));
    expect(screen.getByTestId("account-identifier-problem").textContent).toMatch(/SK…/);
    expect(screen.getByTestId("account-identifier").getAttribute("aria-invalid")).toBe("true");
    expect((screen.getByTestId("account-add") as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(screen.getByTestId("account-identifier"), { target: { value: "SK00000000000000000000000000000001" } });
    await wait(200);
    expect(screen.queryByTestId("account-identifier-problem")).toBeNull();
    await fireEvent.click(screen.getByTestId("account-add"));
    await wait();
    expect(client.addAccount).toHaveBeenCalledWith("org-1", {
      provider: "twilio",
      kind: "twilioApiKey",
      accountId: "AC00000000000000000000000000000001",
      identifier: "SK00000000000000000000000000000001",
      secret: "key-secret",
      label: null,
    });
    expect((screen.getByTestId("account-secret") as HTMLInputElement).value).toBe("");
  });

  it("removes an account only after a confirmation naming it", async () => {
    const client = mockClient(0);
    client.listAccounts = vi.fn(async () => [{ ...TWILIO_ACCOUNT, label: "Sales", numbers: 3 }]);
    open(client);
    await wait();
    await fireEvent.click(screen.getByTestId("account-remove"));
    const dialog = screen.getByTestId("account-remove-dialog");
    expect(dialog.textContent).toMatch(/Remove Twilio account AC00000000000000000000000000000001 \(Sales\)\?/);
    expect(dialog.textContent).toMatch(/3 numbers of this organization still reference it/);
    await fireEvent.click(screen.getByTestId("account-remove-cancel"));
    expect(screen.queryByTestId("account-remove-dialog")).toBeNull();
    expect(client.removeAccount).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId("account-remove"));
    await fireEvent.click(screen.getByTestId("account-remove-confirm"));
    await wait();
    expect(client.removeAccount).toHaveBeenCalledWith("org-1", "twilio", "AC00000000000000000000000000000001");
    expect(screen.queryByTestId("account-remove-dialog")).toBeNull();
    expect(client.listAccounts).toHaveBeenCalledTimes(2);
  });

  it("clears the secret and shows the reason when adding fails", async () => {
    const client = mockClient(0);
    client.addAccount = vi.fn(async () => {
      throw new ClientError("VaultUnavailable", "Secret Service is unavailable: no session bus. Start one");
    });
    open(client);
    await wait();
    await fireEvent.input(screen.getByTestId("account-id"), { target: { value: "AC00000000000000000000000000000002" } });
    await fireEvent.input(screen.getByTestId("account-secret"), { target: { value: "tok" } });
    await fireEvent.click(screen.getByTestId("account-add"));
    await wait();
    expect(screen.getByRole("alert").textContent).toMatch(/Secret Service is unavailable/);
    expect((screen.getByTestId("account-secret") as HTMLInputElement).value).toBe("");
  });

  it("verifies an account and shows a network failure as such", async () => {
    const client = mockClient(0);
    client.verifyAccount = vi.fn(async (_o, provider, accountId) => ({
      provider,
      accountId,
      outcome: "unreachable" as const,
      message: "Twilio could not be reached (a network failure, not a credential failure: nothing was changed)",
      accountName: null,
      numbersUpdated: 0,
      checkedAt: "2026-01-03T00:00:00Z",
    }));
    open(client);
    await wait();
    await fireEvent.click(screen.getByTestId("account-verify"));
    await wait();
    const status = screen.getByTestId("account-status");
    expect(status.dataset.outcome).toBe("unreachable");
    expect(status.textContent).toMatch(/network/);
  });
});

describe("ProviderAccounts readiness", () => {
  /** Checks the account's readiness, the refresh finding one number moving away (`isNew`: not
   * under the alarm before); the toasts shown, and the client. */
  async function checkFindingAnAlarm(isNew: boolean) {
    const { toasts } = await import("../lib/toasts.svelte");
    toasts.items = [];
    const client = mockClient(0);
    client.refreshReadiness = vi.fn(async () => ({
      checked: 2,
      changed: 2,
      states: { ready: 1, blocked: 1 },
      alarms: [{ id: "n1", phoneNumber: "+14155550101", readiness: { state: "blocked" as const, items: [], alarm: true, checkedAt: null }, new: isNew }],
      elsewhere: [],
      requests: 3,
    }));
    open(client);
    await wait();
    await fireEvent.click(screen.getByTestId("account-readiness"));
    await wait();
    return { messages: toasts.items.map((t) => `${t.kind}: ${t.message}`), client };
  }

  it("checks an account's readiness, says what it found, and recalls an alarm already told", async () => {
    const { messages, client } = await checkFindingAnAlarm(false);
    expect(client.refreshReadiness).toHaveBeenCalledWith("org-1", "twilio", TWILIO_ACCOUNT.accountId);
    expect(messages).toContain("info: 2 number(s) checked: 1 ready, 1 blocked; 2 changed.");
    expect(messages.some((m) => m.startsWith("error: A number is being ported away: +14155550101"))).toBe(true);
  });

  it("leaves a new alarm to the backend's alert (its notification and toast), not a second toast", async () => {
    const { messages } = await checkFindingAnAlarm(true);
    expect(messages).toContain("info: 2 number(s) checked: 1 ready, 1 blocked; 2 changed.");
    expect(messages.filter((m) => m.startsWith("error:"))).toEqual([]);
  });
});
