import { describe, expect, it } from "vitest";
import { ClientError, events, toClientError } from "./client";
import { REGIONS } from "./generated/regions";
import { COUNTRIES, COUNTRY_NAMES, capabilityList, count, countryName, day, numberTypeLabel, when } from "./format";
import { nearEnd, visibleRange } from "./virtual";
import { ERROR_TITLES } from "./toasts.svelte";

describe("client", () => {
  it("turns the backend's {code, message} into a ClientError", () => {
    const e = toClientError({ code: "Duplicate", message: "+14155551234 already exists in demo" });
    expect(e).toBeInstanceOf(ClientError);
    expect(e.code).toBe("Duplicate");
    expect(e.message).toBe("+14155551234 already exists in demo");
    expect(toClientError("Command x not allowed").code).toBe("Internal");
  });

  it("names events by namespace", () => {
    expect(events.numbersChanged("o1")).toBe("numbers://o1/changed");
    // As src-tauri's events::usage_changed_event names it.
    expect(events.usageChanged("o1")).toBe("usage://o1/changed");
  });

  it("has a title for every error code", () => {
    for (const code of ["InvalidNumber", "InvalidInput", "Duplicate", "NotFound", "NotAllowed", "Storage", "Offline", "VaultUnavailable", "Settings", "Cancelled", "Internal", "Busy"]) {
      expect(ERROR_TITLES[code]).toBeTruthy();
    }
  });
});

describe("format", () => {
  it("formats for display", () => {
    expect(countryName("US")).toBe("United States");
    expect(countryName(null)).toBe("International");
    expect(numberTypeLabel("toll_free")).toBe("Toll free");
    expect(capabilityList({ voice: true, sms: true, mms: false, fax: false })).toBe("Voice · SMS");
    expect(capabilityList({ voice: false, sms: false, mms: false, fax: false })).toBe("—");
    expect(count(1234567)).toBe("1,234,567");
    expect(count(null)).toBe("…");
    expect(count(0)).toBe("0");
    expect(count(999)).toBe("999");
    expect(count(1000)).toBe("1,000");
    expect(count(100000)).toBe("100,000");
  });

  it("spells the offered countries as Intl does, and asks Intl for the others", () => {
    const intl = new Intl.DisplayNames(["en"], { type: "region" });
    for (const [code, name] of Object.entries(COUNTRY_NAMES)) expect(name).toBe(intl.of(code));
    expect(countryName("CH")).toBe("Switzerland");
    expect(countryName("ZZZ")).toBe("ZZZ");
  });

  it("offers every region libphonenumber knows, each spelled, by name", () => {
    expect(REGIONS.length).toBeGreaterThan(200);
    expect(Object.keys(COUNTRY_NAMES).sort()).toEqual([...REGIONS].sort());
    expect([...COUNTRIES].sort()).toEqual([...REGIONS].sort());
    for (const c of ["NG", "NZ", "CH", "KR", "ZA", "AR"]) expect(COUNTRIES).toContain(c);
    const names = COUNTRIES.map(countryName);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, "en")));
  });

  it("shows times in local time without Intl", () => {
    const d = new Date(2026, 10, 7, 9, 5, 30);
    expect(day(d.toISOString())).toBe("2026-11-07");
    expect(when(d.toISOString())).toBe("2026-11-07 09:05");
    expect(when(null)).toBe("never");
    expect(day("not a date")).toBe("not a date");
    expect(when("not a date")).toBe("not a date");
  });
});

describe("virtual", () => {
  it("renders only what is visible, with overscan", () => {
    expect(visibleRange(0, 400, 40, 1_000_000, 5)).toEqual({ start: 0, end: 15 });
    expect(visibleRange(40_000, 400, 40, 1_000_000, 5)).toEqual({ start: 995, end: 1015 });
    expect(visibleRange(40_000, 400, 40, 10, 5)).toEqual({ start: 995, end: 995 });
  });
  it("asks for more near the end", () => {
    expect(nearEnd(580, 600)).toBe(true);
    expect(nearEnd(100, 600)).toBe(false);
  });
});
