//! This device's vault, as every command module opens it.

use switchboard_providers::account;
use switchboard_secrets::Vault;

use crate::error::AppResult;

/// This device's vault (service from `SWITCHBOARD_VAULT_SERVICE`, else the build's default:
/// the same as the CLI's).
pub fn vault() -> AppResult<Vault> {
    Vault::native().map_err(|e| account::vault_error(e).into())
}
