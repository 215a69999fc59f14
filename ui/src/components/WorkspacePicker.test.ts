import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import WorkspacePicker from "./WorkspacePicker.svelte";
import ConnectionBanner from "./ConnectionBanner.svelte";
import { mockClient, tick } from "../test/mockClient";
import { ClientError } from "../lib/client";
import { LOCAL_STATUS, TeamView } from "../lib/team.svelte";

afterEach(cleanup);

async function fillProfile() {
  await fireEvent.click(await screen.findByTestId("add-profile"));
  await fireEvent.input(screen.getByTestId("profile-name"), { target: { value: " Team " } });
  await fireEvent.input(screen.getByTestId("profile-host"), { target: { value: "db.example.com" } });
  await fireEvent.input(screen.getByTestId("profile-user"), { target: { value: "alice" } });
  await fireEvent.input(screen.getByTestId("profile-password"), { target: { value: "s3cret" } });
}

describe("WorkspacePicker", () => {
  it("saves a new profile with its password for the vault, and lists it", async () => {
    const client = mockClient(0);
    render(WorkspacePicker, { client, activeProfile: null, onClose: () => {} });
    await tick();
    await fillProfile();
    await fireEvent.click(screen.getByTestId("profile-save"));
    await tick();
    expect(client.saveProfile).toHaveBeenCalledWith(
      null,
      { name: " Team ", host: "db.example.com", port: 5432, database: "switchboard", user: "alice", tlsMode: "verify-full" },
      "s3cret",
    );
    const rows = await screen.findAllByTestId("profile-row");
    expect(rows.map((r) => r.getAttribute("data-name"))).toEqual([" Team "]);
  });

  it("warns about a TLS mode that does not check a remote server, and saves the CA file", async () => {
    const client = mockClient(0);
    render(WorkspacePicker, { client, activeProfile: null, onClose: () => {} });
    await tick();
    await fillProfile();
    expect(screen.queryByTestId("tls-warning")).toBeNull();
    await fireEvent.change(screen.getByTestId("profile-tls"), { target: { value: "require" } });
    await tick();
    expect(screen.getByTestId("tls-warning").textContent).toContain("does not check the server's certificate");
    await fireEvent.input(screen.getByTestId("profile-host"), { target: { value: "127.0.0.1" } });
    await tick();
    expect(screen.queryByTestId("tls-warning")).toBeNull();
    await fireEvent.change(screen.getByTestId("profile-tls"), { target: { value: "verify-full" } });
    await fireEvent.input(screen.getByTestId("profile-ca"), { target: { value: "/etc/team-ca.pem" } });
    await fireEvent.click(screen.getByTestId("profile-save"));
    await tick();
    expect(client.saveProfile).toHaveBeenCalledWith(
      null,
      expect.objectContaining({ tlsMode: "verify-full", caFile: "/etc/team-ca.pem" }),
      "s3cret",
    );
  });

  it("tests a connection and shows the error as it is", async () => {
    const client = mockClient(0);
    client.testConnection = vi.fn(async () => {
      throw new ClientError("NotAllowed", "alice may bypass row-level security (BYPASSRLS); connect as a manager's role");
    });
    render(WorkspacePicker, { client, activeProfile: null, onClose: () => {} });
    await tick();
    await fillProfile();
    await fireEvent.click(screen.getByTestId("profile-test"));
    await tick();
    expect(client.testConnection).toHaveBeenCalledWith(expect.objectContaining({ host: "db.example.com" }), "s3cret");
    expect(screen.getByTestId("test-result").textContent).toContain("NotAllowed: alice may bypass row-level security");
    expect(client.saveProfile).not.toHaveBeenCalled();
  });

  it("saves the re-verification interval, and puts it back when the backend refuses it", async () => {
    const client = mockClient(0);
    render(WorkspacePicker, { client, activeProfile: null, onClose: () => {} });
    await tick();
    const field = (await screen.findByTestId("verify-interval")) as HTMLInputElement;
    expect(field.value).toBe("24");
    await fireEvent.input(field, { target: { value: "6" } });
    await fireEvent.change(field);
    await tick();
    expect(client.saveSettings).toHaveBeenCalledWith(expect.objectContaining({ verifyIntervalHours: 6, syncIntervalSecs: 60 }));
    client.saveSettings = vi.fn(async () => {
      throw new ClientError("InvalidInput", "invalid re-verification interval: 9999 hours is more than 720 (0 turns it off)");
    });
    await fireEvent.input(field, { target: { value: "9999" } });
    await fireEvent.change(field);
    await tick();
    expect(field.value).toBe("6");
  });

  it("cannot save or test an incomplete profile", async () => {
    const client = mockClient(0);
    render(WorkspacePicker, { client, activeProfile: null, onClose: () => {} });
    await fireEvent.click(await screen.findByTestId("add-profile"));
    expect((screen.getByTestId("profile-save") as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId("profile-test") as HTMLButtonElement).disabled).toBe(true);
  });

  it("opens a profile's workspace and closes", async () => {
    const client = mockClient(0);
    client.settings.profiles.push({ name: "Team", host: "db", port: 5432, database: "switchboard", user: "alice", tlsMode: "disable" });
    const onClose = vi.fn();
    render(WorkspacePicker, { client, activeProfile: null, onClose });
    await fireEvent.click(await screen.findByTestId("open-profile"));
    await tick();
    expect(client.openWorkspace).toHaveBeenCalledWith("Team");
    expect(onClose).toHaveBeenCalled();
  });
});

describe("ConnectionBanner", () => {
  it("shows the offline banner with queued edits, and syncs on demand", async () => {
    const client = mockClient(0);
    const team = new TeamView(client, () => {});
    render(ConnectionBanner, { team, onConflicts: () => {} });
    expect(screen.queryByTestId("connection-banner")).toBeNull();
    team.apply({ ...LOCAL_STATUS, profile: "Team", connection: "offline", lastSyncedAt: "2026-11-27T01:00:00Z", outbox: 3, conflicts: 0 });
    await tick();
    const banner = screen.getByTestId("connection-banner");
    expect(banner.getAttribute("data-connection")).toBe("offline");
    expect(banner.textContent).toContain("Offline — showing cached data from");
    expect(banner.textContent).toContain("3 edits queued");
    await fireEvent.click(screen.getByTestId("sync-now"));
    expect(client.syncNow).toHaveBeenCalled();
    expect(screen.queryByTestId("connection-warnings")).toBeNull();
  });

  it("shows the warnings of the last connect, such as a TLS mode that checks no certificate", async () => {
    const client = mockClient(0);
    const team = new TeamView(client, () => {});
    render(ConnectionBanner, { team, onConflicts: () => {} });
    const warning = "TLS mode require to db.example.com:5432/switchboard: the connection is encrypted but the certificate is not checked";
    team.apply({ ...LOCAL_STATUS, profile: "Team", connection: "online", lastSyncedAt: "2026-11-27T01:00:00Z", warnings: [warning] });
    await tick();
    expect(screen.getByTestId("connection-warnings").textContent).toContain(warning);
  });
});
