//! The team workspace on a shared PostgreSQL: the same operations, with the same errors, as the
//! local [`switchboard_core::store::Workspace`], for managers who connect directly with their
//! own login role.
//!
//! # Why a crate of its own
//!
//! sqlx and its TLS stack are heavy and only the team workspace needs them; keeping them here
//! keeps `switchboard-core` quick to build and free of async. sqlx is used for PostgreSQL only:
//! its SQLite driver would link a second `libsqlite3-sys` next to rusqlite's.
//!
//! # What is guaranteed
//!
//! - **Row-level security does the isolation.** Every query runs as the manager's login role;
//!   the policies of `migrations/` decide which organizations' rows it reaches.
//!   [`RemoteWorkspace::connect`] refuses roles that RLS does not apply to (superusers,
//!   `BYPASSRLS` roles, the owner of `phone_numbers`), saying why.
//! - **Nothing is migrated behind an administrator's back.** Connecting checks the schema
//!   ([`schema_check`]) and names everything missing or incompatible in one message;
//!   [`migrate::migrate`] (`switchboard-cli db migrate`) is the only thing that changes it.
//! - **Errors are core's.** A unique violation is [`Error::Duplicate`] ("+14155551234 already
//!   exists in acme"), an RLS refusal is [`Error::NotAllowed`] ("not allowed in this
//!   organization"), an update or delete that reaches no row is [`Error::NotFound`] (RLS hides
//!   other organizations' rows, so success is never reported for them), an agent of another
//!   organization is [`Error::NotAllowed`] naming both, and a lost or refused connection is
//!   [`Error::Offline`] (code [`ErrorCode::Offline`](switchboard_core::ErrorCode::Offline)).
//!   See [`errors`].
//! - **No secret in messages.** Errors and `Debug` output name the server as host, port and
//!   database, never the password; SQL is bound, never formatted with values.
//!
//! # Filters
//!
//! The design's table stores the number, not facts derived from it, so [`NumberFilter`]'s
//! fields are answered as follows (see [`search`]):
//!
//! | filter | how |
//! |---|---|
//! | organization, provider, status, agent | columns |
//! | search text | digits: `phone_number LIKE '%…%'`; other text: `lower(friendly_name) LIKE lower('%…%')`, wildcards escaped; where the database has the search function of migration `20261207000100` and the text has 3 or more characters, the matches come from `phone_number_ids_matching(org, field, pattern)`, which reads only that organization's trigram index entries (see [`search`]) |
//! | capabilities | `metadata @> '{"capabilities": {"voice": true}}'`: exactly what the local store reads from metadata |
//! | country | only for a country with a calling code of its own (DE, FR, JP, BR, …): `starts_with(phone_number, '+49')` (leakproof, so an index range under RLS). A shared code (+1: US, CA, …; +44: GB, GG, IM, JE; +7: RU, KZ) cannot be told apart from the digits in SQL: [`Error::InvalidInput`] |
//! | number type | not answerable in SQL: [`Error::InvalidInput`] |
//!
//! [`NumberFilter`]: switchboard_core::query::NumberFilter
//! [`Error::Duplicate`]: switchboard_core::Error::Duplicate
//! [`Error::NotAllowed`]: switchboard_core::Error::NotAllowed
//! [`Error::NotFound`]: switchboard_core::Error::NotFound
//! [`Error::Offline`]: switchboard_core::Error::Offline
//! [`Error::InvalidInput`]: switchboard_core::Error::InvalidInput

mod agents;
pub mod bulk;
pub mod change_log;
mod connect;
pub mod errors;
pub mod grant;
pub mod import;
pub mod migrate;
mod numbers;
mod orgs;
pub mod platform;
pub mod profiles;
pub mod row_checks;
mod rows;
pub mod schema_check;
pub mod search;
mod update_many;
mod usage;

pub use connect::{ConnectSettings, RemoteWorkspace, TlsMode};
pub use sqlx::PgPool;
