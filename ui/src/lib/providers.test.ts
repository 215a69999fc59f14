import { describe, expect, it } from "vitest";
import { ACCOUNT_FIELDS, accountKey, reportSummary, verificationLabel, webhookUrlProblem } from "./providers";

describe("provider display helpers", () => {
  it("names each provider's account id and secret as the CLI asks for them", () => {
    expect(ACCOUNT_FIELDS.twilio).toMatchObject({ accountId: "Account SID", secret: "Auth token" });
    expect(ACCOUNT_FIELDS.bandwidth.secret).toBe("Client secret");
    expect(accountKey({ provider: "plivo", accountId: "MA1" })).toBe("plivo:MA1");
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
    expect(reportSummary({ outcomes: [], succeeded: 3, failed: 1, cancelled: true })).toBe("3 done, 1 not done (cancelled before the end)");
  });
});
