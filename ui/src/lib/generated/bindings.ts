// Generated from src-tauri/src/{dto,error}.rs by `bindings::typescript()`. Do not edit:
// run `SWITCHBOARD_UPDATE_BINDINGS=1 cargo test --test generated_types` instead.

export type ErrorCode = "InvalidNumber" | "InvalidInput" | "Duplicate" | "NotFound" | "NotAllowed" | "Storage" | "Offline" | "VaultUnavailable" | "Settings" | "Cancelled" | "Internal" | "ProviderAuth" | "ProviderRateLimited" | "ProviderError" | "CredentialsNotOnDevice" | "NotConfirmed" | "Busy";

export type AppError = { 
/**
 * What kind of failure; the UI branches on this.
 */
code: ErrorCode, 
/**
 * A sentence for the user.
 */
message: string, 
/**
 * The input at fault, when the failure names one (an `InvalidInput`'s field, as core names
 * it: `slug`, `organization name`, …), so a form shows the message beside that field.
 */
field?: string, };

export type Provider = "twilio" | "vonage" | "telnyx" | "bandwidth" | "plivo";

export type Status = "active" | "inactive" | "error";

export type Capability = "voice" | "sms" | "mms" | "fax";

export type Capabilities = { 
/**
 * Voice calls.
 */
voice: boolean, 
/**
 * SMS.
 */
sms: boolean, 
/**
 * MMS.
 */
mms: boolean, 
/**
 * Fax.
 */
fax: boolean, };

export type Organization = { 
/**
 * Primary key.
 */
id: string, 
/**
 * URL-safe short name, unique, e.g. "acme".
 */
slug: string, 
/**
 * Display name.
 */
name: string, };

export type Agent = { 
/**
 * Primary key.
 */
id: string, 
/**
 * Owning organization.
 */
organization_id: string, 
/**
 * Display name.
 */
name: string, };

export type AgentRemoval = { 
/**
 * The agent as it was.
 */
agent: Agent, 
/**
 * How many of its numbers it left unassigned (none is removed).
 */
unassigned: number, };

export type AgentLoad = { 
/**
 * The agent.
 */
agent: Agent, 
/**
 * Numbers assigned to it.
 */
numbers: number, };

export type Orphans = { 
/**
 * How many numbers have no agent.
 */
unassigned: number, 
/**
 * The first of them in E.164 order (at most [`ORPHAN_SAMPLE`]).
 */
unassignedSample: Array<PhoneNumber>, 
/**
 * Agents with no number, by name.
 */
idleAgents: Array<Agent>, 
/**
 * Every agent with its number count, by name.
 */
agents: Array<AgentLoad>, };

export type PhoneNumber = { 
/**
 * Id.
 */
id: string, 
/**
 * Owning organization.
 */
organizationId: string, 
/**
 * Provider.
 */
provider: Provider, 
/**
 * E.164, e.g. "+14155551234".
 */
phoneNumber: string, 
/**
 * International display form, e.g. "+1 415-555-1234".
 */
display: string, 
/**
 * ISO region, e.g. "US"; null for non-geographic numbers.
 */
country: string | null, 
/**
 * Line type, e.g. "mobile", "toll_free".
 */
numberType: string, 
/**
 * Display name.
 */
friendlyName: string | null, 
/**
 * Assigned agent.
 */
agentId: string | null, 
/**
 * Status.
 */
status: Status, 
/**
 * Capabilities from metadata.
 */
capabilities: Capabilities, 
/**
 * The provider account the number belongs to, if known.
 */
accountId: string | null, 
/**
 * Whether the provider's webhook points at the platform.
 */
webhookConfigured: boolean, 
/**
 * The URL the provider calls (the design's column).
 */
webhookUrl: string | null, 
/**
 * The voice webhook URL on record ([`PhoneNumber::recorded_webhooks`]).
 */
voiceWebhookUrl: string | null, 
/**
 * The SMS webhook URL on record (metadata `smsWebhookUrl`, or the column of a number
 * recorded before that fact existed with SMS and no voice); null when unknown.
 */
smsWebhookUrl: string | null, 
/**
 * Why the SMS webhook URL reads as unknown although one is stored: the stored value is
 * not a valid URL (written by the web platform or a co-worker); null otherwise.
 */
smsWebhookUrlProblem: string | null, 
/**
 * The whole metadata object (unknown keys included).
 */
metadata: Record<string, unknown> | null, 
/**
 * RFC 3339.
 */
createdAt: string, 
/**
 * RFC 3339.
 */
updatedAt: string, 
/**
 * RFC 3339; null when never verified.
 */
lastVerifiedAt: string | null, };

export type AgentFilter = { "kind": "assigned", "id": string } | { "kind": "unassigned" };

export type SortField = "number" | "friendly_name" | "created" | "updated";

export type NumberType = "fixed_line" | "mobile" | "fixed_line_or_mobile" | "toll_free" | "premium_rate" | "shared_cost" | "voip" | "personal_number" | "uan" | "pager" | "voicemail" | "unknown";

export type NumberFilter = { 
/**
 * The organization.
 */
organizationId: string, 
/**
 * Search-as-you-type text: digits search numbers, anything else friendly names.
 */
search: string | null, 
/**
 * Provider.
 */
provider: Provider | null, 
/**
 * Status.
 */
status: Status | null, 
/**
 * Agent.
 */
agent: AgentFilter | null, 
/**
 * Capabilities a number must all have.
 */
capabilities: Array<Capability>, 
/**
 * ISO region, e.g. "US".
 */
country: string | null, 
/**
 * Readiness as last refreshed (`ready`, `attention`, `blocked`).
 */
readiness?: ReadinessState, 
/**
 * Line type (mobile, toll free, …).
 */
numberType: NumberType | null, 
/**
 * Only the numbers under a readiness alarm (moving away), when true.
 */
alarm?: boolean, 
/**
 * Only the numbers that need attention: status `error`, readiness `blocked`, or the
 * port-out alarm ([`switchboard_core::query::needs_attention`]).
 */
needsAttention?: boolean, };

export type NumberQuery = { 
/**
 * Which numbers.
 */
filter: NumberFilter, 
/**
 * Sort column.
 */
sort: SortField, 
/**
 * Descending order.
 */
descending: boolean, 
/**
 * Page size, 1 to 1000.
 */
limit: number, 
/**
 * The `next` cursor of the previous page; null for the first page.
 */
after: string | null, };

export type Format = "csv" | "json";

export type FileDone = { 
/**
 * The file, as the dialog chose it.
 */
path: string, 
/**
 * Numbers written to it, or imported from it.
 */
count: number, };

export type NumberPage = { 
/**
 * Rows, in order.
 */
items: Array<PhoneNumber>, 
/**
 * Cursor of the next page; null on the last page.
 */
next: string | null, };

export type NumberCheck = { 
/**
 * E.164.
 */
e164: string, 
/**
 * International display form.
 */
display: string, 
/**
 * ISO region, when geographic.
 */
country: string | null, 
/**
 * Line type.
 */
numberType: string, };

export type NewNumber = { 
/**
 * Provider.
 */
provider: Provider, 
/**
 * The number as typed.
 */
number: string, 
/**
 * Region for national numbers, e.g. "US".
 */
region: string | null, 
/**
 * Display name.
 */
friendlyName: string | null, 
/**
 * Status; active when null.
 */
status: Status | null, 
/**
 * Capabilities, stored in metadata.
 */
capabilities: Capabilities | null, 
/**
 * Assigned agent.
 */
agentId: string | null, };

export type NumberChange = { "field": "friendlyName", "value": string | null } | { "field": "status", "value": Status } | { "field": "agent", "value": string | null } | { "field": "capabilities", "value": Capabilities };

export type Progress = { 
/**
 * Items done.
 */
done: number, 
/**
 * Items in all.
 */
total: number, };

export type SeedReport = { 
/**
 * The organization seeded.
 */
organization: Organization, 
/**
 * Agents created.
 */
agentsCreated: number, 
/**
 * Numbers inserted.
 */
numbersInserted: number, };

export type BulkFailure = { 
/**
 * The number's id as given.
 */
id: string, 
/**
 * Why.
 */
error: AppError, };

export type BulkReport = { 
/**
 * Numbers changed.
 */
updated: number, 
/**
 * Numbers not changed, each with why.
 */
failed: Array<BulkFailure>, 
/**
 * True when the manager stopped it before the end.
 */
cancelled: boolean, };

export type WorkspaceInfo = { 
/**
 * "local" (the workspace file) or "team" (a profile's offline cache of a team database).
 */
kind: string, 
/**
 * Where it is (for a team workspace: its cache file).
 */
path: string, 
/**
 * The open profile's name; null for the local workspace.
 */
profile: string | null, };

export type NumbersChanged = { 
/**
 * The organization whose numbers changed.
 */
organizationId: string, 
/**
 * The numbers that changed; empty when many did (reload everything).
 */
ids: Array<string>, };

export type Theme = "system" | "light" | "dark";

export type TlsMode = "disable" | "prefer" | "require" | "verify-full";

export type ConnectionProfile = { 
/**
 * Name shown in the workspace picker.
 */
name: string, 
/**
 * Host.
 */
host: string, 
/**
 * Port.
 */
port: number, 
/**
 * Database.
 */
database: string, 
/**
 * PostgreSQL role.
 */
user: string, 
/**
 * Encryption.
 */
tlsMode: TlsMode, 
/**
 * The PEM file of the CA that signed the server's certificate, when that is not a public
 * CA (libpq's `sslrootcert`).
 */
caFile?: string, };

export type Column = "name" | "provider" | "status" | "readiness" | "health" | "agent" | "capabilities" | "type" | "country" | "region" | "locality" | "webhook" | "account" | "lastVerified" | "created" | "updated";

export type ViewFilters = { 
/**
 * Search-as-you-type text.
 */
search: string, 
/**
 * Provider.
 */
provider: Provider | null, 
/**
 * Status.
 */
status: Status | null, 
/**
 * Agent (by id), or unassigned.
 */
agent: AgentFilter | null, 
/**
 * Capabilities a number must all have.
 */
capabilities: Array<Capability>, 
/**
 * ISO region, e.g. "US".
 */
country: string | null, 
/**
 * Line type.
 */
numberType: NumberType | null, 
/**
 * Readiness as last refreshed.
 */
readiness: ReadinessState | null, 
/**
 * Only the numbers that need attention ([`switchboard_core::query::needs_attention`]).
 */
needsAttention: boolean, 
/**
 * Health over the 7 UTC days ending today (`crate::usage::numbers_page_by_health`).
 */
health: HealthState | null, };

export type View = { 
/**
 * The name it was saved under; blank when it was not.
 */
name: string, 
/**
 * Which numbers.
 */
filters: ViewFilters, 
/**
 * The columns shown after the number, in order.
 */
columns: Array<Column>, 
/**
 * Sort column.
 */
sort: SortField, 
/**
 * Descending order.
 */
descending: boolean, };

export type Settings = { 
/**
 * Color scheme.
 */
theme: Theme, 
/**
 * The organization shown last.
 */
lastOrganizationId: string | null, 
/**
 * Saved team-database profiles (no passwords).
 */
profiles: Array<ConnectionProfile>, 
/**
 * The open workspace: a profile's name, or null for the local workspace.
 */
activeProfile: string | null, 
/**
 * Seconds between background syncs of a team workspace (5 to 3600).
 */
syncIntervalSecs: number, 
/**
 * Hours after which a number with a provider account is verified again in the
 * background (1 to 720; 0 turns it off).
 */
verifyIntervalHours: number, 
/**
 * The numbers table's saved views ([`crate::views`]).
 */
views: Array<View>, 
/**
 * The view shown last, shown again at the next start.
 */
lastView: View, };

export type CredentialKind = "secret" | "twilioApiKey" | "signalWire" | "bandwidthOAuth2" | "bandwidthBasic";

export type NewAccount = { 
/**
 * The provider.
 */
provider: Provider, 
/**
 * The kind of credentials.
 */
kind: CredentialKind, 
/**
 * Twilio Account SID (or SignalWire project id), Vonage API key, Telnyx account label,
 * Bandwidth account id, Plivo auth id.
 */
accountId: string, 
/**
 * The identifier kept beside the secret, for every kind but `secret`: the API key SID,
 * the SignalWire space, the OAuth2 client id, the API user name.
 */
identifier: string | null, 
/**
 * The secret: auth token, API secret or key, API key secret, API token, client secret or
 * password. Goes to the OS vault only.
 */
secret: string, 
/**
 * A label for the account.
 */
label: string | null, };

export type AccountDraft = { 
/**
 * The provider.
 */
provider: Provider, 
/**
 * The kind of credentials.
 */
kind: CredentialKind, 
/**
 * The account id as typed.
 */
accountId: string, 
/**
 * The identifier beside the secret, as typed.
 */
identifier: string | null, 
/**
 * The label as typed.
 */
label: string | null, };

export type AccountField = "accountId" | "kind" | "identifier" | "label";

export type AccountProblem = { 
/**
 * The field.
 */
field: AccountField, 
/**
 * Why, as core or the provider rules say it.
 */
message: string, };

export type AccountRemoval = { 
/**
 * The provider.
 */
provider: Provider, 
/**
 * The account id.
 */
accountId: string, 
/**
 * Whether this device's vault held its secret (deleted now).
 */
secretRemoved: boolean, 
/**
 * Whether the organization listed it explicitly.
 */
wasAdded: boolean, 
/**
 * How many numbers (in every organization of the workspace) still reference it; they
 * need its secret again to reach the provider.
 */
numbersStillReferencing: number, 
/**
 * The first of them (E.164).
 */
numbers: Array<string>, };

export type ProviderAccount = { 
/**
 * The provider.
 */
provider: Provider, 
/**
 * The account id.
 */
accountId: string, 
/**
 * The label given when it was added.
 */
label: string | null, 
/**
 * Added explicitly (else only referenced by numbers).
 */
added: boolean, 
/**
 * How many of the organization's numbers reference it.
 */
numbers: number, 
/**
 * Whether this device's vault holds its secret; null when the vault could not tell.
 */
secretOnDevice: boolean | null, };

export type VerifyOutcome = "verified" | "refused" | "unreachable" | "failed";

export type AccountVerification = { 
/**
 * The provider.
 */
provider: Provider, 
/**
 * The account id.
 */
accountId: string, 
/**
 * How it ended.
 */
outcome: VerifyOutcome, 
/**
 * A sentence for the manager: the account's name and status, or the provider's reason.
 */
message: string, 
/**
 * The account's name at the provider, when verified.
 */
accountName: string | null, 
/**
 * Numbers whose record changed (last verified, or status error).
 */
numbersUpdated: number, 
/**
 * RFC 3339, when it was checked.
 */
checkedAt: string, };

export type ReadinessLevel = "ok" | "attention" | "blocked";

export type ReadinessState = "ready" | "attention" | "blocked";

export type ReadinessKind = "number_status" | "emergency" | "emergency_address" | "address" | "regulatory_bundle" | "a2p_10dlc" | "toll_free_verification" | "port_in" | "port_out" | "cnam";

export type ReadinessItem = { 
/**
 * What it is about.
 */
kind: ReadinessKind, 
/**
 * How far it is from fine.
 */
level: ReadinessLevel, 
/**
 * The provider's word, exactly as given (empty: no such record at the provider).
 */
providerState: string, 
/**
 * What it means, in a sentence.
 */
meaning: string, 
/**
 * What to do; empty when nothing is to be done.
 */
action: string, 
/**
 * The provider's reasons, as given.
 */
reasons?: Array<string>, 
/**
 * Since when: the provider's time, else when Switchboard first saw the state.
 */
since: string | null, };

export type Readiness = { 
/**
 * The worst item's level (`ready` with no items).
 */
state: ReadinessState, 
/**
 * Every item, worst first, then by kind.
 */
items: Array<ReadinessItem>, 
/**
 * The number is being ported away or was: shown at once, as an alarm.
 */
alarm: boolean, 
/**
 * When the provider was last asked.
 */
checkedAt: string | null, };

export type Alarm = { 
/**
 * The number's id.
 */
id: string, 
/**
 * E.164.
 */
phoneNumber: string, 
/**
 * What the provider says, judged.
 */
readiness: Readiness, 
/**
 * The number was not under the alarm before this refresh (never judged, or judged not
 * moving away): the manager has not been told yet.
 */
new: boolean, };

export type Elsewhere = { 
/**
 * E.164.
 */
phoneNumber: string, 
/**
 * What the provider says, judged.
 */
readiness: Readiness, };

export type Refreshed = { 
/**
 * The organization's numbers of the account that were judged.
 */
checked: number, 
/**
 * Those whose readiness changed and was written.
 */
changed: number, 
/**
 * Numbers per state (`ready`, `attention`, `blocked`).
 */
states: { [key in string]?: number }, 
/**
 * Numbers moving away: the alarm.
 */
alarms: Array<Alarm>, 
/**
 * Numbers the provider named that the organization does not have (being ported in),
 * with their judgement.
 */
elsewhere: Array<Elsewhere>, 
/**
 * Requests made to the provider.
 */
requests: number, };

export type AlertKind = "needsAttention" | "alarm";

export type AlertNumber = { 
/**
 * The number's id.
 */
id: string, 
/**
 * E.164.
 */
phoneNumber: string, };

export type Alert = { 
/**
 * What it is about.
 */
kind: AlertKind, 
/**
 * The organization.
 */
organizationId: string, 
/**
 * One line: how many numbers, what happened, where.
 */
title: string, 
/**
 * The sentence: the first [`NAMED`] numbers and what to do.
 */
body: string, 
/**
 * Every number concerned.
 */
numbers: Array<AlertNumber>, };

export type OrgAlarms = { 
/**
 * The organization.
 */
organizationId: string, 
/**
 * Its numbers under the alarm.
 */
count: number, };

export type ListingProgress = { 
/**
 * Pages read.
 */
pages: number, 
/**
 * Numbers read.
 */
fetched: number, 
/**
 * The total, when the provider tells it.
 */
total: number | null, };

export type ImportState = "new" | "present" | "different";

export type ImportCandidate = { 
/**
 * E.164.
 */
phoneNumber: string, 
/**
 * International display form.
 */
display: string, 
/**
 * New, present or different.
 */
state: ImportState, 
/**
 * The provider's name of the number.
 */
friendlyName: string | null, 
/**
 * What it can do.
 */
capabilities: Capabilities, 
/**
 * ISO country.
 */
country: string | null, 
/**
 * Locality, when the provider says.
 */
locality: string | null, 
/**
 * The inventory record, for present and different.
 */
existingId: string | null, 
/**
 * The fields that differ, for different.
 */
fields: Array<string>, };

export type SkippedEntry = { 
/**
 * What the provider sent.
 */
raw: string, 
/**
 * Why it was skipped.
 */
reason: string, };

export type SmsDriftEntry = { 
/**
 * E.164.
 */
phoneNumber: string, 
/**
 * The inventory record.
 */
existingId: string, 
/**
 * The SMS webhook URL on record.
 */
onRecord: string, 
/**
 * The provider's; null when it has none.
 */
providerUrl: string | null, };

export type ImportPreview = { 
/**
 * Names this preview for `import_numbers` (the backend keeps the listing).
 */
previewId: string, 
/**
 * The provider.
 */
provider: Provider, 
/**
 * The account.
 */
accountId: string, 
/**
 * Every listed number: new first, then different, then present.
 */
candidates: Array<ImportCandidate>, 
/**
 * Listed entries that are not valid numbers.
 */
skipped: Array<SkippedEntry>, 
/**
 * How many numbers of the organization recorded under this account have no SMS webhook URL
 * on record and the provider has one: an import records them (whichever numbers are
 * chosen) unless one is recorded meanwhile.
 */
smsUnrecorded: number, 
/**
 * Numbers whose recorded SMS webhook URL differs from the provider's: reported, not
 * overwritten.
 */
smsDrift: Array<SmsDriftEntry>, };

export type ImportFailure = { 
/**
 * E.164.
 */
phoneNumber: string, 
/**
 * Why.
 */
error: AppError, };

export type ImportReport = { 
/**
 * Numbers added to the organization.
 */
imported: number, 
/**
 * Existing records brought in line with the provider.
 */
refreshed: number, 
/**
 * Existing records whose SMS webhook URL was recorded (they had none on record).
 */
smsRecorded: number, 
/**
 * Existing records that had no SMS webhook URL at the preview and have one that differs
 * from the provider's by the import (recorded since): drift, not recorded over.
 */
smsDrift: Array<SmsDriftEntry>, 
/**
 * Numbers not imported or refreshed, with the reason.
 */
failed: Array<ImportFailure>, 
/**
 * True when the manager cancelled before the end (the rest were not imported).
 */
cancelled: boolean, };

export type NumberResult = "ok" | "inSync" | "refused" | "failed" | "notStarted" | "skipped";

export type NumberOutcome = { 
/**
 * The number's id.
 */
id: string, 
/**
 * E.164.
 */
phoneNumber: string, 
/**
 * How it ended.
 */
result: NumberResult, 
/**
 * What happened, in a sentence (the confirmed URL, or the reason).
 */
message: string, };

export type ProviderReport = { 
/**
 * One line per number.
 */
outcomes: Array<NumberOutcome>, 
/**
 * Numbers done (for a repair: changed).
 */
succeeded: number, 
/**
 * Numbers a repair found already in sync: nothing was written.
 */
inSync: number, 
/**
 * Numbers not done (failed, refused, skipped, not started).
 */
failed: number, 
/**
 * True when the manager cancelled before the end.
 */
cancelled: boolean, };

export type WebhookChannel = "voice" | "sms";

export type PlannedWrite = { 
/**
 * The channel.
 */
channel: WebhookChannel, 
/**
 * The object written, in words, e.g. "number PN…" or "Call Control application 123".
 */
object: string, 
/**
 * Whether the object is the number itself.
 */
isNumber: boolean, 
/**
 * Its name at the provider.
 */
objectName: string | null, 
/**
 * How many numbers the write re-points; null when the provider cannot tell.
 */
sharedBy: number | null, 
/**
 * The URL now.
 */
from: string | null, 
/**
 * The URL after.
 */
to: string, 
/**
 * An object the number leaves by this write (its other numbers keep it).
 */
detaches: string | null, };

export type WebhookPlanView = { 
/**
 * E.164.
 */
phoneNumber: string, 
/**
 * The writes, voice first.
 */
writes: Array<PlannedWrite>, 
/**
 * When a write re-points an object other numbers share: which one, in a sentence. The
 * change then needs the manager's explicit consent (`allowShared`).
 */
sharedWarning: string | null, };

export type WebhookResult = { 
/**
 * The record, updated from what the provider confirmed.
 */
number: PhoneNumber, 
/**
 * The voice URL the provider confirms.
 */
voiceUrl: string | null, 
/**
 * The SMS URL the provider confirms.
 */
smsUrl: string | null, };

export type DriftState = "inSync" | "notRecorded" | "drifted";

export type ChannelDrift = { 
/**
 * The comparison.
 */
state: DriftState, 
/**
 * The URL the provider calls now.
 */
providerUrl: string | null, 
/**
 * The object at the provider that holds it, in words.
 */
owner: string | null, 
/**
 * The URL on record for this channel.
 */
onRecord: string | null, };

export type DriftView = { 
/**
 * E.164.
 */
phoneNumber: string, 
/**
 * Voice.
 */
voice: ChannelDrift, 
/**
 * SMS.
 */
sms: ChannelDrift, 
/**
 * RFC 3339, when the provider was asked.
 */
checkedAt: string, };

export type AccountAsk = { 
/**
 * The provider.
 */
provider: Provider, 
/**
 * The account.
 */
accountId: string, 
/**
 * Its numbers in the selection.
 */
numbers: number, 
/**
 * The requests sent for them (a throttled request is retried, and counts again).
 */
requests: number, };

export type VerifyPlan = { 
/**
 * The accounts asked, sorted.
 */
accounts: Array<AccountAsk>, 
/**
 * Numbers asked about.
 */
numbers: number, 
/**
 * Requests in all.
 */
requests: number, 
/**
 * The numbers not sent (no provider account, or one not added to their organization),
 * in selection order.
 */
skipped: Array<NumberOutcome>, };

export type PlannedState = "changes" | "inSync" | "refused";

export type PlannedNumber = { 
/**
 * The number's id.
 */
id: string, 
/**
 * E.164.
 */
phoneNumber: string, 
/**
 * What the change does to it.
 */
state: PlannedState, 
/**
 * The writes, voice first (none when already in sync).
 */
writes: Array<PlannedWrite>, 
/**
 * Why the shared policy refuses the change (the number is then left as it is); null when
 * it will be made.
 */
refused: string | null, };

export type SharedObjectUse = { 
/**
 * The object, in words, e.g. "Twilio application AP…".
 */
object: string, 
/**
 * Its name at the provider.
 */
objectName: string | null, 
/**
 * The channels written on it.
 */
channels: Array<WebhookChannel>, 
/**
 * How many numbers at the provider use it (all of them are re-pointed); null when the
 * provider cannot tell.
 */
sharedBy: number | null, 
/**
 * How many numbers of the selection write it.
 */
selected: number, 
/**
 * Whether it is written: false when the shared policy refuses every selected number
 * that writes it.
 */
changed: boolean, };

export type AccountWebhookPlan = { 
/**
 * The provider.
 */
provider: Provider, 
/**
 * The account.
 */
accountId: string, 
/**
 * Its numbers the provider answered for, in selection order.
 */
numbers: Array<PlannedNumber>, 
/**
 * The objects other than numbers that the change writes, by first use.
 */
objects: Array<SharedObjectUse>, 
/**
 * Numbers that will change.
 */
changed: number, 
/**
 * Numbers a repair finds already in sync (nothing written).
 */
inSync: number, 
/**
 * Numbers the shared policy refuses.
 */
refused: number, };

export type BulkWebhookPlan = { 
/**
 * The accounts, sorted.
 */
accounts: Array<AccountWebhookPlan>, 
/**
 * Numbers that will change.
 */
changed: number, 
/**
 * Numbers a repair finds already in sync (nothing written).
 */
inSync: number, 
/**
 * Numbers the shared policy refuses.
 */
refused: number, 
/**
 * Numbers not planned, in selection order.
 */
notPlanned: Array<NumberOutcome>, 
/**
 * Whether objects other numbers share may change.
 */
allowShared: boolean, 
/**
 * True when cancellation left numbers not planned.
 */
cancelled: boolean, };

export type DriftRow = { 
/**
 * The number's id.
 */
id: string, 
/**
 * E.164.
 */
phoneNumber: string, 
/**
 * "drifted", "failed", "not checked", "not started" or "skipped".
 */
result: string, 
/**
 * The drifted channel; null for a line about the number.
 */
channel: WebhookChannel | null, 
/**
 * The URL on record (a drifted channel).
 */
onRecord: string | null, 
/**
 * The URL at the provider (a drifted channel; null when the provider has none).
 */
atProvider: string | null, 
/**
 * The object holding the provider's URL, or why the number was not checked.
 */
detail: string, };

export type DriftSummary = { 
/**
 * Numbers checked and in sync.
 */
inSync: number, 
/**
 * Numbers with a channel that differs.
 */
drifted: number, 
/**
 * Numbers whose voice URL differs.
 */
voiceDrifted: number, 
/**
 * Numbers whose SMS URL differs.
 */
smsDrifted: number, 
/**
 * Numbers with nothing to compare: no URL on record, or no provider account.
 */
unknown: number, 
/**
 * Numbers the provider failed on, or whose account had no client.
 */
errors: number, 
/**
 * Numbers skipped: their account was not added to their organization.
 */
skipped: number, 
/**
 * Numbers not checked because the check was cancelled.
 */
notStarted: number, 
/**
 * The ids of the numbers that differ, for a repair, in report order.
 */
driftedIds: Array<string>, 
/**
 * The lines of the numbers not in sync.
 */
rows: Array<DriftRow>, 
/**
 * True when cancellation left numbers not checked.
 */
cancelled: boolean, };

export type AvailableSearch = { 
/**
 * ISO country, e.g. "US".
 */
country: string, 
/**
 * Area code, e.g. "415".
 */
areaCode: string | null, 
/**
 * Digits the number contains.
 */
contains: string | null, 
/**
 * Capabilities the number must all have.
 */
capabilities: Capabilities, };

export type AvailableNumber = { 
/**
 * E.164.
 */
phoneNumber: string, 
/**
 * International display form.
 */
display: string, 
/**
 * Locality.
 */
locality: string | null, 
/**
 * Region or state.
 */
region: string | null, 
/**
 * ISO country.
 */
country: string | null, 
/**
 * Capabilities.
 */
capabilities: Capabilities, };

export type ConnectionTest = { 
/**
 * `host:port/database`.
 */
server: string, 
/**
 * The login role.
 */
role: string, 
/**
 * What makes the database less safe or slower, without blocking (schema check).
 */
warnings: Array<string>, };

export type Connection = "local" | "unknown" | "online" | "offline" | "failed";

export type SyncPhase = "connect" | "replay" | "copy" | "index" | "changes";

export type SyncProgress = { 
/**
 * What is being done.
 */
phase: SyncPhase, 
/**
 * Rows (or edits) done.
 */
done: number, 
/**
 * Rows (or edits) in all; 0 when not known.
 */
total: number, };

export type SkippedRow = { 
/**
 * The row's id.
 */
numberId: string, 
/**
 * Its number as the server holds it.
 */
phoneNumber: string | null, 
/**
 * Why, e.g. `invalid status: "suspended" is not one of active, inactive, error`.
 */
reason: string, 
/**
 * In the cache without the secret; false: not in the cache.
 */
kept: boolean, };

export type TeamStatus = { 
/**
 * The open profile; null for the local workspace.
 */
profile: string | null, 
/**
 * `host:port/database` of the open profile.
 */
server: string | null, 
/**
 * Online, offline, …
 */
connection: Connection, 
/**
 * Why the last sync failed; null after a successful one.
 */
lastError: AppError | null, 
/**
 * RFC 3339: when a sync last tried the server.
 */
lastAttemptAt: string | null, 
/**
 * RFC 3339: when the cache was last complete and current.
 */
lastSyncedAt: string | null, 
/**
 * Offline edits waiting to be sent.
 */
outbox: number, 
/**
 * Edits the server did not take, waiting for a decision.
 */
conflicts: number, 
/**
 * A sync is running.
 */
syncing: boolean, 
/**
 * The running sync's progress.
 */
progress: SyncProgress | null, 
/**
 * The schema check's warnings at the last connect.
 */
warnings: Array<string>, 
/**
 * Rows of the team database the cache could not hold as the server has them.
 */
skipped: Array<SkippedRow>, };

export type KeepVersion = "mine" | "theirs";

export type SyncConflict = { 
/**
 * Conflict number.
 */
id: number, 
/**
 * The number's id.
 */
numberId: string, 
/**
 * Its organization.
 */
organizationId: string, 
/**
 * "add", "update" or "remove".
 */
op: string, 
/**
 * What happened, e.g. "changed on the server since".
 */
reason: string, 
/**
 * RFC 3339: when the sync found it.
 */
detectedAt: string, 
/**
 * The manager's version; null when the manager removed it.
 */
mine: PhoneNumber | null, 
/**
 * The server's version; null when removed on the server.
 */
theirs: PhoneNumber | null, };

export type GroupBy = "number" | "agent" | "provider" | "day";

export type UsageCounts = { 
/**
 * Every call record, unfinished ones included.
 */
calls: number, 
/**
 * Calls with a final outcome (all but unfinished).
 */
finalCalls: number, 
/**
 * Answered calls.
 */
answered: number, 
/**
 * Answered calls shorter than [`super::ROLLUP_SHORT_CALL_SECS`].
 */
shortAnswered: number, 
/**
 * Failed calls.
 */
failed: number, 
/**
 * Seconds billed, as the providers count them.
 */
billedSecs: number, 
/**
 * Message records.
 */
messages: number, 
/**
 * Billed message segments.
 */
segments: number, 
/**
 * Call and message records whose price is still pending (not in `cost`: pending is never
 * zero).
 */
pending: number, 
/**
 * Call records whose provider reports no cost at all (Bandwidth's Call Search): not in
 * `cost` and not pending (no later pull prices them); counted so that a report says how
 * many records its cost leaves out.
 */
notReported: number, };

export type Totals = Record<string, number>;

export type UsageRow = { 
/**
 * The group, as [`GroupBy`] says: the number's E.164; the agent's name (empty: no agent
 * or a removed number); the provider's word (empty: a removed number); the day
 * `YYYY-MM-DD`.
 */
key: string, 
/**
 * The number's or the agent's id, when the group is one that still exists.
 */
id: string | null, 
/**
 * The counts.
 */
counts: UsageCounts, 
/**
 * What the charged records cost, per currency (never converted, never summed across).
 */
cost: Totals, };

export type HealthState = "healthy" | "at_risk" | "insufficient_data";

export type Reason = { "kind": "low_answer_rate", rate: number, threshold: number, } | { "kind": "answer_rate_fell", earlier: number, recent: number, } | { "kind": "short_calls", share: number, threshold: number, } | { "kind": "failed_calls", share: number, threshold: number, };

export type Health = { state: HealthState, 
/**
 * Why it is at risk; empty otherwise.
 */
reasons: Array<Reason>, 
/**
 * Final calls in the window: the sample of the answer rate and the failed share.
 */
calls: number, 
/**
 * Answered calls in the window: the sample of the short-call share.
 */
answered: number, 
/**
 * Final calls per day of the window.
 */
calls_per_day: number, 
/**
 * Answered among final calls; none without calls.
 */
answer_rate: number | null, 
/**
 * Short among answered calls; none without answered calls.
 */
short_share: number | null, 
/**
 * Failed among final calls; none without calls.
 */
failed_share: number | null, 
/**
 * When the window's latest call started.
 */
last_record_at: string | null, };

export type NumberHealth = { 
/**
 * The number.
 */
phoneNumber: string, 
/**
 * Its id, unless it was removed.
 */
numberId: string | null, 
/**
 * Its health over the window.
 */
health: Health, };

export type ReportRow = { 
/**
 * Grouped by number: its health over the window ending on the report's last day.
 */
health: Health | null, 
/**
 * The group, as [`GroupBy`] says: the number's E.164; the agent's name (empty: no agent
 * or a removed number); the provider's word (empty: a removed number); the day
 * `YYYY-MM-DD`.
 */
key: string, 
/**
 * The number's or the agent's id, when the group is one that still exists.
 */
id: string | null, 
/**
 * The counts.
 */
counts: UsageCounts, 
/**
 * What the charged records cost, per currency (never converted, never summed across).
 */
cost: Totals, };

export type UsageReport = { 
/**
 * The first day.
 */
from: string, 
/**
 * The last day.
 */
to: string, 
/**
 * What the rows are grouped by.
 */
by: GroupBy, 
/**
 * One row per group.
 */
rows: Array<ReportRow>, 
/**
 * Grouped by number: why each number at risk is, in core's words (the CSV's `reasons`
 * cell), by its row's key.
 */
reasons: { [key in string]?: string }, };

export type NumberUsage = { 
/**
 * The number.
 */
phoneNumber: string, 
/**
 * Its id now, unless it was removed.
 */
numberId: string | null, 
/**
 * The first day (`YYYY-MM-DD`).
 */
from: string, 
/**
 * The last day, included.
 */
to: string, 
/**
 * Its records of those days summed (keyed by the number), as the report grouped by
 * number gives its row: each currency apart, pending records counted as pending.
 */
totals: UsageRow, 
/**
 * Its days with records, oldest first (keyed `YYYY-MM-DD`).
 */
days: Array<UsageRow>, 
/**
 * The first day of the health window (it ends on `to`).
 */
healthFrom: string, 
/**
 * Its health over the window ending on the last day (every figure with its sample size
 * and the time of its last call).
 */
health: Health, };

export type NumberUsageReport = { 
/**
 * Why it is at risk (the CSV's `reasons` cell).
 */
reasons: string, 
/**
 * The number.
 */
phoneNumber: string, 
/**
 * Its id now, unless it was removed.
 */
numberId: string | null, 
/**
 * The first day (`YYYY-MM-DD`).
 */
from: string, 
/**
 * The last day, included.
 */
to: string, 
/**
 * Its records of those days summed (keyed by the number), as the report grouped by
 * number gives its row: each currency apart, pending records counted as pending.
 */
totals: UsageRow, 
/**
 * Its days with records, oldest first (keyed `YYYY-MM-DD`).
 */
days: Array<UsageRow>, 
/**
 * The first day of the health window (it ends on `to`).
 */
healthFrom: string, 
/**
 * Its health over the window ending on the last day (every figure with its sample size
 * and the time of its last call).
 */
health: Health, };

export type RecordKind = "calls" | "messages";

export type UsageSyncProgress = { 
/**
 * The provider.
 */
provider: Provider, 
/**
 * The account.
 */
accountId: string, 
/**
 * Calls or messages.
 */
kind: RecordKind, 
/**
 * Pages kept so far of this kind.
 */
pages: number, 
/**
 * Records kept so far of this kind (added, completed or unchanged).
 */
records: number, };

export type Kept = { 
/**
 * Records the store did not hold (by organization, provider, account and record id).
 */
added: number, 
/**
 * Records held as pending that came back priced (charged or not billed).
 */
completed: number, 
/**
 * Records held already and not completed by this read (rewritten as read: a call still
 * ringing may have ended).
 */
unchanged: number, 
/**
 * Kept records (added, completed or unchanged) still priced pending.
 */
pending: number, 
/**
 * Records of a number the organization does not have (another organization's number on a
 * shared account, or one never added): not kept.
 */
notOurs: number, };

export type KindSynced = { 
/**
 * What keeping them did.
 */
kept: Kept, 
/**
 * Records the provider listed that could not be read (each skipped, with its reason in
 * `skipped_reasons`, the first few).
 */
skipped: number, 
/**
 * The first reasons of the skipped records (at most [`SKIPPED_REASONS`]).
 */
skippedReasons: Array<string>, 
/**
 * Pages read.
 */
pages: number, 
/**
 * The time the pull asked from.
 */
since: string, 
/**
 * Where the next pull starts.
 */
nextSince: string, 
/**
 * Why the provider has no records of this kind to read (Bandwidth's messages): nothing
 * was read, the cursor did not move, and the rest of the sync went on. `None` when read.
 */
unavailable: string | null, };

export type AccountSynced = { 
/**
 * The provider.
 */
provider: Provider, 
/**
 * The account.
 */
accountId: string, 
/**
 * Records added (calls and messages).
 */
added: number, 
/**
 * Pending records completed (priced) by this pull.
 */
completed: number, 
/**
 * Records read that are still pending.
 */
pending: number, 
/**
 * Records of numbers the organization does not have, and unreadable records: not kept.
 */
skipped: number, 
/**
 * Pages read (calls and messages).
 */
pages: number, 
/**
 * The calls.
 */
calls: KindSynced, 
/**
 * The messages.
 */
messages: KindSynced, };

