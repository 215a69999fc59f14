/** An in-memory stand-in for the typed client, for component and logic tests. */
import { vi } from "vitest";
import type { Agent, AgentFilter, AccountDraft, AccountProblem, Client, ConnectionProfile, GroupBy, HealthState, ImportCandidate, NumberQuery, PhoneNumber, ProviderAccount, ReportRow, Settings, TeamStatus } from "../lib/client";
import { ClientError } from "../lib/client";
import { zeroCounts } from "../lib/usage";

export function makeNumber(i: number, patch: Partial<PhoneNumber> = {}): PhoneNumber {
  const digits = String(4155550000 + i);
  return {
    id: `id-${i}`,
    organizationId: "org-1",
    provider: "twilio",
    phoneNumber: `+1${digits}`,
    display: `+1 ${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6)}`,
    country: "US",
    numberType: "fixed_line_or_mobile",
    friendlyName: `Line ${i}`,
    agentId: null,
    status: "active",
    capabilities: { voice: true, sms: true, mms: false, fax: false },
    accountId: null,
    webhookConfigured: false,
    webhookUrl: null,
    voiceWebhookUrl: null,
    smsWebhookUrl: null,
    smsWebhookUrlProblem: null,
    metadata: null,
    createdAt: "2026-01-01T00:00:00Z",
    updatedAt: "2026-01-02T00:00:00Z",
    lastVerifiedAt: null,
    ...patch,
  };
}

/** A client over `count` numbers; pages by index cursors, search by substring. */
export function mockClient(count = 1000): Client & { data: PhoneNumber[]; agents: Agent[]; settings: Settings; health: Map<string, HealthState>; emitStatus: (s: TeamStatus) => void } {
  const data = Array.from({ length: count }, (_, i) => makeNumber(i));
  const settings: Settings = {
    theme: "system",
    lastOrganizationId: null,
    profiles: [],
    activeProfile: null,
    syncIntervalSecs: 60,
    verifyIntervalHours: 24,
    views: [],
    lastView: {
      name: "",
      filters: { search: "", provider: null, status: null, agent: null, capabilities: [], country: null, numberType: null, readiness: null, needsAttention: false, health: null },
      columns: ["name", "provider", "status", "agent", "capabilities", "updated"],
      sort: "number",
      descending: false,
    },
  };
  const agents: Agent[] = [{ id: "agent-1", organization_id: "org-1", name: "Ava" }];
  /** Each number's health state for the Health filter (by E.164; none: insufficient data). */
  const health = new Map<string, HealthState>();
  const statusListeners: ((s: TeamStatus) => void)[] = [];
  const localStatus: TeamStatus = {
    profile: null, server: null, connection: "local", lastError: null, lastAttemptAt: null, lastSyncedAt: null,
    outbox: 0, conflicts: 0, syncing: false, progress: null, warnings: [], skipped: [],
  };
  const ofAgent = (n: PhoneNumber, agent: AgentFilter | null | undefined) =>
    !agent || (agent.kind === "unassigned" ? !n.agentId : n.agentId === agent.id);
  const matching = (q: { search: string | null; agent?: AgentFilter | null }) =>
    data.filter(
      (n) =>
        ofAgent(n, q.agent) &&
        (!q.search || n.phoneNumber.includes(q.search) || (n.friendlyName ?? "").toLowerCase().includes(q.search.toLowerCase())),
    );
  /** One page of `rows` (index cursors). */
  const pageOf = (rows: PhoneNumber[], q: NumberQuery) => {
    const start = q.after ? Number(q.after) : 0;
    const items = rows.slice(start, start + q.limit);
    const end = start + items.length;
    return { items, next: end < rows.length ? String(end) : null };
  };
  const inHealth = (rows: PhoneNumber[], state: HealthState) => rows.filter((n) => (health.get(n.phoneNumber) ?? "insufficient_data") === state);
  return {
    data,
    settings,
    emitStatus: (s) => statusListeners.forEach((f) => f(s)),
    startupStatus: vi.fn(async () => []),
    retryStartup: vi.fn(async () => []),
    workspaceInfo: vi.fn(async () => ({ kind: "local", path: "/tmp/workspace.db", profile: null })),
    listOrganizations: vi.fn(async () => [{ id: "org-1", slug: "demo", name: "Demo" }]),
    addOrganization: vi.fn(async (slug, name) => ({ id: "org-2", slug, name })),
    agents,
    listAgents: vi.fn(async () => agents.map((a) => ({ ...a }))),
    addAgent: vi.fn(async (organizationId, name) => {
      if (agents.some((a) => a.name === name.trim())) throw new ClientError("Duplicate", `agent "${name.trim()}" already exists in demo`);
      const a = { id: `agent-${agents.length + 1}`, organization_id: organizationId, name: name.trim() };
      agents.push(a);
      return a;
    }),
    renameAgent: vi.fn(async (_org, id, name) => {
      if (agents.some((a) => a.name === name.trim() && a.id !== id)) throw new ClientError("Duplicate", `agent "${name.trim()}" already exists in demo`);
      const a = agents.find((x) => x.id === id)!;
      a.name = name.trim();
      return { ...a };
    }),
    removeAgent: vi.fn(async (_org, id) => {
      const agent = agents.find((x) => x.id === id)!;
      agents.splice(agents.indexOf(agent), 1);
      let unassigned = 0;
      for (const n of data) if (n.agentId === id) (n.agentId = null), unassigned++;
      return { agent, unassigned };
    }),
    agentOrphans: vi.fn(async () => {
      const loads = agents.map((agent) => ({ agent, numbers: data.filter((n) => n.agentId === agent.id).length }));
      const none = data.filter((n) => !n.agentId);
      return { unassigned: none.length, unassignedSample: none.slice(0, 20), idleAgents: loads.filter((l) => l.numbers === 0).map((l) => l.agent), agents: loads };
    }),
    listNumbers: vi.fn(async (q: NumberQuery) => pageOf(matching(q.filter), q)),
    countNumbers: vi.fn(async (f) => matching(f).length),
    exportNumbers: vi.fn(async (q: NumberQuery, state: HealthState | null, format: "csv" | "json") => ({
      path: `/home/m/numbers.${format}`,
      count: (state === null ? matching(q.filter) : inHealth(matching(q.filter), state)).length,
    })),
    importNumbersFile: vi.fn(async () => ({ path: "/home/m/numbers.csv", count: 2 })),
    health,
    listNumbersByHealth: vi.fn(async (q: NumberQuery, state: HealthState) => pageOf(inHealth(matching(q.filter), state), q)),
    countNumbersByHealth: vi.fn(async (f, state: HealthState) => inHealth(matching(f), state).length),
    numberHealth: vi.fn(async (_org: string, numbers: string[]) =>
      numbers.map((phoneNumber) => ({
        phoneNumber,
        numberId: null,
        health: { state: "insufficient_data" as const, reasons: [], calls: 0, answered: 0, calls_per_day: 0, answer_rate: null, short_share: null, failed_share: null, last_record_at: null },
      })),
    ),
    getNumber: vi.fn(async (id) => data.find((n) => n.id === id)!),
    checkNumber: vi.fn(async (number: string) => {
      const digits = number.replace(/\D/g, "");
      if (digits.length < 10) throw new ClientError("InvalidNumber", `"${number}" is not a valid phone number (too short)`);
      return { e164: `+${digits}`, display: `+${digits}`, country: "US", numberType: "fixed_line_or_mobile" };
    }),
    addNumber: vi.fn(async (_org, n) => makeNumber(9999, { phoneNumber: n.number, display: n.number, friendlyName: n.friendlyName })),
    updateNumber: vi.fn(async (id) => data.find((n) => n.id === id)!),
    removeNumber: vi.fn(async (id) => data.find((n) => n.id === id)!),
    undoLast: vi.fn(async () => data[0]!),
    bulkUpdate: vi.fn(async (_t, _o, ids, _c, onProgress) => {
      onProgress({ done: ids.length, total: ids.length });
      return { updated: ids.length, failed: [], cancelled: false };
    }),
    updateMatching: vi.fn(async (_t, f, _c, onProgress) => {
      const n = matching(f).length;
      onProgress({ done: n, total: n });
      return { updated: n, failed: [], cancelled: false };
    }),
    cancelTask: vi.fn(async () => true),
    seedDemo: vi.fn(async () => ({ organization: { id: "org-1", slug: "demo", name: "Demo" }, agentsCreated: 5, numbersInserted: 10000 })),
    getSettings: vi.fn(async () => structuredClone(settings)),
    saveSettings: vi.fn(async (s: Settings) => {
      settings.theme = s.theme;
      settings.lastOrganizationId = s.lastOrganizationId;
      settings.syncIntervalSecs = s.syncIntervalSecs;
      settings.verifyIntervalHours = s.verifyIntervalHours;
      settings.views = structuredClone(s.views);
      settings.lastView = structuredClone(s.lastView);
    }),
    startupPainted: vi.fn(async () => 1),
    onNumbersChanged: vi.fn(async () => () => {}),
    onOrganizationsChanged: vi.fn(async () => () => {}),
    onUsageChanged: vi.fn(async () => () => {}),
    listAccounts: vi.fn(async () => [TWILIO_ACCOUNT]),
    addAccount: vi.fn(async (_org, a) => ({
      provider: a.provider,
      accountId: a.accountId,
      label: a.label,
      added: true,
      numbers: 0,
      secretOnDevice: true,
    })),
    checkAccount: vi.fn(async (draft: AccountDraft) => {
      const problems: AccountProblem[] = [];
      if (draft.provider === "twilio" && draft.accountId.trim() && !/^AC[0-9a-f]{32}$/i.test(draft.accountId.trim())) {
        problems.push({ field: "accountId", message: "invalid account id: not a Twilio Account SID (AC + 32 hex digits)" });
      }
      if (draft.kind === "twilioApiKey" && draft.identifier?.trim() && !draft.identifier.trim().startsWith("SK")) {
        problems.push({ field: "identifier", message: "twilio: invalid API key SID: is not an API key SID (SK…)" });
      }
      return problems;
    }),
    removeAccount: vi.fn(async (_org, provider, accountId) => ({
      provider,
      accountId,
      secretRemoved: true,
      wasAdded: true,
      numbersStillReferencing: 0,
      numbers: [],
    })),
    verifyAccount: vi.fn(async (_org, provider, accountId) => ({
      provider,
      accountId,
      outcome: "verified" as const,
      message: `twilio account ${accountId} verified: Test account, status active`,
      accountName: "Test account",
      numbersUpdated: 0,
      checkedAt: "2026-01-03T00:00:00Z",
    })),
    alarmCounts: vi.fn(async () => []),
    onAlert: vi.fn(async () => () => {}),
    refreshReadiness: vi.fn(async () => ({
      checked: 0,
      changed: 0,
      states: {},
      alarms: [],
      elsewhere: [],
      requests: 1,
    })),
    importPreview: vi.fn(async (_t, _o, provider, accountId, onProgress) => {
      onProgress({ pages: 1, fetched: 3, total: 3 });
      return {
        previewId: "preview-1",
        provider,
        accountId,
        candidates: [
          candidate("+12345550001", "new"),
          candidate("+12345550002", "new"),
          candidate("+12345550003", "different", ["friendly_name"]),
          candidate("+12345550004", "present"),
        ],
        skipped: [],
        smsUnrecorded: 0,
        smsDrift: [],
      };
    }),
    importNumbers: vi.fn(async (_t, _p, numbers, refresh, onProgress) => {
      onProgress({ done: numbers.length + refresh.length, total: numbers.length + refresh.length });
      return { imported: numbers.length, refreshed: refresh.length, smsRecorded: 0, smsDrift: [], failed: [], cancelled: false };
    }),
    verifyNumbers: vi.fn(async (_t, _o, ids, onProgress) => {
      onProgress({ done: ids.length, total: ids.length });
      const outcomes = ids.map((id: string) => ({ id, phoneNumber: data.find((n) => n.id === id)?.phoneNumber ?? id, result: "ok" as const, message: "verified" }));
      return { outcomes, succeeded: ids.length, inSync: 0, failed: 0, cancelled: false };
    }),
    bulkSetWebhooks: vi.fn(async (_t, _o, ids, voiceUrl, _s, _a, onProgress) => {
      onProgress({ done: ids.length, total: ids.length });
      const outcomes = ids.map((id: string) => ({ id, phoneNumber: data.find((n) => n.id === id)?.phoneNumber ?? id, result: "ok" as const, message: `voice ${voiceUrl}, sms (none)` }));
      return { outcomes, succeeded: ids.length, inSync: 0, failed: 0, cancelled: false };
    }),
    planVerify: vi.fn(async (_o, ids) => ({
      accounts: [{ provider: "twilio" as const, accountId: "AC1", numbers: ids.length, requests: ids.length }],
      numbers: ids.length,
      requests: ids.length,
      skipped: [],
    })),
    planBulkWebhooks: vi.fn(async (_t, _o, ids, voiceUrl, _s, allowShared, onProgress) => {
      onProgress({ done: ids.length, total: ids.length });
      const numbers = ids.map((id: string, i: number) => ({
        id,
        phoneNumber: data.find((n) => n.id === id)?.phoneNumber ?? id,
        state: i === 0 || allowShared ? ("changes" as const) : ("refused" as const),
        writes: [{ channel: "voice" as const, object: i === 0 ? "number PN1" : "Call Control application 7", isNumber: i === 0, objectName: null, sharedBy: i === 0 ? 1 : 3, from: null, to: voiceUrl ?? "", detaches: null }],
        refused: i === 0 || allowShared ? null : "Call Control application 7 is shared by 3 numbers",
      }));
      const refused = numbers.filter((n: { refused: string | null }) => n.refused !== null).length;
      const objects = ids.length > 1 ? [{ object: "Call Control application 7", objectName: null, channels: ["voice" as const], sharedBy: 3, selected: ids.length - 1, changed: allowShared }] : [];
      const account = { provider: "telnyx" as const, accountId: "telnyx-main", numbers, objects, changed: ids.length - refused, inSync: 0, refused };
      return { accounts: [account], changed: ids.length - refused, inSync: 0, refused, notPlanned: [], allowShared, cancelled: false };
    }),
    checkDrift: vi.fn(async (_t, _o, ids, onProgress) => {
      const checked: string[] = ids ?? data.map((n) => n.id);
      onProgress({ done: checked.length, total: checked.length });
      const first = data.find((n) => n.id === checked[0]);
      const rows = first
        ? [{ id: first.id, phoneNumber: first.phoneNumber, result: "drifted", channel: "voice" as const, onRecord: "https://platform.example/voice", atProvider: "https://elsewhere.example/voice", detail: "number PN1" }]
        : [];
      return { inSync: checked.length - rows.length, drifted: rows.length, voiceDrifted: rows.length, smsDrifted: 0, unknown: 0, errors: 0, skipped: 0, notStarted: 0, driftedIds: rows.map((r) => r.id), rows, cancelled: false };
    }),
    planRepair: vi.fn(async (_t, _o, ids, allowShared, onProgress) => {
      onProgress({ done: ids.length, total: ids.length });
      const numbers = ids.map((id: string) => ({
        id,
        phoneNumber: data.find((n) => n.id === id)?.phoneNumber ?? id,
        state: "changes" as const,
        writes: [{ channel: "voice" as const, object: "number PN1", isNumber: true, objectName: null, sharedBy: 1, from: "https://elsewhere.example/voice", to: "https://platform.example/voice", detaches: null }],
        refused: null,
      }));
      const account = { provider: "twilio" as const, accountId: "AC1", numbers, objects: [], changed: ids.length, inSync: 0, refused: 0 };
      return { accounts: [account], changed: ids.length, inSync: 0, refused: 0, notPlanned: [], allowShared, cancelled: false };
    }),
    repairWebhooks: vi.fn(async (_t, _o, ids, _a, onProgress) => {
      onProgress({ done: ids.length, total: ids.length });
      const outcomes = ids.map((id: string) => ({ id, phoneNumber: data.find((n) => n.id === id)?.phoneNumber ?? id, result: "ok" as const, message: "voice https://platform.example/voice" }));
      return { outcomes, succeeded: ids.length, inSync: 0, failed: 0, cancelled: false };
    }),
    planWebhooks: vi.fn(async (id, voiceUrl) => ({
      phoneNumber: data.find((n) => n.id === id)?.phoneNumber ?? id,
      writes: [{ channel: "voice" as const, object: "number PN1", isNumber: true, objectName: null, sharedBy: 1, from: null, to: voiceUrl ?? "", detaches: null }],
      sharedWarning: null,
    })),
    setWebhooks: vi.fn(async (id, voiceUrl) => {
      const n = data.find((x) => x.id === id)!;
      return { number: { ...n, webhookConfigured: true, webhookUrl: voiceUrl, voiceWebhookUrl: voiceUrl }, voiceUrl, smsUrl: null };
    }),
    numberDrift: vi.fn(async (id) => ({
      phoneNumber: data.find((n) => n.id === id)?.phoneNumber ?? id,
      voice: { state: "drifted" as const, providerUrl: "https://elsewhere.example/voice", owner: "number PN1", onRecord: "https://platform.example/voice" },
      sms: { state: "notRecorded" as const, providerUrl: null, owner: null, onRecord: null },
      checkedAt: "2026-01-03T00:00:00Z",
    })),
    openInConsole: vi.fn(async (id) => `https://console.twilio.com/us1/develop/phone-numbers/manage/incoming/PN${id}/configure`),
    searchAvailable: vi.fn(async () => [
      { phoneNumber: "+14155550100", display: "+1 415-555-0100", locality: "San Francisco", region: "CA", country: "US", capabilities: { voice: true, sms: true, mms: false, fax: false } },
    ]),
    buyNumber: vi.fn(async (_o, _p, _a, number) => makeNumber(9998, { phoneNumber: number, display: number })),
    releaseNumber: vi.fn(async (id) => data.find((n) => n.id === id)!),
    saveProfile: vi.fn(async (originalName: string | null, profile: ConnectionProfile) => {
      const i = settings.profiles.findIndex((p) => p.name === (originalName ?? profile.name));
      if (i >= 0) settings.profiles[i] = profile;
      else settings.profiles.push(profile);
      return structuredClone(settings);
    }),
    removeProfile: vi.fn(async (name: string) => {
      settings.profiles = settings.profiles.filter((p) => p.name !== name);
      return structuredClone(settings);
    }),
    passwordStored: vi.fn(async () => false),
    testConnection: vi.fn(async (p: ConnectionProfile) => ({ server: `${p.host}:${p.port}/${p.database}`, role: p.user, warnings: [] })),
    openWorkspace: vi.fn(async (profile: string | null) => {
      settings.activeProfile = profile;
      return { kind: profile ? "team" : "local", path: "/tmp/cache.db", profile };
    }),
    teamStatus: vi.fn(async () => localStatus),
    syncNow: vi.fn(async () => localStatus),
    cancelSync: vi.fn(async () => true),
    listConflicts: vi.fn(async () => []),
    resolveConflict: vi.fn(async () => { throw new ClientError("NotFound", "no such conflict"); }),
    onTeamStatus: vi.fn(async (f: (s: TeamStatus) => void) => {
      statusListeners.push(f);
      return () => statusListeners.splice(statusListeners.indexOf(f), 1);
    }),
    onWorkspaceChanged: vi.fn(async () => () => {}),
    usageReport: vi.fn(async (_organizationId, from, to, by) => ({ from: from ?? "2026-11-08", to: to ?? "2026-12-07", by, rows: [], reasons: {} })),
    usageReportCsv: vi.fn(async (by: GroupBy, rows: ReportRow[]) => [by, ...rows.map((r) => r.key)].join("\r\n") + "\r\n"),
    usageSync: vi.fn(async () => []),
    numberUsage: vi.fn(async (_organizationId: string, phoneNumber: string, from: string | null, to: string | null) => ({
      phoneNumber,
      numberId: null,
      from: from ?? "2026-11-08",
      to: to ?? "2026-12-07",
      healthFrom: "2026-12-01",
      totals: { key: phoneNumber, id: null, counts: zeroCounts(), cost: {} },
      days: [],
      health: {
        state: "insufficient_data" as const,
        reasons: [],
        calls: 0,
        answered: 0,
        calls_per_day: 0,
        answer_rate: null,
        short_share: null,
        failed_share: null,
        last_record_at: null,
      },
      reasons: "",
    })),
  };
}

export const TWILIO_ACCOUNT: ProviderAccount = {
  provider: "twilio",
  accountId: "AC00000000000000000000000000000001",
  label: "Main",
  added: true,
  numbers: 0,
  secretOnDevice: true,
};

export function candidate(phoneNumber: string, state: ImportCandidate["state"], fields: string[] = []): ImportCandidate {
  return {
    phoneNumber,
    display: phoneNumber,
    state,
    friendlyName: null,
    capabilities: { voice: true, sms: true, mms: false, fax: false },
    country: "US",
    locality: null,
    existingId: state === "new" ? null : `id-${phoneNumber}`,
    fields,
  };
}

/** A promise resolved from outside, to order responses in tests. */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export const tick = () => new Promise((r) => setTimeout(r, 0));
