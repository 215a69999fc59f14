// A stand-in for uPlot, which draws on a canvas jsdom lacks: a test mocks "uplot" with this
// module (`vi.mock("uplot", () => import("../test/uplot"))`) and checks each chart through
// what it was handed, in `charts`.

/** What a chart was handed. */
export interface Drawn {
  opts: { height: number; series: { label?: string; scale?: string }[] };
  data: number[][];
}

/** Every chart made since the array was last emptied. */
export const charts: Drawn[] = [];

export default class {
  constructor(opts: Drawn["opts"], data: number[][]) {
    charts.push({ opts, data });
  }
  destroy() {}
}
