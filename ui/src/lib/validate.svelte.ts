/**
 * Inline E.164 validation for the add-number dialog. Parsing is core's (libphonenumber),
 * reached through the `check_number` command: the UI never guesses with a regex. Checks are
 * debounced while typing and a stale answer (for text that has since changed) is dropped.
 */
import type { Client, NumberCheck } from "./client";
import { toClientError } from "./client";

export class NumberValidator {
  text = $state("");
  check = $state<NumberCheck | null>(null);
  error = $state<string | null>(null);
  #seq = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private client: Client,
    private debounceMs = 150,
  ) {}

  input(text: string, region: string | null) {
    this.text = text;
    this.check = null;
    this.error = null;
    if (this.#timer) clearTimeout(this.#timer);
    if (text.trim() === "") return;
    this.#timer = setTimeout(() => void this.run(region), this.debounceMs);
  }

  /** Checks the current text now; resolves to the check, or null (and sets `error`). */
  async flush(region: string | null): Promise<NumberCheck | null> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.text.trim() === "") {
      this.error = "Enter a phone number.";
      return null;
    }
    return this.run(region);
  }

  async run(region: string | null): Promise<NumberCheck | null> {
    const seq = ++this.#seq;
    const text = this.text;
    try {
      const check = await this.client.checkNumber(text, region);
      if (seq !== this.#seq) return null;
      this.check = check;
      this.error = null;
      return check;
    } catch (e) {
      if (seq !== this.#seq) return null;
      this.check = null;
      this.error = toClientError(e).message;
      return null;
    }
  }
}
