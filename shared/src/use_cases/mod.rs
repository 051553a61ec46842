//! The use cases, one file each: what an endpoint does, from plain inputs
//! to a plain result, with no HTTP in sight. Each is a method on the state
//! its function holds ([`crate::Auth`], [`crate::Registrar`],
//! [`crate::mail::MailQueue`] or [`crate::mail::Mailer`]), so a handler
//! parses, makes one call, and answers; an operator's are methods on
//! [`Operator`].

mod attempt;
mod authenticate;
mod change_password;
mod deliver_mail;
mod logout;
mod mailed_link;
mod operate;
mod refresh;
mod register;
mod request_link;
mod reset_password;
mod sign_in;
mod sign_up;
mod verify_email;

pub use authenticate::Login;
pub use change_password::PasswordChange;
pub use operate::Operator;
pub use register::{NewAccount, Registration};
pub use reset_password::PasswordReset;
pub use sign_in::{LoginOutcome, SecondStep};
pub use sign_up::SignupOutcome;
pub use verify_email::Verification;
