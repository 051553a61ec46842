//! Operator tool for the users table: create it, and add users without
//! anyone writing a password hash by hand.
//!
//! ```text
//! sessionless-admin create-table
//! printf '%s' "$PASSWORD" | sessionless-admin add-user --email EMAIL --name NAME [--inactive]
//! ```
//!
//! The table is `USERS_TABLE` and the hash cost `ARGON2_*`, as for the
//! functions; DynamoDB is reached through the usual AWS environment
//! (`AWS_REGION`, credentials, `AWS_ENDPOINT_URL_DYNAMODB`).

use std::io::BufRead;
use std::process::ExitCode;

use lambda_auth::config::ToolConfig;
use lambda_auth::password::check_new_password;
use lambda_auth::user_store::{UserStore, create_table};
use lambda_auth::users::{User, normalize_email};
use lambda_auth::{Error, dynamodb};

const USAGE: &str = "usage:
  sessionless-admin create-table
  sessionless-admin add-user --email EMAIL --name NAME [--inactive]   (password on stdin)

Both read the table name from USERS_TABLE.";

enum Command {
    CreateTable,
    AddUser {
        email: String,
        name: String,
        active: bool,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let command = match parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("{message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(command).await {
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

fn parse(mut args: impl Iterator<Item = String>) -> Result<Command, String> {
    let command = match args.next().as_deref() {
        Some("create-table") => Command::CreateTable,
        Some("add-user") => {
            let (mut email, mut name, mut active) = (None, None, true);
            while let Some(flag) = args.next() {
                match flag.as_str() {
                    "--email" => email = args.next(),
                    "--name" => name = args.next(),
                    "--inactive" => active = false,
                    other => return Err(format!("unknown argument {other:?}")),
                }
            }
            Command::AddUser {
                email: email.ok_or("add-user needs --email EMAIL")?,
                name: name.ok_or("add-user needs --name NAME")?,
                active,
            }
        }
        Some(other) => return Err(format!("unknown command {other:?}")),
        None => return Err("no command given".into()),
    };
    match args.next() {
        Some(extra) => Err(format!("unexpected argument {extra:?}")),
        None => Ok(command),
    }
}

async fn run(command: Command) -> Result<String, Error> {
    let config = ToolConfig::from_env()?;
    let table = config.users_table;
    let client = dynamodb::client(&config.dynamodb).await;
    match command {
        Command::CreateTable => Ok(if create_table(&client, &table).await? {
            format!("created table {table}")
        } else {
            format!("table {table} already exists")
        }),
        Command::AddUser {
            email,
            name,
            active,
        } => {
            let email = normalize_email(&email)?;
            let password = read_password()?;
            check_new_password(&password)?;
            let hash = config.password_policy.hash(password).await?;
            let mut user = User::new(email, name, hash)?;
            user.active = active;
            UserStore::new(client, table).create(&user).await?;
            Ok(format!("added {} to the users table", user.email))
        }
    }
}

/// The first line of stdin, without its line ending.
fn read_password() -> Result<String, Error> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|error| Error::bad_request(format!("reading the password from stdin: {error}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
