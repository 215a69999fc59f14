// Keystroke-to-filtered-table latency in the running app (scripts/bench-app.sh): after one
// untimed pass, types queries one character at a time, like a person (a pause between keys),
// and measures, inside the page, from the input event to the frame after the table shows rows
// for that text.
// Prints one JSON line: {"samples": [...ms], "p50": …, "p95": …, "max": …}. With
// EXTRA_COLUMNS (e.g. "readiness,health"), each query is typed twice, without those columns and
// with them turned on in the column chooser (taking turns, so both see the same machine), and
// the line has a second set of figures under "with".
import { remote } from "webdriverio";

const QUERIES = (process.env.QUERIES ?? "4155,2071,0612,sup,sales,billing,support").split(",");
const EXTRA = (process.env.EXTRA_COLUMNS ?? "").split(",").filter((c) => c !== "");

const b = await remote({
  hostname: "127.0.0.1",
  port: Number(process.env.TAURI_DRIVER_PORT ?? 4444),
  logLevel: "error",
  capabilities: { "tauri:options": { application: process.env.SWITCHBOARD_APP } },
});
try {
  await b.setTimeout({ script: 300000 });
  await b.waitUntil(async () => (await b.$$('[data-testid="number-row"]')).length > 10, { timeout: 60000 });
  // Let the count and first paint settle.
  await b.pause(1500);
  const result = await b.executeAsync((queries, extra, done) => {
    const input = document.querySelector('[data-testid="search"]');
    const table = document.querySelector('[data-testid="numbers-table"]');
    const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const type = (text) => {
      input.value = text;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    };
    const shown = async (text) => {
      for (;;) {
        if (table.dataset.shownSearch === text) {
          await frame();
          return;
        }
        await new Promise((r) => setTimeout(r, 0));
      }
    };
    const click = (id) => document.querySelector(`[data-testid="${id}"]`).click();
    // The extra columns on or off, through the column chooser as a manager does it.
    const columns = async (on) => {
      click("columns-open");
      await frame();
      await frame();
      for (const c of extra) {
        const box = document.querySelector(`[data-testid="column-${c}"]`);
        if (box.checked !== on) box.click();
      }
      await frame();
      click("columns-done");
      await frame();
      await sleep(300);
    };
    const timed = async (q, samples) => {
      type("");
      await shown("");
      await sleep(300);
      for (let i = 1; i <= q.length; i++) {
        const text = q.slice(0, i);
        const t0 = performance.now();
        type(text);
        await shown(text);
        samples.push({ query: text, ms: performance.now() - t0 });
        await sleep(150);
      }
    };
    (async () => {
      // One untimed pass first: the benchmark before this one drops the page cache, and the
      // figure wanted is typing into an app that has been open a moment, not a cold disk.
      for (const q of queries) {
        for (let i = 1; i <= q.length; i++) {
          type(q.slice(0, i));
          await shown(q.slice(0, i));
        }
      }
      const without = [];
      const withExtra = [];
      for (const q of queries) {
        await timed(q, without);
        if (extra.length === 0) continue;
        await columns(true);
        await timed(q, withExtra);
        await columns(false);
      }
      done({ without, withExtra });
    })();
  }, QUERIES, EXTRA);
  const figures = (result) => {
    const ms = result.map((s) => s.ms).sort((a, b) => a - b);
    const pct = (p) => ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))];
    return {
      samples: result.map((s) => [s.query, Math.round(s.ms * 10) / 10]),
      p50: Math.round(pct(50) * 10) / 10,
      p95: Math.round(pct(95) * 10) / 10,
      max: Math.round(ms[ms.length - 1] * 10) / 10,
    };
  };
  const line = figures(result.without);
  if (EXTRA.length > 0) line.with = { columns: EXTRA, ...figures(result.withExtra) };
  console.log(JSON.stringify(line));
} finally {
  await b.deleteSession();
}
