import { focusLost } from "./dialog";

/** True when a key event belongs to a text field (shortcuts must not fire there). */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t || !t.tagName) return false;
  const tag = t.tagName.toLowerCase();
  return tag === "input" || tag === "textarea" || tag === "select" || t.isContentEditable === true;
}

/** True when a key event comes from inside a dialog (the page's shortcuts stay out of dialogs). */
function inDialog(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return typeof t?.closest === "function" && t.closest('[role="dialog"], [role="alertdialog"], dialog') !== null;
}

/**
 * The E.164 number a copy keystroke copies, or null when the keystroke is not "copy a number":
 * "c" alone, or Ctrl/Cmd+C while no text is selected (a selection is copied as text, as usual),
 * never in a text field or a dialog. It copies the focused row's number, or else the open one.
 */
export function numberToCopy(e: KeyboardEvent, open: string | null, selectedText: string): string | null {
  if (e.key.toLowerCase() !== "c" || e.altKey || e.shiftKey || isTyping(e) || inDialog(e)) return null;
  const plain = !e.ctrlKey && !e.metaKey;
  const copyChord = (e.ctrlKey || e.metaKey) && !(e.ctrlKey && e.metaKey) && selectedText === "";
  if (!plain && !copyChord) return null;
  const t = e.target as HTMLElement | null;
  const row = typeof t?.closest === "function" ? t.closest<HTMLElement>("[data-number]") : null;
  return row?.dataset.number ?? open;
}

/** Where a copied number goes: the web view's clipboard (navigator.clipboard). */
export interface ClipboardLike {
  writeText(text: string): Promise<void>;
}

/** Copies a number and says so (or says why it could not) through `tell`. */
export async function copyNumber(
  e164: string,
  clipboard: ClipboardLike | undefined,
  tell: { info: (message: string, title: string) => void; error: (e: Error) => void },
): Promise<boolean> {
  try {
    if (!clipboard) throw new Error("The clipboard is not available in this window.");
    await clipboard.writeText(e164);
    tell.info(`${e164} is on the clipboard.`, "Copied");
    return true;
  } catch (err) {
    tell.error(new Error(`Could not copy ${e164}: ${err instanceof Error ? err.message : String(err)}`));
    return false;
  }
}

/**
 * After the detail panel closes: when focus went with it (it is on the page's body), it goes
 * back to the table's row of the number the panel showed, if that row is on screen. True when
 * it did.
 */
export function focusBackToRow(doc: Document, e164: string): boolean {
  if (!focusLost(doc)) return false;
  const row = [...doc.querySelectorAll<HTMLElement>('[data-testid="number-row"]')].find((r) => r.dataset.number === e164);
  row?.focus();
  return row !== undefined;
}

/**
 * A select whose choice runs something at once (the bulk bar's "Set status…"), as a Svelte
 * action: a choice made with the pointer (or in the system's open list) runs `run` with the
 * value; the closed select's arrow and letter keys, which change its value at each press,
 * only show the choice, and Enter runs it, so looking through the options with the keyboard
 * runs nothing. The select goes back to its first, empty option after each run.
 */
export function pickOnEnter(node: HTMLSelectElement, run: (value: string) => void) {
  let act = run;
  const destroy = keyedChoice(node, () => "", (v) => {
    node.value = "";
    act(v);
  });
  return {
    update(next: (value: string) => void) {
      act = next;
    },
    destroy,
  };
}

/** What a select of [`saveOnEnter`] shows and saves. */
export interface Saved {
  /** The value on record. */
  value: string;
  /** Saves another value. */
  save: (value: string) => void;
}

/**
 * A select showing a value on record whose choice saves it (the detail panel's Status and
 * Agent), as a Svelte action, with [`pickOnEnter`]'s rule: a pointer choice saves at once; the
 * keyboard's arrow and letter keys only show a choice, Enter saves it. A choice shown but not
 * saved goes back to the value on record when focus leaves the select.
 */
export function saveOnEnter(node: HTMLSelectElement, saved: Saved) {
  let on = saved;
  const destroy = keyedChoice(node, () => on.value, (v) => on.save(v), true);
  return {
    update(next: Saved) {
      on = next;
    },
    destroy,
  };
}

/**
 * The rule of [`pickOnEnter`] and [`saveOnEnter`] on `node`: `take` gets a value other than
 * `resting()` chosen with the pointer at once, one chosen with the keys on Enter; with
 * `settle`, a keyed choice not taken goes back to `resting()` on blur. Returns what removes it.
 */
function keyedChoice(node: HTMLSelectElement, resting: () => string, take: (value: string) => void, settle = false) {
  // Set from a key press until its default action (which may change the value) is done.
  let keyed = false;
  // A choice the keys showed and Enter has not taken.
  let shown = false;
  function choose() {
    shown = false;
    const v = node.value;
    if (v !== resting()) take(v);
  }
  function onKeydown(e: KeyboardEvent) {
    if (e.key === "Enter") {
      if (node.value !== resting()) {
        e.preventDefault();
        choose();
      }
      return;
    }
    keyed = true;
    setTimeout(() => (keyed = false), 0);
  }
  function onChange() {
    if (keyed) shown = true;
    else choose();
  }
  function onBlur() {
    if (!shown) return;
    shown = false;
    node.value = resting();
  }
  node.addEventListener("keydown", onKeydown);
  node.addEventListener("change", onChange);
  if (settle) node.addEventListener("blur", onBlur);
  return () => {
    node.removeEventListener("keydown", onKeydown);
    node.removeEventListener("change", onChange);
    node.removeEventListener("blur", onBlur);
  };
}
