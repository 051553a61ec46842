//! The discovery function: the JWKS and the OpenID Connect Discovery
//! document, as any standard verifier reads them, built from the
//! environment alone.

use jsonwebtoken::Algorithm;
use serde_json::{Value, json};
use sessionless::DiscoveryConfig;
use sessionless::tokens::Discovery;
use sessionless_tests::forge::Forger;
use sessionless_tests::{Reply, Stack, event};

const ISSUER: &str = "https://auth.example.com";

/// The discovery state a function configured with `env` builds.
fn discovery_from(env: &[(&str, String)]) -> Result<&'static Discovery, String> {
    let config = DiscoveryConfig::from_lookup(|name| {
        env.iter()
            .find(|(listed, _)| *listed == name)
            .map(|(_, value)| value.clone())
    })
    .map_err(|error| error.to_string())?;
    let discovery = Discovery::new(config.jwt_issuer.as_deref(), &config.public_keys)
        .map_err(|error| error.to_string())?;
    Ok(Box::leak(Box::new(discovery)))
}

async fn get(discovery: &'static Discovery, request: &str) -> Reply {
    let stack = Stack::new().await;
    stack
        .invoke(
            move |_: &sessionless::Auth, request| discovery::handle(discovery, request),
            request,
        )
        .await
}

fn rs256_env() -> Vec<(&'static str, String)> {
    let forger = Forger::new(Algorithm::RS256);
    let mut env = forger.env();
    env.push(("JWT_ISSUER", ISSUER.to_owned()));
    env
}

#[tokio::test]
async fn the_jwks_lists_the_public_keys_for_five_minutes_of_caching() {
    let discovery = discovery_from(&rs256_env()).unwrap();
    let reply = get(discovery, &event("http-api/jwks.json")).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.header("cache-control"), Some("public, max-age=300"));
    let jwks = reply.json();
    let key = &jwks["keys"][0];
    for member in ["kid", "kty", "alg", "use", "n", "e"] {
        assert!(key.get(member).is_some(), "{member} in {key}");
    }
    assert_eq!(key["use"], "sig");
    for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
        assert!(key.get(private).is_none(), "{private} in {key}");
    }
}

#[tokio::test]
async fn the_discovery_document_names_the_issuer_and_where_its_keys_are() {
    let discovery = discovery_from(&rs256_env()).unwrap();
    let reply = get(discovery, &event("http-api/openid-configuration.json")).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.header("cache-control"), Some("public, max-age=3600"));
    let document = reply.json();
    assert_eq!(document["issuer"], ISSUER);
    assert_eq!(
        document["jwks_uri"],
        "https://auth.example.com/.well-known/jwks.json"
    );
    assert_eq!(document["response_types_supported"], json!([]));
    assert_eq!(document["subject_types_supported"], json!(["public"]));
    assert_eq!(
        document["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    // An issuer with a trailing slash stays exactly as configured (API
    // Gateway compares it with `iss` byte for byte); the URI has one slash.
    let mut env = rs256_env();
    env.retain(|(name, _)| *name != "JWT_ISSUER");
    env.push(("JWT_ISSUER", format!("{ISSUER}/")));
    let discovery = discovery_from(&env).unwrap();
    let document: Value = serde_json::from_str(
        &discovery
            .openid_configuration(|| panic!("the issuer is configured"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(document["issuer"], "https://auth.example.com/");
    assert_eq!(
        document["jwks_uri"],
        "https://auth.example.com/.well-known/jwks.json"
    );
}

#[tokio::test]
async fn without_a_configured_issuer_the_issuer_is_the_url_the_request_arrived_at() {
    // As the template deploys it: a function cannot name its own API's URL
    // without a dependency cycle, so API Gateway's domain name stands in.
    let mut env = rs256_env();
    env.retain(|(name, _)| *name != "JWT_ISSUER");
    let discovery = discovery_from(&env).unwrap();
    let reply = get(discovery, &event("http-api/openid-configuration.json")).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let document = reply.json();
    let domain = "https://abc123.execute-api.us-east-1.amazonaws.com";
    assert_eq!(document["issuer"], domain);
    assert_eq!(
        document["jwks_uri"],
        format!("{domain}/.well-known/jwks.json").as_str()
    );
    // A named stage is part of the URL.
    let mut request: Value =
        serde_json::from_str(&event("http-api/openid-configuration.json")).unwrap();
    request["requestContext"]["stage"] = json!("prod");
    let reply = get(discovery, &request.to_string()).await;
    assert_eq!(reply.json()["issuer"], format!("{domain}/prod").as_str());
}

#[tokio::test]
async fn other_paths_and_methods_are_refused() {
    let discovery = discovery_from(&rs256_env()).unwrap();
    let mut request: Value = serde_json::from_str(&event("http-api/jwks.json")).unwrap();
    request["rawPath"] = json!("/.well-known/other");
    request["requestContext"]["http"]["path"] = json!("/.well-known/other");
    let reply = get(discovery, &request.to_string()).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (404, r#"{"msg":"Not found"}"#)
    );
    let mut request: Value = serde_json::from_str(&event("http-api/jwks.json")).unwrap();
    request["requestContext"]["http"]["method"] = json!("POST");
    let reply = get(discovery, &request.to_string()).await;
    assert_eq!(reply.status, 405, "{reply:?}");
    assert_eq!(reply.header("allow"), Some("GET"));
}

#[test]
fn a_configuration_that_cannot_publish_is_refused_at_cold_start() {
    let hmac_only = [
        (
            "JWT_SECRET",
            "a-signing-key-of-at-least-thirty-two-bytes".to_owned(),
        ),
        ("JWT_ISSUER", ISSUER.to_owned()),
    ];
    // An HMAC key is never published: the JWKS is empty, not a secret.
    let discovery = discovery_from(&hmac_only).unwrap();
    assert_eq!(discovery.jwks(), r#"{"keys":[]}"#);

    let mut not_a_url = rs256_env();
    not_a_url.retain(|(name, _)| *name != "JWT_ISSUER");
    not_a_url.push(("JWT_ISSUER", "sessionless".to_owned()));
    let message = discovery_error(&not_a_url);
    assert!(
        message.contains("JWT_ISSUER is \"sessionless\""),
        "{message}"
    );
    let message = discovery_error(&[(
        "JWT_SIGNING_KEYS_SECRET",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:keys".to_owned(),
    )]);
    assert!(message.contains("never reads a secret"), "{message}");
}

fn discovery_error(env: &[(&str, String)]) -> String {
    match discovery_from(env) {
        Ok(_) => panic!("{env:?} was accepted"),
        Err(message) => message,
    }
}
