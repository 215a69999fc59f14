/**
 * The "New organization…" form's logic. The rules themselves (slug: 1–63 of a-z, 0-9 and inner
 * hyphens; name: 1–200 printable characters; a slug is unique) are core's, applied by the
 * `add_organization` command exactly as `switchboard-cli orgs add` applies them: this only
 * suggests a slug and puts the app's refusal beside the field it names.
 */
import type { ClientError } from "./client";

/** A slug suggested from the name while the slug field is untouched: "Acme Inc." → "acme-inc". */
export function suggestSlug(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, 63)
    .replace(/-+$/, "");
}

/** Where the form shows a refusal: beside the name, beside the slug, or above the buttons. */
export interface OrgFormErrors {
  name: string | null;
  slug: string | null;
  form: string | null;
}

/** The refusal `e` of `add_organization`, placed by the field it names. */
export function orgFormErrors(e: ClientError): OrgFormErrors {
  const none: OrgFormErrors = { name: null, slug: null, form: null };
  if (e.code === "InvalidInput" && e.field === "slug") return { ...none, slug: e.message };
  if (e.code === "InvalidInput" && e.field === "organization name") return { ...none, name: e.message };
  // The slug is what makes an organization unique.
  if (e.code === "Duplicate") return { ...none, slug: e.message };
  if (e.code === "Offline") return { ...none, form: `Offline: ${e.message}` };
  return { ...none, form: e.message };
}
