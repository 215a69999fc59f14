// Generated from src-tauri/src/{dto,error}.rs by `bindings::typescript()`. Do not edit:
// run `SWITCHBOARD_UPDATE_BINDINGS=1 cargo test --test generated_types` instead.

export type ErrorCode = "InvalidNumber" | "InvalidInput" | "Duplicate" | "NotFound" | "NotAllowed" | "Storage" | "Offline" | "VaultUnavailable" | "Settings" | "Cancelled" | "Internal";

export type AppError = { 
/**
 * What kind of failure; the UI branches on this.
 */
code: ErrorCode, 
/**
 * A sentence for the user.
 */
message: string, };

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
 * Id.
 */
id: string, 
/**
 * URL-safe short name.
 */
slug: string, 
/**
 * Display name.
 */
name: string, };

export type Agent = { 
/**
 * Id.
 */
id: string, 
/**
 * Owning organization.
 */
organizationId: string, 
/**
 * Display name.
 */
name: string, };

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
 * The URL the provider calls.
 */
webhookUrl: string | null, 
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
country: string | null, };

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
 * The number's id.
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
 * Numbers not changed, with the reason.
 */
failed: Array<BulkFailure>, 
/**
 * True when the user cancelled before the end (the rest were left as they were).
 */
cancelled: boolean, };

export type WorkspaceInfo = { 
/**
 * "local" (a SQLite file) for now.
 */
kind: string, 
/**
 * Where it is.
 */
path: string, };

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
 * disable | prefer | require | verify-full.
 */
tlsMode: string, };

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
profiles: Array<ConnectionProfile>, };

