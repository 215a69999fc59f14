//! Renders the TypeScript declarations of every type that crosses IPC into one file,
//! `ui/src/lib/generated/bindings.ts`. The test `tests/generated_types.rs` fails when the
//! committed file differs from what this renders (run it with `SWITCHBOARD_UPDATE_BINDINGS=1`
//! to rewrite the file).

use ts_rs::TS;

use crate::dto::*;
use crate::error::{AppError, ErrorCode};

/// Where the committed file lives, relative to this crate.
pub const PATH: &str = "../ui/src/lib/generated/bindings.ts";

/// Where the committed list of regions lives, relative to this crate.
pub const REGIONS_PATH: &str = "../ui/src/lib/generated/regions.ts";

/// Every region libphonenumber knows (`switchboard_core::domain::regions`), as the UI's
/// country filter and add dialog offer them: a constant, so the list costs no IPC call.
pub fn regions_typescript() -> String {
    let mut out = String::from(
        "// Generated from libphonenumber's metadata (switchboard_core::domain::regions) by\n\
         // `bindings::regions_typescript()`. Do not edit: run\n\
         // `SWITCHBOARD_UPDATE_BINDINGS=1 cargo test --test generated_types` instead.\n\n\
         export const REGIONS: readonly string[] = [\n",
    );
    for line in switchboard_core::domain::regions().chunks(12) {
        let quoted: Vec<String> = line.iter().map(|r| format!("\"{r}\"")).collect();
        out.push_str(&format!("  {},\n", quoted.join(", ")));
    }
    out.push_str("];\n");
    out
}

fn decl<T: TS>() -> String {
    format!("export {}\n", T::decl())
}

/// The whole file.
pub fn typescript() -> String {
    let mut out = String::from(
        "// Generated from src-tauri/src/{dto,error}.rs by `bindings::typescript()`. Do not edit:\n\
         // run `SWITCHBOARD_UPDATE_BINDINGS=1 cargo test --test generated_types` instead.\n\n",
    );
    for d in [
        decl::<ErrorCode>(),
        decl::<AppError>(),
        decl::<Provider>(),
        decl::<Status>(),
        decl::<Capability>(),
        decl::<Capabilities>(),
        decl::<Organization>(),
        decl::<Agent>(),
        decl::<AgentRemoval>(),
        decl::<AgentLoad>(),
        decl::<Orphans>(),
        decl::<PhoneNumber>(),
        decl::<AgentFilter>(),
        decl::<SortField>(),
        decl::<NumberType>(),
        decl::<NumberFilter>(),
        decl::<NumberQuery>(),
        decl::<switchboard_core::transfer::Format>(),
        decl::<crate::files::FileDone>(),
        decl::<NumberPage>(),
        decl::<NumberCheck>(),
        decl::<NewNumber>(),
        decl::<NumberChange>(),
        decl::<Progress>(),
        decl::<SeedReport>(),
        decl::<BulkFailure>(),
        decl::<BulkReport>(),
        decl::<WorkspaceInfo>(),
        decl::<NumbersChanged>(),
        decl::<Theme>(),
        decl::<TlsMode>(),
        decl::<ConnectionProfile>(),
        decl::<Column>(),
        decl::<ViewFilters>(),
        decl::<View>(),
        decl::<Settings>(),
        decl::<CredentialKind>(),
        decl::<NewAccount>(),
        decl::<AccountDraft>(),
        decl::<AccountField>(),
        decl::<AccountProblem>(),
        decl::<AccountRemoval>(),
        decl::<ProviderAccount>(),
        decl::<VerifyOutcome>(),
        decl::<AccountVerification>(),
        decl::<switchboard_core::readiness::Level>(),
        decl::<switchboard_core::readiness::State>(),
        decl::<switchboard_core::readiness::Kind>(),
        decl::<switchboard_core::readiness::Item>(),
        decl::<switchboard_core::readiness::Readiness>(),
        decl::<switchboard_ops::readiness::Alarm>(),
        decl::<switchboard_ops::readiness::Elsewhere>(),
        decl::<switchboard_ops::readiness::Refreshed>(),
        decl::<switchboard_ops::alerts::AlertKind>(),
        decl::<switchboard_ops::alerts::AlertNumber>(),
        decl::<switchboard_ops::alerts::Alert>(),
        decl::<switchboard_ops::alerts::OrgAlarms>(),
        decl::<ListingProgress>(),
        decl::<ImportState>(),
        decl::<ImportCandidate>(),
        decl::<SkippedEntry>(),
        decl::<SmsDriftEntry>(),
        decl::<ImportPreview>(),
        decl::<ImportFailure>(),
        decl::<ImportReport>(),
        decl::<NumberResult>(),
        decl::<NumberOutcome>(),
        decl::<ProviderReport>(),
        decl::<WebhookChannel>(),
        decl::<PlannedWrite>(),
        decl::<WebhookPlanView>(),
        decl::<WebhookResult>(),
        decl::<DriftState>(),
        decl::<ChannelDrift>(),
        decl::<DriftView>(),
        decl::<AccountAsk>(),
        decl::<VerifyPlan>(),
        decl::<PlannedState>(),
        decl::<PlannedNumber>(),
        decl::<SharedObjectUse>(),
        decl::<AccountWebhookPlan>(),
        decl::<BulkWebhookPlan>(),
        decl::<DriftRow>(),
        decl::<DriftSummary>(),
        decl::<AvailableSearch>(),
        decl::<AvailableNumber>(),
        decl::<ConnectionTest>(),
        decl::<Connection>(),
        decl::<SyncPhase>(),
        decl::<SyncProgress>(),
        decl::<SkippedRow>(),
        decl::<TeamStatus>(),
        decl::<KeepVersion>(),
        decl::<SyncConflict>(),
        decl::<GroupBy>(),
        decl::<UsageCounts>(),
        decl::<Totals>(),
        decl::<UsageRow>(),
        decl::<HealthState>(),
        decl::<Reason>(),
        decl::<Health>(),
        decl::<switchboard_ops::usage::NumberHealth>(),
        decl::<ReportRow>(),
        decl::<UsageReport>(),
        decl::<NumberUsage>(),
        decl::<NumberUsageReport>(),
        decl::<RecordKind>(),
        decl::<UsageSyncProgress>(),
        decl::<Kept>(),
        decl::<KindSynced>(),
        decl::<AccountSynced>(),
    ] {
        out.push_str(&d);
        out.push('\n');
    }
    out
}
