/**
 * A provider task run from a component (a plan, a drift check, a bulk action): a new task id
 * while it runs (for Cancel), its progress, and a toast when it fails.
 */
import type { Client, Progress } from "./client";
import { toClientError } from "./client";
import { toasts } from "./toasts.svelte";

export class ProgressTask {
  /** The progress of the task under way; null when none runs. */
  progress = $state<Progress | null>(null);
  private id: string | null = null;

  /** Runs `f` under a new task id, its progress starting at `{ done: 0, total }`; null when
   * it failed (a toast says why). */
  async run<T>(total: number, f: (id: string, onProgress: (p: Progress) => void) => Promise<T>): Promise<T | null> {
    const id = crypto.randomUUID();
    this.id = id;
    this.progress = { done: 0, total };
    try {
      return await f(id, (p) => (this.progress = p));
    } catch (e) {
      toasts.error(toClientError(e));
      return null;
    } finally {
      this.progress = null;
      this.id = null;
    }
  }

  /** Asks the backend to stop the task under way, if any. */
  cancel(client: Client) {
    if (this.id) void client.cancelTask(this.id);
  }
}
