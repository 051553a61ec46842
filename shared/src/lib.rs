//! Login and protected endpoints for AWS Lambda with no session storage.
//!
//! A team's own function gets the user a request acts for, Flask-Login's
//! `current_user`, loaded with one GetItem: in axum, by taking a
//! [`CurrentUser`] (feature `axum`); in a lambda_http handler, with
//! [`http::current_user`]:
//!
//! ```no_run
//! use lambda_http::{Body, Request, Response};
//! use sessionless::http::{current_user, json_body, run};
//! use sessionless::{Auth, Error};
//!
//! async fn hello(auth: &Auth, request: Request) -> Result<Response<Body>, Error> {
//!     let body = json_body(&request)?;
//!     let user = current_user(auth, &request, body.as_ref()).await?;
//!     Ok(Response::new(Body::from(format!("Hello, {}!", user.name))))
//! }
//!
//! # async fn main_() -> Result<(), lambda_runtime::Error> {
//! // Auth is built once per cold start, from the environment.
//! run(hello).await
//! # }
//! ```
//!
//! Sessionless's own functions are built the same way. Each builds its
//! state once per cold start, an [`Auth`] (or, for signup, which never
//! touches a token, a [`Registrar`]; for the functions that ask for mail,
//! a [`mail::MailQueue`]; for the mailer, a [`mail::Mailer`]), and hands
//! requests to its handler through [`http::run`]. A handler parses the
//! request, makes one call to a use case ([`Auth::authenticate`],
//! [`Registrar::sign_up`], [`Auth::refresh`], [`Auth::logout_everywhere`],
//! [`Auth::change_password`], [`Auth::reset_password`],
//! [`Auth::verify_email`], [`mail::MailQueue::request_password_reset`],
//! [`mail::Mailer::deliver`]) and answers. Errors are one type, [`Error`],
//! classified once by [`Error::status`].
//!
//! - [`http`]: the Lambda entry points, reading requests, writing
//!   responses, the request loader and the axum extractors;
//! - [`tokens`]: signing and verifying tokens, and the keys for it;
//! - [`accounts`]: the user item, its table, passwords and login lockout;
//! - [`mail`]: reset and verification links, queued and sent by mail;
//! - [`mfa`]: the second factor's parts: TOTP, sealed secrets, QR codes
//!   and recovery codes;
//! - [`aws`]: the AWS SDK configuration every client is built from;
//! - `testing` (feature `testing`): a handler called with a sample event.
#![deny(missing_docs, unreachable_pub, missing_debug_implementations)]

pub mod accounts;
pub mod aws;
pub mod http;
pub mod mail;
pub mod mfa;
#[cfg(feature = "testing")]
pub mod testing;
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
pub use logging::init as init_logging;
pub use registrar::Registrar;
pub use use_cases::{
    Login, LoginOutcome, NewAccount, Operator, PasswordChange, PasswordReset, Registration,
    SecondStep, SignupOutcome, Verification,
};
