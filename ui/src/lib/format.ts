/**
 * Display helpers: pure functions, unit-tested.
 *
 * They avoid `Intl` and `toLocale*String` on the paths every screen takes (the table's rows, the
 * filters, the count): in WebKit the first use of those loads ICU's locale data (region names,
 * calendars, time zones), about 7 MB that the web process then keeps for its life. Names of the
 * countries the app offers (every region libphonenumber knows) are spelled in ./countries.ts;
 * other codes fall back to `Intl.DisplayNames`, created on first use. Times are shown in local time, formatted by hand.
 */
import type { Capabilities, Capability, NumberType, PhoneNumber, Provider, Status } from "./client";

import { COUNTRY_NAMES } from "./countries";

export { COUNTRY_NAMES };

let regionNames: Intl.DisplayNames | undefined;

/** "US" → "United States"; unknown or null → "International". */
export function countryName(code: string | null): string {
  if (!code) return "International";
  const known = COUNTRY_NAMES[code];
  if (known) return known;
  try {
    regionNames ??= new Intl.DisplayNames(["en"], { type: "region" });
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
}

/**
 * Countries offered by the country filter and the add and buy dialogs' lists: every region
 * libphonenumber knows, by name.
 */
export const COUNTRIES: readonly string[] = Object.keys(COUNTRY_NAMES);

/**
 * Every value of a union generated from Rust (`Provider`, `Status`, …), in the order written:
 * a `Record` over the union, so leaving a value out is a type error (`npm run check`), and
 * `lists.test.ts` compares each list with bindings.ts.
 */
function every<T extends string>(values: Record<T, unknown>): T[] {
  return Object.keys(values) as T[];
}

/** Each provider's name as shown; its keys are the providers the app offers. */
const PROVIDER_LABELS: Record<Provider, string> = {
  twilio: "Twilio",
  vonage: "Vonage",
  telnyx: "Telnyx",
  bandwidth: "Bandwidth",
  plivo: "Plivo",
};

export const PROVIDERS = every(PROVIDER_LABELS);
export const STATUSES = every<Status>({ active: true, inactive: true, error: true });
export const CAPABILITIES = every<Capability>({ voice: true, sms: true, mms: true, fax: true });
export const NUMBER_TYPES = every<NumberType>({
  fixed_line: true,
  mobile: true,
  fixed_line_or_mobile: true,
  toll_free: true,
  premium_rate: true,
  shared_cost: true,
  voip: true,
  personal_number: true,
  uan: true,
  pager: true,
  voicemail: true,
  unknown: true,
});

export function providerLabel(p: string): string {
  return PROVIDER_LABELS[p as Provider] ?? p;
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
  const on = CAPABILITIES.filter((k) => c[k]).map(capabilityLabel);
  return on.length ? on.join(" · ") : "—";
}

const pad = (n: number) => String(n).padStart(2, "0");

/** A timestamp's local date, "2026-11-27"; unparseable text is returned as it is. */
export function day(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A timestamp in local time, "2026-11-27 14:05", or "never". */
export function when(iso: string | null): string {
  if (!iso) return "never";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${day(iso)} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "1234567" → "1,234,567". */
export function count(n: number | null): string {
  if (n === null) return "…";
  const [whole, fraction] = String(n).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** The label a number goes by in messages: its name, else its display form. */
export function numberLabel(n: PhoneNumber): string {
  return n.friendlyName ? `${n.friendlyName} (${n.display})` : n.display;
}
