/** Display helpers of the provider features: pure functions, unit-tested. */
import type { AccountRemoval, DriftState, NumberResult, PlannedState, ProviderAccount, ProviderReport, VerifyOutcome } from "./client";
import { providerLabel } from "./format";

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
    case "inSync":
      return "Already in sync";
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

/** A number's state in a bulk webhook plan, in ops' words (`PlannedState::words`, the CLI's). */
export function plannedLabel(s: PlannedState): string {
  switch (s) {
    case "changes":
      return "changes";
    case "inSync":
      return "already in sync";
    case "refused":
      return "refused";
  }
}

/** "28 done, 1 already in sync, 2 not done (cancelled)" for a toast. */
export function reportSummary(r: ProviderReport): string {
  const parts = [`${r.succeeded} done`];
  if (r.inSync) parts.push(`${r.inSync} ${plannedLabel("inSync")}`);
  if (r.failed) parts.push(`${r.failed} not done`);
  return parts.join(", ") + (r.cancelled ? " (cancelled before the end)" : "");
}

/** How many numbers share an object, in words (as ops' `webhooks::shared_words`, the CLI's):
 * "this number only", "shared by 12 numbers", or unknown (null). */
export function sharedWords(sharedBy: number | null): string {
  if (sharedBy === null) return "shared by an unknown number of numbers";
  return sharedBy === 1 ? "this number only" : `shared by ${sharedBy} numbers`;
}

/** Checks a webhook URL as typed: null when usable, else why not. The backend checks again. */
export function webhookUrlProblem(url: string): string | null {
  const u = url.trim();
  if (!u) return "Enter a URL.";
  if (!/^https?:\/\//.test(u)) return "Must start with https:// (or http://).";
  if (/\s/.test(u)) return "Must not contain spaces.";
  return null;
}

/** What removing an account did, for a toast. */
export function removalSummary(r: AccountRemoval): string {
  const what = `${providerLabel(r.provider)} account ${r.accountId}`;
  const secret = r.secretRemoved ? "its secret was deleted from this device's credential vault" : "this device's credential vault held no secret for it";
  let text = `Removed ${what}: ${secret}.`;
  if (r.numbersStillReferencing > 0) {
    const more = r.numbersStillReferencing - r.numbers.length;
    text += ` ${r.numbersStillReferencing} number(s) still reference it (${r.numbers.join(", ")}${more > 0 ? ` and ${more} more` : ""}); add the account again to reach ${providerLabel(r.provider)} for them.`;
  }
  return text;
}
