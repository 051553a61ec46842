#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    sessionless::http::run(reset_password::handle).await
}
