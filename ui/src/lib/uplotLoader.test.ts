import { afterEach, describe, expect, it, vi } from "vitest";

const own = () => Object.getOwnPropertyDescriptor(navigator, "language");
afterEach(() => {
  // Back to jsdom's own language (a getter on Navigator.prototype).
  if (own()) delete (navigator as { language?: string }).language;
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  vi.resetModules();
});

/** navigator.language as WebKitGTK reports it under the C.UTF-8 locale. */
function cLocale(languages: string[] = ["c"]) {
  Object.defineProperty(navigator, "language", { value: "c", configurable: true });
  vi.spyOn(navigator, "languages", "get").mockReturnValue(languages);
}

describe("usableLanguage", () => {
  it("keeps a language Intl accepts", async () => {
    const { usableLanguage } = await import("./uplotLoader");
    const before = navigator.language;
    expect(usableLanguage()).toBe(before);
    expect(own()).toBeUndefined();
  });

  it("replaces one Intl refuses by the first accepted of navigator.languages, else en-US", async () => {
    const { usableLanguage } = await import("./uplotLoader");
    cLocale(["c", "fr-FR", "de"]);
    expect(usableLanguage()).toBe("fr-FR");
    expect(navigator.language).toBe("fr-FR");
    cLocale(["c"]);
    expect(usableLanguage()).toBe("en-US");
    expect(navigator.language).toBe("en-US");
  });
});

describe("loadUPlot", () => {
  it("loads the real uPlot where the webview reports the language c", async () => {
    // jsdom has no matchMedia, which uPlot's module uses to follow the pixel ratio.
    vi.stubGlobal("matchMedia", () => ({ matches: false, addEventListener() {}, removeEventListener() {} }));
    // Without the replacement, uPlot's module fails to load: RangeError (Intl refuses "c").
    cLocale();
    const { loadUPlot } = await import("./uplotLoader");
    const uPlot = await loadUPlot();
    expect(typeof uPlot).toBe("function");
    expect(typeof uPlot.fmtNum).toBe("function");
  });
});
