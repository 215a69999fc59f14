import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import App from "./App.svelte";
import { mockClient, tick } from "./test/mockClient";
import { ClientError, type AppError } from "./lib/client";

afterEach(cleanup);

// jsdom has no layout: the numbers table's virtual list only needs the observer to exist.
vi.stubGlobal(
  "ResizeObserver",
  class {
    observe() {}
    unobserve() {}
    disconnect() {}
  },
);

const BUSY =
  "workspace /home/ann/.local/share/switchboard/workspace.db is busy: switchboard-cli import (process 4242) is writing to it; try again when it finishes";

describe("App startup", () => {
  it("shows why the workspace did not open, touches nothing else, and loads it after a retry", async () => {
    const client = mockClient(3);
    client.startupStatus = vi.fn(async () => {
      throw new ClientError("Busy", BUSY);
    });
    client.retryStartup = vi
      .fn<() => Promise<AppError[]>>()
      .mockRejectedValueOnce(new ClientError("Busy", BUSY))
      .mockResolvedValueOnce([]);
    render(App, { client });
    await tick();

    const shown = await screen.findByTestId("startup-error");
    expect(shown.getAttribute("data-code")).toBe("Busy");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("The workspace is busy");
    expect(screen.getByTestId("startup-error-message").textContent).toBe(BUSY);
    expect(screen.queryByTestId("workspace-button")).toBeNull();
    expect(client.listOrganizations).not.toHaveBeenCalled();

    // Still busy: the screen stays, with the new answer.
    await fireEvent.click(screen.getByTestId("startup-retry"));
    await tick();
    expect(client.retryStartup).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("startup-error")).toBeTruthy();
    expect(client.listOrganizations).not.toHaveBeenCalled();

    // The other program finished: the workspace loads.
    await fireEvent.click(screen.getByTestId("startup-retry"));
    await tick();
    expect(client.retryStartup).toHaveBeenCalledTimes(2);
    expect(screen.queryByTestId("startup-error")).toBeNull();
    expect(client.listOrganizations).toHaveBeenCalled();
    expect(await screen.findByTestId("workspace-button")).toBeTruthy();
  });

  it("shows what went wrong without stopping the start, and loads the workspace", async () => {
    const client = mockClient(3);
    const message =
      "the settings file /home/ann/.local/share/dev.switchboard.desktop/settings.json could not be read (EOF while parsing); it is kept as …";
    client.startupStatus = vi.fn(async () => [{ code: "Settings" as const, message }]);
    render(App, { client });
    await tick();
    const toast = await screen.findByTestId("toast-error");
    expect(toast.textContent).toContain(message);
    expect(screen.queryByTestId("startup-error")).toBeNull();
    expect(client.listOrganizations).toHaveBeenCalled();
  });

  it("loads the workspace at once when the app started", async () => {
    const client = mockClient(3);
    render(App, { client });
    await tick();
    expect(client.startupStatus).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId("startup-error")).toBeNull();
    expect(client.listOrganizations).toHaveBeenCalled();
  });
});

describe("Views", () => {
  it("the column chooser traps focus, returns it, and the table shows the chosen columns; the theme is kept", async () => {
    const client = mockClient(3);
    render(App, { client });
    const open = await screen.findByTestId("columns-open");
    open.focus();
    await fireEvent.click(open);
    const dialog = await screen.findByTestId("columns-dialog");
    await tick();
    expect(dialog.contains(document.activeElement)).toBe(true);
    // Tab from the last control wraps to the first; Shift+Tab from the first to the last.
    const done = screen.getByTestId("columns-done");
    done.focus();
    await fireEvent.keyDown(done, { key: "Tab" });
    expect(document.activeElement).toBe(screen.getByTestId("column-name"));
    await fireEvent.keyDown(document.activeElement!, { key: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(done);

    await fireEvent.click(screen.getByTestId("column-webhook"));
    await fireEvent.click(screen.getByTestId("column-provider"));
    await fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    await tick();
    expect(screen.queryByTestId("columns-dialog")).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId("columns-open"));
    const headers = screen.getAllByRole("columnheader").map((h) => h.textContent?.trim().replace(/\s+/g, " "));
    expect(headers).toContain("Webhook");
    expect(headers).not.toContain("Provider");

    await fireEvent.change(screen.getByTestId("theme"), { target: { value: "dark" } });
    await tick();
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(client.settings.theme).toBe("dark");
  });
});

describe("Agents dialog in the app", () => {
  it("opens from the top bar, keeps the app's shortcuts out, and returns focus", async () => {
    const client = mockClient(3);
    render(App, { client });
    const open = await screen.findByTestId("agents-open");
    open.focus();
    await fireEvent.click(open);
    const input = await screen.findByTestId("agent-new");
    await tick();
    // "n" typed in the dialog is a letter of a name, not the add-number shortcut.
    await fireEvent.keyDown(screen.getByTestId("agents-close"), { key: "n" });
    expect(screen.queryByTestId("add-dialog")).toBeNull();
    await fireEvent.keyDown(input, { key: "Escape" });
    await tick();
    expect(screen.queryByTestId("agents-dialog")).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId("agents-open"));
  });
});
