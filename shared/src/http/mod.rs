//! Everything HTTP: the Lambda entry points, reading what a client sent
//! (method, JSON body, token) and writing what it gets back.

mod bearer;
mod current_user;
mod event_guard;
#[cfg(feature = "axum")]
mod extractors;
mod gateway;
mod grant;
mod request;
mod response;
mod runtime;

pub use bearer::{ACCESS_TOKEN_FIELD, REFRESH_TOKEN_FIELD, bearer_token, find_token};
pub use current_user::{current_user, current_user_with_password};
pub use event_guard::{Rejection, guard};
#[cfg(feature = "axum")]
pub use extractors::read_body_token;
pub use gateway::{GatewayIdentity, arrival_url, gateway_identity};
pub use grant::{grant_response, login_response};
pub use request::{JsonObject, json_body, require_method, required_json_body};
pub use response::{json_response, message_response, public_json_response};
#[cfg(feature = "testing")]
pub(crate) use runtime::event_service;
pub use runtime::{State, run, run_json, run_stateless};
