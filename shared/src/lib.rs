//! Login and protected endpoints for AWS Lambda with no session storage.
//!
//! Every function builds an [`Auth`] once per cold start and hands requests
//! to its handler through [`runtime::run`]. Errors are one type, [`Error`],
//! turned into HTTP responses in one place, [`response::error_response`].

pub mod auth;
pub mod bearer;
pub mod config;
pub mod dynamodb;
pub mod error;
pub mod event_guard;
pub mod grant;
pub mod lockout;
pub mod logging;
pub mod password;
pub mod request;
pub mod response;
pub mod runtime;
pub mod signing_keys;
pub mod token;
pub mod user_store;
pub mod users;

pub use auth::{Auth, CurrentUser, RefreshingUser};
pub use config::Config;
pub use error::Error;
