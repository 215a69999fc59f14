// Readiness as the app shows it: read from a number's metadata (where ops keeps it), and the
// words for its states, items and a refresh's report.

import type {
  PhoneNumber,
  Provider,
  Readiness,
  ReadinessItem,
  ReadinessKind,
  ReadinessLevel,
  ReadinessState,
  Refreshed,
} from "./client";
import { when } from "./format";

const STATES: ReadinessState[] = ["ready", "attention", "blocked"];

/** The readiness states, in the order the filter lists them. */
export const READINESS_STATES: readonly ReadinessState[] = STATES;
const LEVELS: ReadinessLevel[] = ["ok", "attention", "blocked"];

/** The providers whose readiness Switchboard reads (the others' are not read yet). */
export const READINESS_PROVIDERS: Provider[] = ["twilio", "telnyx", "bandwidth", "vonage", "plivo"];

/** Whether readiness can be refreshed for an account of `provider`. */
export function readinessAvailable(provider: Provider): boolean {
  return READINESS_PROVIDERS.includes(provider);
}

function isItem(v: unknown): v is ReadinessItem {
  if (typeof v !== "object" || v === null) return false;
  const i = v as Record<string, unknown>;
  return (
    typeof i.kind === "string" &&
    LEVELS.includes(i.level as ReadinessLevel) &&
    typeof i.providerState === "string" &&
    typeof i.meaning === "string" &&
    typeof i.action === "string"
  );
}

/** The number's readiness as last refreshed, or null when it was never checked (or what is
 * kept does not read as readiness: metadata is free-form JSON, written by others too). */
export function readinessOf(n: Pick<PhoneNumber, "metadata">): Readiness | null {
  const r = n.metadata?.readiness;
  if (typeof r !== "object" || r === null) return null;
  const o = r as Record<string, unknown>;
  if (!STATES.includes(o.state as ReadinessState) || !Array.isArray(o.items)) return null;
  const items = o.items.filter(isItem).map((i) => ({ ...i, reasons: Array.isArray(i.reasons) ? i.reasons : [] }));
  return {
    state: o.state as ReadinessState,
    items,
    alarm: o.alarm === true,
    checkedAt: typeof o.checkedAt === "string" ? o.checkedAt : null,
  };
}

export function stateLabel(s: ReadinessState): string {
  return { ready: "Ready", attention: "Needs attention", blocked: "Blocked" }[s];
}

export function levelLabel(l: ReadinessLevel): string {
  return { ok: "OK", attention: "Attention", blocked: "Blocked" }[l];
}

export function kindLabel(k: ReadinessKind): string {
  return {
    number_status: "Number status",
    emergency: "Emergency calling",
    emergency_address: "Emergency address",
    address: "Required address",
    regulatory_bundle: "Regulatory bundle",
    a2p_10dlc: "A2P 10DLC campaign",
    toll_free_verification: "Toll-free verification",
    port_in: "Port-in",
    port_out: "Port-out",
    cnam: "Caller name (CNAM)",
  }[k];
}

/** A refresh's report in one sentence. */
export function refreshSummary(r: Refreshed): string {
  const states = STATES.filter((s) => (r.states[s] ?? 0) > 0).map((s) => `${r.states[s]} ${stateLabel(s).toLowerCase()}`);
  const counted = states.length > 0 ? states.join(", ") : "none";
  const elsewhere = r.elsewhere.length > 0 ? `; ${r.elsewhere.length} more being ported in` : "";
  return `${r.checked} number(s) checked: ${counted}; ${r.changed} changed${elsewhere}.`;
}

/** The alarm of a refresh, or null when no number is moving away. */
export function alarmMessage(r: Refreshed): string | null {
  if (r.alarms.length === 0) return null;
  const numbers = r.alarms.map((a) => a.phoneNumber).join(", ");
  return `${r.alarms.length === 1 ? "A number is" : `${r.alarms.length} numbers are`} being ported away: ${numbers}. If nobody asked for it, contact the provider at once.`;
}

/** How the numbers table's Readiness column shows a number: a word (never colour alone), the
 * badge's class, and a title with what lies behind it. */
export interface ReadinessBadge {
  label: string;
  tone: ReadinessState | "alarm" | "unchecked";
  title: string;
}

const BADGE_WORDS: Record<ReadinessState, string> = { ready: "Ready", attention: "Attention", blocked: "Blocked" };

export function readinessBadge(n: Pick<PhoneNumber, "metadata">): ReadinessBadge {
  const r = readinessOf(n);
  if (!r) return { label: "Not checked", tone: "unchecked", title: "Readiness was never checked: check it from the number's provider account." };
  const worst = r.items.find((i) => i.level !== "ok");
  const checked = r.checkedAt ? ` Checked ${when(r.checkedAt)}.` : "";
  const why = worst ? ` ${kindLabel(worst.kind)}: ${worst.meaning}` : "";
  if (r.alarm) {
    return { label: "Port-out alarm", tone: "alarm", title: `${stateLabel(r.state)}: the number is being ported away, or was.${why}${checked}` };
  }
  return { label: BADGE_WORDS[r.state], tone: r.state, title: `${stateLabel(r.state)}.${why}${checked}` };
}
