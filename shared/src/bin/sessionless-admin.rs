//! Operator tool for the users table and the signing keys: create the
//! table, look after accounts without anyone writing a password hash or an
//! update expression by hand, and make key pairs and their JWKS.
//! `sessionless-admin --help` lists the commands.
//!
//! The table is `USERS_TABLE` and the hash cost `ARGON2_*`, as for the
//! functions; DynamoDB is reached through the usual AWS environment
//! (`AWS_REGION`, credentials, `AWS_ENDPOINT_URL_DYNAMODB`).

use std::io::BufRead;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sessionless::accounts::{Password, UserStore, create_table};
use sessionless::tokens::{KmsSigner, SigningKey, generate_private_pem, parse_algorithm};
use sessionless::{
    AccountsConfig, AwsSettings, DiscoveryConfig, NewAccount, Operator, Registration, aws,
};

/// Manage the Sessionless users table (USERS_TABLE) and signing keys.
#[derive(Debug, Parser)]
#[command(name = "sessionless-admin", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The users table and its accounts.
    #[command(flatten)]
    Table(TableCommand),
    /// Print a key set with one new private key, for JWT_SIGNING_KEYS or
    /// the JWT_SIGNING_KEYS_SECRET secret: {"current": KID, KID: PEM}.
    GenerateSigningKey {
        /// RS256 (RSA 2048, what API Gateway's JWT authorizer accepts) or
        /// ES256 (EC P-256).
        #[arg(long, default_value = "RS256")]
        algorithm: String,
        /// The key's id, which tokens carry in `kid`.
        #[arg(long)]
        kid: String,
    },
    /// Print the public keys of JWT_SIGNING_KEYS (or JWT_PUBLIC_KEYS), or of
    /// a KMS key, as a JWKS, for JWT_PUBLIC_KEYS.
    Jwks {
        /// A KMS signing key (id or ARN): its public key, from GetPublicKey,
        /// under its id as `kid`.
        #[arg(long)]
        kms_key_id: Option<String>,
        /// The KMS key's algorithm: RS256 (RSA_2048) or ES256
        /// (ECC_NIST_P256).
        #[arg(long, default_value = "RS256")]
        algorithm: String,
    },
}

/// What an operator does on the users table (USERS_TABLE).
#[derive(Debug, Subcommand)]
enum TableCommand {
    /// Create the users table (hash key `email`, on-demand billing, TTL on
    /// the lockout placeholders), unless it exists; switch the TTL on if it
    /// is off.
    CreateTable,
    /// Add a user, with the same checks as signup. The password is the
    /// first line of standard input, so it never shows in a process list.
    AddUser {
        /// The user's email; trimmed and lower-cased.
        #[arg(long)]
        email: String,
        /// The display name; trimmed.
        #[arg(long)]
        name: String,
        /// Create the account deactivated: it cannot log in.
        #[arg(long)]
        inactive: bool,
        /// Leave the address unverified, as signup does: with
        /// REQUIRE_EMAIL_VERIFICATION the user must verify it before
        /// logging in. By default the operator vouches for it.
        #[arg(long)]
        unverified: bool,
    },
    /// Deactivate, activate, delete, or log out everywhere.
    #[command(flatten)]
    Account(AccountCommand),
    /// Set a new password (the first line of standard input), with the
    /// rules of signup; retires every token and clears the lockout.
    SetPassword {
        /// The account's email.
        #[arg(long)]
        email: String,
    },
}

/// What an operator does to one account, named by its email.
#[derive(Debug, Subcommand)]
enum AccountCommand {
    /// Deactivate an account: it can no longer log in, and every token it
    /// holds is retired, so activating it again revives none.
    Deactivate {
        /// The account's email.
        #[arg(long)]
        email: String,
    },
    /// Let a deactivated account log in again.
    Activate {
        /// The account's email.
        #[arg(long)]
        email: String,
    },
    /// Delete an account. Its tokens stay refused even if the email signs
    /// up again: that is a new account.
    DeleteUser {
        /// The account's email.
        #[arg(long)]
        email: String,
    },
    /// Retire every token an account holds, as its own logout would.
    LogoutEverywhere {
        /// The account's email.
        #[arg(long)]
        email: String,
    },
}

impl AccountCommand {
    /// Carries the command out, and says what was done.
    async fn run(&self, operator: &Operator) -> Result<String, sessionless::Error> {
        let (email, done) = match self {
            Self::Deactivate { email } => (email, "deactivated; every token it held is retired"),
            Self::Activate { email } => (email, "activated"),
            Self::DeleteUser { email } => (email, "deleted"),
            Self::LogoutEverywhere { email } => (email, "logged out everywhere"),
        };
        match self {
            Self::Deactivate { .. } => operator.deactivate(email).await?,
            Self::Activate { .. } => operator.activate(email).await?,
            Self::DeleteUser { .. } => operator.delete_user(email).await?,
            Self::LogoutEverywhere { .. } => operator.logout_everywhere(email).await?,
        }
        Ok(format!("{email}: {done}"))
    }
}

/// A failed command: what went wrong, for standard error.
type Failure = Box<dyn std::error::Error>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command).await {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("sessionless-admin: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<String, Failure> {
    match command {
        Command::Table(command) => run_on_table(command).await,
        Command::GenerateSigningKey { algorithm, kid } => {
            let pem = generate_private_pem(parse_algorithm(&algorithm)?)?;
            let key = SigningKey::from_private_pem(&kid, &pem)?;
            Ok(serde_json::json!({"current": key.kid(), key.kid(): pem}).to_string())
        }
        Command::Jwks {
            kms_key_id: Some(key_id),
            algorithm,
        } => {
            let sdk_config = aws::sdk_config(&AwsSettings::DEFAULT).await;
            let client = aws_sdk_kms::Client::new(&sdk_config);
            let signer = KmsSigner::new(client, &key_id, parse_algorithm(&algorithm)?)?;
            let jwk = signer.public_jwk().await?;
            Ok(serde_json::json!({ "keys": [jwk] }).to_string())
        }
        Command::Jwks {
            kms_key_id: None, ..
        } => {
            let keys = DiscoveryConfig::from_env()?.public_keys;
            Ok(serde_json::to_string(&keys.public_jwks())?)
        }
    }
}

async fn run_on_table(command: TableCommand) -> Result<String, Failure> {
    let config = AccountsConfig::from_env()?;
    let table = config.users_table;
    let client = aws::dynamodb_client(&config.aws).await;
    let users = UserStore::new(client.clone(), table.clone());
    let operator = Operator::new(users, config.password_policy);
    Ok(match command {
        TableCommand::CreateTable => {
            if create_table(&client, &table).await? {
                format!("created table {table}")
            } else {
                format!("table {table} already exists")
            }
        }
        TableCommand::AddUser {
            email,
            name,
            inactive,
            unverified,
        } => {
            let password = read_password()?;
            let account = NewAccount {
                registration: Registration {
                    email: &email,
                    password: Password(&password),
                    name: &name,
                },
                active: !inactive,
                email_verified: !unverified,
            };
            let user = operator.add_user(account).await?;
            format!("added {} to the users table", user.email)
        }
        TableCommand::Account(command) => command.run(&operator).await?,
        TableCommand::SetPassword { email } => {
            let password = read_password()?;
            operator.set_password(&email, Password(&password)).await?;
            format!("set a new password for {email}; every token it held is retired")
        }
    })
}

/// The first line of stdin, without its line ending.
fn read_password() -> Result<String, Failure> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|error| format!("reading the password from standard input: {error}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
