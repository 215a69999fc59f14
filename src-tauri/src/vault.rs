//! This device's vault, as every command module opens it.

use switchboard_secrets::Vault;

use crate::error::AppResult;

/// This device's vault (service from `SWITCHBOARD_VAULT_SERVICE`, else the build's default:
/// the same as the CLI's).
pub fn vault() -> AppResult<Vault> {
    Ok(switchboard_ops::vault::native()?)
}
