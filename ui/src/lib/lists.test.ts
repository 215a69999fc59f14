/**
 * The UI's own lists of providers, statuses and capabilities are the unions generated from
 * Rust (bindings.ts, drift-checked by `cargo test -p switchboard-app`), so a provider or status
 * added in Rust shows in every picker and filter. The type check (`npm run check`) already
 * refuses a list that leaves a value out; this test also catches one that adds or misspells
 * a value, and runs with `npm test`.
 */
import { describe, expect, it } from "vitest";
import bindings from "./generated/bindings.ts?raw";
import { CAPABILITIES, NUMBER_TYPES, PROVIDERS, STATUSES, providerLabel } from "./format";
import { COLUMNS } from "./views";
import { CREDENTIAL_KINDS, fieldLabels } from "./accountForm.svelte";

/** The values of `export type Name = "a" | "b" | …;` in bindings.ts. */
function union(name: string): string[] {
  const found = new RegExp(`export type ${name} = ((?:"[^"]*"(?: \\| )?)+);`).exec(bindings);
  if (!found) throw new Error(`bindings.ts has no string union ${name}`);
  return [...found[1].matchAll(/"([^"]*)"/g)].map((m) => m[1]);
}

describe("the UI's lists are the generated unions", () => {
  it("offers every provider, status and capability Rust knows, in Rust's order", () => {
    expect(PROVIDERS).toEqual(union("Provider"));
    expect(STATUSES).toEqual(union("Status"));
    expect(CAPABILITIES).toEqual(union("Capability"));
    expect(NUMBER_TYPES).toEqual(union("NumberType"));
    expect(COLUMNS).toEqual(union("Column"));
  });

  it("names every provider and its credential kinds", () => {
    expect(Object.keys(CREDENTIAL_KINDS)).toEqual(union("Provider"));
    const kinds = union("CredentialKind");
    for (const p of PROVIDERS) {
      expect(providerLabel(p)).not.toBe(p);
      expect(CREDENTIAL_KINDS[p].length).toBeGreaterThan(0);
      for (const kind of CREDENTIAL_KINDS[p]) {
        expect(kinds).toContain(kind);
        expect(fieldLabels(p, kind).accountId).not.toBe("");
      }
    }
  });

  it("reads a union from bindings.ts, and says when there is none", () => {
    expect(union("Status")).toEqual(["active", "inactive", "error"]);
    expect(() => union("NoSuchUnion")).toThrow(/no string union NoSuchUnion/);
  });
});
