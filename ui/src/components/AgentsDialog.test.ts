import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import AgentsDialog from "./AgentsDialog.svelte";
import { mockClient, tick } from "../test/mockClient";

afterEach(cleanup);

const settle = async () => {
  for (let i = 0; i < 6; i++) await tick();
};

function setup() {
  const client = mockClient(10);
  for (const n of client.data.slice(0, 3)) n.agentId = "agent-1";
  const props = { client, organizationId: "org-1", onChanged: vi.fn(), onShowUnassigned: vi.fn(), onClose: vi.fn() };
  render(AgentsDialog, props);
  return props;
}

const rowOf = (name: string) => screen.getAllByTestId("agent-row").find((r) => r.dataset.name === name)!;

describe("AgentsDialog", () => {
  it("lists agents with their numbers and the orphan report; focus starts inside; Escape closes", async () => {
    const { onClose, onShowUnassigned } = setup();
    await settle();
    expect(screen.getByTestId("agents-dialog").contains(document.activeElement)).toBe(true);
    expect(rowOf("Ava").textContent).toContain("3");
    expect(screen.getByTestId("orphans-unassigned").textContent).toContain("7 numbers with no agent.");
    expect(screen.getByTestId("orphans-idle").textContent).toContain("Every agent has a number.");
    await fireEvent.click(screen.getByTestId("orphans-show"));
    expect(onShowUnassigned).toHaveBeenCalled();
    await fireEvent.keyDown(screen.getByTestId("agent-new"), { key: "Escape" });
    expect(onClose).toHaveBeenCalled();
  });

  it("adds and renames agents, refusing a name taken in the organization", async () => {
    const { client, onChanged } = setup();
    await settle();
    await fireEvent.input(screen.getByTestId("agent-new"), { target: { value: "Bo" } });
    await fireEvent.submit(screen.getByTestId("agent-new").closest("form")!);
    await settle();
    expect(onChanged).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("orphans-idle").textContent).toContain("Agents with no number: Bo.");

    await fireEvent.click(rowOf("Bo").querySelector('[data-testid="agent-rename"]')!);
    await fireEvent.input(screen.getByTestId("agent-rename-input"), { target: { value: "Ava" } });
    await fireEvent.click(screen.getByTestId("agent-rename-save"));
    await settle();
    expect(screen.getByTestId("agents-error").textContent).toBe('agent "Ava" already exists in demo');
    await fireEvent.input(screen.getByTestId("agent-rename-input"), { target: { value: "Bea" } });
    await fireEvent.click(screen.getByTestId("agent-rename-save"));
    await settle();
    expect(client.agents.map((a) => a.name)).toEqual(["Ava", "Bea"]);
    expect(rowOf("Bea")).toBeTruthy();
  });

  it("says how many numbers a deletion leaves unassigned, and loses none", async () => {
    const { client, onChanged } = setup();
    await settle();
    await fireEvent.click(rowOf("Ava").querySelector('[data-testid="agent-delete"]')!);
    await settle();
    expect(screen.getByTestId("agent-remove-text").textContent).toBe("Its 3 numbers will be left unassigned; none is removed.");
    await fireEvent.click(screen.getByTestId("agent-remove"));
    await settle();
    expect(client.removeAgent).toHaveBeenCalledWith("org-1", "agent-1");
    expect(onChanged).toHaveBeenCalled();
    expect(client.data).toHaveLength(10);
    expect(screen.getByTestId("orphans-unassigned").textContent).toContain("10 numbers with no agent.");
    expect(screen.queryAllByTestId("agent-row")).toHaveLength(0);
  });
});
