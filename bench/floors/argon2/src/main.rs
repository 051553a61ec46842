//! The floor for the password functions: lambda_runtime and one argon2id
//! verify per event at the default policy, through the same code and on the
//! same blocking pool as login. Its CPU per call, less `floor: hello`'s, is
//! what one verify costs. The bench passes the hash of `floor-password` in
//! BENCH_ARGON2_HASH, so the init hashes nothing, as login's does not.
//!
//! AWS calls: none.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};
use sessionless::accounts::PasswordPolicy;

const PASSWORD: &str = "floor-password";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let policy = PasswordPolicy::OWASP_MINIMUM;
    let hash = std::env::var("BENCH_ARGON2_HASH")?;
    let hash = &hash;
    lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| async move {
        let check = policy
            .check(PASSWORD.to_owned(), Some(hash.clone()))
            .await?;
        let status = if check.matches { 200 } else { 401 };
        Ok::<_, Error>(json!({ "statusCode": status, "body": "" }))
    }))
    .await
}
