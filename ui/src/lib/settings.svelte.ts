/**
 * The app's settings as the UI changes them: one change at a time, each read-modify-write
 * done on the settings as stored, so two changes close together (the organization shown and
 * the view) never overwrite each other. The backend checks every save (ranges, views:
 * `switchboard_ops::app_settings::check_preferences`) and refuses a bad one as it is.
 */
import type { Client, Settings } from "./client";

export class SettingsStore {
  #chain: Promise<unknown> = Promise.resolve();

  constructor(private client: Client) {}

  /** Applies `change` to the stored settings and saves them; resolves with what was saved. */
  update(change: (s: Settings) => Settings): Promise<Settings> {
    const next = this.#chain.then(async () => {
      const saved = change(await this.client.getSettings());
      await this.client.saveSettings(saved);
      return saved;
    });
    // A failed change must not stop the ones after it.
    this.#chain = next.catch(() => {});
    return next;
  }
}
