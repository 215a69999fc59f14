//! Provider accounts of an organization in the local workspace.
//!
//! A provider account (a Twilio account SID, a Vonage API key, …) owns the secret that lets
//! Switchboard talk to the provider, and many numbers share one account. The workspace never
//! holds that secret — it lives in the OS credential vault under the provider and account id —
//! so an account is known here in two ways only:
//! - numbers reference it through their `credentials` JSON (`{"accountSid": "AC…",
//!   "authTokenRef": "vault:twilio:AC…"}`, see [`Credentials`]);
//! - a manager added it explicitly (`provider_accounts`), so it is listed before any number
//!   uses it, with an optional label.
//!
//! [`Workspace::accounts`] is the union of both. [`Workspace::added_accounts`] is only the
//! second: the accounts a provider action may use for an organization's numbers (see
//! [`AddedAccounts`]). [`Workspace::account_usage`] finds the numbers
//! that reference an account in every organization of the workspace, because the vault entry
//! is per device, not per organization: it tells whether removing a number removed the last
//! user of a secret. Both scan the numbers' `credentials`: no index is kept for them, so bulk
//! loads stay as fast as before, and a scan costs about 0.5 s per 200,000 numbers in a debug
//! build (measured with `dev seed`), less in a release build.

use std::collections::{HashMap, HashSet};

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Workspace, from_micros, micros, now, parse_uuid};
use crate::domain::{Credentials, E164, PhoneNumber, Provider};
use crate::error::{Error, Result};

/// The longest label of an account, as for a number's friendly name.
pub const ACCOUNT_LABEL_MAX_CHARS: usize = 100;

/// A provider account as this workspace knows it. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderAccount {
    /// The organization it is listed in.
    pub organization_id: Uuid,
    /// The provider.
    pub provider: Provider,
    /// The provider's account identifier (Twilio account SID, Vonage API key, …).
    pub account_id: String,
    /// The label given when it was added, if any.
    pub label: Option<String>,
    /// Whether a manager added it explicitly (rather than only numbers referencing it).
    pub added: bool,
    /// How many of the organization's numbers reference it.
    pub numbers: u64,
    /// When it was added explicitly.
    #[serde(with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
}

/// Which numbers reference an account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccountUsage {
    /// How many numbers reference it, in every organization of the workspace.
    pub total: u64,
    /// The first of them (by organization slug, then number), at most the limit asked for.
    pub numbers: Vec<AccountUser>,
}

/// One number that references an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountUser {
    /// The organization's slug.
    pub organization: String,
    /// The number's id.
    pub id: Uuid,
    /// The number.
    pub phone_number: E164,
}

/// The accounts managers added to each organization on this device: which account a provider
/// action may use for a number.
///
/// A number names its account in its own `credentials`, and the account's secret is filed in
/// this device's vault by provider and account id only, so a number's reference alone would let
/// any member of an organization who can write its rows borrow the secret of an account that
/// belongs to another organization of the same manager. The rule: a provider action on a
/// number uses the account it references only if that account was added to the number's own
/// organization ([`Workspace::add_account`]); otherwise the number is skipped with
/// [`AccountNotAdded`] and nothing is sent. The list is this device's (the workspace file, or
/// a team database's cache file), written only by the manager's own `accounts add`: no row of
/// the team database can extend it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddedAccounts {
    added: HashSet<(Uuid, Provider, String)>,
    slugs: HashMap<Uuid, String>,
}

/// A provider action refused for a number: the account it references was not added to its
/// organization (see [`AddedAccounts`]). Nothing was sent to the provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error(
    "{provider} account {account_id} was not added to {organization} on this device, so it is \
     not used for {organization}'s numbers; nothing was sent (add the account to \
     {organization} to use it there)"
)]
pub struct AccountNotAdded {
    /// The provider of the account the number references.
    pub provider: Provider,
    /// The account the number references.
    pub account_id: String,
    /// The number's organization.
    pub organization_id: Uuid,
    /// The organization's slug (its id when this device does not know the organization).
    pub organization: String,
}

impl From<AccountNotAdded> for Error {
    fn from(e: AccountNotAdded) -> Self {
        Error::NotAllowed(e.to_string())
    }
}

impl AddedAccounts {
    /// Lists `account_id` of `provider` as added to an organization (whose slug names it in
    /// refusals).
    pub fn insert(
        &mut self,
        organization_id: Uuid,
        slug: &str,
        provider: Provider,
        account_id: &str,
    ) {
        self.slugs.insert(organization_id, slug.to_owned());
        self.added
            .insert((organization_id, provider, account_id.trim().to_owned()));
    }

    /// The accounts added to `organization_id`, ordered by provider name and account id (as
    /// [`Workspace::accounts`] lists them).
    pub fn of(&self, organization_id: Uuid) -> Vec<(Provider, &str)> {
        let mut found: Vec<(Provider, &str)> = (self.added.iter())
            .filter(|(org, _, _)| *org == organization_id)
            .map(|(_, provider, id)| (*provider, id.as_str()))
            .collect();
        found.sort_by_key(|(provider, id)| (provider.as_str(), *id));
        found
    }

    /// Whether the account was added to the organization.
    pub fn contains(&self, organization_id: Uuid, provider: Provider, account_id: &str) -> bool {
        self.added
            .contains(&(organization_id, provider, account_id.trim().to_owned()))
    }

    /// `Ok` when the account may be used for the organization's numbers (it was added to it),
    /// else why not.
    pub fn check(
        &self,
        organization_id: Uuid,
        provider: Provider,
        account_id: &str,
    ) -> std::result::Result<(), AccountNotAdded> {
        if self.contains(organization_id, provider, account_id) {
            return Ok(());
        }
        Err(AccountNotAdded {
            provider,
            account_id: account_id.trim().to_owned(),
            organization_id,
            organization: self
                .slugs
                .get(&organization_id)
                .cloned()
                .unwrap_or_else(|| organization_id.to_string()),
        })
    }

    /// The account a provider action may use for `n`: the one its credentials reference
    /// (`None` when it references none), provided that account was added to `n`'s own
    /// organization.
    pub fn account_of<'n>(
        &self,
        n: &'n PhoneNumber,
    ) -> std::result::Result<Option<(Provider, &'n str)>, AccountNotAdded> {
        match n.credentials.account_id(n.provider) {
            Some(id) => self
                .check(n.organization_id, n.provider, id)
                .map(|()| Some((n.provider, id))),
            None => Ok(None),
        }
    }
}

/// SQL for the account id a number references (`NULL` when none), over `phone_numbers p`.
/// Built from [`Credentials::account_key`], so it reads exactly what `Credentials` writes.
fn account_expr() -> String {
    let mut sql = String::from("CASE p.provider");
    for provider in Provider::ALL {
        sql.push_str(&format!(
            " WHEN '{}' THEN json_extract(p.credentials, '$.{}')",
            provider.as_str(),
            Credentials::account_key(provider)
        ));
    }
    sql.push_str(" END");
    sql
}

/// Checks an account id the way a number's credentials check it, and returns it trimmed.
pub fn check_account_id(provider: Provider, account_id: &str) -> Result<String> {
    let account_id = account_id.trim();
    match Credentials::for_account(provider, account_id) {
        Ok(_) => Ok(account_id.to_owned()),
        Err(Error::InvalidInput { reason, .. }) => Err(Error::invalid("account id", reason)),
        Err(other) => Err(other),
    }
}

/// Checks an account's label (trimmed; blank is none) and returns it.
pub fn check_account_label(label: Option<&str>) -> Result<Option<String>> {
    let Some(label) = label.map(str::trim).filter(|l| !l.is_empty()) else {
        return Ok(None);
    };
    if label.chars().count() > ACCOUNT_LABEL_MAX_CHARS || label.chars().any(char::is_control) {
        return Err(Error::invalid(
            "label",
            format!("must be at most {ACCOUNT_LABEL_MAX_CHARS} printable characters"),
        ));
    }
    Ok(Some(label.to_owned()))
}

fn conversion(e: Error) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
}

fn from_row(organization_id: Uuid, r: &Row<'_>) -> rusqlite::Result<ProviderAccount> {
    let provider: String = r.get(0)?;
    Ok(ProviderAccount {
        organization_id,
        provider: provider.parse().map_err(conversion)?,
        account_id: r.get(1)?,
        label: r.get(2)?,
        added: r.get(3)?,
        numbers: r.get::<_, i64>(4)?.max(0) as u64,
        created_at: r.get::<_, Option<i64>>(5)?.map(from_micros).transpose()?,
    })
}

impl Workspace {
    /// Adds an account to an organization explicitly, or, when it is there already, keeps it
    /// and replaces its label if one is given. Returns the account and whether it is new.
    pub fn add_account(
        &mut self,
        organization_id: Uuid,
        provider: Provider,
        account_id: &str,
        label: Option<&str>,
    ) -> Result<(ProviderAccount, bool)> {
        let account_id = check_account_id(provider, account_id)?;
        let label = check_account_label(label)?;
        if self.org_slug(&organization_id).is_none() {
            return Err(Error::NotFound {
                kind: "organization",
                key: organization_id.to_string(),
            });
        }
        let org = organization_id.to_string();
        let created = self.write(|tx| {
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM provider_accounts
                   WHERE organization_id = ?1 AND provider = ?2 AND account_id = ?3)",
                params![org, provider.as_str(), account_id],
                |r| r.get(0),
            )?;
            tx.execute(
                "INSERT INTO provider_accounts (organization_id, provider, account_id, label,
                   created_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (organization_id, provider, account_id)
                 DO UPDATE SET label = coalesce(excluded.label, label)",
                params![org, provider.as_str(), account_id, label, micros(now())],
            )?;
            Ok(!exists)
        })?;
        let account = self
            .account(organization_id, provider, &account_id)?
            .ok_or_else(|| Error::NotFound {
                kind: "provider account",
                key: format!("{provider}:{account_id}"),
            })?;
        Ok((account, created))
    }

    /// An organization's accounts: those added explicitly and those its numbers reference,
    /// by provider and account id.
    pub fn accounts(&self, organization_id: Uuid) -> Result<Vec<ProviderAccount>> {
        self.accounts_where(organization_id, None)
    }

    /// One account of an organization (added or referenced), if it has it.
    pub fn account(
        &self,
        organization_id: Uuid,
        provider: Provider,
        account_id: &str,
    ) -> Result<Option<ProviderAccount>> {
        Ok(self
            .accounts_where(organization_id, Some((provider, account_id)))?
            .into_iter()
            .next())
    }

    fn accounts_where(
        &self,
        organization_id: Uuid,
        only: Option<(Provider, &str)>,
    ) -> Result<Vec<ProviderAccount>> {
        let expr = account_expr();
        let sql = format!(
            "WITH used AS (
               SELECT p.provider AS provider, {expr} AS account_id, count(*) AS n
               FROM phone_numbers p
               WHERE p.org_key = (SELECT key FROM organizations WHERE id = ?1)
                 AND (?2 IS NULL OR p.provider = ?2)
               GROUP BY 1, 2)
             SELECT provider, account_id, max(label), max(added), sum(n), max(created_at)
             FROM (
               SELECT provider, account_id, label, 1 AS added, 0 AS n, created_at
               FROM provider_accounts WHERE organization_id = ?1
               UNION ALL
               SELECT provider, account_id, NULL, 0, n, NULL FROM used
               WHERE account_id IS NOT NULL)
             WHERE (?2 IS NULL OR (provider = ?2 AND account_id = ?3))
             GROUP BY provider, account_id
             ORDER BY provider, account_id"
        );
        let (provider, account_id) = match only {
            Some((p, a)) => (Some(p.as_str()), Some(a.trim())),
            None => (None, None),
        };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            params![organization_id.to_string(), provider, account_id],
            |r| from_row(organization_id, r),
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Removes an account added explicitly to an organization (numbers that reference it keep
    /// their reference). Returns whether it had been added.
    pub fn remove_account(
        &mut self,
        organization_id: Uuid,
        provider: Provider,
        account_id: &str,
    ) -> Result<bool> {
        let account_id = account_id.trim().to_owned();
        self.write(|tx| {
            let gone = tx.execute(
                "DELETE FROM provider_accounts
                 WHERE organization_id = ?1 AND provider = ?2 AND account_id = ?3",
                params![organization_id.to_string(), provider.as_str(), account_id],
            )?;
            Ok(gone > 0)
        })
    }

    /// The numbers referencing an account, in every organization of this workspace: how many,
    /// and the first `limit` of them.
    pub fn account_usage(
        &self,
        provider: Provider,
        account_id: &str,
        limit: u32,
    ) -> Result<AccountUsage> {
        let expr = account_expr();
        let account_id = account_id.trim();
        let total: i64 = self.conn.query_row(
            &format!("SELECT count(*) FROM phone_numbers p WHERE p.provider = ?1 AND {expr} = ?2"),
            params![provider.as_str(), account_id],
            |r| r.get(0),
        )?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT o.slug, p.id, p.phone_number
             FROM phone_numbers p JOIN organizations o ON o.key = p.org_key
             WHERE p.provider = ?1 AND {expr} = ?2
             ORDER BY o.slug, p.phone_number LIMIT ?3"
        ))?;
        let numbers = stmt
            .query_map(params![provider.as_str(), account_id, limit], |r| {
                Ok(AccountUser {
                    organization: r.get(0)?,
                    id: parse_uuid(&r.get::<_, String>(1)?)?,
                    phone_number: E164::from_stored(r.get(2)?),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(AccountUsage {
            total: total.max(0) as u64,
            numbers,
        })
    }

    /// The accounts added explicitly to each organization of this workspace (for a team
    /// database's cache: added on this device), with the organizations' slugs: what
    /// [`AddedAccounts`] allows provider actions to use.
    pub fn added_accounts(&self) -> Result<AddedAccounts> {
        let mut added = AddedAccounts::default();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, slug FROM organizations")?;
        let orgs = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for org in orgs {
            let (id, slug) = org?;
            added.slugs.insert(parse_uuid(&id)?, slug);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT organization_id, provider, account_id FROM provider_accounts",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (org, provider, account_id) = row?;
            let provider: Provider = provider.parse()?;
            added
                .added
                .insert((parse_uuid(&org)?, provider, account_id));
        }
        Ok(added)
    }

    /// Whether any organization of this workspace lists the account explicitly.
    pub fn account_added_anywhere(&self, provider: Provider, account_id: &str) -> Result<bool> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM provider_accounts WHERE provider = ?1 AND account_id = ?2 LIMIT 1",
                params![provider.as_str(), account_id.trim()],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::NewNumber;
    use crate::error::ErrorCode;

    const SID: &str = "AC0123456789abcdef0123456789abcdef";
    const OTHER: &str = "ACfedcba9876543210fedcba9876543210";

    fn number(ws: &mut Workspace, org: Uuid, provider: &str, n: &str, account: Option<&str>) {
        let valid = NewNumber {
            provider: provider.into(),
            number: n.into(),
            account_id: account.map(str::to_owned),
            ..Default::default()
        }
        .validate()
        .unwrap();
        ws.add_number(org, valid).unwrap();
    }

    #[test]
    fn accounts_are_the_union_of_added_and_referenced() {
        let mut ws = Workspace::open_in_memory().unwrap();
        let acme = ws.add_organization("acme", "Acme").unwrap();
        let globex = ws.add_organization("globex", "Globex").unwrap();
        number(&mut ws, acme.id, "twilio", "+14155551234", Some(SID));
        number(&mut ws, acme.id, "twilio", "+14155551235", Some(SID));
        number(
            &mut ws,
            acme.id,
            "vonage",
            "+442079460123",
            Some("abcd1234"),
        );
        number(&mut ws, acme.id, "twilio", "+14155551236", None);
        number(&mut ws, globex.id, "twilio", "+14155551237", Some(SID));

        let (added, created) = ws
            .add_account(acme.id, Provider::Twilio, OTHER, Some(" Sales "))
            .unwrap();
        assert!(created);
        assert_eq!(added.label.as_deref(), Some("Sales"));
        assert!(added.added && added.numbers == 0 && added.created_at.is_some());
        // Adding a referenced account marks it added and keeps its count.
        let (sid, created) = ws
            .add_account(acme.id, Provider::Twilio, SID, None)
            .unwrap();
        assert!(created && sid.added);
        assert_eq!(sid.numbers, 2);
        let (_, created) = ws
            .add_account(acme.id, Provider::Twilio, SID, None)
            .unwrap();
        assert!(!created);

        let listed: Vec<(Provider, String, u64, bool)> = ws
            .accounts(acme.id)
            .unwrap()
            .into_iter()
            .map(|a| (a.provider, a.account_id, a.numbers, a.added))
            .collect();
        assert_eq!(
            listed,
            vec![
                (Provider::Twilio, SID.to_owned(), 2, true),
                (Provider::Twilio, OTHER.to_owned(), 0, true),
                (Provider::Vonage, "abcd1234".to_owned(), 1, false),
            ]
        );
        assert_eq!(ws.accounts(globex.id).unwrap().len(), 1);

        let usage = ws.account_usage(Provider::Twilio, SID, 2).unwrap();
        assert_eq!(usage.total, 3);
        assert_eq!(usage.numbers.len(), 2);
        assert_eq!(usage.numbers[0].organization, "acme");
        assert_eq!(
            ws.account_usage(Provider::Telnyx, SID, 10).unwrap().total,
            0,
            "the provider is part of the account's identity"
        );

        assert!(ws.remove_account(acme.id, Provider::Twilio, OTHER).unwrap());
        assert!(!ws.remove_account(acme.id, Provider::Twilio, OTHER).unwrap());
        assert!(
            ws.account(acme.id, Provider::Twilio, OTHER)
                .unwrap()
                .is_none()
        );
        assert!(ws.account_added_anywhere(Provider::Twilio, SID).unwrap());
        assert!(!ws.account_added_anywhere(Provider::Twilio, OTHER).unwrap());
    }

    #[test]
    fn only_an_account_added_to_a_numbers_own_organization_may_be_used_for_it() {
        let mut ws = Workspace::open_in_memory().unwrap();
        let acme = ws.add_organization("acme", "Acme").unwrap();
        let globex = ws.add_organization("globex", "Globex").unwrap();
        ws.add_account(acme.id, Provider::Twilio, SID, None)
            .unwrap();
        number(&mut ws, acme.id, "twilio", "+14155551234", Some(SID));
        // A member of globex wrote a number that references acme's account.
        number(&mut ws, globex.id, "twilio", "+14155551235", Some(SID));
        number(&mut ws, globex.id, "twilio", "+14155551236", None);
        let mut all = Vec::new();
        for org in [acme.id, globex.id] {
            ws.for_each_number(org, |n| {
                all.push(n.clone());
                Ok(())
            })
            .unwrap();
        }
        let added = ws.added_accounts().unwrap();
        assert_eq!(
            added.account_of(&all[0]).unwrap(),
            Some((Provider::Twilio, SID))
        );
        let refused = added.account_of(&all[1]).unwrap_err();
        assert_eq!(
            refused,
            AccountNotAdded {
                provider: Provider::Twilio,
                account_id: SID.into(),
                organization_id: globex.id,
                organization: "globex".into(),
            }
        );
        assert!(
            refused.to_string().contains("not added to globex"),
            "{refused}"
        );
        assert_eq!(Error::from(refused).code(), ErrorCode::NotAllowed);
        assert_eq!(added.account_of(&all[2]).unwrap(), None);
        // The provider is part of the account's identity.
        assert!(added.check(acme.id, Provider::Telnyx, SID).is_err());
        // Referencing an account does not add it; adding it to globex does.
        assert!(!added.contains(globex.id, Provider::Twilio, SID));
        ws.add_account(globex.id, Provider::Twilio, SID, None)
            .unwrap();
        let added = ws.added_accounts().unwrap();
        assert_eq!(
            added.account_of(&all[1]).unwrap(),
            Some((Provider::Twilio, SID))
        );
        // An organization this device does not know is named by its id.
        let stranger = Uuid::new_v4();
        let e = added.check(stranger, Provider::Twilio, SID).unwrap_err();
        assert_eq!(e.organization, stranger.to_string());
    }

    #[test]
    fn account_ids_and_labels_are_checked() {
        let mut ws = Workspace::open_in_memory().unwrap();
        let acme = ws.add_organization("acme", "Acme").unwrap();
        let e = ws
            .add_account(acme.id, Provider::Twilio, "AC123", None)
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        assert!(e.to_string().starts_with("invalid account id"), "{e}");
        let e = ws
            .add_account(acme.id, Provider::Vonage, "has space", None)
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        let e = ws
            .add_account(
                acme.id,
                Provider::Vonage,
                "abcd1234",
                Some(&"x".repeat(101)),
            )
            .unwrap_err();
        assert!(e.to_string().starts_with("invalid label"), "{e}");
        let e = ws
            .add_account(Uuid::new_v4(), Provider::Vonage, "abcd1234", None)
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::NotFound);
        assert!(ws.accounts(acme.id).unwrap().is_empty());
    }
}
