//! Mail: password-reset links, verification links and signup notices.
//!
//! A request never sends mail itself, so it does the same work whether or
//! not its email has an account: signup, `POST /password/forgot` and
//! `POST /verify/resend` each put one [`MailRequest`] on a queue
//! ([`MailQueue`]) for every request. The mailer function takes them off
//! the queue; [`Mailer`] loads the user, decides what (if anything) to
//! send, rate-limits per address on the user's item, and sends through
//! Amazon SES. What each mail says is in [`content`], in one place.

pub mod content;
mod link;
mod mailer;
mod queue;
mod request;

pub use link::LinkTemplate;
pub use mailer::{Delivery, MailConfig, Mailer};
pub use queue::MailQueue;
pub use request::{MailKind, MailRequest};
