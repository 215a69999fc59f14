import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import NewOrganizationDialog from "./NewOrganizationDialog.svelte";
import { mockClient, tick } from "../test/mockClient";

afterEach(cleanup);

const settle = async () => {
  for (let i = 0; i < 6; i++) await tick();
};

function setup() {
  const client = mockClient(1);
  const props = { client, onCreated: vi.fn(), onClose: vi.fn() };
  render(NewOrganizationDialog, props);
  return props;
}

describe("NewOrganizationDialog", () => {
  it("suggests the slug from the name and creates the organization with one call", async () => {
    const { client, onCreated } = setup();
    await settle();
    expect(document.activeElement).toBe(screen.getByTestId("new-org-name"));
    await fireEvent.input(screen.getByTestId("new-org-name"), { target: { value: "Globex Corporation" } });
    expect((screen.getByTestId("new-org-slug") as HTMLInputElement).value).toBe("globex-corporation");
    await fireEvent.input(screen.getByTestId("new-org-slug"), { target: { value: "globex" } });
    await fireEvent.input(screen.getByTestId("new-org-name"), { target: { value: "Globex Corp" } });
    expect((screen.getByTestId("new-org-slug") as HTMLInputElement).value).toBe("globex");
    await fireEvent.click(screen.getByTestId("new-org-create"));
    await settle();
    expect(client.addOrganization).toHaveBeenCalledWith("globex", "Globex Corp");
    expect(onCreated).toHaveBeenCalledWith(expect.objectContaining({ slug: "globex", name: "Globex Corp" }));
  });

  it("shows a refusal beside its field, clears it on typing, and says Offline", async () => {
    const { client, onCreated } = setup();
    client.addOrganization = vi.fn(async () => {
      throw { code: "InvalidInput", message: 'invalid slug: "Bad Slug" must be 1-63 lowercase letters, digits or inner hyphens', field: "slug" };
    });
    await fireEvent.input(screen.getByTestId("new-org-name"), { target: { value: "Bad" } });
    await fireEvent.input(screen.getByTestId("new-org-slug"), { target: { value: "Bad Slug" } });
    await fireEvent.click(screen.getByTestId("new-org-create"));
    await settle();
    expect(screen.getByTestId("new-org-slug-error").textContent).toContain("must be 1-63 lowercase letters");
    expect(screen.getByTestId("new-org-slug").getAttribute("aria-invalid")).toBe("true");
    expect(screen.queryByTestId("new-org-name-error")).toBeNull();
    await fireEvent.input(screen.getByTestId("new-org-slug"), { target: { value: "bad" } });
    expect(screen.queryByTestId("new-org-slug-error")).toBeNull();

    client.addOrganization = vi.fn(async () => {
      throw { code: "Offline", message: "adding an organization needs the team database, which cannot be reached" };
    });
    await fireEvent.click(screen.getByTestId("new-org-create"));
    await settle();
    expect(screen.getByTestId("new-org-error").textContent).toBe("Offline: adding an organization needs the team database, which cannot be reached");
    expect(onCreated).not.toHaveBeenCalled();
  });

  it("closes with Escape", async () => {
    const { onClose } = setup();
    await settle();
    await fireEvent.keyDown(screen.getByTestId("new-org-name"), { key: "Escape" });
    expect(onClose).toHaveBeenCalled();
  });
});
