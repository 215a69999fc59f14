/**
 * The import-from-provider wizard's state: choose an account → list what it owns (progress,
 * cancellable) → choose numbers (new ones preselected; "different" ones can be refreshed;
 * "present" ones have nothing to do) → import with progress → the result report.
 * No rules here: the backend compares, validates and imports; this only walks the steps.
 */
import type { Client, ImportCandidate, ImportPreview, ImportReport, ListingProgress, Progress, ProviderAccount } from "./client";
import { toClientError } from "./client";

export type ImportStep = "account" | "listing" | "review" | "importing" | "done";

export class ImportFlow {
  step = $state<ImportStep>("account");
  account = $state<ProviderAccount | null>(null);
  listing = $state<ListingProgress | null>(null);
  preview = $state<ImportPreview | null>(null);
  /** New numbers chosen for import (E.164). */
  chosen = $state<Set<string>>(new Set());
  /** Different numbers chosen to be refreshed from the provider (E.164). */
  refresh = $state<Set<string>>(new Set());
  progress = $state<Progress | null>(null);
  report = $state<ImportReport | null>(null);
  error = $state<string | null>(null);
  private taskId: string | null = null;

  constructor(
    private readonly client: Client,
    private readonly organizationId: string,
  ) {}

  /** How many listed numbers are new, already present, different. */
  get counts() {
    const c = { new: 0, present: 0, different: 0 };
    for (const n of this.preview?.candidates ?? []) c[n.state] += 1;
    return c;
  }

  /** Numbers that can be chosen (new: import; different: refresh). */
  get choosable(): ImportCandidate[] {
    return (this.preview?.candidates ?? []).filter((n) => n.state !== "present");
  }

  get selectedCount() {
    return this.chosen.size + this.refresh.size;
  }

  /** Whether an import writes anything: chosen numbers, or SMS webhook URLs to record (every
   * number of the organization with none on record that the provider has one for). */
  get writesAnything() {
    return this.selectedCount > 0 || (this.preview?.smsUnrecorded ?? 0) > 0;
  }

  isChosen(n: ImportCandidate): boolean {
    return n.state === "new" ? this.chosen.has(n.phoneNumber) : n.state === "different" && this.refresh.has(n.phoneNumber);
  }

  async list(account: ProviderAccount) {
    this.account = account;
    this.error = null;
    this.step = "listing";
    this.listing = { pages: 0, fetched: 0, total: null };
    const id = crypto.randomUUID();
    this.taskId = id;
    try {
      const preview = await this.client.importPreview(id, this.organizationId, account.provider, account.accountId, (p) => (this.listing = p));
      this.preview = preview;
      this.chosen = new Set(preview.candidates.filter((n) => n.state === "new").map((n) => n.phoneNumber));
      this.refresh = new Set();
      this.step = "review";
    } catch (e) {
      const ce = toClientError(e);
      this.error = ce.code === "Cancelled" ? "Listing cancelled; nothing was imported." : ce.message;
      this.step = "account";
    } finally {
      this.taskId = null;
    }
  }

  /** Stops the listing or the import in progress (numbers already imported stay). */
  cancel() {
    if (this.taskId) void this.client.cancelTask(this.taskId);
  }

  toggle(n: ImportCandidate) {
    if (n.state === "present") return;
    const set = new Set(n.state === "new" ? this.chosen : this.refresh);
    if (set.has(n.phoneNumber)) set.delete(n.phoneNumber);
    else set.add(n.phoneNumber);
    if (n.state === "new") this.chosen = set;
    else this.refresh = set;
  }

  /** Every new number (and refresh every different one). */
  selectAll() {
    const all = this.preview?.candidates ?? [];
    this.chosen = new Set(all.filter((n) => n.state === "new").map((n) => n.phoneNumber));
    this.refresh = new Set(all.filter((n) => n.state === "different").map((n) => n.phoneNumber));
  }

  selectNone() {
    this.chosen = new Set();
    this.refresh = new Set();
  }

  async importChosen() {
    if (!this.preview || !this.writesAnything) return;
    this.error = null;
    this.step = "importing";
    this.progress = { done: 0, total: this.selectedCount + this.preview.smsUnrecorded };
    const id = crypto.randomUUID();
    this.taskId = id;
    try {
      this.report = await this.client.importNumbers(id, this.preview.previewId, [...this.chosen], [...this.refresh], (p) => (this.progress = p));
      this.step = "done";
    } catch (e) {
      this.error = toClientError(e).message;
      this.step = "review";
    } finally {
      this.taskId = null;
      this.progress = null;
    }
  }

  /** Back to the first step, e.g. to import from another account. */
  restart() {
    this.step = "account";
    this.preview = null;
    this.report = null;
    this.error = null;
    this.chosen = new Set();
    this.refresh = new Set();
  }
}
