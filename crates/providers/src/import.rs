//! Writing an import from a provider into an organization: one behaviour for the CLI and the
//! desktop app, on every store (the local workspace, the team database, a team workspace's
//! cache and outbox).
//!
//! What is guaranteed, whatever the store:
//! - **What can be recorded is recorded**: the new numbers go in chunks of [`CHUNK`]; a chunk
//!   the store refuses as a whole (one of its numbers was added meanwhile, say) is added again
//!   number by number, so only the numbers the store refuses are left out. A store without a
//!   batch path (a team workspace's outbox) adds number by number.
//! - **Each number left out is reported with why**: not a valid number, or the store's
//!   refusal (not allowed, offline, …). Nothing stops the run but cancellation.
//! - **Safe to run again**: a number already in the organization is reported as such
//!   ([`ImportReport::already_present`]) and never added twice; listing again
//!   ([`crate::flows::import_preview`]) classifies the imported numbers as present.
//! - **Progress and cancellation**: progress after each chunk and each refreshed number;
//!   cancellation stops between chunks (what was written stays written, and the report says
//!   `cancelled`).

use std::future::Future;

use switchboard_core::Error;
use switchboard_core::domain::{NumberUpdate, PhoneNumber, ValidNumber};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::flows::{Difference, ImportDiff, SmsDrift, UnrecordedSms};
use crate::model::{ProgressFn, ProviderNumber};

/// Numbers added per store call (progress and cancellation between chunks).
pub const CHUNK: usize = 100;

/// The inventory of the organization an import writes into.
pub trait ImportTarget {
    /// Why the store refused a write (core's error, or a shell's error that carries its code).
    type Error: From<Error>;

    /// Whether `e` says the number is in the organization already.
    fn already_present(e: &Self::Error) -> bool;

    /// Adds `numbers` all together (one transaction), returning how many were added; `None`
    /// when the store has no such path (then they are added one by one).
    fn add_all(
        &mut self,
        numbers: Vec<ValidNumber>,
    ) -> impl Future<Output = Option<Result<usize, Self::Error>>>;

    /// Adds one number.
    fn add_one(&mut self, number: ValidNumber) -> impl Future<Output = Result<(), Self::Error>>;

    /// Changes the record `id` of the organization, returning it as written.
    fn update(
        &mut self,
        id: Uuid,
        change: NumberUpdate,
    ) -> impl Future<Output = Result<PhoneNumber, Self::Error>>;
}

/// What to write: the chosen new numbers and the chosen "different" ones to refresh.
#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    /// The account whose numbers these are (their credentials reference it).
    pub account_id: String,
    /// New numbers to add.
    pub add: Vec<ProviderNumber>,
    /// Numbers to bring in line with the provider ([`crate::flows::refresh_update`]).
    pub refresh: Vec<Difference>,
    /// SMS webhook URLs to record on numbers that had none on record at the preview
    /// ([`crate::flows::sms_webhook_record`]): every one of the preview, chosen or not. Each
    /// is recorded only if the record still has none when it is written; one recorded since
    /// is reported as drift ([`ImportReport::sms_drift`]), never overwritten.
    pub record_sms: Vec<UnrecordedSms>,
}

impl ImportPlan {
    /// Every new number of `diff`, and its different ones when `refresh`; its unrecorded SMS
    /// webhook URLs always.
    pub fn all(account_id: &str, diff: &ImportDiff, refresh: bool) -> Self {
        ImportPlan {
            record_sms: diff.unrecorded_sms.clone(),
            account_id: account_id.to_owned(),
            add: diff.new.clone(),
            refresh: if refresh {
                diff.different.clone()
            } else {
                Vec::new()
            },
        }
    }

    /// How many numbers the plan writes.
    pub fn len(&self) -> usize {
        self.add.len() + self.refresh.len() + self.record_sms.len()
    }

    /// True when the plan writes nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Progress of an import's writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportProgress {
    /// Numbers written or reported so far.
    pub done: usize,
    /// Numbers in the plan.
    pub total: usize,
}

/// A number that was not imported or refreshed, and why.
#[derive(Debug)]
pub struct NotImported<E = Error> {
    /// E.164.
    pub phone_number: String,
    /// Why, with its code.
    pub error: E,
}

/// What an import wrote.
#[derive(Debug)]
pub struct ImportReport<E = Error> {
    /// Numbers added.
    pub imported: usize,
    /// Records brought in line with the provider.
    pub refreshed: usize,
    /// Records whose SMS webhook URL was recorded (they had none on record).
    pub sms_recorded: usize,
    /// Records that had no SMS webhook URL at the preview and have one that differs from the
    /// provider's by the time it was to be recorded (recorded since): not recorded, left as
    /// they are.
    pub sms_drift: Vec<SmsDrift>,
    /// New numbers that were in the organization by the time they were written (added since
    /// the listing): not added again.
    pub already_present: Vec<String>,
    /// Numbers not written, with why.
    pub failed: Vec<NotImported<E>>,
    /// True when cancellation stopped the run before the end.
    pub cancelled: bool,
}

impl<E> Default for ImportReport<E> {
    fn default() -> Self {
        ImportReport {
            imported: 0,
            refreshed: 0,
            sms_recorded: 0,
            sms_drift: Vec::new(),
            already_present: Vec::new(),
            failed: Vec::new(),
            cancelled: false,
        }
    }
}

/// Writes `plan` into `target` (see the module's guarantees), reporting progress after each
/// chunk and each refreshed number.
pub async fn run_import<T: ImportTarget>(
    target: &mut T,
    plan: ImportPlan,
    progress: ProgressFn<'_, ImportProgress>,
    cancel: &CancellationToken,
) -> ImportReport<T::Error> {
    let total = plan.len();
    let mut report = ImportReport::default();
    let mut valid = Vec::with_capacity(plan.add.len());
    for n in &plan.add {
        match n.to_new_number(&plan.account_id).validate() {
            Ok(v) => valid.push(v),
            Err(error) => report.failed.push(NotImported {
                phone_number: n.phone_number.to_string(),
                error: error.into(),
            }),
        }
    }
    let mut done = report.failed.len();
    let mut rest = valid.into_iter().peekable();
    while rest.peek().is_some() {
        if cancel.is_cancelled() {
            report.cancelled = true;
            return report;
        }
        let chunk: Vec<ValidNumber> = rest.by_ref().take(CHUNK).collect();
        done += chunk.len();
        match target.add_all(chunk.clone()).await {
            Some(Ok(added)) => report.imported += added,
            Some(Err(_)) | None => {
                for v in chunk {
                    let phone_number = v.phone_number.to_string();
                    match target.add_one(v).await {
                        Ok(()) => report.imported += 1,
                        Err(e) if T::already_present(&e) => {
                            report.already_present.push(phone_number);
                        }
                        Err(error) => report.failed.push(NotImported {
                            phone_number,
                            error,
                        }),
                    }
                }
            }
        }
        progress(ImportProgress { done, total });
    }
    for d in plan.refresh {
        if cancel.is_cancelled() {
            report.cancelled = true;
            break;
        }
        let change = crate::flows::refresh_update(&d.number);
        match target.update(d.existing_id, change).await {
            Ok(_) => report.refreshed += 1,
            Err(error) => report.failed.push(NotImported {
                phone_number: d.number.phone_number.to_string(),
                error,
            }),
        }
        done += 1;
        progress(ImportProgress { done, total });
    }
    for u in plan.record_sms {
        if report.cancelled || cancel.is_cancelled() {
            report.cancelled = true;
            break;
        }
        match record_sms(target, &u).await {
            Ok(None) => report.sms_recorded += 1,
            Ok(Some(drift)) => report.sms_drift.push(drift),
            Err(error) => report.failed.push(NotImported {
                phone_number: u.phone_number.to_string(),
                error,
            }),
        }
        done += 1;
        progress(ImportProgress { done, total });
    }
    report
}

/// Records `u`'s SMS URL if the record has none on record as it is written (the listing may
/// be old: [`crate::flows::sms_webhook_record`] is conditional in the store's write).
/// `Ok(None)` when recorded (or the same URL is on record); `Ok(Some(..))`, the drift, when a
/// URL recorded since differs from the provider's and was kept.
async fn record_sms<T: ImportTarget>(
    target: &mut T,
    u: &UnrecordedSms,
) -> Result<Option<SmsDrift>, T::Error> {
    let change = crate::flows::sms_webhook_record(u);
    let written = target.update(u.existing_id, change).await?;
    let on_record = written.recorded_webhooks().1.unwrap_or_default();
    if crate::model::same_url(Some(on_record), &u.url) {
        return Ok(None);
    }
    Ok(Some(SmsDrift {
        existing_id: u.existing_id,
        phone_number: u.phone_number.clone(),
        on_record: on_record.to_owned(),
        provider_url: Some(u.url.clone()),
    }))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Mutex;

    use switchboard_core::ErrorCode;
    use switchboard_core::domain::{Capabilities, E164};

    use super::*;
    use crate::Api;

    /// An organization's numbers in memory: a batch is all or nothing, as in a transaction.
    #[derive(Default)]
    struct Target {
        present: HashSet<String>,
        refused: HashSet<String>,
        records: HashSet<Uuid>,
        batch: bool,
        batches: usize,
    }

    impl Target {
        fn check(&self, v: &ValidNumber) -> switchboard_core::Result<()> {
            let number = v.phone_number.to_string();
            if self.present.contains(&number) {
                return Err(Error::Duplicate {
                    what: number,
                    organization: Some("acme".into()),
                });
            }
            if self.refused.contains(&number) {
                return Err(Error::NotAllowed(format!("{number} is refused")));
            }
            Ok(())
        }
    }

    impl ImportTarget for Target {
        type Error = Error;

        fn already_present(e: &Error) -> bool {
            e.code() == ErrorCode::Duplicate
        }

        async fn add_all(
            &mut self,
            numbers: Vec<ValidNumber>,
        ) -> Option<switchboard_core::Result<usize>> {
            if !self.batch {
                return None;
            }
            self.batches += 1;
            if let Some(e) = numbers.iter().find_map(|v| self.check(v).err()) {
                return Some(Err(e));
            }
            let count = numbers.len();
            self.present
                .extend(numbers.iter().map(|v| v.phone_number.to_string()));
            Some(Ok(count))
        }

        async fn add_one(&mut self, number: ValidNumber) -> switchboard_core::Result<()> {
            self.check(&number)?;
            self.present.insert(number.phone_number.to_string());
            Ok(())
        }

        async fn update(
            &mut self,
            id: Uuid,
            change: NumberUpdate,
        ) -> switchboard_core::Result<PhoneNumber> {
            if self.records.contains(&id) {
                let nil = Uuid::nil();
                change.apply_to(&PhoneNumber {
                    id,
                    ..PhoneNumber::with_every_column(nil, nil)
                })
            } else {
                Err(Error::NotFound {
                    kind: "number",
                    key: id.to_string(),
                })
            }
        }
    }

    fn listed(i: usize) -> ProviderNumber {
        ProviderNumber {
            api: Api::Twilio,
            phone_number: E164::parse(&format!("+1415555{i:04}"), None).unwrap(),
            provider_sid: format!("PN{i}"),
            friendly_name: None,
            capabilities: Capabilities::default(),
            iso_country: Some("US".into()),
            region: None,
            locality: None,
            number_type: None,
            voice_url: None,
            sms_url: None,
            voice_owner: None,
            sms_owner: None,
        }
    }

    fn plan(count: usize) -> ImportPlan {
        ImportPlan {
            account_id: "AC00000000000000000000000000000001".into(),
            add: (0..count).map(listed).collect(),
            refresh: Vec::new(),
            record_sms: Vec::new(),
        }
    }

    fn run(target: &mut Target, plan: ImportPlan) -> (ImportReport, Vec<ImportProgress>) {
        let seen = Mutex::new(Vec::new());
        let progress = |p: ImportProgress| seen.lock().unwrap().push(p);
        let cancel = CancellationToken::new();
        let report =
            futures_util::FutureExt::now_or_never(run_import(target, plan, &progress, &cancel))
                .expect("the fake target never waits");
        (report, seen.into_inner().unwrap())
    }

    #[test]
    fn records_what_it_can_reports_each_number_left_out_and_can_run_again() {
        for batch in [true, false] {
            let mut target = Target {
                batch,
                ..Target::default()
            };
            // Added since the listing, refused by the store, and not a valid record.
            target.present.insert("+14155550003".into());
            target.refused.insert("+14155550150".into());
            let mut plan = plan(250);
            plan.add[7].friendly_name = Some("x".repeat(101));
            let (report, progress) = run(&mut target, plan.clone());
            assert_eq!(report.imported, 247, "batch {batch}");
            assert_eq!(report.already_present, ["+14155550003"]);
            let failed: Vec<(&str, ErrorCode)> = report
                .failed
                .iter()
                .map(|f| (f.phone_number.as_str(), f.error.code()))
                .collect();
            assert_eq!(
                failed,
                [
                    ("+14155550007", ErrorCode::InvalidInput),
                    ("+14155550150", ErrorCode::NotAllowed)
                ]
            );
            assert!(!report.cancelled);
            assert_eq!(
                progress.last(),
                Some(&ImportProgress {
                    done: 250,
                    total: 250
                })
            );
            assert_eq!(progress.len(), 3, "a report after each chunk of 100");
            if batch {
                assert_eq!(target.batches, 3);
            }

            // Run again: nothing is added twice, and each is reported already present.
            target.refused.clear();
            let (again, _) = run(&mut target, plan);
            assert_eq!(again.imported, 1, "only the one refused before");
            assert_eq!(again.already_present.len(), 248);
            assert_eq!(again.failed.len(), 1, "the invalid one, again");
        }
    }

    #[test]
    fn refreshes_each_record_and_stops_between_chunks_when_cancelled() {
        let known = Uuid::new_v4();
        let mut target = Target {
            batch: true,
            records: HashSet::from([known]),
            ..Target::default()
        };
        let mut plan = plan(0);
        for (i, id) in [known, Uuid::new_v4()].into_iter().enumerate() {
            plan.refresh.push(Difference {
                number: listed(900 + i),
                existing_id: id,
                fields: vec!["friendly_name"],
            });
        }
        let (report, _) = run(&mut target, plan);
        assert_eq!(report.refreshed, 1);
        assert_eq!(report.failed.len(), 1);
        assert_eq!(report.failed[0].error.code(), ErrorCode::NotFound);

        let cancel = CancellationToken::new();
        let stop = cancel.clone();
        let progress = move |_: ImportProgress| stop.cancel();
        let report = futures_util::FutureExt::now_or_never(run_import(
            &mut target,
            super::tests::plan(300),
            &progress,
            &cancel,
        ))
        .expect("no wait");
        assert!(report.cancelled);
        assert_eq!(
            report.imported, CHUNK,
            "the chunk in hand is written, then it stops"
        );
    }
}
