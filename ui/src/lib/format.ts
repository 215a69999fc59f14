/** Display helpers: pure functions, unit-tested. */
import type { Capabilities, PhoneNumber } from "./client";

const regionNames = (() => {
  try {
    return new Intl.DisplayNames(["en"], { type: "region" });
  } catch {
    return null;
  }
})();

/** "US" → "United States"; unknown or null → "International". */
export function countryName(code: string | null): string {
  if (!code) return "International";
  try {
    return regionNames?.of(code) ?? code;
  } catch {
    return code;
  }
}

/** Countries offered by the country filter and the add dialog's region list. */
export const COUNTRIES = ["US", "CA", "GB", "DE", "FR", "NL", "ES", "IT", "AU", "JP", "BR", "MX", "IN"];

export const PROVIDERS = ["twilio", "vonage", "telnyx", "bandwidth", "plivo"] as const;
export const STATUSES = ["active", "inactive", "error"] as const;
export const CAPABILITIES = ["voice", "sms", "mms", "fax"] as const;

const PROVIDER_LABELS: Record<string, string> = {
  twilio: "Twilio",
  vonage: "Vonage",
  telnyx: "Telnyx",
  bandwidth: "Bandwidth",
  plivo: "Plivo",
};

export function providerLabel(p: string): string {
  return PROVIDER_LABELS[p] ?? p;
}

export function capabilityLabel(c: string): string {
  return c === "sms" || c === "mms" ? c.toUpperCase() : c.charAt(0).toUpperCase() + c.slice(1);
}

/** "fixed_line_or_mobile" → "Fixed line or mobile". */
export function numberTypeLabel(t: string): string {
  const s = t.replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Short capability list for a table cell, e.g. "Voice · SMS". */
export function capabilityList(c: Capabilities): string {
  const on = (["voice", "sms", "mms", "fax"] as const).filter((k) => c[k]).map(capabilityLabel);
  return on.length ? on.join(" · ") : "—";
}

/** A timestamp in the user's locale, or "never". */
export function when(iso: string | null): string {
  if (!iso) return "never";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** "1234567" → "1,234,567". */
export function count(n: number | null): string {
  return n === null ? "…" : n.toLocaleString("en-US");
}

/** The label a number goes by in messages: its name, else its display form. */
export function numberLabel(n: PhoneNumber): string {
  return n.friendlyName ? `${n.friendlyName} (${n.display})` : n.display;
}
