//! Random ids: unique without coordination, for tokens, accounts and the
//! writes that must recognise themselves on a retry.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::Error;

/// 128 random bits, base64url: unique without coordination. Unlike
/// `uuid::Uuid::new_v4`, an RNG failure is an error, not a panic.
pub(crate) fn random_id() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|error| Error::Internal(format!("system RNG failed: {error}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}
