/**
 * A provider task run from a component (a plan, a drift check, a bulk action): a new task id
 * while it runs (for Cancel), its progress, and a toast when it fails.
 */
import type { Client, Progress, ProviderReport } from "./client";
import { toClientError } from "./client";
import { reportSummary } from "./providers";
import { ERROR_TITLES, toasts } from "./toasts.svelte";

export class ProgressTask {
  /** The progress of the task under way; null when none runs. */
  progress = $state<Progress | null>(null);
  private id: string | null = null;

  /** Runs `f` under a new task id, its progress starting at `{ done: 0, total }`; null when
   * it failed (an error toast says why) or was cancelled before it had anything to report (an
   * information toast says so: a Cancel while the numbers were still read). */
  async run<T>(total: number, f: (id: string, onProgress: (p: Progress) => void) => Promise<T>): Promise<T | null> {
    const id = crypto.randomUUID();
    this.id = id;
    this.progress = { done: 0, total };
    try {
      return await f(id, (p) => (this.progress = p));
    } catch (e) {
      const ce = toClientError(e);
      if (ce.code === "Cancelled") toasts.info(ce.message, ERROR_TITLES.Cancelled);
      else toasts.error(ce);
      return null;
    } finally {
      this.progress = null;
      this.id = null;
    }
  }

  /** [`run`] for a bulk action that ends with a report: a toast titled `title` summarizes it
   * (an error toast when a number failed). */
  async report(
    title: string,
    total: number,
    f: (id: string, onProgress: (p: Progress) => void) => Promise<ProviderReport>,
  ): Promise<ProviderReport | null> {
    const r = await this.run(total, f);
    if (r) toasts.push(r.failed ? "error" : "info", title, reportSummary(r));
    return r;
  }

  /** Asks the backend to stop the task under way, if any. The id is known before the backend
   * registers the task, and a cancel that arrives first still stops it (the backend keeps it). */
  cancel(client: Client) {
    if (this.id) void client.cancelTask(this.id);
  }
}
