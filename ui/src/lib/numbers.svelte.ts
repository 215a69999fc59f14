/**
 * The numbers table's data: one organization's numbers under the current search, filters and
 * sort, fetched page by page with the backend's keyset cursor.
 *
 * - The first page is small (fast to paint); later pages are large and load as the table
 *   scrolls near the end of what is loaded.
 * - Search-as-you-type is debounced by the request in flight: the first keystroke is sent at
 *   once; keystrokes typed while a page request is in flight coalesce into one follow-up
 *   request with the latest text (an optional timer debounce can be added on top). Stale
 *   answers are dropped: every reload bumps a generation, and a response from an older
 *   generation is ignored.
 * - The exact count is asked for separately, after the first page (and, in the app, after a
 *   short pause in typing), so it never delays rows; a count still running when the query
 *   changes again is stopped (a one-letter name count walks every number: left running, it
 *   would take a core from the next keystroke's page).
 * - Under the Health filter, pages and the count come from the health commands (ops judges
 *   the health and walks the list; a page then holds at least its size of rows).
 */
import type { Client, Health, NumberPage, NumberQuery, PhoneNumber, SortField, ViewFilters } from "./client";
import { toClientError, type ClientError } from "./client";

export const FIRST_PAGE = 60;
export const NEXT_PAGE = 300;
/** The most numbers one health call judges (`switchboard_ops::usage::MAX_HEALTH_BATCH`). */
export const HEALTH_BATCH = 1000;

/** The search and filters: a saved view's (`ViewFilters`, generated from Rust). */
export type Filters = ViewFilters;

export function emptyFilters(): Filters {
  return { search: "", provider: null, status: null, agent: null, capabilities: [], country: null, numberType: null, readiness: null, needsAttention: false, health: null };
}

export interface SortState {
  field: SortField;
  descending: boolean;
}

export class NumbersView {
  rows = $state.raw<PhoneNumber[]>([]);
  total = $state<number | null>(null);
  loading = $state(false);
  loadingMore = $state(false);
  error = $state<ClientError | null>(null);
  organizationId = $state<string | null>(null);
  filters = $state<Filters>(emptyFilters());
  /** Only the numbers under a readiness alarm (the organization's badge): not part of a saved
   * view, cleared when another view is shown. */
  alarmOnly = $state(false);
  sort = $state<SortState>({ field: "number", descending: false });
  /** The search text of the rows shown (lags `filters.search` while a request runs). */
  shownSearch = $state("");
  /** Milliseconds from the last input change to its rows being set (for benchmarks). */
  lastLatencyMs = $state<number | null>(null);
  /** Each loaded number's health (by E.164), while the Health column is shown. */
  health = $state.raw<Map<string, Health>>(new Map());

  #healthWanted = false;
  #healthAsked = new Set<string>();

  #next: string | null = null;
  #generation = 0;
  #inFlight = false;
  #pending = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #changedAt = 0;
  /** The task id of the count running now, if any (`cancelTask` stops it). */
  #counting: string | null = null;

  constructor(
    private client: Client,
    private debounceMs = 0,
    private onError: (e: ClientError) => void = () => {},
    private countDelayMs = 0,
  ) {}

  get hasMore(): boolean {
    return this.#next !== null;
  }

  /** The table's query: its filters and order, `limit` rows after `after` (null: from the
   * first row; an export reads every page from there). */
  queryFor(organizationId: string, limit = FIRST_PAGE, after: string | null = null): NumberQuery {
    return { filter: this.filterFor(organizationId), sort: this.sort.field, descending: this.sort.descending, limit, after };
  }

  filterFor(organizationId: string) {
    const f = this.filters;
    return {
      organizationId,
      search: f.search.trim() === "" ? null : f.search,
      provider: f.provider,
      status: f.status,
      agent: f.agent,
      capabilities: [...f.capabilities],
      country: f.country,
      numberType: f.numberType,
      ...(this.alarmOnly ? { alarm: true } : {}),
      readiness: f.readiness ?? undefined,
      needsAttention: f.needsAttention,
    };
  }

  setOrganization(id: string | null) {
    this.organizationId = id;
    this.health = new Map();
    this.#healthAsked = new Set();
    this.reload();
  }

  /**
   * Whether the Health column is shown: while it is, each loaded page's numbers are judged in
   * one call after the page is shown (never before: the keystroke's path does not wait for
   * it); health does not depend on the filters, so a number is asked about once.
   */
  wantHealth(on: boolean) {
    this.#healthWanted = on;
    if (on) void this.#askHealth(this.rows);
  }

  /** A first page's health, once typing pauses as for the count (a newer query replaces it). */
  async #healthAfterPause(rows: PhoneNumber[], generation: number) {
    if (!this.#healthWanted) return;
    if (this.countDelayMs > 0) await new Promise((r) => setTimeout(r, this.countDelayMs));
    if (generation === this.#generation) await this.#askHealth(rows);
  }

  async #askHealth(rows: PhoneNumber[]) {
    const org = this.organizationId;
    if (!this.#healthWanted || !org) return;
    const numbers = rows.map((r) => r.phoneNumber).filter((n) => !this.#healthAsked.has(n));
    for (let i = 0; i < numbers.length; i += HEALTH_BATCH) {
      const batch = numbers.slice(i, i + HEALTH_BATCH);
      batch.forEach((n) => this.#healthAsked.add(n));
      try {
        const judged = await this.client.numberHealth(org, batch);
        if (org !== this.organizationId) return;
        const next = new Map(this.health);
        for (const h of judged) next.set(h.phoneNumber, h.health);
        this.health = next;
      } catch (e) {
        batch.forEach((n) => this.#healthAsked.delete(n));
        this.#fail(e);
        return;
      }
    }
  }

  setSearch(text: string) {
    this.filters.search = text;
    this.#changedAt = performance.now();
    if (this.#timer) clearTimeout(this.#timer);
    if (this.debounceMs <= 0) {
      this.reload();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.reload();
    }, this.debounceMs);
  }

  setFilters(patch: Partial<Filters>) {
    this.filters = { ...this.filters, ...patch };
    this.#changedAt = performance.now();
    this.reload();
  }

  toggleSort(field: SortField) {
    this.sort =
      this.sort.field === field
        ? { field, descending: !this.sort.descending }
        : { field, descending: false };
    this.#changedAt = performance.now();
    this.reload();
  }

  /** Shows the numbers under a readiness alarm (`on`), or stops narrowing to them. */
  showAlarms(on = true) {
    this.alarmOnly = on;
    if (on) this.filters = emptyFilters();
    this.#changedAt = performance.now();
    this.reload();
  }

  /** Shows a view's search, filters and order at once (one reload). */
  show(filters: Filters, sort: SortState) {
    this.alarmOnly = false;
    this.filters = { ...filters, capabilities: [...filters.capabilities] };
    this.sort = { ...sort };
    this.#changedAt = performance.now();
    this.reload();
  }

  /** Starts over from the first page (stale responses are dropped). */
  reload() {
    this.#generation++;
    this.#stopCount();
    if (this.#inFlight) {
      this.#pending = true;
      return;
    }
    void this.#fetchFirst();
  }

  async #fetchFirst() {
    const org = this.organizationId;
    const generation = this.#generation;
    if (!org) {
      this.rows = [];
      this.total = null;
      this.#next = null;
      return;
    }
    this.#inFlight = true;
    this.loading = true;
    const query = this.queryFor(org, FIRST_PAGE);
    const { filter } = query;
    const search = this.filters.search;
    try {
      const page = await this.#page(query);
      if (generation === this.#generation) {
        this.rows = page.items;
        this.#next = page.next;
        this.shownSearch = search;
        this.error = null;
        if (this.#changedAt) this.lastLatencyMs = performance.now() - this.#changedAt;
        void this.#count(filter, generation);
        void this.#healthAfterPause(page.items, generation);
      }
    } catch (e) {
      if (generation === this.#generation) this.#fail(e);
    } finally {
      this.#inFlight = false;
      this.loading = false;
      if (this.#pending) {
        this.#pending = false;
        void this.#fetchFirst();
      }
    }
  }

  async #count(filter: NumberQuery["filter"], generation: number) {
    this.total = null;
    // While the manager is still typing, a newer query will replace this one: wait a moment so
    // counts of intermediate text never compete with the next keystroke's page.
    if (this.countDelayMs > 0) await new Promise((r) => setTimeout(r, this.countDelayMs));
    if (generation !== this.#generation) return;
    const health = this.filters.health ?? null;
    let task: string | null = null;
    try {
      let n: number;
      if (health === null) {
        task = this.#counting = crypto.randomUUID();
        n = await this.client.countNumbers(filter, task);
      } else {
        n = await this.client.countNumbersByHealth(filter, health);
      }
      if (generation === this.#generation) this.total = n;
    } catch (e) {
      if (generation === this.#generation) this.#fail(e);
    } finally {
      if (this.#counting === task) this.#counting = null;
    }
  }

  /** Stops the count still running for an older query (its answer would be dropped). */
  #stopCount() {
    const task = this.#counting;
    if (task === null) return;
    this.#counting = null;
    void this.client.cancelTask(task).catch(() => {});
  }

  /** Loads the next page, if any and if none is loading. */
  async loadMore() {
    const org = this.organizationId;
    if (!org || !this.#next || this.loadingMore || this.#inFlight) return;
    const generation = this.#generation;
    this.loadingMore = true;
    try {
      const page = await this.#page(this.queryFor(org, NEXT_PAGE, this.#next));
      if (generation === this.#generation) {
        this.rows = [...this.rows, ...page.items];
        this.#next = page.next;
        void this.#askHealth(page.items);
      }
    } catch (e) {
      if (generation === this.#generation) this.#fail(e);
    } finally {
      this.loadingMore = false;
    }
  }

  /** A page of the query, under the Health filter when one is chosen. */
  #page(query: NumberQuery): Promise<NumberPage> {
    const health = this.filters.health ?? null;
    return health === null ? this.client.listNumbers(query) : this.client.listNumbersByHealth(query, health);
  }

  /** Replaces one row in place after an edit (no reload, no scroll jump). */
  replace(n: PhoneNumber) {
    const i = this.rows.findIndex((r) => r.id === n.id);
    if (i >= 0) {
      const copy = this.rows.slice();
      copy[i] = n;
      this.rows = copy;
    }
  }

  #fail(e: unknown) {
    const err = toClientError(e);
    this.error = err;
    this.onError(err);
  }
}
