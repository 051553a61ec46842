//! The second factor's parts: TOTP codes (RFC 6238) and their secrets,
//! sealed at rest, the QR code that carries a secret to an authenticator
//! app, and the recovery codes for a lost one.

mod qr;
mod recovery;
mod seal;
mod totp;

pub use qr::qr_svg;
pub use recovery::{
    RECOVERY_CODE_COUNT, RecoveryCode, generate_recovery_codes, recovery_code_hash,
};
pub use seal::{KEY_BYTES, SealContext, SecretKeeper};
pub use totp::{DIGITS, SECRET_BYTES, SKEW_STEPS, STEP_SECS, TimeStep, TotpSecret};
