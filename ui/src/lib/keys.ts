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
