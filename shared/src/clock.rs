//! The wall clock, in the unit tokens and lockouts count in.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::Error;

/// Seconds since the Unix epoch.
pub fn unix_now() -> Result<u64, Error> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .map_err(|_| Error::Internal("system clock is before 1970".into()))
}
