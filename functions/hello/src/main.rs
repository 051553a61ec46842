#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    sessionless::http::run_stateless(hello::handle).await
}
