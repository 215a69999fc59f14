/** Transient messages in the corner; errors stay longer and are announced assertively. */
import type { ClientError } from "./client";

/** A button on a toast: what it says and what it does (the toast closes after). */
export interface ToastAction {
  label: string;
  run: () => void;
}

export interface Toast {
  id: number;
  /** `alert`: something the manager is told without asking (an alarm, numbers in error). */
  kind: "error" | "info" | "alert";
  title: string;
  message: string;
  action?: ToastAction;
  /** An Undo toast: its button undoes the last edit, so only the newest keeps one. */
  undo?: boolean;
}

let nextId = 1;

/** How long each kind of toast stays: errors and alerts longer, alerts long enough to act on. */
const DURATION: Record<Toast["kind"], number> = { info: 4000, error: 8000, alert: 20000 };
/** How long a toast with Undo stays: long enough to notice the mistake and click. */
export const UNDO_DURATION = 10000;

export class Toasts {
  items = $state<Toast[]>([]);

  push(kind: Toast["kind"], title: string, message: string, ms = DURATION[kind], action?: ToastAction) {
    const id = nextId++;
    this.items = [...this.items, { id, kind, title, message, ...(action ? { action } : {}) }];
    setTimeout(() => this.dismiss(id), ms);
    return id;
  }

  /** Tells the manager something they did not ask for, with what to do about it. */
  alert(title: string, message: string, action: ToastAction) {
    return this.push("alert", title, message, DURATION.alert, action);
  }

  /** Says an edit or removal was done, with its Undo button. The backend undoes only the last
   * one, so an earlier toast's button would undo this one instead: earlier Undo toasts go. */
  undoable(message: string, title: string, undo: ToastAction) {
    this.items = this.items.filter((t) => !t.undo);
    const id = this.push("info", title, message, UNDO_DURATION, undo);
    this.items = this.items.map((t) => (t.id === id ? { ...t, undo: true } : t));
    return id;
  }

  info(message: string, title = "Done") {
    return this.push("info", title, message);
  }

  error(e: ClientError | Error) {
    const code = "code" in e ? (e as ClientError).code : "Internal";
    return this.push("error", ERROR_TITLES[code] ?? "Something went wrong", e.message);
  }

  dismiss(id: number) {
    this.items = this.items.filter((t) => t.id !== id);
  }
}

/** A title per error code: the UI branches on the code, never on message text. */
export const ERROR_TITLES: Record<string, string> = {
  InvalidNumber: "Not a valid phone number",
  InvalidInput: "Check the input",
  Duplicate: "Already exists",
  NotFound: "Not found",
  NotAllowed: "Not allowed",
  Storage: "Workspace error",
  Offline: "Offline",
  VaultUnavailable: "Credential vault unavailable",
  Settings: "Settings could not be saved",
  Cancelled: "Cancelled",
  Internal: "Something went wrong",
  ProviderAuth: "Credentials refused",
  ProviderRateLimited: "Provider is throttling",
  ProviderError: "Provider error",
  CredentialsNotOnDevice: "Credentials not on this device",
  NotConfirmed: "Needs your confirmation",
  Busy: "The workspace is busy",
};

export const toasts = new Toasts();
