/**
 * uPlot, loaded on first use by the charts.
 *
 * uPlot makes an `Intl.NumberFormat` of `navigator.language` while its module loads. WebKitGTK,
 * the webview on Linux, reports the language "c" under the C or C.UTF-8 locale (minimal and
 * container installs, CI), which `Intl` refuses with a RangeError: the module then stops half
 * loaded, and every chart after fails on a variable it never reached. Before the load, a
 * language `Intl` refuses is replaced, for this page, by the first of `navigator.languages`
 * that `Intl` accepts, else "en-US" (the fallback WebKit itself uses for the bare C locale).
 */
import type uPlotType from "uplot";

/** Whether `Intl` accepts `tag` as a locale. */
function accepted(tag: string | undefined): tag is string {
  if (!tag) return false;
  try {
    return Intl.getCanonicalLocales(tag).length > 0;
  } catch {
    return false;
  }
}

/** Makes `navigator.language` a locale `Intl` accepts (see the module's comment); returns it. */
export function usableLanguage(nav: Navigator = navigator): string {
  if (accepted(nav.language)) return nav.language;
  const language = (nav.languages ?? []).find(accepted) ?? "en-US";
  Object.defineProperty(nav, "language", { value: language, configurable: true });
  return language;
}

let loading: Promise<typeof uPlotType> | undefined;

/** uPlot and its style sheet, loaded once; a failed load is tried again by the next chart. */
export function loadUPlot(): Promise<typeof uPlotType> {
  usableLanguage();
  loading ??= (async () => {
    const { default: uPlot } = await import("uplot");
    await import("uplot/dist/uPlot.min.css");
    return uPlot;
  })().catch((e: unknown) => {
    loading = undefined;
    throw e;
  });
  return loading;
}
