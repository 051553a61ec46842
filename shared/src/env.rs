//! Reading the environment: the lookups every configuration variable
//! shares, with one wording for their errors. An empty value counts as
//! unset; a value that is present but wrong is an error, never a silent
//! fallback to the default.

use std::fmt;
use std::ops::RangeInclusive;
use std::time::Duration;

use crate::error::Error;

/// Environment lookups with the error messages every variable shares.
pub(crate) struct Env<F>(pub(crate) F);

impl<F: Fn(&str) -> Option<String>> Env<F> {
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|value| !value.is_empty())
    }

    pub(crate) fn required(&self, name: &str) -> Result<String, Error> {
        self.get(name)
            .ok_or_else(|| Error::Config(format!("{name} must be set")))
    }

    pub(crate) fn string_or(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or_else(|| default.to_owned())
    }

    /// [`Env::number_or`] for a number of seconds.
    pub(crate) fn secs_or(
        &self,
        name: &str,
        default: u64,
        allowed: RangeInclusive<u64>,
    ) -> Result<Duration, Error> {
        self.number_or(name, default, allowed)
            .map(Duration::from_secs)
    }

    pub(crate) fn flag_or(&self, name: &str, default: bool) -> Result<bool, Error> {
        let Some(text) = self.get(name) else {
            return Ok(default);
        };
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" => Ok(false),
            _ => Err(Error::Config(format!(
                "{name} must be true or false, got {text:?}"
            ))),
        }
    }

    pub(crate) fn number_or<N>(
        &self,
        name: &str,
        default: N,
        allowed: RangeInclusive<N>,
    ) -> Result<N, Error>
    where
        N: std::str::FromStr + PartialOrd + fmt::Display,
    {
        let Some(text) = self.get(name) else {
            return Ok(default);
        };
        match text.trim().parse::<N>() {
            Ok(number) if allowed.contains(&number) => Ok(number),
            _ => Err(Error::Config(format!(
                "{name} must be a whole number from {} to {}, got {text:?}",
                allowed.start(),
                allowed.end()
            ))),
        }
    }
}
