import { describe, expect, it } from "vitest";
import { ClientError, events, toClientError } from "./client";
import { capabilityList, count, countryName, numberTypeLabel } from "./format";
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
  });

  it("has a title for every error code", () => {
    for (const code of ["InvalidNumber", "InvalidInput", "Duplicate", "NotFound", "NotAllowed", "Storage", "Offline", "VaultUnavailable", "Settings", "Cancelled", "Internal"]) {
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
