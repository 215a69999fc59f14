//! Adding many validated numbers to an organization at once, all or nothing.
//!
//! Why: importing an account's numbers from a provider adds hundreds or thousands of records.
//! One transaction per number would be slow and would leave a half-done import behind on an
//! error; [`Workspace::add_numbers`] adds them through one [`super::BulkInsert`], so either
//! every number is added or none is.

use uuid::Uuid;

use super::{Workspace, now};
use crate::domain::{PhoneNumber, ValidNumber};
use crate::error::{Error, Result};

impl Workspace {
    /// Adds validated numbers to an organization in one transaction and returns the records.
    /// The numbers are added unassigned: a number with an agent is refused (use
    /// [`Workspace::add_number`], which checks the agent). A number the organization has
    /// already fails the whole batch with [`Error::Duplicate`].
    pub fn add_numbers(
        &mut self,
        organization_id: Uuid,
        numbers: Vec<ValidNumber>,
    ) -> Result<Vec<PhoneNumber>> {
        if numbers.iter().any(|v| v.agent_id.is_some()) {
            return Err(Error::invalid(
                "agent",
                "numbers added in a batch are added unassigned",
            ));
        }
        let t = now();
        let records: Vec<PhoneNumber> = numbers
            .into_iter()
            .map(|v| v.into_record(organization_id, t))
            .collect();
        let mut bulk = self.bulk_insert(organization_id, records.len() as u64)?;
        for record in &records {
            bulk.insert(record)?;
        }
        bulk.finish()?;
        Ok(records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::NewNumber;
    use crate::error::ErrorCode;

    fn valid(n: &str) -> ValidNumber {
        NewNumber {
            provider: "twilio".into(),
            number: n.into(),
            ..Default::default()
        }
        .validate()
        .unwrap()
    }

    #[test]
    fn adds_all_or_nothing() {
        let mut ws = Workspace::open_in_memory().unwrap();
        let org = ws.add_organization("acme", "Acme").unwrap();
        let added = ws
            .add_numbers(org.id, vec![valid("+14155551234"), valid("+14155551235")])
            .unwrap();
        assert_eq!(added.len(), 2);
        let e = ws
            .add_numbers(org.id, vec![valid("+14155551236"), valid("+14155551234")])
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::Duplicate);
        assert_eq!(ws.numbers_in(org.id).unwrap().len(), 2);
    }
}
