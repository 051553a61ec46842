use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    sessionless::init_logging();
    let auth = Arc::new(sessionless::Auth::from_env().await?);
    lambda_http::run(axum_backend::app(auth)).await
}
