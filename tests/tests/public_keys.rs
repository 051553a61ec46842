//! Asymmetric tokens: a function that holds only the public keys
//! (`JWT_PUBLIC_KEYS`) verifies what the signers sign and can sign nothing
//! itself, and a rotation published in the JWKS logs nobody out.

use jsonwebtoken::Algorithm;
use serde_json::json;
use sessionless::Config;
use sessionless::tokens::{KeySource, SigningKeys, Tokens, generate_private_pem};
use sessionless_tests::forge::Forger;
use sessionless_tests::{DEMO_EMAIL, DEMO_PASSWORD, Stack, TEST_SECRET};

/// A stack that signs with a new `algorithm` key, and that key.
async fn signing_stack(algorithm: Algorithm) -> (Stack, Forger) {
    let forger = Forger::new(algorithm);
    (Stack::signing_with(&forger).await, forger)
}

/// The JWKS `stack` publishes.
fn jwks(stack: &Stack) -> String {
    serde_json::to_string(&stack.auth.tokens().verifying_keys().public_jwks()).unwrap()
}

/// The same table, as a function that only verifies, with `jwks`.
async fn verifying_stack(stack: &Stack, jwks: &str) -> Stack {
    stack
        .restarted_with(&[
            ("JWT_SECRET", ""),
            ("JWT_SIGNING_KEYS", ""),
            ("JWT_PUBLIC_KEYS", jwks),
        ])
        .await
}

#[tokio::test]
async fn a_function_with_only_the_public_keys_verifies_what_the_signers_sign() {
    for algorithm in [Algorithm::RS256, Algorithm::ES256] {
        let (signer, _) = signing_stack(algorithm).await;
        let (access, _) = signer.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
        let header = jsonwebtoken::decode_header(&access).unwrap();
        assert_eq!(header.alg, algorithm);
        let verifier = verifying_stack(&signer, &jwks(&signer)).await;
        assert_eq!(verifier.me(&access).await.status, 200, "{algorithm:?}");
        // It holds no private key, so it cannot sign: a login there is a
        // configuration fault, never a token.
        let reply = verifier
            .login_request(&json!({"email": DEMO_EMAIL, "password": DEMO_PASSWORD}))
            .await;
        assert_eq!(reply.status, 500, "{reply:?}");
    }
}

#[tokio::test]
async fn a_rotation_through_the_jwks_logs_nobody_out_and_a_removed_key_signs_nothing_valid() {
    let (stack, old_key) = signing_stack(Algorithm::RS256).await;
    let (before, _) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    let new_pem = generate_private_pem(Algorithm::RS256).unwrap();

    // 1. Publish the new key beside the old one; 2. sign with it.
    let rotated = json!({"current": "new", "new": new_pem, old_key.kid.clone(): old_key.pem()});
    let signer = stack
        .restarted_with(&[("JWT_SIGNING_KEYS", &rotated.to_string())])
        .await;
    let verifier = verifying_stack(&stack, &jwks(&signer)).await;
    let (after, _) = signer.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    assert_eq!(
        jsonwebtoken::decode_header(&after).unwrap().kid.as_deref(),
        Some("new")
    );
    assert_eq!(verifier.me(&before).await.status, 200, "signed before");
    assert_eq!(verifier.me(&after).await.status, 200, "signed after");

    // 3. Once every old token has expired, the old key leaves the JWKS: a
    // token it signed is refused.
    let retired = json!({"current": "new", "new": new_pem});
    let signer = stack
        .restarted_with(&[("JWT_SIGNING_KEYS", &retired.to_string())])
        .await;
    let verifier = verifying_stack(&stack, &jwks(&signer)).await;
    assert_eq!(verifier.me(&before).await.status, 401);
    assert_eq!(verifier.me(&after).await.status, 200);
}

#[test]
fn a_signer_must_publish_its_key_and_sign_with_the_algorithm_it_names() {
    let forger = Forger::new(Algorithm::RS256);
    let set = json!({"current": forger.kid, forger.kid.clone(): forger.pem()}).to_string();
    let other = Forger::new(Algorithm::ES256);
    let other_set = json!({"current": other.kid, other.kid.clone(): other.pem()}).to_string();
    let other_jwks = {
        let config = config(&[("JWT_SIGNING_KEYS", &other_set)]);
        let keys = keys_of(&config);
        let tokens = Tokens::new(&config.tokens, keys.as_ref()).unwrap();
        serde_json::to_string(&tokens.verifying_keys().public_jwks()).unwrap()
    };
    let error = |env: &[(&str, &str)]| {
        let config = config(env);
        let keys = keys_of(&config);
        match Tokens::new(&config.tokens, keys.as_ref()) {
            Ok(_) => panic!("{env:?} was accepted"),
            Err(error) => error.to_string(),
        }
    };
    let message = error(&[("JWT_SIGNING_KEYS", &set), ("JWT_ALGORITHM", "ES256")]);
    assert!(message.contains("JWT_ALGORITHM is ES256"), "{message}");
    let message = error(&[("JWT_SIGNING_KEYS", &set), ("JWT_PUBLIC_KEYS", &other_jwks)]);
    assert!(
        message.contains("lacks the current signing key"),
        "{message}"
    );
    let message = match Config::from_lookup(|name| match name {
        "USERS_TABLE" => Some("users".to_owned()),
        "JWT_SECRET" => Some(TEST_SECRET.to_owned()),
        "JWT_ALGORITHM" => Some("PS256".to_owned()),
        _ => None,
    }) {
        Ok(_) => panic!("PS256 was accepted"),
        Err(error) => error.to_string(),
    };
    assert!(message.contains("RS256, ES256 or HS256"), "{message}");
    // JWT_ALGORITHM naming the key's own algorithm is fine.
    let config = config(&[("JWT_SIGNING_KEYS", &set), ("JWT_ALGORITHM", "RS256")]);
    Tokens::new(&config.tokens, keys_of(&config).as_ref()).unwrap();
}

fn config(env: &[(&str, &str)]) -> Config {
    Config::from_lookup(|name| {
        if name == "USERS_TABLE" {
            return Some("users".to_owned());
        }
        env.iter()
            .find(|(listed, _)| *listed == name)
            .map(|(_, value)| (*value).to_owned())
    })
    .expect("config")
}

fn keys_of(config: &Config) -> Option<SigningKeys> {
    match &config.signing_keys {
        KeySource::Environment(keys) => Some(keys.clone()),
        _ => None,
    }
}
