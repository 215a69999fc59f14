import { describe, expect, it } from "vitest";
import { accountKey, removalSummary, reportSummary, sharedWords, verificationLabel, webhookUrlProblem } from "./providers";
import { fieldLabels } from "./accountForm.svelte";

describe("provider display helpers", () => {
  it("names each provider's account id and secret as the CLI asks for them", () => {
    expect(fieldLabels("twilio", "secret")).toMatchObject({ accountId: "Account SID", secret: "Auth token", identifier: null });
    expect(fieldLabels("bandwidth", "bandwidthOAuth2").secret).toBe("Client secret");
    expect(accountKey({ provider: "plivo", accountId: "MA1" })).toBe("plivo:MA1");
  });

  it("says what removing an account did, naming the numbers still referencing it", () => {
    const gone = removalSummary({ provider: "twilio", accountId: "AC1", secretRemoved: true, wasAdded: true, numbersStillReferencing: 0, numbers: [] });
    expect(gone).toBe("Removed Twilio account AC1: its secret was deleted from this device's credential vault.");
    const left = removalSummary({ provider: "twilio", accountId: "AC1", secretRemoved: false, wasAdded: false, numbersStillReferencing: 12, numbers: ["+14155550100", "+14155550101"] });
    expect(left).toMatch(/held no secret/);
    expect(left).toMatch(/12 number\(s\) still reference it \(\+14155550100, \+14155550101 and 10 more\)/);
  });

  it("tells a network failure apart from refused credentials", () => {
    expect(verificationLabel("unreachable")).toMatch(/network/);
    expect(verificationLabel("refused")).toMatch(/refused/);
  });

  it("checks webhook URLs as typed", () => {
    expect(webhookUrlProblem("")).toMatch(/Enter/);
    expect(webhookUrlProblem("ftp://x")).toMatch(/https/);
    expect(webhookUrlProblem("https://a b")).toMatch(/spaces/);
    expect(webhookUrlProblem(" https://platform.example/voice ")).toBeNull();
  });

  it("summarizes a report", () => {
    expect(reportSummary({ outcomes: [], succeeded: 3, inSync: 0, failed: 1, cancelled: true })).toBe("3 done, 1 not done (cancelled before the end)");
    expect(reportSummary({ outcomes: [], succeeded: 1, inSync: 2, failed: 0, cancelled: false })).toBe("1 done, 2 already in sync");
  });

  it("says how many numbers share an object, as the CLI does", () => {
    expect(sharedWords(1)).toBe("this number only");
    expect(sharedWords(12)).toBe("shared by 12 numbers");
    expect(sharedWords(null)).toBe("shared by an unknown number of numbers");
  });
});
