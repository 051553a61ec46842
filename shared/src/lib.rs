//! Login and protected endpoints for AWS Lambda with no session storage.
//!
//! A function builds its state once per cold start, an [`Auth`] (or, for
//! signup, which never touches a token, a [`Registrar`]; for the functions
//! that ask for mail, a [`mail::MailQueue`]; for the mailer, a
//! [`mail::Mailer`]), and hands requests to its handler through
//! [`http::run`]. A handler parses the request, makes one call to a use case
//! ([`Auth::authenticate`], [`Registrar::sign_up`], [`Auth::refresh`],
//! [`Auth::logout_everywhere`], [`Auth::change_password`],
//! [`Auth::reset_password`], [`Auth::verify_email`],
//! [`mail::MailQueue::request_password_reset`], [`mail::Mailer::deliver`])
//! and answers. Errors are one type, [`Error`],
//! classified once by [`Error::status`].
//!
//! - [`http`]: the Lambda entry points, reading requests, writing responses;
//! - [`tokens`]: signing and verifying tokens, and the keys for it;
//! - [`accounts`]: the user item, its table, passwords and login lockout;
//! - [`mail`]: reset and verification links, queued and sent by mail;
//! - [`aws`]: the AWS SDK configuration every client is built from.
#![deny(missing_docs, unreachable_pub, missing_debug_implementations)]

pub mod accounts;
pub mod aws;
pub mod http;
pub mod mail;
pub mod tokens;

mod auth;
mod clock;
mod config;
mod env;
mod error;
mod ids;
mod logging;
mod registrar;
mod use_cases;

pub use auth::{Auth, CurrentUser, FreshUser};
pub use aws::AwsSettings;
pub use clock::unix_now;
pub use config::{AccountsConfig, Config, DiscoveryConfig, TokenLocations};
pub use error::Error;
pub use registrar::Registrar;
pub use use_cases::{
    Login, LoginOutcome, NewAccount, Operator, PasswordChange, PasswordReset, Registration,
    SecondStep, SignupOutcome,
};
