import { describe, expect, it, vi } from "vitest";
import { AccountForm, CREDENTIAL_KINDS, fieldLabels, lowerFirst } from "./accountForm.svelte";
import { mockClient } from "../test/mockClient";
import { ClientError } from "./client";

const wait = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe("the add-account form", () => {
  it("offers each provider's kinds, the main one first, as the CLI does", () => {
    expect(CREDENTIAL_KINDS.twilio).toEqual(["secret", "twilioApiKey", "signalWire"]);
    expect(CREDENTIAL_KINDS.bandwidth).toEqual(["bandwidthOAuth2", "bandwidthBasic"]);
    for (const p of ["vonage", "telnyx", "plivo"] as const) expect(CREDENTIAL_KINDS[p]).toEqual(["secret"]);
    expect(fieldLabels("twilio", "signalWire")).toMatchObject({ accountId: "Project ID", secret: "API token", identifier: { label: "SignalWire space" } });
    expect(fieldLabels("bandwidth", "bandwidthBasic").secret).toBe("API user password");
    expect(fieldLabels("vonage", "secret")).toMatchObject({ accountId: "API key", secret: "API secret", identifier: null });
  });

  it("names a field inside a sentence without lower-casing acronyms", () => {
    expect(lowerFirst("Auth token")).toBe("auth token");
    expect(lowerFirst("API key secret")).toBe("API key secret");
    expect(lowerFirst("CLIENT_ID:CLIENT_SECRET")).toBe("CLIENT_ID:CLIENT_SECRET");
  });

  it("switching provider picks its main kind and forgets the identifier", () => {
    const f = new AccountForm(mockClient(0), 0);
    f.setKind("twilioApiKey");
    f.identifier = "SK1";
    f.setProvider("bandwidth");
    expect(f.kind).toBe("bandwidthOAuth2");
    expect(f.identifier).toBe("");
    expect(f.labels.identifier?.label).toBe("OAuth2 client ID");
  });

  it("is complete only with every required field and no problem", async () => {
    const f = new AccountForm(mockClient(0), 0);
    f.setKind("twilioApiKey");
    f.accountId = "AC00000000000000000000000000000001";
    f.secret = "s";
    expect(f.complete).toBe(false);
    f.identifier = "AC9";
    await f.check();
    expect(f.problem("identifier")).toMatch(/SK…/);
    expect(f.complete).toBe(false);
    f.identifier = "SK00000000000000000000000000000001";
    await f.check();
    expect(f.problems).toEqual([]);
    expect(f.complete).toBe(true);
    expect(f.toNewAccount()).toEqual({
      provider: "twilio",
      kind: "twilioApiKey",
      accountId: "AC00000000000000000000000000000001",
      identifier: "SK00000000000000000000000000000001",
      secret: "s",
      label: null,
    });
    // The plain secret kind sends no identifier, whatever was typed before.
    f.setKind("secret");
    expect(f.toNewAccount().identifier).toBeNull();
  });

  it("never sends the secret for checking and drops a stale answer", async () => {
    const client = mockClient(0);
    let release: (v: never[]) => void = () => {};
    client.checkAccount = vi
      .fn()
      .mockImplementationOnce(() => new Promise((r) => (release = r)))
      .mockResolvedValueOnce([{ field: "accountId", message: "invalid account id: newer" }]);
    const f = new AccountForm(client, 0);
    f.secret = "do-not-send";
    f.accountId = "first";
    const first = f.check();
    f.accountId = "second";
    await f.check();
    release([]);
    await first;
    expect(f.problem("accountId")).toBe("invalid account id: newer");
    for (const [draft] of (client.checkAccount as ReturnType<typeof vi.fn>).mock.calls) {
      expect(JSON.stringify(draft)).not.toContain("do-not-send");
    }
  });

  it("debounces checks while typing and reports a failed check", async () => {
    const client = mockClient(0);
    client.checkAccount = vi.fn(async () => {
      throw new ClientError("Internal", "backend gone");
    });
    const f = new AccountForm(client, 20);
    f.changed();
    f.changed();
    f.changed();
    await wait(60);
    expect(client.checkAccount).toHaveBeenCalledTimes(1);
    expect(f.checkError).toBe("backend gone");
  });

  it("clears the secret after every attempt, the rest only once added", () => {
    const f = new AccountForm(mockClient(0), 0);
    f.accountId = "AC1";
    f.secret = "s";
    f.label = "L";
    f.clear(false);
    expect([f.accountId, f.secret, f.label]).toEqual(["AC1", "", "L"]);
    f.clear(true);
    expect([f.accountId, f.label]).toEqual(["", ""]);
  });
});
