// The layout of lambda_runtime's service stack around a JSON handler nests
// deeper than rustc's default query limit of 128.
#![recursion_limit = "256"]

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    sessionless::http::run_json(authorizer::handle).await
}
