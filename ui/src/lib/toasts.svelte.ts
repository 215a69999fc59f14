/** Transient messages in the corner; errors stay longer and are announced assertively. */
import type { ClientError } from "./client";

export interface Toast {
  id: number;
  kind: "error" | "info";
  title: string;
  message: string;
}

let nextId = 1;

export class Toasts {
  items = $state<Toast[]>([]);

  push(kind: Toast["kind"], title: string, message: string, ms = kind === "error" ? 8000 : 4000) {
    const id = nextId++;
    this.items = [...this.items, { id, kind, title, message }];
    setTimeout(() => this.dismiss(id), ms);
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
