/**
 * The add-account form's state: which kinds of credentials each provider offers (the same as
 * `switchboard-cli accounts add`: crates/providers `CredentialKind::for_provider`), what each
 * field is called for that kind, and inline validation through the `check_account` command
 * (core's account-id and label rules, the providers' kind and identifier rules): debounced
 * while typing, stale answers dropped. The secret is never sent for checking and is cleared
 * after every attempt to add.
 */
import type { AccountDraft, AccountField, AccountProblem, Client, CredentialKind, NewAccount, Provider } from "./client";
import { toClientError } from "./client";

/** The kinds each provider offers, its main kind first (crates/providers `CredentialKind::for_provider`). */
export const CREDENTIAL_KINDS: Record<Provider, CredentialKind[]> = {
  twilio: ["secret", "twilioApiKey", "signalWire"],
  vonage: ["secret"],
  telnyx: ["secret"],
  bandwidth: ["bandwidthOAuth2", "bandwidthBasic"],
  plivo: ["secret"],
};

export interface FieldLabels {
  /** The kind, as the kind picker names it. */
  kind: string;
  accountId: string;
  placeholder: string;
  /** The identifier kept beside the secret; null when the kind has none. */
  identifier: { label: string; placeholder: string } | null;
  secret: string;
}

const SECRET_KIND: Record<Provider, Omit<FieldLabels, "identifier">> = {
  twilio: { kind: "Auth token", accountId: "Account SID", placeholder: "AC + 32 hex digits", secret: "Auth token" },
  vonage: { kind: "API secret", accountId: "API key", placeholder: "e.g. a1b2c3d4", secret: "API secret" },
  telnyx: { kind: "API key", accountId: "Account label", placeholder: "a name for this key", secret: "API key" },
  bandwidth: { kind: "Client ID:secret", accountId: "Account ID", placeholder: "e.g. 9900001", secret: "CLIENT_ID:CLIENT_SECRET" },
  plivo: { kind: "Auth token", accountId: "Auth ID", placeholder: "MA…", secret: "Auth token" },
};

/** What each field of the form is called for a provider and kind (as the CLI asks for them). */
export function fieldLabels(provider: Provider, kind: CredentialKind): FieldLabels {
  switch (kind) {
    case "secret":
      return { ...SECRET_KIND[provider], identifier: null };
    case "twilioApiKey":
      return {
        kind: "API key",
        accountId: "Account SID",
        placeholder: "AC + 32 hex digits",
        identifier: { label: "API key SID", placeholder: "SK + 32 hex digits" },
        secret: "API key secret",
      };
    case "signalWire":
      return {
        kind: "SignalWire project",
        accountId: "Project ID",
        placeholder: "the project's id",
        identifier: { label: "SignalWire space", placeholder: "acme (of acme.signalwire.com)" },
        secret: "API token",
      };
    case "bandwidthOAuth2":
      return {
        kind: "OAuth2 client",
        accountId: "Account ID",
        placeholder: "e.g. 9900001",
        identifier: { label: "OAuth2 client ID", placeholder: "the client's id" },
        secret: "Client secret",
      };
    case "bandwidthBasic":
      return {
        kind: "API user (legacy)",
        accountId: "Account ID",
        placeholder: "e.g. 9900001",
        identifier: { label: "API user name", placeholder: "the API user" },
        secret: "API user password",
      };
  }
}

/** "Auth token" → "auth token", "API key secret" unchanged: for a name inside a sentence. */
export function lowerFirst(name: string): string {
  return /^[A-Z][a-z]/.test(name) ? name[0].toLowerCase() + name.slice(1) : name;
}

export class AccountForm {
  provider = $state<Provider>("twilio");
  kind = $state<CredentialKind>("secret");
  accountId = $state("");
  identifier = $state("");
  secret = $state("");
  label = $state("");
  problems = $state<AccountProblem[]>([]);
  /** Why the last check could not run (the backend failed), if it failed. */
  checkError = $state<string | null>(null);
  #seq = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private client: Client,
    private debounceMs = 150,
  ) {}

  get kinds(): CredentialKind[] {
    return CREDENTIAL_KINDS[this.provider];
  }

  get labels(): FieldLabels {
    return fieldLabels(this.provider, this.kind);
  }

  /** Another provider: its main kind, and the fields checked again. */
  setProvider(p: Provider) {
    this.provider = p;
    this.kind = CREDENTIAL_KINDS[p][0];
    this.identifier = "";
    this.changed();
  }

  setKind(k: CredentialKind) {
    this.kind = k;
    this.identifier = "";
    this.changed();
  }

  /** The message of a field's problem, if any. */
  problem(field: AccountField): string | null {
    return this.problems.find((p) => p.field === field)?.message ?? null;
  }

  /** Everything required is typed and no check found a problem. */
  get complete(): boolean {
    return (
      this.accountId.trim() !== "" &&
      this.secret !== "" &&
      (this.labels.identifier === null || this.identifier.trim() !== "") &&
      this.problems.length === 0
    );
  }

  draft(): AccountDraft {
    return {
      provider: this.provider,
      kind: this.kind,
      accountId: this.accountId,
      identifier: this.labels.identifier ? this.identifier : null,
      label: this.label.trim() || null,
    };
  }

  /** What `add_account` receives. */
  toNewAccount(): NewAccount {
    return {
      provider: this.provider,
      kind: this.kind,
      accountId: this.accountId.trim(),
      identifier: this.labels.identifier ? this.identifier.trim() : null,
      secret: this.secret,
      label: this.label.trim() || null,
    };
  }

  /** A field changed: check again after the debounce (the previous answer no longer counts). */
  changed() {
    this.#seq++;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.check(), this.debounceMs);
  }

  /** Checks the form as it is now; an answer for text that has changed since is dropped. */
  async check(): Promise<AccountProblem[]> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const seq = ++this.#seq;
    try {
      const problems = await this.client.checkAccount(this.draft());
      if (seq === this.#seq) {
        this.problems = problems;
        this.checkError = null;
      }
      return problems;
    } catch (e) {
      if (seq === this.#seq) this.checkError = toClientError(e).message;
      return this.problems;
    }
  }

  /** After an attempt to add: the secret always goes; the rest too when it was added. */
  clear(added: boolean) {
    this.secret = "";
    if (added) {
      this.accountId = "";
      this.identifier = "";
      this.label = "";
      this.problems = [];
    }
  }
}
