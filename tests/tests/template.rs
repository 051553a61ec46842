//! template.yaml against the code: every function's crate, build settings
//! and environment, and its IAM actions equal to the DynamoDB operations
//! its handler is seen to make. Keeps the two from drifting apart.

use sessionless::Auth;
use sessionless::accounts::RefreshFamily;
use sessionless::tokens::{AuthMethod, OpaqueKind};
use std::collections::BTreeSet;

use serde_json::json;
use serde_yaml_ng::Value;
use sessionless_tests::{
    DEMO_EMAIL, DEMO_PASSWORD, Stack, WHOLE_ITEM, event, function_crates, function_dirs, repo_root,
    with_body, with_refresh_token, with_token,
};

fn template() -> Value {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).expect("template.yaml");
    serde_yaml_ng::from_str(&text).expect("template.yaml is YAML")
}

fn functions(template: &Value) -> Vec<(String, Value)> {
    let resources = template["Resources"].as_mapping().expect("Resources");
    resources
        .iter()
        .filter(|(_, resource)| resource["Type"] == "AWS::Serverless::Function")
        .map(|(name, resource)| (name.as_str().unwrap().to_owned(), resource.clone()))
        .collect()
}

/// The crate a function resource builds.
fn binary(resource: &Value) -> String {
    resource["Metadata"]["BuildProperties"]["Binary"]
        .as_str()
        .expect("Binary")
        .to_owned()
}

/// `!Ref name` as the name.
fn reference(value: &Value) -> Option<&str> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "Ref" => tagged.value.as_str(),
        _ => None,
    }
}

/// `!GetAtt resource.attribute` as its text.
fn attribute(value: &Value) -> Option<&str> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "GetAtt" => tagged.value.as_str(),
        _ => None,
    }
}

/// What a function's policies allow, by service: DynamoDB actions all on
/// the users table, KMS actions all on the token signing key, SQS actions
/// all on the mail queue, and SES actions all on the `MailFrom` identity,
/// sending from `MailFrom` alone. Anything else fails the test.
#[derive(Debug, Default)]
struct Permissions {
    dynamodb: BTreeSet<String>,
    kms: BTreeSet<String>,
    sqs: BTreeSet<String>,
    ses: BTreeSet<String>,
}

fn permissions(name: &str, resource: &Value) -> Permissions {
    let mut allowed = Permissions::default();
    for policy in resource["Properties"]["Policies"]
        .as_sequence()
        .into_iter()
        .flatten()
    {
        for statement in policy["Statement"].as_sequence().into_iter().flatten() {
            assert_eq!(statement["Effect"], "Allow", "{name}");
            let actions: Vec<String> = match &statement["Action"] {
                Value::String(action) => vec![action.clone()],
                Value::Sequence(list) => list
                    .iter()
                    .map(|action| action.as_str().unwrap().to_owned())
                    .collect(),
                other => panic!("{name}: unexpected Action {other:?}"),
            };
            for action in actions {
                let resource = &statement["Resource"];
                let service = action.split(':').next().unwrap_or_default();
                let set = match service {
                    "dynamodb" => {
                        assert_eq!(attribute(resource), Some("UsersTable.Arn"), "{name}");
                        &mut allowed.dynamodb
                    }
                    "kms" => {
                        assert!(is_the_signing_key(resource), "{name}: {action}");
                        &mut allowed.kms
                    }
                    "sqs" => {
                        assert_eq!(attribute(resource), Some("MailQueue.Arn"), "{name}");
                        &mut allowed.sqs
                    }
                    "ses" => {
                        assert_is_the_mail_from_identity(name, statement);
                        &mut allowed.ses
                    }
                    _ => panic!("{name}: unexpected action {action}"),
                };
                set.insert(action);
            }
        }
    }
    allowed
}

/// An SES statement on the stack's configuration set and the `MailFrom`
/// identity (the address, and its domain for a domain identity), and only
/// for mail from `MailFrom`.
#[track_caller]
fn assert_is_the_mail_from_identity(name: &str, statement: &Value) {
    let identities = statement["Resource"].as_sequence().expect("a list");
    let texts: Vec<String> = identities
        .iter()
        .map(|identity| serde_yaml_ng::to_string(identity).unwrap())
        .collect();
    assert_eq!(texts.len(), 3, "{name}: {texts:?}");
    assert!(
        texts[0].contains(":configuration-set/${MailConfigurationSet}"),
        "{name}: {}",
        texts[0]
    );
    assert!(
        texts[1].contains(":identity/${MailFrom}"),
        "{name}: {}",
        texts[1]
    );
    assert!(
        texts[2].contains(":identity/${Domain}") && texts[2].contains("MailFrom"),
        "{name}: {}",
        texts[2]
    );
    assert_eq!(
        reference(&statement["Condition"]["StringEquals"]["ses:FromAddress"]),
        Some("MailFrom"),
        "{name}: from MailFrom alone"
    );
}

/// The signing key as the template names it: the stack's own KMS key, or
/// the rotation's next key (`SigningKeyArn`).
fn is_the_signing_key(value: &Value) -> bool {
    if_parts(value).is_some_and(|(condition, own, next)| {
        condition == "UseOwnKey"
            && attribute(own) == Some("TokenSigningKey.Arn")
            && reference(next) == Some("SigningKeyArn")
    })
}

/// What each function may do with the signing key, and what it is told.
enum KeyRole {
    /// Signs every token with `kms:Sign`; told the key and the JWKS.
    Signs,
    /// Verifies with the JWKS alone; no key permission.
    Verifies,
    /// Reads the key's public half for the JWKS (the custom resource).
    Publishes,
    /// Signs and verifies no JWT: no key, no JWKS (the mailer's links are
    /// opaque, review 2, L2).
    None,
}

fn key_role(crate_name: &str) -> KeyRole {
    match crate_name {
        "login" | "refresh" => KeyRole::Signs,
        "me" | "axum-backend" | "logout" | "password" | "authorizer" | "discovery"
        | "reset-password" | "verify-email" => KeyRole::Verifies,
        "signing-key-jwks" => KeyRole::Publishes,
        "signup" | "hello" | "request-link" | "mailer" => KeyRole::None,
        other => panic!("{other}: say what it does with the signing key"),
    }
}

#[test]
fn every_function_builds_a_crate_of_the_workspace_for_arm64() {
    let template = template();
    let globals = &template["Globals"]["Function"];
    assert_eq!(globals["Runtime"], "provided.al2023");
    assert_eq!(globals["Architectures"][0], "arm64");
    assert_eq!(globals["Handler"], "bootstrap");
    let variables = &globals["Environment"]["Variables"];
    assert_eq!(reference(&variables["USERS_TABLE"]), Some("UsersTable"));
    for key in [
        "JWT_SECRET",
        "JWT_SIGNING_KEYS",
        "JWT_SIGNING_KEYS_SECRET",
        "JWT_SIGNING_KMS_KEY_ID",
        "JWT_PUBLIC_KEYS",
    ] {
        assert!(
            variables[key].is_null(),
            "{key}: no key material for every function"
        );
    }
    let functions = functions(&template);
    let mut binaries: Vec<String> = functions
        .iter()
        .map(|(_, resource)| binary(resource))
        .collect();
    binaries.sort();
    let crates: Vec<String> = function_crates().into_iter().collect();
    assert_eq!(
        binaries, crates,
        "one function resource per crate in functions/ and examples/"
    );
    let dirs = function_dirs();
    for (name, resource) in &functions {
        let crate_name = binary(resource);
        assert_eq!(
            resource["Metadata"]["BuildMethod"], "rust-cargolambda",
            "{name}"
        );
        assert_eq!(
            resource["Properties"]["CodeUri"],
            dirs[&crate_name].as_str(),
            "{name}"
        );
        let manifest =
            std::fs::read_to_string(repo_root().join(&dirs[&crate_name]).join("Cargo.toml"))
                .unwrap();
        assert!(
            manifest.contains(&format!("name = \"{crate_name}\"")),
            "{name}: package {crate_name}"
        );
        // Only login, refresh and the mailer may sign, only through KMS;
        // every verifier is told the public keys and may touch no key;
        // signup, hello and request-link know of no key at all.
        let kms = permissions(name, resource).kms;
        let own = &resource["Properties"]["Environment"]["Variables"];
        let told_key = (!own["JWT_SIGNING_KMS_KEY_ID"].is_null()).then_some(());
        let told_jwks = attribute(&own["JWT_PUBLIC_KEYS"]);
        let kms: Vec<&str> = kms.iter().map(String::as_str).collect();
        match key_role(&crate_name) {
            KeyRole::Signs => {
                assert_eq!(kms, ["kms:Sign"], "{name}");
                assert!(
                    is_the_signing_key(&own["JWT_SIGNING_KMS_KEY_ID"]),
                    "{name}: told the signing key"
                );
                assert_eq!(told_jwks, Some("SigningKeyJwks.Jwks"), "{name}");
            }
            KeyRole::Verifies => {
                assert!(kms.is_empty(), "{name}: verifiers touch no key");
                assert_eq!(told_key, None, "{name}");
                assert_eq!(told_jwks, Some("SigningKeyJwks.Jwks"), "{name}");
            }
            KeyRole::Publishes => {
                assert_eq!(kms, ["kms:GetPublicKey"], "{name}");
                assert_eq!((told_key, told_jwks), (None, None), "{name}");
            }
            KeyRole::None => {
                assert!(kms.is_empty(), "{name}");
                assert_eq!((told_key, told_jwks), (None, None), "{name}");
            }
        }
        for variable in ["JWT_SECRET", "JWT_SIGNING_KEYS", "JWT_SIGNING_KEYS_SECRET"] {
            assert!(own[variable].is_null(), "{name}: no {variable}");
        }
        let log_group = reference(&resource["Properties"]["LoggingConfig"]["LogGroup"])
            .unwrap_or_else(|| panic!("{name}: a log group of its own"));
        let log_group = &template["Resources"][log_group];
        assert_eq!(log_group["Type"], "AWS::Logs::LogGroup", "{name}");
        assert_eq!(
            reference(&log_group["Properties"]["RetentionInDays"]),
            Some("LogRetentionDays"),
            "{name}: retention from the parameter"
        );
        assert!(
            resource["Properties"]["MemorySize"].as_u64().is_some(),
            "{name}: a measured MemorySize"
        );
    }
}

/// The DynamoDB operations each handler makes over its main paths.
async fn observed_operations(function: &str) -> BTreeSet<String> {
    let stack = Stack::with_mail(&[]).await;
    let token = stack.demo_token().await;
    match function {
        "login" => {
            let remember =
                json!({"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "remember": true})
                    .to_string();
            stack
                .invoke(
                    login::handle,
                    &with_body(&event("http-api/login-ok.json"), &remember),
                )
                .await;
            stack
                .invoke(login::handle, &event("http-api/login-bad-password.json"))
                .await;
        }
        "me" => {
            stack
                .invoke(
                    me::handle,
                    &with_token(&event("http-api/me-header-token.json"), &token),
                )
                .await;
        }
        "axum-backend" => {
            let request = with_token(&event("http-api/whoami-header-token.json"), &token);
            let app = axum_backend::app(stack.shared_auth().await);
            assert_eq!(stack.invoke_app(app, &request).await.status, 200);
        }
        "signup" => {
            stack
                .invoke(signup::handle, &event("http-api/signup-ok.json"))
                .await;
        }
        "refresh" => {
            let refresh = stack
                .auth
                .tokens()
                .issue_refresh(DEMO_EMAIL, None, u64::MAX)
                .unwrap();
            let user = stack.user(DEMO_EMAIL).await.unwrap();
            let family = RefreshFamily::started(&refresh, &[AuthMethod::Password]);
            stack
                .users
                .add_refresh_family(&user, refresh.family(), &family, 0)
                .await
                .unwrap();
            stack.operations.take();
            let request = with_refresh_token(
                &event("http-api/refresh-body-token.json"),
                &refresh.token.encode(),
            );
            assert_eq!(stack.invoke(refresh::handle, &request).await.status, 200);
        }
        "logout" => {
            stack
                .invoke(
                    logout::handle,
                    &with_token(&event("http-api/logout.json"), &token),
                )
                .await;
        }
        "password" => {
            stack
                .invoke(
                    password::handle,
                    &with_token(&event("http-api/password-change.json"), &token),
                )
                .await;
        }
        "authorizer" => {
            stack
                .authorize(&with_token(
                    &event("authorizer/http-api-request.json"),
                    &token,
                ))
                .await
                .unwrap();
        }
        "hello" => {
            stack
                .invoke(
                    |_: &Auth, request| hello::handle(request),
                    &event("http-api/hello-authorized.json"),
                )
                .await;
        }
        "discovery" => {
            let discovery: &'static sessionless::tokens::Discovery = Box::leak(Box::new(
                sessionless::tokens::Discovery::new(
                    Some("https://auth.example.com"),
                    stack.auth.tokens().verifying_keys(),
                )
                .unwrap(),
            ));
            let request = event("http-api/jwks.json");
            let reply = stack
                .invoke(
                    |_: &Auth, request| discovery::handle(discovery, request),
                    &request,
                )
                .await;
            assert_eq!(reply.status, 200, "{reply:?}");
        }
        "request-link" => {
            assert_eq!(stack.forgot(DEMO_EMAIL).await.status, 202);
            assert_eq!(stack.resend(DEMO_EMAIL).await.status, 202);
        }
        "reset-password" => {
            let reset = stack.mailed_link(OpaqueKind::ResetLink, DEMO_EMAIL).await;
            let reply = stack
                .reset_password(&reset, "a-brand-new-password-9012")
                .await;
            assert_eq!(reply.status, 200, "{reply:?}");
        }
        "verify-email" => {
            verify_a_new_signup(&stack, || {
                stack.operations.take();
            })
            .await
        }
        "mailer" => {
            let request = json!({"kind": "password_reset", "email": DEMO_EMAIL}).to_string();
            assert!(stack.mailer_on(&request).await.is_empty());
            assert_eq!(stack.mails_to(DEMO_EMAIL).len(), 1);
        }
        // A custom resource: CloudFormation calls it, and it reads no table.
        "signing-key-jwks" => {}
        other => panic!("no flows for {other}: add them here"),
    }
    stack
        .operations
        .take()
        .into_iter()
        .map(|operation| format!("dynamodb:{operation}"))
        .collect()
}

#[tokio::test]
async fn iam_actions_are_exactly_the_dynamodb_calls_each_handler_makes() {
    for (name, resource) in functions(&template()) {
        let function = binary(&resource);
        let allowed = permissions(&name, &resource).dynamodb;
        let observed = observed_operations(&function).await;
        assert_eq!(
            allowed, observed,
            "{name}: template actions against the calls seen"
        );
    }
}

/// `!If [condition, then, else]` as its three parts.
fn if_parts(value: &Value) -> Option<(&str, &Value, &Value)> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "If" => {
            let parts = tagged.value.as_sequence()?;
            Some((parts.first()?.as_str()?, parts.get(1)?, parts.get(2)?))
        }
        _ => None,
    }
}

#[test]
fn the_api_keeps_an_access_log_without_secrets() {
    let template = template();
    let settings = &template["Resources"]["Api"]["Properties"]["AccessLogSettings"];
    assert_eq!(
        attribute(&settings["DestinationArn"]),
        Some("ApiAccessLogs.Arn")
    );
    let group = &template["Resources"]["ApiAccessLogs"];
    assert_eq!(group["Type"], "AWS::Logs::LogGroup");
    assert_eq!(
        reference(&group["Properties"]["RetentionInDays"]),
        Some("LogRetentionDays")
    );
    let format: serde_json::Value =
        serde_json::from_str(settings["Format"].as_str().expect("a format")).expect("JSON lines");
    for field in [
        "requestId",
        "sourceIp",
        "routeKey",
        "status",
        "responseLatency",
    ] {
        assert!(format.get(field).is_some(), "{field} in {format}");
    }
    let text = format.to_string().to_lowercase();
    for secret in ["header", "authorization", "body", "$input", "cookie"] {
        assert!(
            !text.contains(secret),
            "{secret} must not be logged: {text}"
        );
    }
}

#[test]
fn the_argon2_functions_have_a_concurrency_cap_that_can_be_lifted() {
    let template = template();
    for (name, resource) in functions(&template) {
        let crate_name = binary(&resource);
        let reserved = &resource["Properties"]["ReservedConcurrentExecutions"];
        let capped =
            ["login", "signup", "password", "reset-password"].contains(&crate_name.as_str());
        assert_eq!(!reserved.is_null(), capped, "{name}");
        if !capped {
            continue;
        }
        let (condition, then, otherwise) = if_parts(reserved).expect("!If");
        let parameter = reference(then).expect("!Ref to a parameter");
        assert_eq!(
            reference(otherwise),
            Some("AWS::NoValue"),
            "{name}: 0 lifts it"
        );
        let default = template["Parameters"][parameter]["Default"]
            .as_u64()
            .expect("a default");
        assert!((1..=100).contains(&default), "{name}: {default}");
        assert!(
            matches!(&template["Conditions"][condition], Value::Tagged(_)),
            "{name}: the condition {condition} exists"
        );
    }
}

/// The issuer as the template gives it: `IssuerUrl`, or else the issuer
/// API's own URL.
#[track_caller]
fn assert_is_the_issuer(value: &Value, what: &str) {
    let (condition, custom, default) =
        if_parts(value).unwrap_or_else(|| panic!("{what}: !If [HasIssuerUrl, ...]"));
    assert_eq!(condition, "HasIssuerUrl", "{what}");
    assert_eq!(reference(custom), Some("IssuerUrl"), "{what}");
    match default {
        Value::Tagged(tagged) if tagged.tag == "Sub" => assert_eq!(
            tagged.value.as_str(),
            Some("https://${IssuerApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"),
            "{what}"
        ),
        other => panic!("{what}: the issuer API's URL, not {other:?}"),
    }
}

#[test]
fn the_issuer_serves_discovery_and_names_no_api_that_needs_it() {
    let template = template();
    let resources = &template["Resources"];
    assert_is_the_issuer(
        &template["Globals"]["Function"]["Environment"]["Variables"]["JWT_ISSUER"],
        "Globals",
    );
    // The issuer API serves the discovery routes, and nothing else.
    let discovery = &resources["DiscoveryFunction"]["Properties"];
    for event in discovery["Events"].as_mapping().unwrap().values() {
        assert_eq!(reference(&event["Properties"]["ApiId"]), Some("IssuerApi"));
    }
    for (name, resource) in functions(&template) {
        if name == "DiscoveryFunction" {
            continue;
        }
        for event in resource["Properties"]["Events"]
            .as_mapping()
            .into_iter()
            .flat_map(|events| events.values())
            .filter(|event| event["Type"] == "HttpApi")
        {
            assert_eq!(
                reference(&event["Properties"]["ApiId"]),
                Some("Api"),
                "{name}: the issuer API is discovery's alone"
            );
        }
    }
    // The functions the issuer API depends on cannot be told its URL
    // without a cycle: discovery takes the URL each request arrives at, and
    // the custom resource needs none.
    let own_issuer = |name: &str| {
        resources[name]["Properties"]["Environment"]["Variables"]["JWT_ISSUER"].clone()
    };
    let (condition, custom, unset) = if_parts(&own_issuer("DiscoveryFunction"))
        .map(|(condition, custom, unset)| (condition.to_owned(), custom.clone(), unset.clone()))
        .expect("discovery: !If [HasIssuerUrl, IssuerUrl, \"\"]");
    assert_eq!(
        (condition.as_str(), reference(&custom), unset.as_str()),
        ("HasIssuerUrl", Some("IssuerUrl"), Some(""))
    );
    assert_eq!(own_issuer("SigningKeyJwksFunction").as_str(), Some(""));

    // API Gateway's JWT authorizer trusts the same issuer and audience, in
    // front of the example backend.
    let jwt = &resources["Api"]["Properties"]["Auth"]["Authorizers"]["TokenIssuerJwt"];
    assert_is_the_issuer(&jwt["JwtConfiguration"]["issuer"], "TokenIssuerJwt");
    assert_eq!(
        reference(&jwt["JwtConfiguration"]["audience"][0]),
        Some("JwtAudience")
    );
    let hello_jwt = &resources["HelloFunction"]["Properties"]["Events"]["HelloJwt"]["Properties"];
    assert_eq!(hello_jwt["Path"], "/hello/jwt");
    assert_eq!(hello_jwt["Auth"]["Authorizer"], "TokenIssuerJwt");
}

/// The mail path: the three request functions alone may queue, the mailer
/// alone reads the queue (through its event source, reporting failures one
/// by one) and sends, and failed requests end in a dead-letter queue.
#[test]
fn mail_is_queued_by_the_request_functions_and_sent_by_the_mailer_alone() {
    let template = template();
    let resources = &template["Resources"];
    for (name, resource) in functions(&template) {
        let crate_name = binary(&resource);
        let allowed = permissions(&name, &resource);
        let queues = ["signup", "request-link"].contains(&crate_name.as_str());
        let sqs: Vec<&str> = allowed.sqs.iter().map(String::as_str).collect();
        assert_eq!(sqs.is_empty(), !queues, "{name}: {sqs:?}");
        if queues {
            assert_eq!(sqs, ["sqs:SendMessage"], "{name}");
        }
        let own = &resource["Properties"]["Environment"]["Variables"];
        assert_eq!(
            reference(&own["MAIL_QUEUE_URL"]).is_some(),
            queues,
            "{name}: MAIL_QUEUE_URL exactly where it queues"
        );
        let ses: Vec<&str> = allowed.ses.iter().map(String::as_str).collect();
        if crate_name == "mailer" {
            assert_eq!(ses, ["ses:SendEmail"], "{name}");
            for (variable, parameter) in [
                ("MAIL_FROM", "MailFrom"),
                ("RESET_URL", "ResetUrl"),
                ("VERIFY_URL", "VerifyUrl"),
            ] {
                assert_eq!(reference(&own[variable]), Some(parameter), "{name}");
                assert!(
                    template["Parameters"][parameter]["Default"].is_null(),
                    "{parameter}: every deployment names its own"
                );
            }
            let source = &resource["Properties"]["Events"]["MailRequests"];
            assert_eq!(source["Type"], "SQS");
            assert_eq!(
                attribute(&source["Properties"]["Queue"]),
                Some("MailQueue.Arn")
            );
            assert_eq!(
                source["Properties"]["FunctionResponseTypes"][0],
                "ReportBatchItemFailures"
            );
        } else {
            assert!(ses.is_empty(), "{name}: only the mailer sends mail");
        }
    }
    // Review 2, M3: bounces and complaints suppress their address, and the
    // stack's mails per minute are the operator's to set.
    let configuration_set = &resources["MailConfigurationSet"];
    assert_eq!(configuration_set["Type"], "AWS::SES::ConfigurationSet");
    let reasons = &configuration_set["Properties"]["SuppressionOptions"]["SuppressedReasons"];
    let reasons: BTreeSet<&str> = reasons
        .as_sequence()
        .expect("suppressed reasons")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(reasons, BTreeSet::from(["BOUNCE", "COMPLAINT"]));
    let mailer = &resources["MailerFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(
        reference(&mailer["MAIL_CONFIGURATION_SET"]),
        Some("MailConfigurationSet")
    );
    assert_eq!(
        reference(&mailer["MAIL_MAX_PER_MINUTE"]),
        Some("MailMaxPerMinute")
    );
    assert_eq!(template["Parameters"]["MailMaxPerMinute"]["Default"], 60);
    let redrive = &resources["MailQueue"]["Properties"]["RedrivePolicy"];
    assert_eq!(
        attribute(&redrive["deadLetterTargetArn"]),
        Some("MailDeadLetterQueue.Arn")
    );
    assert!(redrive["maxReceiveCount"].as_u64().is_some());
    assert_eq!(
        reference(
            &template["Globals"]["Function"]["Environment"]["Variables"]["REQUIRE_EMAIL_VERIFICATION"]
        ),
        Some("RequireEmailVerification")
    );
}

/// What a function is deployed with, as one side says it.
#[derive(Debug, PartialEq, Eq)]
struct DeploySettings {
    memory: u64,
    timeout: u64,
    arm64: bool,
    description: String,
    env_names: BTreeSet<String>,
}

/// The settings template.yaml gives `resource`, Globals included.
fn template_settings(template: &Value, resource: &Value) -> DeploySettings {
    let globals = &template["Globals"]["Function"];
    let properties = &resource["Properties"];
    let own_or_global = |name: &str| match &properties[name] {
        Value::Null => globals[name].clone(),
        value => value.clone(),
    };
    let names = |variables: &Value| -> BTreeSet<String> {
        variables
            .as_mapping()
            .into_iter()
            .flat_map(|mapping| mapping.keys())
            .map(|name| name.as_str().unwrap().to_owned())
            .collect()
    };
    let mut env_names = names(&globals["Environment"]["Variables"]);
    env_names.extend(names(&properties["Environment"]["Variables"]));
    DeploySettings {
        memory: properties["MemorySize"].as_u64().unwrap_or_default(),
        timeout: own_or_global("Timeout").as_u64().unwrap_or_default(),
        arm64: own_or_global("Architectures")
            .as_sequence()
            .is_some_and(|list| list.len() == 1 && list[0] == "arm64"),
        description: properties["Description"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        env_names,
    }
}

/// The settings a function crate's `[package.metadata.lambda]` gives
/// `cargo lambda build` and `cargo lambda deploy` (scripts/deploy).
fn cargo_settings(manifest: &toml::Table) -> DeploySettings {
    let lambda = &manifest["package"]["metadata"]["lambda"];
    let deploy = &lambda["deploy"];
    let number = |name: &str| {
        deploy
            .get(name)
            .and_then(toml::Value::as_integer)
            .and_then(|value| u64::try_from(value).ok())
            .unwrap_or_default()
    };
    DeploySettings {
        memory: number("memory"),
        timeout: number("timeout"),
        arm64: lambda
            .get("build")
            .and_then(|build| build.get("arm64"))
            .and_then(toml::Value::as_bool)
            .unwrap_or(false),
        description: deploy
            .get("description")
            .and_then(toml::Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        env_names: deploy
            .get("env_names")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(toml::Value::as_str)
            .map(str::to_owned)
            .collect(),
    }
}

fn manifest(crate_name: &str) -> toml::Table {
    let path = repo_root()
        .join(&function_dirs()[crate_name])
        .join("Cargo.toml");
    std::fs::read_to_string(&path)
        .unwrap()
        .parse()
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The functions whose settings differ between the two sides.
fn deploy_disagreements(template: &Value, manifests: &[(String, toml::Table)]) -> Vec<String> {
    let resources = functions(template);
    manifests
        .iter()
        .filter_map(|(crate_name, manifest)| {
            let (_, resource) = resources
                .iter()
                .find(|(_, resource)| binary(resource) == *crate_name)?;
            let (template, cargo) = (
                template_settings(template, resource),
                cargo_settings(manifest),
            );
            (template != cargo)
                .then(|| format!("{crate_name}: template {template:?}, Cargo {cargo:?}"))
        })
        .collect()
}

/// One source of truth for how each function is deployed: SAM reads
/// template.yaml, `cargo lambda deploy` (scripts/deploy) each crate's
/// Cargo metadata, and the two must agree on memory, timeout,
/// architecture, description and the variables' names.
#[test]
fn cargo_metadata_and_template_deploy_each_function_alike() {
    let template = template();
    let manifests: Vec<(String, toml::Table)> = functions(&template)
        .iter()
        .map(|(_, resource)| {
            let crate_name = binary(resource);
            let manifest = manifest(&crate_name);
            (crate_name, manifest)
        })
        .collect();
    assert_eq!(
        deploy_disagreements(&template, &manifests),
        Vec::<String>::new()
    );

    // Either side changed alone is caught, field by field.
    let (me_index, _) = manifests
        .iter()
        .enumerate()
        .find(|(_, (name, _))| name == "me")
        .expect("me");
    let template_changes: [(&str, Value); 3] = [
        ("MemorySize", Value::from(256)),
        ("Timeout", Value::from(30)),
        ("Description", Value::from("something else")),
    ];
    for (field, value) in template_changes {
        let mut changed = template.clone();
        changed["Resources"]["MeFunction"]["Properties"][field] = value;
        assert_eq!(
            deploy_disagreements(&changed, &manifests).len(),
            1,
            "{field}"
        );
    }
    let mut changed = template.clone();
    changed["Resources"]["MeFunction"]["Properties"]["Architectures"] =
        serde_yaml_ng::from_str("[x86_64]").unwrap();
    assert_eq!(deploy_disagreements(&changed, &manifests).len(), 1, "arch");
    let mut changed = template.clone();
    changed["Resources"]["MeFunction"]["Properties"]["Environment"]["Variables"]["EXTRA"] =
        Value::from("x");
    assert_eq!(
        deploy_disagreements(&changed, &manifests).len(),
        1,
        "variables"
    );
    let cargo_changes: [(&str, toml::Value); 4] = [
        ("memory", toml::Value::Integer(256)),
        ("timeout", toml::Value::Integer(30)),
        ("description", toml::Value::String("something else".into())),
        ("env_names", toml::Value::Array(Vec::new())),
    ];
    for (field, value) in cargo_changes {
        let mut changed = manifests.clone();
        let deploy = changed[me_index].1["package"]["metadata"]["lambda"]["deploy"]
            .as_table_mut()
            .unwrap();
        deploy.insert(field.to_owned(), value);
        assert_eq!(
            deploy_disagreements(&template, &changed).len(),
            1,
            "{field}"
        );
    }
    let mut changed = manifests.clone();
    changed[me_index].1["package"]["metadata"]["lambda"]["build"]
        .as_table_mut()
        .unwrap()
        .insert("arm64".to_owned(), toml::Value::Boolean(false));
    assert_eq!(deploy_disagreements(&template, &changed).len(), 1, "arm64");
}

/// Cargo.toml builds the 128 MB functions for size, and only them: with
/// fat LTO a binary's opt-level compiles argon2 too, and verify-email,
/// moved to 1,024 MB when it began verifying the password, kept `"s"` and
/// spent about 60% more CPU per call until scripts/bench caught it.
#[test]
fn only_the_128_mb_functions_are_built_for_size() {
    let workspace: toml::Table = std::fs::read_to_string(repo_root().join("Cargo.toml"))
        .unwrap()
        .parse()
        .expect("Cargo.toml is TOML");
    let packages = &workspace["profile"]["release"]["package"];
    let built_for_size = |crate_name: &str| {
        packages
            .get(crate_name)
            .and_then(|profile| profile.get("opt-level"))
            .and_then(toml::Value::as_str)
            == Some("s")
    };
    let template = template();
    let mismatched: Vec<String> = functions(&template)
        .iter()
        .map(|(_, resource)| {
            (
                binary(resource),
                template_settings(&template, resource).memory,
            )
        })
        .filter(|(crate_name, memory)| built_for_size(crate_name) != (*memory == 128))
        .map(|(crate_name, memory)| {
            format!(
                "{crate_name}: {memory} MB, built for size: {}",
                built_for_size(&crate_name)
            )
        })
        .collect();
    assert_eq!(mismatched, Vec::<String>::new());
}

/// Review 2, L1: the key policy lets the account administer the signing
/// key but not sign with it, and grants `kms:Sign` to the roles under the
/// stack's signer path, which exactly the functions that sign are given.
#[test]
fn only_the_signers_roles_may_sign_with_the_stacks_key() {
    let template = template();
    let policy = &template["Resources"]["TokenSigningKey"]["Properties"]["KeyPolicy"];
    let statements = policy["Statement"].as_sequence().expect("statements");
    let actions = |statement: &Value| -> Vec<String> {
        match &statement["Action"] {
            Value::String(action) => vec![action.clone()],
            Value::Sequence(list) => list
                .iter()
                .map(|action| action.as_str().unwrap().to_owned())
                .collect(),
            other => panic!("unexpected Action {other:?}"),
        }
    };
    let signer_path = "/${AWS::StackName}/signers/";
    let mut signing_statements = 0;
    for statement in statements {
        assert_eq!(statement["Effect"], "Allow");
        let actions = actions(statement);
        // No wildcard reaches kms:Sign: "kms:*" and "kms:S*" would.
        assert!(
            actions.iter().all(|action| action == "kms:Sign"
                || !"kms:Sign".starts_with(action.trim_end_matches('*'))),
            "{actions:?}"
        );
        if actions.iter().any(|action| action == "kms:Sign") {
            signing_statements += 1;
            assert_eq!(actions, ["kms:Sign"], "signing is a statement of its own");
            let principal =
                serde_yaml_ng::to_string(&statement["Condition"]["ArnLike"]["aws:PrincipalArn"])
                    .unwrap();
            assert!(
                principal.contains(&format!(":role{signer_path}*")),
                "{principal}"
            );
        }
    }
    assert_eq!(signing_statements, 1);
    for (name, resource) in functions(&template) {
        let path = serde_yaml_ng::to_string(&resource["Properties"]["RolePath"]).unwrap();
        let signs = matches!(key_role(&binary(&resource)), KeyRole::Signs);
        assert_eq!(path.contains(signer_path), signs, "{name}: {path}");
    }
}

/// The `dynamodb:Attributes` a function's policy lets its UpdateItem
/// name, or `None` where the action is not narrowed.
fn update_attributes(resource: &Value) -> Option<BTreeSet<String>> {
    let statements = resource["Properties"]["Policies"][0]["Statement"].as_sequence()?;
    let statement = statements.iter().find(|statement| {
        serde_yaml_ng::to_string(&statement["Action"])
            .unwrap()
            .contains("dynamodb:UpdateItem")
    })?;
    let list =
        statement["Condition"]["ForAllValues:StringEquals"]["dynamodb:Attributes"].as_sequence()?;
    Some(
        list.iter()
            .map(|name| name.as_str().unwrap().to_owned())
            .collect(),
    )
}

/// The attributes the mailer's requests name, over every path: a reset,
/// a verification, a `+tag` address's mailbox, the stack's count, and a
/// claim given back after a failed send.
async fn mailer_attributes() -> BTreeSet<String> {
    let stack = Stack::with_mail(&[]).await;
    stack
        .signup("new+tag@example.com", "a-new-password-5678")
        .await;
    stack.take_queued().await;
    stack.operations.take_attributes();
    for (kind, email) in [
        ("password_reset", DEMO_EMAIL),
        ("verification", "new+tag@example.com"),
    ] {
        let request = json!({"kind": kind, "email": email}).to_string();
        assert!(stack.mailer_on(&request).await.is_empty(), "{kind}");
    }
    let mut named = stack.operations.take_attributes();
    let failing = Stack::with_mail(&[("MAIL_FROM", "sender@unverified.test")]).await;
    failing.operations.take_attributes();
    let request = json!({"kind": "password_reset", "email": DEMO_EMAIL}).to_string();
    assert_eq!(failing.mailer_on(&request).await.len(), 1, "the send fails");
    named.extend(failing.operations.take_attributes());
    named
}

/// Signs a new user up and verifies the address with the link's token,
/// calling `before_verifying` between the two: verify-email's main path.
async fn verify_a_new_signup(stack: &Stack, before_verifying: impl FnOnce()) {
    let signup = stack
        .signup("new.user@example.com", "a-new-password-5678")
        .await;
    assert_eq!(signup.status, 202, "{signup:?}");
    let verification = stack
        .mailed_link(OpaqueKind::VerifyLink, "new.user@example.com")
        .await;
    before_verifying();
    let reply = stack.verify(&verification, "a-new-password-5678").await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

/// The attributes verify-email's requests name: the load, and the write.
async fn verify_email_attributes() -> BTreeSet<String> {
    let stack = Stack::with_mail(&[]).await;
    verify_a_new_signup(&stack, || {
        stack.operations.take_attributes();
    })
    .await;
    stack.operations.take_attributes()
}

/// Review 2, L3: the narrow writers' UpdateItem may name exactly the
/// attributes their requests name, and never a password hash or a
/// token's state.
#[tokio::test]
async fn the_narrow_writers_may_write_only_the_attributes_they_name() {
    for (name, resource) in functions(&template()) {
        let function = binary(&resource);
        let observed = match function.as_str() {
            "mailer" => mailer_attributes().await,
            "verify-email" => verify_email_attributes().await,
            _ => continue,
        };
        let allowed = update_attributes(&resource)
            .unwrap_or_else(|| panic!("{name}: UpdateItem without dynamodb:Attributes"));
        assert_eq!(
            allowed, observed,
            "{name}: the policy's list against the requests seen"
        );
        for secret in [
            "password_hash",
            "refresh_families",
            "devices",
            "device_lockouts",
        ] {
            assert!(!allowed.contains(secret), "{name} may write {secret}");
        }
    }
}

/// The attributes a GetItem statement of `resource` may read, and whether
/// it also requires `dynamodb:Select` to be SPECIFIC_ATTRIBUTES when given.
fn get_item_attributes(resource: &Value) -> Option<(BTreeSet<String>, bool)> {
    let statements = resource["Properties"]["Policies"][0]["Statement"].as_sequence()?;
    let statement = statements.iter().find(|statement| {
        serde_yaml_ng::to_string(&statement["Action"])
            .unwrap()
            .contains("dynamodb:GetItem")
    })?;
    let condition = &statement["Condition"];
    let list = condition["ForAllValues:StringEquals"]["dynamodb:Attributes"].as_sequence()?;
    let specific = condition["StringEqualsIfExists"]["dynamodb:Select"].as_str()
        == Some("SPECIFIC_ATTRIBUTES");
    Some((
        list.iter()
            .map(|name| name.as_str().unwrap().to_owned())
            .collect(),
        specific,
    ))
}

/// What the GetItems of `function` read, through its handler, for a live
/// access token.
async fn token_reader_reads(function: &str) -> BTreeSet<String> {
    let stack = Stack::new().await;
    let (token, _) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    stack.operations.take_reads();
    match function {
        "me" => {
            let reply = stack
                .invoke(
                    me::handle,
                    &with_token(&event("http-api/me-header-token.json"), &token),
                )
                .await;
            assert_eq!(reply.status, 200, "{reply:?}");
        }
        "authorizer" => {
            let response = stack
                .authorize(&with_token(&event("authorizer/rest-token.json"), &token))
                .await
                .unwrap();
            assert_eq!(response["principalId"], DEMO_EMAIL, "{response}");
        }
        "logout" => {
            let reply = stack
                .invoke(
                    logout::handle,
                    &with_token(&event("http-api/logout.json"), &token),
                )
                .await;
            assert_eq!(reply.status, 200, "{reply:?}");
        }
        "axum-backend" => {
            let app = axum_backend::app(stack.shared_auth().await);
            let whoami = with_token(&event("http-api/whoami-header-token.json"), &token);
            let reply = stack.invoke_app(app, &whoami).await;
            assert_eq!(reply.status, 200, "{reply:?}");
        }
        other => panic!("no flow for {other}"),
    }
    stack.operations.take_reads()
}

/// Review 2, L3: the functions that only check access tokens read the
/// user's item through a projection of exactly what the check needs, and
/// their policy allows no more: never the password hash, devices or
/// lockouts. A GetItem without a projection reads everything
/// ([`WHOLE_ITEM`]), which the policy's `dynamodb:Select` condition
/// refuses.
#[tokio::test]
async fn the_token_readers_may_read_only_what_the_token_check_needs() {
    let expected: BTreeSet<String> = sessionless::accounts::ACCESS_CHECK_ATTRIBUTES
        .iter()
        .map(|name| (*name).to_owned())
        .collect();
    let mut checked = Vec::new();
    for (name, resource) in functions(&template()) {
        let function = binary(&resource);
        if !["me", "logout", "authorizer", "axum-backend"].contains(&function.as_str()) {
            continue;
        }
        let (allowed, specific) = get_item_attributes(&resource)
            .unwrap_or_else(|| panic!("{name}: GetItem without dynamodb:Attributes"));
        assert!(
            specific,
            "{name}: dynamodb:Select is not held to SPECIFIC_ATTRIBUTES"
        );
        assert_eq!(allowed, expected, "{name}: the policy's list");
        let read = token_reader_reads(&function).await;
        assert_eq!(read, expected, "{name}: what its GetItems read");
        assert!(!read.contains(WHOLE_ITEM) && !read.contains("password_hash"));
        checked.push(function);
    }
    checked.sort();
    assert_eq!(checked, ["authorizer", "axum-backend", "logout", "me"]);
}
