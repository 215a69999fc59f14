import { describe, expect, it, vi } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {
    onmessage: ((m: unknown) => void) | null = null;
  },
}));
vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn(async () => () => {}) }));

const { client, ClientError } = await import("./client");
const { commands } = await import("./generated/commands");

describe("the real client", () => {
  it("calls commands by their Rust names with camelCase arguments", async () => {
    invoke.mockResolvedValueOnce({ items: [], next: null });
    const query = {
      filter: { organizationId: "o", search: "415", provider: null, status: null, agent: null, capabilities: [], country: null, numberType: null },
      sort: "number" as const,
      descending: false,
      limit: 100,
      after: null,
    };
    await client.listNumbers(query);
    expect(invoke).toHaveBeenLastCalledWith("list_numbers", { query });
    invoke.mockResolvedValueOnce({});
    await client.addNumber("o", { provider: "twilio", number: "+1", region: null, friendlyName: null, status: null, capabilities: null, agentId: null });
    expect(invoke).toHaveBeenLastCalledWith("add_number", expect.objectContaining({ organizationId: "o" }));
  });

  it("rejects with a ClientError carrying the backend's code", async () => {
    invoke.mockRejectedValueOnce({ code: "InvalidNumber", message: '"+1" is not a valid phone number (too short)' });
    const e = await client.checkNumber("+1", null).catch((x) => x);
    expect(e).toBeInstanceOf(ClientError);
    expect(e.code).toBe("InvalidNumber");
  });

  it("calls every command of src-tauri/commands.txt and no other", () => {
    const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
    const source = readFileSync(here("./client.ts"), "utf8");
    const called = new Set([...source.matchAll(/call(?:<[^>]*>)?\("([a-z_]+)"/g)].map((m) => m[1]));
    expect([...called].sort()).toEqual([...commands].sort());
  });
});
