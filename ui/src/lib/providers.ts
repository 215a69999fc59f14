/** Display helpers of the provider features: pure functions, unit-tested. */
import type { DriftState, NumberResult, Provider, ProviderAccount, ProviderReport, VerifyOutcome } from "./client";

/** What each provider calls the account id and the secret (as the CLI asks for them). */
export const ACCOUNT_FIELDS: Record<Provider, { accountId: string; secret: string; placeholder: string }> = {
  twilio: { accountId: "Account SID", secret: "Auth token", placeholder: "AC + 32 hex digits" },
  vonage: { accountId: "API key", secret: "API secret", placeholder: "e.g. a1b2c3d4" },
  telnyx: { accountId: "Account label", secret: "API key", placeholder: "a name for this key" },
  bandwidth: { accountId: "Account ID", secret: "Client secret", placeholder: "e.g. 9900001" },
  plivo: { accountId: "Auth ID", secret: "Auth token", placeholder: "MA…" },
};

/** One key per account, for lists and maps. */
export function accountKey(a: Pick<ProviderAccount, "provider" | "accountId">): string {
  return `${a.provider}:${a.accountId}`;
}

export function verificationLabel(o: VerifyOutcome): string {
  switch (o) {
    case "verified":
      return "Verified";
    case "refused":
      return "Credentials refused";
    case "unreachable":
      return "Provider unreachable (network)";
    case "failed":
      return "Not verified";
  }
}

export function resultLabel(r: NumberResult): string {
  switch (r) {
    case "ok":
      return "Done";
    case "refused":
      return "Credentials refused";
    case "failed":
      return "Failed";
    case "notStarted":
      return "Not started";
    case "skipped":
      return "Skipped";
  }
}

export function driftLabel(s: DriftState): string {
  switch (s) {
    case "inSync":
      return "In sync";
    case "notRecorded":
      return "Nothing on record";
    case "drifted":
      return "Drifted";
  }
}

/** "28 done, 2 failed (cancelled)" for a toast. */
export function reportSummary(r: ProviderReport): string {
  const parts = [`${r.succeeded} done`];
  if (r.failed) parts.push(`${r.failed} not done`);
  return parts.join(", ") + (r.cancelled ? " (cancelled before the end)" : "");
}

/** Checks a webhook URL as typed: null when usable, else why not. The backend checks again. */
export function webhookUrlProblem(url: string): string | null {
  const u = url.trim();
  if (!u) return "Enter a URL.";
  if (!/^https?:\/\//.test(u)) return "Must start with https:// (or http://).";
  if (/\s/.test(u)) return "Must not contain spaces.";
  return null;
}
