/**
 * The open workspace's connection and sync, as the UI shows them: the banner's text, the
 * sync progress, and the conflicts view's data. The backend owns the state and announces every
 * change (`team://status`); this only mirrors it and asks for syncs and resolutions.
 */
import type {
  Client,
  ConnectionProfile,
  KeepVersion,
  SkippedRow,
  SyncConflict,
  SyncProgress,
  TeamStatus,
} from "./client";
import { type ClientError, toClientError } from "./client";
import { count, when } from "./format";

export const LOCAL_STATUS: TeamStatus = {
  profile: null,
  server: null,
  connection: "local",
  lastError: null,
  lastAttemptAt: null,
  lastSyncedAt: null,
  outbox: 0,
  conflicts: 0,
  syncing: false,
  progress: null,
  warnings: [],
  skipped: [],
};

const PHASES: Record<SyncProgress["phase"], string> = {
  connect: "Connecting",
  replay: "Sending offline edits",
  copy: "Copying numbers",
  index: "Building the search index",
  changes: "Applying changes",
};

/** "Copying numbers: 20,000 of 100,000" */
export function progressText(p: SyncProgress | null): string {
  if (!p) return "";
  const phase = PHASES[p.phase];
  if (p.total > 0) return `${phase}: ${count(p.done)} of ${count(p.total)}`;
  return p.done > 0 ? `${phase}: ${count(p.done)}` : `${phase}…`;
}

/** "3 edits queued" / "1 edit queued" / "". */
export function queuedText(outbox: number): string {
  if (outbox <= 0) return "";
  return `${count(outbox)} ${outbox === 1 ? "edit" : "edits"} queued`;
}

/** "2 rows not synced as they are" / "1 row not synced as it is" / "": rows of the team database the cache could not hold as they are. */
export function skippedText(skipped: SkippedRow[]): string {
  if (skipped.length === 0) return "";
  return skipped.length === 1 ? "1 row not synced as it is" : `${count(skipped.length)} rows not synced as they are`;
}

/** One line per skipped row: its number (or id) and why; "kept" when it is cached without a secret. */
export function skippedDetails(skipped: SkippedRow[]): string {
  return skipped
    .map((r) => `${r.phoneNumber ?? r.numberId} (${r.numberId})${r.kept ? ", kept without it" : ""}: ${r.reason}`)
    .join("\n");
}

/** What the banner says; null when there is nothing to say (local workspace). */
export function bannerText(s: TeamStatus, format: (iso: string | null) => string = when): string | null {
  const queued = queuedText(s.outbox);
  const tail = queued ? ` · ${queued}` : "";
  switch (s.connection) {
    case "local":
      return null;
    case "offline":
      return s.lastSyncedAt
        ? `Offline — showing cached data from ${format(s.lastSyncedAt)}${tail}`
        : `Offline — nothing synced yet${tail}`;
    case "failed":
      return `Sync failed: ${s.lastError?.message ?? "unknown error"}${tail}`;
    case "unknown":
      return `Connecting to ${s.server ?? "the team database"}…${tail}`;
    case "online":
      return s.lastSyncedAt ? `Synced ${format(s.lastSyncedAt)}${tail}` : `Online${tail}`;
  }
  return null;
}

/** An empty profile for the form. */
export function blankProfile(): ConnectionProfile {
  return { name: "", host: "", port: 5432, database: "switchboard", user: "", tlsMode: "verify-full" };
}

/** Whether `host` is this computer: `localhost`, a loopback address or a Unix socket. */
export function isLocalHost(host: string): boolean {
  const h = host.trim().replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return h === "localhost" || h === "::1" || h.startsWith("/") || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * The form's warning for a TLS mode that does not check a remote server's certificate (the
 * backend says the same on every connect); null for verify-full or a server on this computer.
 */
export function weakTlsWarning(p: ConnectionProfile): string | null {
  if (p.tlsMode === "verify-full" || !p.host.trim() || isLocalHost(p.host)) return null;
  const risk = p.tlsMode === "require" ? "encrypts but does not check the server's certificate" : "may not encrypt at all";
  return `“${p.tlsMode}” ${risk}: whoever answers in the server's place gets your password. Use “verify-full” (with your organization's CA file if it signed the server's certificate).`;
}

/** Fields the form must have before it can be saved or tested. */
export function missingFields(p: ConnectionProfile): string[] {
  const missing: string[] = [];
  if (!p.name.trim()) missing.push("name");
  if (!p.host.trim()) missing.push("host");
  if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) missing.push("port");
  if (!p.database.trim()) missing.push("database");
  if (!p.user.trim()) missing.push("user");
  return missing;
}

export class TeamView {
  status = $state<TeamStatus>(LOCAL_STATUS);
  conflicts = $state<SyncConflict[]>([]);
  /** Progress of a sync this view asked for (the status carries every sync's progress too). */
  progress = $state<SyncProgress | null>(null);

  constructor(
    private client: Client,
    private onError: (e: ClientError) => void,
  ) {}

  get isTeam(): boolean {
    return this.status.connection !== "local";
  }

  /** Reads the status and follows its changes; returns the unsubscribe function. */
  async start(): Promise<() => void> {
    const off = await this.client.onTeamStatus((s) => this.apply(s));
    try {
      this.apply(await this.client.teamStatus());
    } catch (e) {
      this.onError(toClientError(e));
    }
    return off;
  }

  apply(s: TeamStatus) {
    const conflictsChanged = s.conflicts !== this.status.conflicts;
    this.status = s;
    if (conflictsChanged && s.conflicts > 0) void this.loadConflicts();
    if (s.conflicts === 0) this.conflicts = [];
  }

  async syncNow() {
    try {
      const s = await this.client.syncNow((p) => (this.progress = p));
      this.apply(s);
    } catch (e) {
      this.onError(toClientError(e));
    } finally {
      this.progress = null;
    }
  }

  async cancel() {
    await this.client.cancelSync().catch((e) => this.onError(toClientError(e)));
  }

  async loadConflicts() {
    try {
      this.conflicts = await this.client.listConflicts();
    } catch (e) {
      this.onError(toClientError(e));
    }
  }

  async resolve(id: number, keep: KeepVersion) {
    try {
      await this.client.resolveConflict(id, keep);
      this.conflicts = this.conflicts.filter((c) => c.id !== id);
    } catch (e) {
      this.onError(toClientError(e));
    }
  }
}

