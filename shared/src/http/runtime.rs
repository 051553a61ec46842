//! The Lambda entry points a function's `main` calls: [`run`] for HTTP
//! functions with a [`State`] ([`Auth`], [`Registrar`] for one that never
//! touches a token, [`MailQueue`] for one that only asks for mail, or
//! [`Discovery`] for the published documents), [`run_stateless`] for
//! HTTP functions that need no configuration, and [`run_json`] for other
//! events (the authorizer's, and the mailer's queue batches).

use std::convert::Infallible;
use std::future::Future;

use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Body, Request, Response, Service, service_fn};
use lambda_runtime::LambdaEvent;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::Auth;
use crate::config::DiscoveryConfig;
use crate::error::Error;
use crate::http::event_guard::{Rejection, guard};
use crate::http::response::result_response;
use crate::mail::{MailQueue, Mailer};
use crate::registrar::Registrar;
use crate::tokens::Discovery;

/// What a function builds once per cold start and lends every request.
pub trait State: Sized + Sync + 'static {
    /// Reads the environment and builds the state.
    fn from_env() -> impl Future<Output = Result<Self, Error>> + Send;
}

impl State for Auth {
    async fn from_env() -> Result<Self, Error> {
        Auth::from_env().await
    }
}

impl State for Discovery {
    async fn from_env() -> Result<Self, Error> {
        let config = DiscoveryConfig::from_env()?;
        Discovery::new(config.jwt_issuer.as_deref(), &config.public_keys)
    }
}

impl State for Registrar {
    async fn from_env() -> Result<Self, Error> {
        Registrar::from_env().await
    }
}

impl State for MailQueue {
    async fn from_env() -> Result<Self, Error> {
        MailQueue::from_env().await
    }
}

impl State for Mailer {
    async fn from_env() -> Result<Self, Error> {
        Mailer::from_env().await
    }
}

/// Builds the state `handler` takes once, then serves events with it until
/// the execution environment is shut down. A configuration error ends the
/// cold start with a clear message instead of serving broken responses.
pub async fn run<S, H, F>(handler: H) -> Result<(), lambda_runtime::Error>
where
    S: State,
    H: Fn(&'static S, Request) -> F + Copy + Send + 'static,
    F: Future<Output = Result<Response<Body>, Error>> + Send + 'static,
{
    let state = cold_start().await?;
    lambda_runtime::run(event_service(state, handler)).await
}

/// [`run`] for an HTTP function that needs no configuration at all, such
/// as a backend behind the authorizer.
pub async fn run_stateless<H, F>(handler: H) -> Result<(), lambda_runtime::Error>
where
    H: Fn(Request) -> F + Copy + Send + 'static,
    F: Future<Output = Result<Response<Body>, Error>> + Send + 'static,
{
    crate::logging::init();
    lambda_runtime::run(event_service(&(), move |_: &(), request| handler(request))).await
}

/// [`run`] for functions whose events are not HTTP requests, such as API
/// Gateway authorizers: `handler` gets the event as `E` and answers with
/// `R`. An event that is not an `E`, or an error, fails the invocation,
/// with its message in the logs.
pub async fn run_json<S, E, R, H, F>(handler: H) -> Result<(), lambda_runtime::Error>
where
    S: State,
    E: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
    H: Fn(&'static S, E) -> F + Copy + Send + 'static,
    F: Future<Output = Result<R, Error>> + Send + 'static,
{
    let state = cold_start().await?;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<E>| async move {
        handler(state, event.payload).await.map_err(|error| {
            tracing::error!(%error, "invocation failed");
            lambda_runtime::Error::from(error)
        })
    }))
    .await
}

/// Logging, configuration and the DynamoDB client, once per process.
async fn cold_start<S: State>() -> Result<&'static S, lambda_runtime::Error> {
    crate::logging::init();
    match S::from_env().await {
        // The state lives as long as the process; leaking it lets every
        // request borrow it without reference counting.
        Ok(state) => Ok(Box::leak(Box::new(state))),
        Err(error) => {
            tracing::error!(%error, "cold start failed");
            Err(error.into())
        }
    }
}

/// The whole path from a Lambda event to the response Lambda sends back:
/// guard the event, build the HTTP request, run `handler` with `state`, map
/// its error, and shape the response for API Gateway v1 or v2, as the event
/// was. [`run`] serves it; tests call it directly with events
/// (`testing::invoke`).
pub(crate) fn event_service<S, H, F>(
    state: &'static S,
    handler: H,
) -> impl Service<
    LambdaEvent<LambdaRequest>,
    Response = impl Serialize + use<S, H, F>,
    Error = Infallible,
> + use<S, H, F>
where
    S: Sync + 'static,
    H: Fn(&'static S, Request) -> F + Copy + Send + 'static,
    F: Future<Output = Result<Response<Body>, Error>> + Send + 'static,
{
    let mut app = Adapter::from(service_fn(move |request: Request| async move {
        Ok::<_, Infallible>(result_response(handler(state, request).await))
    }));
    // One adapter per rejection: lambda_http shapes each response for the
    // event's API Gateway version, and a guarded event carries no data.
    let rejecting = |rejection: Rejection| {
        Adapter::from(service_fn(move |_: Request| async move {
            Ok::<_, Infallible>(result_response(Err(rejection.error())))
        }))
    };
    let mut reject_size = rejecting(Rejection::BodyTooLarge);
    let mut reject_base64 = rejecting(Rejection::InvalidBase64Body);
    let mut reject_url = rejecting(Rejection::UnbuildableUrl);
    let mut reject_authorization = rejecting(Rejection::RepeatedAuthorization);
    service_fn(
        move |mut event: LambdaEvent<LambdaRequest>| match guard(&mut event.payload) {
            None => app.call(event),
            Some(Rejection::BodyTooLarge) => reject_size.call(event),
            Some(Rejection::InvalidBase64Body) => reject_base64.call(event),
            Some(Rejection::UnbuildableUrl) => reject_url.call(event),
            Some(Rejection::RepeatedAuthorization) => reject_authorization.call(event),
        },
    )
}
