/**
 * Views of the numbers table: which columns it shows and how each is drawn, which columns
 * sort, and the saved views (kept in the app's settings, checked again by the backend:
 * `switchboard_ops::views`). Pure functions, unit-tested.
 */
import type { Agent, Column, Health, PhoneNumber, SortField, View, ViewFilters } from "./client";
import { countryName, day, numberTypeLabel, when } from "./format";
import { emptyFilters } from "./numbers.svelte";

/** Each column's header; its keys are every column the chooser offers, in its order. */
export const COLUMN_LABELS: Record<Column, string> = {
  name: "Name",
  provider: "Provider",
  status: "Status",
  readiness: "Readiness",
  health: "Health",
  agent: "Agent",
  capabilities: "Capabilities",
  type: "Type",
  country: "Country",
  region: "Region",
  locality: "Locality",
  webhook: "Webhook",
  account: "Account",
  lastVerified: "Last verified",
  created: "Created",
  updated: "Updated",
};

export const COLUMNS = Object.keys(COLUMN_LABELS) as Column[];

/** What the table shows before the manager chooses (`Column::DEFAULT` in Rust). */
export const DEFAULT_COLUMNS: Column[] = ["name", "provider", "status", "agent", "capabilities", "updated"];

/** Each column's width in the table's grid. */
const WIDTHS: Record<Column, string> = {
  name: "minmax(80px, 1.2fr)",
  provider: "100px",
  status: "86px",
  readiness: "128px",
  health: "124px",
  agent: "minmax(70px, 1fr)",
  capabilities: "130px",
  type: "minmax(80px, 140px)",
  country: "minmax(70px, 0.8fr)",
  region: "minmax(60px, 0.7fr)",
  locality: "minmax(60px, 0.8fr)",
  webhook: "minmax(90px, 1.2fr)",
  account: "minmax(80px, 1fr)",
  lastVerified: "104px",
  created: "104px",
  updated: "112px",
};

/** The grid columns of a row: the checkbox, the number, then the chosen columns. */
export function gridTemplate(columns: Column[]): string {
  return ["36px", "minmax(190px, 1.3fr)", ...columns.map((c) => WIDTHS[c])].join(" ");
}

/** The sort a column's header asks for (the CLI's `--sort` fields); null when it does not sort. */
export function sortFieldOf(column: Column | "number"): SortField | null {
  switch (column) {
    case "number":
      return "number";
    case "name":
      return "friendly_name";
    case "created":
      return "created";
    case "updated":
      return "updated";
    default:
      return null;
  }
}

/** A text fact of the number's metadata ("state", "locality"), when it holds one. */
function metaText(n: PhoneNumber, key: string): string | null {
  const v = n.metadata?.[key];
  return typeof v === "string" && v.trim() !== "" ? v : null;
}

/**
 * What a plain-text column shows for a number (and its tooltip); the columns drawn with
 * markup (provider, status, capabilities) are left to the table.
 */
export function cellText(n: PhoneNumber, column: Column, agentNames: Map<string, string>): { text: string; title: string } {
  const plain = (text: string | null, title = text ?? "") => ({ text: text ?? "—", title });
  switch (column) {
    case "name":
      return { text: n.friendlyName ?? "", title: n.friendlyName ?? "" };
    case "agent":
      return plain(n.agentId ? (agentNames.get(n.agentId) ?? "Unknown agent") : null);
    case "type":
      return plain(numberTypeLabel(n.numberType));
    case "country":
      return plain(n.country ? countryName(n.country) : "International");
    case "region":
      return plain(metaText(n, "state"));
    case "locality":
      return plain(metaText(n, "locality"));
    case "webhook":
      return plain(n.webhookUrl);
    case "account":
      return plain(n.accountId);
    case "lastVerified":
      return n.lastVerifiedAt ? plain(day(n.lastVerifiedAt), when(n.lastVerifiedAt)) : plain("never");
    case "created":
      return plain(day(n.createdAt), when(n.createdAt));
    case "updated":
      return plain(day(n.updatedAt), when(n.updatedAt));
    default:
      return plain(null);
  }
}

/** The columns in the chooser's order, with `column` turned on or off (the number stays). */
export function toggleColumn(columns: Column[], column: Column): Column[] {
  if (columns.includes(column)) return columns.filter((c) => c !== column);
  const on = new Set([...columns, column]);
  return COLUMNS.filter((c) => on.has(c));
}

const key = (name: string) => name.trim().toLowerCase();

/** Why a name cannot be saved (blank, too long), or null. Saving over a view of the same name replaces it. */
export function viewNameProblem(name: string): string | null {
  const t = name.trim();
  if (t === "") return "Give the view a name.";
  if ([...t].length > 60) return "At most 60 characters.";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(t)) return "No control characters.";
  return null;
}

/** The saved view called `name` (whatever its case), if any. */
export function findView(views: View[], name: string): View | undefined {
  return views.find((v) => key(v.name) === key(name));
}

/** `views` with `view` saved: replacing the one of the same name (whatever its case), else added; sorted by name. */
export function saveView(views: View[], view: View): View[] {
  const named = { ...view, name: view.name.trim() };
  const rest = views.filter((v) => key(v.name) !== key(named.name));
  return [...rest, named].sort((a, b) => key(a.name).localeCompare(key(b.name)));
}

/** `views` without the one called `name`. */
export function deleteView(views: View[], name: string): View[] {
  return views.filter((v) => key(v.name) !== key(name));
}

function sameFilters(a: ViewFilters, b: ViewFilters): boolean {
  const agent = (f: ViewFilters) => (f.agent === null ? "" : f.agent.kind === "unassigned" ? "none" : f.agent.id);
  return (
    a.search === b.search &&
    a.provider === b.provider &&
    a.status === b.status &&
    agent(a) === agent(b) &&
    a.country === b.country &&
    a.numberType === b.numberType &&
    a.readiness === b.readiness &&
    a.needsAttention === b.needsAttention &&
    (a.health ?? null) === (b.health ?? null) &&
    [...a.capabilities].sort().join() === [...b.capabilities].sort().join()
  );
}

/** Whether any filter (search aside) narrows the table. */
export function filtering(f: ViewFilters): boolean {
  return !sameFilters(f, clearedFilters(f));
}

/** The filters with every one cleared (the search stays). */
export function clearedFilters(f: ViewFilters): ViewFilters {
  return { ...emptyFilters(), search: f.search };
}

/** Whether the table shows exactly what a saved view holds (its name then stays selected). */
export function sameView(a: View, b: View): boolean {
  return sameFilters(a.filters, b.filters) && a.columns.join() === b.columns.join() && a.sort === b.sort && a.descending === b.descending;
}

/** A view's filters for an organization whose agents are `agents`: an agent it does not have is dropped. */
export function filtersFor(filters: ViewFilters, agents: Agent[]): ViewFilters {
  const agent = filters.agent;
  if (agent?.kind === "assigned" && !agents.some((a) => a.id === agent.id)) return { ...filters, agent: null };
  return { ...filters, capabilities: [...filters.capabilities] };
}

/** How the Health column shows a number: a word (never colour alone), its tone, and its figures. */
export function healthBadge(h: Health | undefined): { label: string; tone: string; title: string } {
  if (!h) return { label: "…", tone: "unchecked", title: "Reading the number's calls…" };
  const pct = (x: number | null) => (x === null ? "—" : `${Math.round(x * 100)}%`);
  const figures =
    h.calls === 0
      ? "No calls in the last 7 days."
      : `Answer rate ${pct(h.answer_rate)} of ${h.calls} calls in the last 7 days; short answers ${pct(h.short_share)}, failed ${pct(h.failed_share)}.`;
  switch (h.state) {
    case "healthy":
      return { label: "Healthy", tone: "ready", title: `Healthy. ${figures}` };
    case "at_risk":
      return { label: "At risk", tone: "blocked", title: `At risk. ${figures}` };
    default:
      return { label: "Too few calls", tone: "unchecked", title: `Insufficient data. ${figures}` };
  }
}
