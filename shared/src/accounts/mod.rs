//! Accounts: the user item, the table that holds it, passwords, and the
//! login lockouts (the email's and each trusted device's) kept on the item.

mod device_lockout;
mod email;
mod lockout;
mod password;
mod store;
mod table;
mod text;
mod token_records;
mod user;

pub use device_lockout::MAX_DEVICE_LOCKOUTS;
pub(crate) use device_lockout::{DeviceReservation, reserve_device_attempt};
pub use email::{normalize_email, shared_mailbox};
pub(crate) use lockout::reserve_attempt;
pub use lockout::{
    DEFAULT_FAILURE_WINDOW, DEFAULT_LOCK_AFTER, FIRST_LOCK_SECS, LockoutPolicy, MAX_LOCK_SECS,
    lock_secs,
};
pub use password::{
    HashCost, Password, PasswordCheck, PasswordPolicy, check_new_password, check_password_length,
};
pub use store::{ACCESS_CHECK_ATTRIBUTES, MAX_DEVICES, MAX_REFRESH_FAMILIES, Rotation, UserStore};
pub(crate) use store::{
    DeviceLockouts, EmailVerification, HeldLock, LoginThrottle, MailClaim, MailPurpose,
    MailRefusal, MailSlot, MailboxClaim, SignInRecord,
};
pub use table::{EXPIRY_ATTRIBUTE, create_table};
pub use token_records::{Device, MailedLink, RefreshFamily, Replaced, TokenRecord};
pub(crate) use user::{ACCOUNT_GONE, ACCOUNT_INACTIVE, EARLIER_ACCOUNT};
pub use user::{DeviceLockout, MfaStatus, PublicProfile, User, normalize_name};
