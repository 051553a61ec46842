//! Randomness from the system's RNG: ids, unique without coordination,
//! for tokens, accounts and the writes that must recognise themselves on
//! a retry; and the bytes of every secret, salt and key.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::Error;

/// 128 random bits, base64url: unique without coordination. Unlike
/// `uuid::Uuid::new_v4`, an RNG failure is an error, not a panic.
pub(crate) fn random_id() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Fills `bytes` from the system's RNG, for every secret, salt, key and
/// id: an RNG failure is [`Error::Internal`], never a panic.
pub(crate) fn fill_random(bytes: &mut [u8]) -> Result<(), Error> {
    getrandom::fill(bytes).map_err(|error| Error::Internal(format!("system RNG failed: {error}")))
}
