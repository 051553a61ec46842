//! Time-based one-time passwords (RFC 6238) as authenticator apps make
//! them: HMAC-SHA1, 6 digits, 30-second steps, from a 160-bit secret.
//! The arithmetic is totp-rs's; what is ours is the rule that a code is
//! accepted once: only steps after the last accepted one count, and the
//! step a code matched is returned for the caller's conditional write.

use std::fmt;

use totp_rs::{Algorithm, Builder, Totp};
use zeroize::Zeroizing;

use crate::error::Error;
use crate::ids::fill_random;

/// Bytes in a new secret: 160 bits, RFC 4226's recommendation.
pub const SECRET_BYTES: usize = 20;
/// Digits in a code.
pub const DIGITS: usize = 6;
/// Seconds in a time step.
pub const STEP_SECS: u64 = 30;
/// Steps either side of the current one that are accepted, for a clock
/// off by a little and a code typed as it turned (RFC 6238 section 5.2).
pub const SKEW_STEPS: u64 = 1;

/// A TOTP secret. `Debug` never shows it, and its bytes are wiped when it
/// is dropped.
#[derive(Clone)]
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

/// The time step a code matched: what the item remembers as the last one
/// accepted, so that neither it nor an earlier step is accepted again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeStep(pub u64);

impl TotpSecret {
    /// A new secret from the system's RNG.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] when the RNG fails.
    pub fn generate() -> Result<Self, Error> {
        let mut bytes = Zeroizing::new(vec![0u8; SECRET_BYTES]);
        fill_random(&mut bytes)?;
        Ok(Self(bytes))
    }

    /// A secret as stored: its bytes, once unsealed.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] for fewer than 128 bits, which no secret of ours
    /// has: what was unsealed is not a secret we wrote.
    pub fn from_bytes(bytes: Zeroizing<Vec<u8>>) -> Result<Self, Error> {
        if bytes.len() < 16 {
            return Err(Error::Internal(format!(
                "a TOTP secret of {} bytes; at least 16 expected",
                bytes.len()
            )));
        }
        Ok(Self(bytes))
    }

    /// The secret's bytes, to seal.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret in base32 (RFC 4648, no padding), as a person types it
    /// into an authenticator app.
    pub fn to_base32(&self) -> String {
        totp_rs::Secret::from(self.0.to_vec()).to_base32()
    }

    /// The `otpauth://totp/` URI of the Key Uri Format that an
    /// authenticator app reads from a QR code: `issuer` and `account`
    /// label the entry, and SHA1, 6 digits and 30 s are the format's
    /// defaults. A colon, which the label reserves, is shown as `_`.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] if totp-rs refuses the secret.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> Result<String, Error> {
        let totp = self.totp(Some((issuer, account)))?;
        totp.to_url()
            .map_err(|error| Error::Internal(format!("otpauth URI: {error}")))
    }

    /// The code for the step that holds `unix_time`.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] if totp-rs refuses the secret.
    pub fn code_at(&self, unix_time: u64) -> Result<String, Error> {
        Ok(self.totp(None)?.generate(unix_time).to_string())
    }

    /// The step `code` is the code of, among the step that holds `now` and
    /// one either side, counting only steps after `last_accepted`: a code
    /// accepted once, or one of an earlier step, is refused even inside
    /// its 30 seconds. Spaces in the code are ignored. Comparison is
    /// constant-time.
    ///
    /// # Errors
    ///
    /// [`Error::Internal`] if totp-rs refuses the secret.
    pub fn check(
        &self,
        code: &str,
        now: u64,
        last_accepted: Option<TimeStep>,
    ) -> Result<Option<TimeStep>, Error> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(None);
        }
        let totp = self.totp(None)?;
        let current = now / STEP_SECS;
        let earliest = match last_accepted {
            Some(TimeStep(last)) => last.saturating_add(1),
            None => 0,
        };
        let first = current.saturating_sub(SKEW_STEPS).max(earliest);
        let matched = (first..=current.saturating_add(SKEW_STEPS))
            .find(|&step| totp.check(&code, step * STEP_SECS).is_some());
        Ok(matched.map(TimeStep))
    }

    /// totp-rs's TOTP of this secret: no skew of its own, since
    /// [`Self::check`] walks the window.
    fn totp(&self, label: Option<(&str, &str)>) -> Result<Totp, Error> {
        let mut builder = Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(DIGITS as u8)
            .with_skew(0)
            .with_step_duration(STEP_SECS)
            .with_secret(self.0.to_vec());
        if let Some((issuer, account)) = label {
            builder = builder
                .with_issuer(Some(issuer.replace(':', "_")))
                .with_account_name(account.replace(':', "_"));
        }
        builder
            .build()
            .map_err(|error| Error::Internal(format!("TOTP: {error}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA1 seed: "12345678901234567890".
    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(Zeroizing::new(b"12345678901234567890".to_vec())).unwrap()
    }

    /// Appendix B's SHA1 rows. Its codes have 8 digits; a 6-digit code is
    /// the same value modulo 10^6, so their last six.
    const RFC_6238_SHA1: [(u64, &str); 6] = [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    #[test]
    fn codes_are_rfc_6238s_test_vectors() {
        let secret = rfc_secret();
        for (time, eight_digits) in RFC_6238_SHA1 {
            assert_eq!(
                secret.code_at(time).unwrap(),
                eight_digits[2..],
                "T = {time}"
            );
        }
    }

    #[test]
    fn a_code_is_accepted_at_its_step_and_one_either_side_only() {
        let secret = rfc_secret();
        let now = 1_234_567_890;
        let step = now / STEP_SECS;
        let code = secret.code_at(now).unwrap();
        assert_eq!(
            secret.check(&code, now, None).unwrap(),
            Some(TimeStep(step))
        );
        for offset in [-1i64, 1] {
            let then = now.checked_add_signed(offset * STEP_SECS as i64).unwrap();
            assert_eq!(
                secret.check(&code, then, None).unwrap(),
                Some(TimeStep(step)),
                "{offset} steps away"
            );
        }
        for offset in [-2i64, 2] {
            let then = now.checked_add_signed(offset * STEP_SECS as i64).unwrap();
            assert_eq!(secret.check(&code, then, None).unwrap(), None);
        }
    }

    #[test]
    fn an_accepted_step_and_every_earlier_one_are_refused() {
        let secret = rfc_secret();
        let now = 2_000_000_000;
        let step = now / STEP_SECS;
        let code = secret.code_at(now).unwrap();
        let previous = secret.code_at(now - STEP_SECS).unwrap();
        assert_eq!(
            secret.check(&code, now, Some(TimeStep(step))).unwrap(),
            None
        );
        assert_eq!(
            secret
                .check(&previous, now, Some(TimeStep(step - 1)))
                .unwrap(),
            None
        );
        // The step after the last accepted one still counts.
        assert_eq!(
            secret.check(&code, now, Some(TimeStep(step - 1))).unwrap(),
            Some(TimeStep(step))
        );
    }

    #[test]
    fn malformed_and_wrong_codes_are_refused() {
        let secret = rfc_secret();
        let now = 59;
        let right = secret.code_at(now).unwrap();
        let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
        for code in [
            "",
            "12345",
            "1234567",
            "+28708",
            "28708a",
            "２８７０８２",
            &wrong,
        ] {
            assert_eq!(secret.check(code, now, None).unwrap(), None, "{code:?}");
        }
        assert!(secret.check("287 082", now, None).unwrap().is_some());
    }

    #[test]
    fn the_uri_round_trips_through_an_app_reading_it() {
        let secret = TotpSecret::generate().unwrap();
        assert_eq!(secret.as_bytes().len(), SECRET_BYTES);
        let uri = secret
            .otpauth_uri("Sessionless", "ada@example.com")
            .unwrap();
        assert!(
            uri.starts_with("otpauth://totp/Sessionless:ada%40example.com?"),
            "{uri}"
        );
        let read = Totp::from_url(&uri).unwrap();
        assert_eq!(read.secret().as_bytes(), secret.as_bytes());
        assert_eq!(read.issuer(), Some("Sessionless"));
        assert_eq!((read.digits(), read.step()), (6, 30));
        assert_eq!(read.algorithm(), Algorithm::SHA1);
        assert_eq!(read.secret().to_base32(), secret.to_base32());
        assert!(secret.otpauth_uri("A:B", "odd:local@example.com").is_ok());
    }

    #[test]
    fn debug_hides_the_secret() {
        let secret = rfc_secret();
        assert_eq!(format!("{secret:?}"), "TotpSecret(<redacted>)");
    }
}
