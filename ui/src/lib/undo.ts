// Undo of the manager's last edit or removal of a number: the backend keeps the undo (in memory,
// until the app closes) and does it (`undo_last`, switchboard_ops::undo); here is the toast
// button that asks for it and what the window does with the answer.

import type { Client, ClientError, PhoneNumber } from "./client";
import { toClientError } from "./client";
import type { ToastAction } from "./toasts.svelte";

/** What the window is told after an undo. */
export interface UndoTarget {
  /** The number as the undo left it (an edit put back, or a removed number back). */
  undone(n: PhoneNumber): void;
  /** Says it was done. */
  info(message: string, title: string): void;
  /** Says why it was refused (someone changed the number since, it was added again…). */
  error(e: ClientError): void;
}

/** The Undo button of an edit's or a removal's toast. */
export function undoAction(client: Pick<Client, "undoLast">, target: UndoTarget): ToastAction {
  return {
    label: "Undo",
    run: () => {
      void (async () => {
        let n: PhoneNumber;
        try {
          n = await client.undoLast();
        } catch (e) {
          target.error(toClientError(e));
          return;
        }
        target.undone(n);
        target.info(`${n.display} is back as it was.`, "Undone");
      })();
    },
  };
}
