//! The users table in DynamoDB: every read and write of a user item, one
//! file per concern.

mod accounts;
mod core;
mod item;
mod lockouts;
mod mail_slots;
mod passwords;
mod refresh_families;
mod sign_ins;
mod update;

pub use accounts::ACCESS_CHECK_ATTRIBUTES;
pub(crate) use accounts::EmailVerification;
pub use core::UserStore;
pub(crate) use lockouts::{DeviceLockouts, DeviceSwap, LoginThrottle, Reservation};
pub(crate) use mail_slots::{MailClaim, MailPurpose, MailRefusal, MailSlot, MailboxClaim};
pub use refresh_families::Rotation;
pub(crate) use sign_ins::{HeldLock, SignInRecord};
pub use sign_ins::{MAX_DEVICES, MAX_REFRESH_FAMILIES};
