/**
 * Modal dialogs' keyboard behaviour, as a Svelte action on the dialog element: focus moves
 * into it when it opens (its `[autofocus]` element, else its first control), Tab and
 * Shift+Tab cycle through its controls without leaving it, Escape closes it (and only it),
 * no key reaches the app's shortcuts, and when it closes focus returns to where it was
 * before it opened. When the control that had focus goes away (a wizard's next step replaces
 * it, a list gives way to a confirmation), focus would fall to the page's body, outside the
 * dialog: it moves at once to the dialog's `[autofocus]` control shown now, else its first
 * control; and should it still be on the body, the next Tab or Shift+Tab brings it back into
 * the dialog instead of letting it wander behind it.
 */

import { tick } from "svelte";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

/** The controls of `root` Tab may reach, in order. */
export function focusable(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !el.hidden && el.getAttribute("aria-hidden") !== "true");
}

/** Where Tab (or Shift+Tab) from `current` goes inside `items`: wraps at either end. */
export function nextFocus(items: HTMLElement[], current: Element | null, back: boolean): HTMLElement | null {
  if (items.length === 0) return null;
  const i = current ? items.indexOf(current as HTMLElement) : -1;
  if (i < 0) return back ? items[items.length - 1] : items[0];
  return items[(i + (back ? items.length - 1 : 1)) % items.length];
}

/** The element that has focus now, if any. */
export function focusedElement(): HTMLElement | null {
  return document.activeElement instanceof HTMLElement ? document.activeElement : null;
}

/** True when focus went with the control that had it (removed or disabled): it is on the
 * page's body, or nowhere. */
export function focusLost(doc: Document = document): boolean {
  return doc.activeElement === null || doc.activeElement === doc.body;
}

/** Gives focus back to `to` once the page is updated ([`tick`]), when focus went with the
 * control that had it meanwhile ([`focusLost`]: a control disabled while work runs, a dialog
 * closed). */
export async function focusBack(to: HTMLElement | null) {
  await tick();
  if (to?.isConnected && focusLost()) to.focus();
}

/** Whether `e` is Tab or Shift+Tab. Shift+Tab reaches WebKitGTK as GTK's ISO_Left_Tab, whose
 * `key` need not read "Tab"; its key code is Tab's (9) either way. */
export function isTab(e: KeyboardEvent): boolean {
  return e.key === "Tab" || e.keyCode === 9;
}

export function modal(node: HTMLElement, onClose: () => void) {
  const opener = focusedElement();
  let close = onClose;
  // Focusable from script and by a click, not by Tab: a click on the dialog's plain text then
  // leaves focus on the dialog (not on the page's body, which the watcher below would take
  // for a control gone and answer by focusing the dialog's first control).
  if (!node.hasAttribute("tabindex")) node.tabIndex = -1;
  queueMicrotask(() => {
    const first = node.querySelector<HTMLElement>("[autofocus]") ?? focusable(node)[0] ?? node;
    first.focus();
  });
  function onKey(e: KeyboardEvent) {
    // The app's shortcuts ("/", "n", Escape for the panel) do not reach past a modal dialog.
    e.stopPropagation();
    if (e.key === "Escape") {
      e.preventDefault();
      close();
    } else if (isTab(e)) {
      e.preventDefault();
      nextFocus(focusable(node), document.activeElement, e.shiftKey)?.focus();
    }
  }
  // Keys pressed while focus is on the page's body (its control removed) never reach the
  // dialog's own listener.
  function onLostKey(e: KeyboardEvent) {
    if (!isTab(e) || !node.isConnected || node.contains(document.activeElement)) return;
    if (!focusLost()) return;
    e.preventDefault();
    e.stopPropagation();
    nextFocus(focusable(node), null, e.shiftKey)?.focus();
  }
  // A control removed with focus on it leaves focus on the body: give it a place in the dialog.
  const refocus = new MutationObserver(() => {
    if (!node.isConnected || !focusLost()) return;
    (node.querySelector<HTMLElement>("[autofocus]") ?? focusable(node)[0])?.focus();
  });
  refocus.observe(node, { childList: true, subtree: true });
  node.addEventListener("keydown", onKey);
  document.addEventListener("keydown", onLostKey, true);
  return {
    update(next: () => void) {
      close = next;
    },
    destroy() {
      refocus.disconnect();
      node.removeEventListener("keydown", onKey);
      document.removeEventListener("keydown", onLostKey, true);
      if (opener?.isConnected) opener.focus();
    },
  };
}
