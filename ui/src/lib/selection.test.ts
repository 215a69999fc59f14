import { describe, expect, it } from "vitest";
import { toggled } from "./selection";

const rows = ["a", "b", "c", "d", "e"];

describe("toggled", () => {
  it("toggles one row without Shift", () => {
    expect([...toggled(new Set(), rows, "c", "a", false)]).toEqual(["c"]);
    expect([...toggled(new Set(["c", "d"]), rows, "c", "a", false)]).toEqual(["d"]);
  });

  it("selects the range from the anchor to the clicked row with Shift, either way", () => {
    expect([...toggled(new Set(["b"]), rows, "d", "b", true)].sort()).toEqual(["b", "c", "d"]);
    expect([...toggled(new Set(["d"]), rows, "a", "d", true)].sort()).toEqual(["a", "b", "c", "d"]);
  });

  it("clears the range when the clicked row was selected", () => {
    expect([...toggled(new Set(rows), rows, "b", "d", true)].sort()).toEqual(["a", "e"]);
  });

  it("toggles only the row when there is no anchor or it is no longer loaded", () => {
    expect([...toggled(new Set(), rows, "c", null, true)]).toEqual(["c"]);
    expect([...toggled(new Set(), rows, "c", "zz", true)]).toEqual(["c"]);
  });
});
