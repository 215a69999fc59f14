/**
 * The one door to the backend. Every Tauri command and event the UI uses is wrapped here,
 * typed with the declarations generated from the Rust types (./generated/bindings.ts).
 * Components never call `invoke` or `listen` themselves: they receive a `Client` (the real
 * one below, or a mock in tests). Command names are the `Command`s of src-tauri/commands.txt
 * (./generated/commands.ts); src-tauri/tests/commands.rs checks that every one is called here.
 */
import { Channel, invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  Agent,
  AgentRemoval,
  Orphans,
  AppError,
  BulkReport,
  ErrorCode,
  NewNumber,
  PhoneNumber,
  NumberChange,
  NumberCheck,
  NumberFilter,
  NumberHealth,
  HealthState,
  NumberPage,
  NumberQuery,
  NumbersChanged,
  Organization,
  Progress,
  SeedReport,
  Settings,
  WorkspaceInfo,
  FileDone,
  Format,
  AccountVerification,
  Refreshed,
  Alert,
  OrgAlarms,
  AvailableNumber,
  AvailableSearch,
  DriftView,
  ImportPreview,
  ImportReport,
  ListingProgress,
  NewAccount,
  AccountDraft,
  AccountProblem,
  AccountRemoval,
  Provider,
  ProviderAccount,
  ProviderReport,
  WebhookPlanView,
  WebhookResult,
  VerifyPlan,
  BulkWebhookPlan,
  DriftSummary,
  ConnectionProfile,
  ConnectionTest,
  KeepVersion,
  SyncConflict,
  SyncProgress,
  TeamStatus,
  AccountSynced,
  GroupBy,
  NumberUsageReport,
  ReportRow,
  UsageReport,
  UsageSyncProgress,
} from "./generated/bindings";
import type { Command } from "./generated/commands";

export type * from "./generated/bindings";

/** A failed command: the backend's `{ code, message }`, as an Error. */
export class ClientError extends Error {
  readonly code: ErrorCode;
  /** The input at fault, when the app names one (an `InvalidInput`'s field, e.g. "slug"). */
  readonly field: string | null;
  constructor(code: ErrorCode, message: string, field: string | null = null) {
    super(message);
    this.name = "ClientError";
    this.code = code;
    this.field = field;
  }
}

function isAppError(e: unknown): e is AppError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

/** Turns whatever a rejected invoke carries into a ClientError. */
export function toClientError(e: unknown): ClientError {
  if (e instanceof ClientError) return e;
  if (isAppError(e)) return new ClientError(e.code, e.message, e.field ?? null);
  return new ClientError("Internal", typeof e === "string" ? e : String(e));
}

async function call<T>(command: Command, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toClientError(e);
  }
}

function channel<T>(onMessage?: (m: T) => void): Channel<T> {
  const ch = new Channel<T>();
  if (onMessage) ch.onmessage = onMessage;
  return ch;
}

/** Event names, namespaced by what changed. */
export const events = {
  numbersChanged: (organizationId: string) => `numbers://${organizationId}/changed`,
  organizationsChanged: "organizations://changed",
  workspaceChanged: "workspace://changed",
  teamStatus: "team://status",
  alert: "alerts://raised",
  usageChanged: (organizationId: string) => `usage://${organizationId}/changed`,
} as const;

/** Everything the UI can ask of the backend. */
export interface Client {
  /**
   * Resolves when the app started (its workspace is open) with what went wrong without
   * stopping it (to show); rejects with what stopped it.
   */
  startupStatus(): Promise<AppError[]>;
  /** Tries again to open the workspace after a failed start; answers as `startupStatus`. */
  retryStartup(): Promise<AppError[]>;
  workspaceInfo(): Promise<WorkspaceInfo>;
  listOrganizations(): Promise<Organization[]>;
  addOrganization(slug: string, name: string): Promise<Organization>;
  listAgents(organizationId: string): Promise<Agent[]>;
  addAgent(organizationId: string, name: string): Promise<Agent>;
  renameAgent(organizationId: string, agentId: string, name: string): Promise<Agent>;
  /** Its numbers stay, unassigned; the answer says how many. */
  removeAgent(organizationId: string, agentId: string): Promise<AgentRemoval>;
  /** Numbers with no agent, agents with no number. */
  agentOrphans(organizationId: string): Promise<Orphans>;
  listNumbers(query: NumberQuery): Promise<NumberPage>;
  /** With `taskId`, `cancelTask(taskId)` stops the count at once (it then fails as
   * `Cancelled`). */
  countNumbers(filter: NumberFilter, taskId?: string): Promise<number>;
  /** Every number the query matches (not only the loaded rows; under the Health filter, only
   * those in that state) to a file chosen in the OS's save dialog; null when the dialog is
   * closed without one. */
  exportNumbers(query: NumberQuery, health: HealthState | null, format: Format): Promise<FileDone | null>;
  /** A CSV file chosen in the OS's open dialog into the organization, all of it or nothing
   * (a bad row fails the whole file, each bad line named); null when no file is chosen. */
  importNumbersFile(organizationId: string): Promise<FileDone | null>;
  /** The health of a page's numbers (E.164, at most 1,000), in their order. */
  numberHealth(organizationId: string, numbers: string[]): Promise<NumberHealth[]>;
  /** A page of the numbers whose health is `health` (the Health filter): at least `limit`
   * rows unless it is the last, at most twice `limit` less one. */
  listNumbersByHealth(query: NumberQuery, health: HealthState): Promise<NumberPage>;
  /** How many numbers the filter selects whose health is `health`. */
  countNumbersByHealth(filter: NumberFilter, health: HealthState): Promise<number>;
  getNumber(id: string): Promise<PhoneNumber>;
  checkNumber(number: string, region: string | null): Promise<NumberCheck>;
  addNumber(organizationId: string, number: NewNumber): Promise<PhoneNumber>;
  updateNumber(id: string, changes: NumberChange[]): Promise<PhoneNumber>;
  removeNumber(id: string): Promise<PhoneNumber>;
  /** Undoes the last edit or removal made since the app started; the number as it leaves it. */
  undoLast(): Promise<PhoneNumber>;
  bulkUpdate(
    taskId: string,
    organizationId: string,
    ids: string[],
    changes: NumberChange[],
    onProgress: (p: Progress) => void,
  ): Promise<BulkReport>;
  /** The same changes to every number `filter` matches (not only the loaded rows), in chunks. */
  updateMatching(taskId: string, filter: NumberFilter, changes: NumberChange[], onProgress: (p: Progress) => void): Promise<BulkReport>;
  cancelTask(taskId: string): Promise<boolean>;
  seedDemo(count: number, onProgress: (p: Progress) => void): Promise<SeedReport>;
  getSettings(): Promise<Settings>;
  saveSettings(settings: Settings): Promise<void>;
  /** Tells the backend the first screen has painted (startup measurement). */
  startupPainted(what: string): Promise<number>;
  onNumbersChanged(organizationId: string, f: (e: NumbersChanged) => void): Promise<UnlistenFn>;
  onOrganizationsChanged(f: () => void): Promise<UnlistenFn>;
  /** A background usage refresh added or completed records of the organization. */
  onUsageChanged(organizationId: string, f: () => void): Promise<UnlistenFn>;
  // Provider features (src-tauri/src/accounts.rs, providers.rs).
  listAccounts(organizationId: string): Promise<ProviderAccount[]>;
  /** The secret goes to the OS vault; it is never sent back. */
  addAccount(organizationId: string, account: NewAccount): Promise<ProviderAccount>;
  verifyAccount(organizationId: string, provider: Provider, accountId: string): Promise<AccountVerification>;
  refreshReadiness(organizationId: string, provider: Provider, accountId: string): Promise<Refreshed>;
  /** How many numbers of each organization are under a readiness alarm (the badges). */
  alarmCounts(): Promise<OrgAlarms[]>;
  /** What the backend tells the manager without being asked (also sent as an OS notification). */
  onAlert(f: (a: Alert) => void): Promise<UnlistenFn>;
  /** The add-account form as typed (no secret), by core's and the providers' rules. */
  checkAccount(draft: AccountDraft): Promise<AccountProblem[]>;
  /** Deletes the account's secret from the vault and its entry from the organization's list. */
  removeAccount(organizationId: string, provider: Provider, accountId: string): Promise<AccountRemoval>;
  importPreview(
    taskId: string,
    organizationId: string,
    provider: Provider,
    accountId: string,
    onProgress: (p: ListingProgress) => void,
  ): Promise<ImportPreview>;
  importNumbers(
    taskId: string,
    previewId: string,
    phoneNumbers: string[],
    refresh: string[],
    onProgress: (p: Progress) => void,
  ): Promise<ImportReport>;
  verifyNumbers(taskId: string, organizationId: string, ids: string[], onProgress: (p: Progress) => void): Promise<ProviderReport>;
  bulkSetWebhooks(
    taskId: string,
    organizationId: string,
    ids: string[],
    voiceUrl: string | null,
    smsUrl: string | null,
    allowShared: boolean,
    onProgress: (p: Progress) => void,
  ): Promise<ProviderReport>;
  /** What verifying `ids` will ask (accounts, numbers, requests); sends nothing. */
  planVerify(organizationId: string, ids: string[]): Promise<VerifyPlan>;
  /** The plan of `bulkSetWebhooks` with the same arguments; changes nothing. */
  planBulkWebhooks(
    taskId: string,
    organizationId: string,
    ids: string[],
    voiceUrl: string | null,
    smsUrl: string | null,
    allowShared: boolean,
    onProgress: (p: Progress) => void,
  ): Promise<BulkWebhookPlan>;
  /** Drift of `ids`, or of the whole organization when `ids` is null; changes nothing. */
  checkDrift(taskId: string, organizationId: string, ids: string[] | null, onProgress: (p: Progress) => void): Promise<DriftSummary>;
  /** The plan of `repairWebhooks`; changes nothing. */
  planRepair(taskId: string, organizationId: string, ids: string[], allowShared: boolean, onProgress: (p: Progress) => void): Promise<BulkWebhookPlan>;
  /** Sets the URLs on record at the provider for `ids`. */
  repairWebhooks(taskId: string, organizationId: string, ids: string[], allowShared: boolean, onProgress: (p: Progress) => void): Promise<ProviderReport>;
  planWebhooks(id: string, voiceUrl: string | null, smsUrl: string | null): Promise<WebhookPlanView>;
  setWebhooks(id: string, voiceUrl: string | null, smsUrl: string | null, allowShared: boolean): Promise<WebhookResult>;
  numberDrift(id: string): Promise<DriftView>;
  /** Opens the number's page in its provider's console (built and checked in Rust); the address opened. */
  openInConsole(id: string): Promise<string>;
  searchAvailable(provider: Provider, accountId: string, search: AvailableSearch): Promise<AvailableNumber[]>;
  /** Costs money: `confirmedNumber` must name the number. */
  buyNumber(organizationId: string, provider: Provider, accountId: string, number: string, confirmedNumber: string): Promise<PhoneNumber>;
  /** The account loses the number: `confirmedNumber` must name it. */
  releaseNumber(id: string, confirmedNumber: string): Promise<PhoneNumber>;

  // Team workspaces: profiles, connection, sync, conflicts.
  /** Adds a profile, or replaces the one called `originalName`; the password goes to the vault. */
  saveProfile(originalName: string | null, profile: ConnectionProfile, password: string | null): Promise<Settings>;
  removeProfile(name: string, forgetPassword: boolean): Promise<Settings>;
  passwordStored(profile: ConnectionProfile): Promise<boolean>;
  testConnection(profile: ConnectionProfile, password: string | null): Promise<ConnectionTest>;
  /** Opens the local workspace (null) or a profile's team workspace. */
  openWorkspace(profile: string | null): Promise<WorkspaceInfo>;
  teamStatus(): Promise<TeamStatus>;
  syncNow(onProgress: (p: SyncProgress) => void): Promise<TeamStatus>;
  cancelSync(): Promise<boolean>;
  listConflicts(): Promise<SyncConflict[]>;
  resolveConflict(id: number, keep: KeepVersion): Promise<SyncConflict>;
  onTeamStatus(f: (s: TeamStatus) => void): Promise<UnlistenFn>;
  onWorkspaceChanged(f: (w: WorkspaceInfo) => void): Promise<UnlistenFn>;
  /** The organization's usage from `from` to `to` (YYYY-MM-DD; null: the last 30 days). */
  usageReport(organizationId: string, from: string | null, to: string | null, by: GroupBy): Promise<UsageReport>;
  /** `rows` (grouped `by`, in this order) as the CSV the CLI's `usage report --format csv` writes. */
  usageReportCsv(by: GroupBy, rows: ReportRow[]): Promise<string>;
  /** One number's usage per day from `from` to `to` (null: the last 30 days) and its health. */
  numberUsage(organizationId: string, phoneNumber: string, from: string | null, to: string | null): Promise<NumberUsageReport>;
  /** Pulls the organization's call and message records; `cancelTask(taskId)` stops it. */
  usageSync(
    taskId: string,
    organizationId: string,
    accountId: string | null,
    onProgress: (p: UsageSyncProgress) => void,
  ): Promise<AccountSynced[]>;
}

/** The client of the running app. */
export const client: Client = {
  startupStatus: () => call("startup_status"),
  retryStartup: () => call("retry_startup"),
  workspaceInfo: () => call("workspace_info"),
  listOrganizations: () => call("list_organizations"),
  addOrganization: (slug, name) => call("add_organization", { slug, name }),
  listAgents: (organizationId) => call("list_agents", { organizationId }),
  addAgent: (organizationId, name) => call("add_agent", { organizationId, name }),
  renameAgent: (organizationId, agentId, name) => call("rename_agent", { organizationId, agentId, name }),
  removeAgent: (organizationId, agentId) => call("remove_agent", { organizationId, agentId }),
  agentOrphans: (organizationId) => call("agent_orphans", { organizationId }),
  listNumbers: (query) => call("list_numbers", { query }),
  countNumbers: (filter, taskId) => call("count_numbers", { filter, taskId: taskId ?? null }),
  exportNumbers: (query, health, format) => call("export_numbers", { query, health, format }),
  importNumbersFile: (organizationId) => call("import_numbers_file", { organizationId }),
  numberHealth: (organizationId, numbers) => call("number_health", { organizationId, numbers }),
  listNumbersByHealth: (query, health) => call("list_numbers_by_health", { query, health }),
  countNumbersByHealth: (filter, health) => call("count_numbers_by_health", { filter, health }),
  getNumber: (id) => call("get_number", { id }),
  checkNumber: (number, region) => call("check_number", { number, region }),
  addNumber: (organizationId, number) => call("add_number", { organizationId, number }),
  updateNumber: (id, changes) => call("update_number", { id, changes }),
  removeNumber: (id) => call("remove_number", { id }),
  undoLast: () => call("undo_last"),
  bulkUpdate: (taskId, organizationId, ids, changes, onProgress) =>
    call("bulk_update", {
      taskId,
      organizationId,
      ids,
      changes,
      onProgress: channel(onProgress),
    }),
  updateMatching: (taskId, filter, changes, onProgress) =>
    call("update_matching", { taskId, filter, changes, onProgress: channel(onProgress) }),
  cancelTask: (taskId) => call("cancel_task", { taskId }),
  seedDemo: (count, onProgress) => call("seed_demo", { count, onProgress: channel(onProgress) }),
  getSettings: () => call("get_settings"),
  saveSettings: (settings) => call("save_settings", { settings }),
  startupPainted: (what) => call("startup_painted", { what }),
  onNumbersChanged: (organizationId, f) =>
    listen<NumbersChanged>(events.numbersChanged(organizationId), (e) => f(e.payload)),
  onOrganizationsChanged: (f) => listen(events.organizationsChanged, () => f()),
  onUsageChanged: (organizationId, f) => listen(events.usageChanged(organizationId), () => f()),
  listAccounts: (organizationId) => call("list_accounts", { organizationId }),
  addAccount: (organizationId, account) => call("add_account", { organizationId, account }),
  verifyAccount: (organizationId, provider, accountId) => call("verify_account", { organizationId, provider, accountId }),
  alarmCounts: () => call("alarm_counts"),
  onAlert: (f) => listen<Alert>(events.alert, (e) => f(e.payload)),
  refreshReadiness: (organizationId, provider, accountId) =>
    call("refresh_readiness", { organizationId, provider, accountId }),
  checkAccount: (draft) => call("check_account", { draft }),
  removeAccount: (organizationId, provider, accountId) => call("remove_account", { organizationId, provider, accountId }),
  importPreview: (taskId, organizationId, provider, accountId, onProgress) =>
    call("import_preview", { taskId, organizationId, provider, accountId, onProgress: channel(onProgress) }),
  importNumbers: (taskId, previewId, phoneNumbers, refresh, onProgress) =>
    call("import_numbers", { taskId, previewId, phoneNumbers, refresh, onProgress: channel(onProgress) }),
  verifyNumbers: (taskId, organizationId, ids, onProgress) =>
    call("verify_numbers", { taskId, organizationId, ids, onProgress: channel(onProgress) }),
  bulkSetWebhooks: (taskId, organizationId, ids, voiceUrl, smsUrl, allowShared, onProgress) =>
    call("bulk_set_webhooks", { taskId, organizationId, ids, voiceUrl, smsUrl, allowShared, onProgress: channel(onProgress) }),
  planVerify: (organizationId, ids) => call("plan_verify", { organizationId, ids }),
  planBulkWebhooks: (taskId, organizationId, ids, voiceUrl, smsUrl, allowShared, onProgress) =>
    call("plan_bulk_webhooks", { taskId, organizationId, ids, voiceUrl, smsUrl, allowShared, onProgress: channel(onProgress) }),
  checkDrift: (taskId, organizationId, ids, onProgress) => call("check_drift", { taskId, organizationId, ids, onProgress: channel(onProgress) }),
  planRepair: (taskId, organizationId, ids, allowShared, onProgress) =>
    call("plan_repair", { taskId, organizationId, ids, allowShared, onProgress: channel(onProgress) }),
  repairWebhooks: (taskId, organizationId, ids, allowShared, onProgress) =>
    call("repair_webhooks", { taskId, organizationId, ids, allowShared, onProgress: channel(onProgress) }),
  planWebhooks: (id, voiceUrl, smsUrl) => call("plan_webhooks", { id, voiceUrl, smsUrl }),
  setWebhooks: (id, voiceUrl, smsUrl, allowShared) => call("set_webhooks", { id, voiceUrl, smsUrl, allowShared }),
  numberDrift: (id) => call("number_drift", { id }),
  openInConsole: (id) => call("open_in_console", { id }),
  searchAvailable: (provider, accountId, search) => call("search_available", { provider, accountId, search }),
  buyNumber: (organizationId, provider, accountId, number, confirmedNumber) =>
    call("buy_number", { organizationId, provider, accountId, number, confirmedNumber }),
  releaseNumber: (id, confirmedNumber) => call("release_number", { id, confirmedNumber }),
  saveProfile: (originalName, profile, password) => call("save_profile", { originalName, profile, password }),
  removeProfile: (name, forgetPassword) => call("remove_profile", { name, forgetPassword }),
  passwordStored: (profile) => call("password_stored", { profile }),
  testConnection: (profile, password) => call("test_connection", { profile, password }),
  openWorkspace: (profile) => call("open_workspace", { profile }),
  teamStatus: () => call("team_status"),
  syncNow: (onProgress) => call("sync_now", { onProgress: channel(onProgress) }),
  cancelSync: () => call("cancel_sync"),
  listConflicts: () => call("list_conflicts"),
  resolveConflict: (id, keep) => call("resolve_conflict", { id, keep }),
  onTeamStatus: (f) => listen<TeamStatus>(events.teamStatus, (e) => f(e.payload)),
  onWorkspaceChanged: (f) => listen<WorkspaceInfo>(events.workspaceChanged, (e) => f(e.payload)),
  usageReport: (organizationId, from, to, by) => call("usage_report", { organizationId, from, to, by }),
  usageReportCsv: (by, rows) => call("usage_report_csv", { by, rows }),
  numberUsage: (organizationId, phoneNumber, from, to) => call("number_usage", { organizationId, phoneNumber, from, to }),
  usageSync: (taskId, organizationId, accountId, onProgress) =>
    call("usage_sync", { taskId, organizationId, accountId, onProgress: channel(onProgress) }),
};
