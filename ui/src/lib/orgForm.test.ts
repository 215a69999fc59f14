import { describe, expect, it } from "vitest";
import { ClientError, toClientError } from "./client";
import { orgFormErrors, suggestSlug } from "./orgForm";

describe("suggestSlug", () => {
  it("turns a name into a slug core accepts", () => {
    expect(suggestSlug("Acme Inc.")).toBe("acme-inc");
    expect(suggestSlug("  Société Générale — Paris ")).toBe("societe-generale-paris");
    expect(suggestSlug("---")).toBe("");
    expect(suggestSlug("a".repeat(62) + " b")).toBe("a".repeat(62));
  });
});

describe("orgFormErrors", () => {
  it("puts the app's refusal beside the field it names", () => {
    const slug = toClientError({ code: "InvalidInput", message: 'invalid slug: "A B" must be …', field: "slug" });
    expect(orgFormErrors(slug)).toEqual({ name: null, slug: 'invalid slug: "A B" must be …', form: null });
    const name = toClientError({ code: "InvalidInput", message: "invalid organization name: must be 1-200 printable characters", field: "organization name" });
    expect(orgFormErrors(name)).toEqual({ name: "invalid organization name: must be 1-200 printable characters", slug: null, form: null });
    expect(orgFormErrors(new ClientError("Duplicate", 'organization "acme" already exists'))).toEqual({ name: null, slug: 'organization "acme" already exists', form: null });
  });

  it("says Offline, and keeps other refusals above the buttons", () => {
    expect(orgFormErrors(new ClientError("Offline", "adding an organization needs the team database"))).toEqual({
      name: null,
      slug: null,
      form: "Offline: adding an organization needs the team database",
    });
    expect(orgFormErrors(new ClientError("InvalidInput", "something else", "other")).form).toBe("something else");
    expect(orgFormErrors(new ClientError("NotAllowed", "a workspace holds at most 4095 organizations")).form).toBe("a workspace holds at most 4095 organizations");
  });
});
