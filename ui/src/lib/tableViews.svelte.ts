/**
 * The numbers table's views as the manager uses them: the columns shown, the saved views, and
 * the view shown now, which is kept in the settings (`lastView`) a moment after each change so
 * that it returns after a restart. Saving never happens on the keystroke's path: a change only
 * (re)starts a timer.
 */
import type { Agent, Column, Settings, View } from "./client";
import type { ClientError } from "./client";
import { toClientError } from "./client";
import type { NumbersView } from "./numbers.svelte";
import type { SettingsStore } from "./settings.svelte";
import { DEFAULT_COLUMNS, deleteView, filtersFor, findView, sameView, saveView } from "./views";

export class TableViews {
  views = $state.raw<View[]>([]);
  columns = $state.raw<Column[]>([...DEFAULT_COLUMNS]);
  /** The saved view last chosen or saved (shown as chosen while the table still matches it). */
  chosen = $state("");

  #timer: ReturnType<typeof setTimeout> | null = null;
  #saved = "";
  /** The view the running timer will keep. */
  #pending = "";

  constructor(
    private table: NumbersView,
    private store: SettingsStore,
    private onError: (e: ClientError) => void = () => {},
    private delayMs = 400,
  ) {}

  /** The view the table shows now. */
  current(): View {
    const f = this.table.filters;
    return {
      name: this.shownName,
      filters: { ...f, capabilities: [...f.capabilities] },
      columns: [...this.columns],
      sort: this.table.sort.field,
      descending: this.table.sort.descending,
    };
  }

  /** The name of the saved view the table shows exactly, or "". */
  get shownName(): string {
    const v = this.chosen ? findView(this.views, this.chosen) : undefined;
    if (!v) return "";
    const f = this.table.filters;
    const now: View = { name: v.name, filters: f, columns: this.columns, sort: this.table.sort.field, descending: this.table.sort.descending };
    return sameView(v, now) ? v.name : "";
  }

  /** At start: the saved views, and the view shown last (before the first page is asked for). */
  restore(settings: Settings) {
    this.views = settings.views;
    const last = settings.lastView;
    this.columns = [...last.columns];
    this.chosen = last.name;
    this.table.filters = { ...last.filters, capabilities: [...last.filters.capabilities] };
    this.table.sort = { field: last.sort, descending: last.descending };
    this.#saved = JSON.stringify(this.current());
  }

  /** Shows the saved view called `name`, for an organization whose agents are `agents`. */
  choose(name: string, agents: Agent[]) {
    const v = findView(this.views, name);
    if (!v) return;
    this.chosen = v.name;
    this.columns = [...v.columns];
    this.table.show(filtersFor(v.filters, agents), { field: v.sort, descending: v.descending });
  }

  setColumns(columns: Column[]) {
    this.columns = columns;
  }

  /** Saves what the table shows as the view `name` (replacing one of that name). */
  async save(name: string): Promise<void> {
    const view = { ...this.current(), name: name.trim() };
    const views = saveView(this.views, view);
    await this.#write((s) => ({ ...s, views, lastView: view }));
    this.views = views;
    this.chosen = view.name;
  }

  /** Deletes the saved view `name`; the table keeps showing what it shows. */
  async remove(name: string): Promise<void> {
    const views = deleteView(this.views, name);
    const last = { ...this.current(), name: "" };
    await this.#write((s) => ({ ...s, views, lastView: last }));
    this.views = views;
    if (this.chosen.toLowerCase() === name.toLowerCase()) this.chosen = "";
  }

  /** After any change to the table's filters, order or columns: keeps the view shown, soon
   * (at most the delay after the view last changed: a call with the view already waiting to
   * be kept, as when the caller runs again for another reason, does not put it off). */
  changed() {
    const now = JSON.stringify(this.current());
    if (now === this.#saved) return;
    if (this.#timer && now === this.#pending) return;
    this.#pending = now;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.flush();
    }, this.delayMs);
  }

  /** Keeps the view shown now in the settings (if it changed since it was last kept). */
  async flush(): Promise<void> {
    const view = this.current();
    const json = JSON.stringify(view);
    if (json === this.#saved) return;
    try {
      await this.#write((s) => ({ ...s, lastView: view }));
    } catch (e) {
      this.onError(toClientError(e));
    }
  }

  async #write(change: (s: Settings) => Settings) {
    const saved = await this.store.update(change);
    this.#saved = JSON.stringify(saved.lastView);
  }
}
