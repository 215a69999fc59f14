//! One client type over every provider: enum dispatch.
//!
//! Why an enum and not a trait object: the set of providers is closed and known, each has
//! operations the others lack (only Twilio buys and releases numbers here), and callers —
//! the CLI, the desktop app, the bulk flows — need one concrete, `Send`, cloneable type they
//! can hold in state and fan out across tasks. Provider-specific operations are reached
//! through [`ProviderClient::twilio`].
//!
//! The common contract, honoured by every provider:
//! - [`ProviderClient::verify`]: `Ok` means the credentials work; an
//!   [`crate::ProviderError::Auth`] means they were refused; anything else says nothing about
//!   the credentials.
//! - [`ProviderClient::list_numbers`]: every number, all pages, progress after each page,
//!   stops promptly on cancellation.
//! - [`ProviderClient::webhooks`] / [`ProviderClient::plan_webhooks`] /
//!   [`ProviderClient::set_webhooks`]: resolve the provider's indirection and say which object
//!   holds each URL and how many numbers share it. `set_webhooks` refuses to touch a shared
//!   object unless [`SharedPolicy::AllowShared`] is given, and returns the state the provider
//!   confirmed (read back after the write). A client made for a bulk run
//!   ([`ProviderClient::sharing_reads`]) reads each object its numbers share once in the run,
//!   and again after the run writes it.
//! - [`ProviderClient::calls_since`] / [`ProviderClient::messages_since`]: the account's call
//!   and message records from `since` on (each provider narrows `since` to its filter's
//!   granularity, so a pull may re-read records it already gave: keep them by
//!   `provider_id`), every page handed to the sink as it is read, at the provider's largest
//!   page size, within its documented rate limits, stopping promptly on cancellation. A record
//!   that cannot be read is skipped with its reason; a price not given yet is
//!   [`switchboard_core::usage::Price::Pending`], never zero; a price the provider never
//!   reports (Bandwidth's Call Search) is [`switchboard_core::usage::Price::NotReported`].
//!   Returns the pages read. A provider without a kind of record says
//!   [`crate::ProviderError::Unsupported`] (Bandwidth's messages).

use switchboard_core::usage::{CallRecord, MessageRecord};
use time::OffsetDateTime;
use tokio_util::sync::CancellationToken;

use crate::bandwidth::BandwidthClient;
use crate::error::{Api, ProviderError, Result, Subject};
use crate::model::PageSink;
use crate::model::{
    AccountInfo, Applied, Drift, FoundNumber, ListProgress, Listing, NumberRef, ProgressFn,
    ProviderNumber, SharedPolicy, Wanted, WebhookPlan, WebhookState, drift,
};
use crate::plivo::PlivoClient;
use crate::telnyx::TelnyxClient;
use crate::twilio::TwilioClient;
use crate::vonage::VonageClient;

/// A client for one provider account.
#[derive(Debug, Clone)]
pub enum ProviderClient {
    /// Twilio or SignalWire.
    Twilio(TwilioClient),
    /// Vonage.
    Vonage(VonageClient),
    /// Telnyx.
    Telnyx(TelnyxClient),
    /// Bandwidth.
    Bandwidth(BandwidthClient),
    /// Plivo.
    Plivo(PlivoClient),
}

macro_rules! each {
    ($self:expr, $c:ident => $body:expr) => {
        match $self {
            ProviderClient::Twilio($c) => $body,
            ProviderClient::Vonage($c) => $body,
            ProviderClient::Telnyx($c) => $body,
            ProviderClient::Bandwidth($c) => $body,
            ProviderClient::Plivo($c) => $body,
        }
    };
}

impl ProviderClient {
    /// Which API this client speaks.
    pub fn api(&self) -> Api {
        each!(self, c => c.api())
    }

    /// The account id (Account SID, API key, account id, auth id).
    pub fn account_id(&self) -> &str {
        each!(self, c => c.account_id())
    }

    /// This client for one bulk run: it reads each object the run's numbers share (an
    /// application, a connection, a messaging profile, a location) once, and again only after
    /// the run writes it (`shared` module). Dropped with the run; a client not made by this
    /// reads every time.
    pub fn sharing_reads(&self) -> ProviderClient {
        let mut client = self.clone();
        each!(&mut client, c => c.http.shared = c.http.shared.for_run());
        client
    }

    /// The Twilio client, for Twilio-only operations (search, buy, release).
    pub fn twilio(&self) -> Result<&TwilioClient> {
        match self {
            ProviderClient::Twilio(c) => Ok(c),
            other => Err(ProviderError::Unsupported {
                api: other.api(),
                operation: "searching, buying and releasing numbers",
            }),
        }
    }

    /// Checks the credentials.
    pub async fn verify(&self) -> Result<AccountInfo> {
        each!(self, c => c.verify().await)
    }

    /// Every number the account owns, at each provider's largest page size.
    pub async fn list_numbers(
        &self,
        progress: ProgressFn<'_, ListProgress>,
        cancel: &CancellationToken,
    ) -> Result<Listing> {
        match self {
            ProviderClient::Twilio(c) => {
                c.list_numbers(crate::twilio::MAX_PAGE_SIZE, progress, cancel)
                    .await
            }
            ProviderClient::Vonage(c) => c.list_numbers(progress, cancel).await,
            ProviderClient::Telnyx(c) => c.list_numbers(progress, cancel).await,
            ProviderClient::Bandwidth(c) => c.list_numbers(progress, cancel).await,
            ProviderClient::Plivo(c) => c.list_numbers(progress, cancel).await,
        }
    }

    /// One number as the provider has it, its SMS URL read through the object that holds it
    /// (as a listing reads it); `NotFound` if the account does not own it.
    pub async fn fetch_number(&self, number: &NumberRef) -> Result<ProviderNumber> {
        each!(self, c => c.fetch_number(number).await)
    }

    /// Whether the account owns the number, in one request a number (Bandwidth with OAuth2:
    /// and one token a client); `NotFound` if it does not. What a verification asks: nothing
    /// else is read, so no failure elsewhere (an application's) fails it.
    pub async fn lookup_number(&self, number: &NumberRef) -> Result<FoundNumber> {
        let found = match self {
            ProviderClient::Twilio(c) => c.lookup_number(number).await,
            ProviderClient::Vonage(c) => c.lookup_number(number).await,
            ProviderClient::Bandwidth(c) => c.lookup_number(number).await,
            // Their single-number read is one request already.
            ProviderClient::Telnyx(c) => c.fetch_number(number).await,
            ProviderClient::Plivo(c) => c.fetch_number(number).await,
        };
        found.map(FoundNumber::from)
    }

    /// The number's webhooks, resolved through the provider's indirection.
    pub async fn webhooks(&self, number: &NumberRef) -> Result<WebhookState> {
        each!(self, c => c.webhooks(number).await)
    }

    /// The writes [`ProviderClient::set_webhooks`] would make, with the objects they touch and
    /// how many numbers share them — to show before changing anything. `wanted`: a change, or
    /// a drift's repair ([`Wanted::Recorded`]: the drifted channels of the state read here;
    /// no write when none).
    pub async fn plan_webhooks(
        &self,
        number: &NumberRef,
        wanted: impl Into<Wanted<'_>>,
    ) -> Result<WebhookPlan> {
        let wanted = wanted.into();
        each!(self, c => c.plan_webhooks(number, wanted).await)
    }

    /// Makes the change (or the repair of the drift of the state read here: nothing written
    /// when none drifted, that state returned) and returns the state the provider confirms
    /// ([`ProviderClient::apply_webhooks`] without saying whether a repair found it in sync).
    pub async fn set_webhooks(
        &self,
        number: &NumberRef,
        wanted: impl Into<Wanted<'_>>,
        shared: SharedPolicy,
    ) -> Result<WebhookState> {
        let applied = self.apply_webhooks(number, wanted, shared).await?;
        Ok(applied.state)
    }

    /// [`ProviderClient::set_webhooks`], saying whether a repair found the number already in
    /// sync ([`Applied::in_sync`]: nothing was written).
    pub async fn apply_webhooks(
        &self,
        number: &NumberRef,
        wanted: impl Into<Wanted<'_>>,
        shared: SharedPolicy,
    ) -> Result<Applied> {
        let wanted = wanted.into();
        each!(self, c => c.set_webhooks(number, wanted, shared).await)
    }

    /// Compares the provider's URLs with the ones on record.
    pub async fn drift(
        &self,
        number: &NumberRef,
        voice_on_record: Option<&str>,
        sms_on_record: Option<&str>,
    ) -> Result<Drift> {
        let state = self.webhooks(number).await?;
        Ok(drift(&state, voice_on_record, sms_on_record))
    }
}

impl ProviderClient {
    /// The account's call records from `since` on (the contract is in the module's doc).
    pub async fn calls_since(
        &self,
        since: OffsetDateTime,
        sink: PageSink<'_, CallRecord>,
        cancel: &CancellationToken,
    ) -> Result<u32> {
        match self {
            ProviderClient::Twilio(c) => {
                c.calls_since(since, crate::twilio::MAX_PAGE_SIZE, sink, cancel)
                    .await
            }
            ProviderClient::Telnyx(c) => {
                c.calls_since(since, crate::telnyx::MAX_RECORDS_PAGE_SIZE, sink, cancel)
                    .await
            }
            ProviderClient::Plivo(c) => c.calls_since(since, sink, cancel).await,
            ProviderClient::Vonage(c) => c.calls_since(since, sink, cancel).await,
            ProviderClient::Bandwidth(c) => c.calls_since(since, sink, cancel).await,
        }
    }

    /// The account's message records from `since` on (the contract is in the module's doc).
    pub async fn messages_since(
        &self,
        since: OffsetDateTime,
        sink: PageSink<'_, MessageRecord>,
        cancel: &CancellationToken,
    ) -> Result<u32> {
        match self {
            ProviderClient::Twilio(c) => {
                c.messages_since(since, crate::twilio::MAX_PAGE_SIZE, sink, cancel)
                    .await
            }
            ProviderClient::Telnyx(c) => {
                c.messages_since(since, crate::telnyx::MAX_RECORDS_PAGE_SIZE, sink, cancel)
                    .await
            }
            ProviderClient::Plivo(c) => c.messages_since(since, sink, cancel).await,
            ProviderClient::Vonage(c) => c.messages_since(since, sink, cancel).await,
            ProviderClient::Bandwidth(c) => Err(c.messages_unsupported()),
        }
    }
}

impl ProviderClient {
    /// What the provider says about whether the account's numbers (and numbers being ported
    /// in) can carry their traffic, from list endpoints wherever the provider has them (the one
    /// exception: Bandwidth documents no list of toll-free verifications, so each toll-free
    /// number's is read on its own).
    pub async fn readiness(
        &self,
        progress: ProgressFn<'_, ListProgress>,
        cancel: &CancellationToken,
    ) -> Result<crate::model::ReadinessListing> {
        match self {
            ProviderClient::Twilio(c) => c.readiness(progress, cancel).await,
            ProviderClient::Telnyx(c) => c.readiness(progress, cancel).await,
            ProviderClient::Bandwidth(c) => c.readiness(progress, cancel).await,
            ProviderClient::Vonage(c) => c.readiness(progress, cancel).await,
            ProviderClient::Plivo(c) => c.readiness(progress, cancel).await,
        }
    }
}

/// Refuses a plan that touches a shared object when the policy says so.
pub(crate) fn check_shared(api: Api, plan: &WebhookPlan, shared: SharedPolicy) -> Result<()> {
    match plan.refused_change(shared) {
        Some(c) => Err(ProviderError::SharedObject {
            api,
            number: plan.phone_number.to_string(),
            object: c.object.to_string(),
            // Unknown counts are reported as 0 ("an unknown number of") by the message.
            shared_by: c.shared_by.unwrap_or(0),
        }),
        None => Ok(()),
    }
}

/// The subject of an operation on a number.
pub(crate) fn number_subject(n: &NumberRef) -> Subject {
    Subject::Number(n.phone_number.to_string())
}

/// The shells run these futures on a multi-threaded runtime (a Tauri command's future must be
/// `Send`): a pull or read that held a non-`Send` value across an await would build here and
/// fail only in the app, so this fails at the crate instead.
#[allow(dead_code)]
fn futures_are_send(
    client: &ProviderClient,
    progress: ProgressFn<'_, ListProgress>,
    since: OffsetDateTime,
    calls: PageSink<'_, CallRecord>,
    messages: PageSink<'_, MessageRecord>,
    cancel: &CancellationToken,
) {
    fn send<T: Send>(_: T) {}
    send(client.readiness(progress, cancel));
    send(client.list_numbers(progress, cancel));
    send(client.calls_since(since, calls, cancel));
    send(client.messages_since(since, messages, cancel));
}
