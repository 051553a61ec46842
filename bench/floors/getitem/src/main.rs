//! The floor the benchmark's ratios are taken against: the SDK client built
//! once per cold start as the AWS examples do, then one GetItem per event
//! with the same SDK and HTTP client as the functions.
//!
//! AWS calls: `dynamodb:GetItem`.

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::types::AttributeValue;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let table = std::env::var("USERS_TABLE")?;
    let email = AttributeValue::S(std::env::var("BENCH_EMAIL")?);
    let config = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let (client, table, email) = (&client, table.as_str(), &email);
    lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| async move {
        let item = client
            .get_item()
            .table_name(table)
            .key("email", email.clone())
            .send()
            .await?;
        let status = if item.item.is_some() { 200 } else { 404 };
        Ok::<_, Error>(json!({ "statusCode": status, "body": "" }))
    }))
    .await
}
