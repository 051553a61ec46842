#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_auth::runtime::run_json(authorizer::handle).await
}
