//! Signing-key rotation: tokens name their key in `kid`, are signed with the
//! current key and verified with any listed one, so a rotation done in the
//! runbook's order (docs/deploying.md) logs nobody out, and a removed key rejects its tokens.
//! Each stage is a new cold start on the same table, as after a
//! configuration change.

use aws_lc_rs::hmac;
use serde_json::json;
use sessionless::Config;
use sessionless::tokens::SigningKeys;
use sessionless_tests::forge::{access_claims, access_header, sign_text, with};
use sessionless_tests::{
    DEMO_EMAIL, DEMO_PASSWORD, Stack, env_refs, event, load_keys_from, repo_root,
    with_refresh_token, with_token,
};

const KEY_1: &str = "rotation-key-one-of-at-least-32-bytes-long";
const KEY_2: &str = "rotation-key-two-of-at-least-32-bytes-long";

/// A key set in the form `JWT_SIGNING_KEYS` and the secret take.
fn key_set(current: &str, keys: &[(&str, &str)]) -> String {
    let mut set = json!({ "current": current });
    for (kid, key) in keys {
        set[*kid] = json!(key);
    }
    set.to_string()
}

/// Configuration with the key set `set` in place of the default `JWT_SECRET`.
fn keys_env(set: &str) -> [(&'static str, &str); 2] {
    [("JWT_SECRET", ""), ("JWT_SIGNING_KEYS", set)]
}

/// Configuration with the key set in the Secrets Manager secret `secret`.
fn secret_env(secret: &str) -> [(&'static str, &str); 2] {
    [("JWT_SECRET", ""), ("JWT_SIGNING_KEYS_SECRET", secret)]
}

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token)
        .expect("header")
        .kid
        .expect("every token names its key")
}

async fn me_status(stack: &Stack, token: &str) -> u16 {
    let event = with_token(&event("http-api/me-header-token.json"), token);
    stack.invoke(me::handle, &event).await.status
}

async fn refresh_status(stack: &Stack, token: &str) -> u16 {
    let event = with_refresh_token(&event("http-api/refresh-header-token.json"), token);
    stack.invoke(refresh::handle, &event).await.status
}

#[tokio::test]
async fn a_rotation_logs_nobody_out_and_removing_the_old_key_rejects_its_tokens() {
    let only_1 = key_set("k1", &[("k1", KEY_1)]);
    let before = Stack::with_env(&keys_env(&only_1)).await;
    let (old_access, old_refresh) = before.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    let old_refresh = old_refresh.expect("remembered");
    assert_eq!(kid_of(&old_access), "k1");

    // Step 1: the new key is listed everywhere before anything signs with it.
    let listed = before
        .restarted_with(&keys_env(&key_set("k1", &[("k1", KEY_1), ("k2", KEY_2)])))
        .await;
    let (access, _) = listed.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    assert_eq!(kid_of(&access), "k1", "a listed key does not sign");
    assert_eq!(me_status(&listed, &old_access).await, 200);

    // Step 2: it becomes current. Old tokens still verify; new ones name k2,
    // and environments still at step 1 accept them.
    let current = before
        .restarted_with(&keys_env(&key_set("k2", &[("k1", KEY_1), ("k2", KEY_2)])))
        .await;
    let (new_access, _) = current.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    assert_eq!(kid_of(&new_access), "k2");
    assert_eq!(me_status(&current, &old_access).await, 200);
    assert_eq!(me_status(&listed, &new_access).await, 200);
    assert_eq!(
        me_status(&before, &new_access).await,
        401,
        "k2 is unknown there"
    );

    // Step 3: the old key is removed; what it signed is refused.
    let removed = before
        .restarted_with(&keys_env(&key_set("k2", &[("k2", KEY_2)])))
        .await;
    assert_eq!(me_status(&removed, &new_access).await, 200);
    assert_eq!(me_status(&removed, &old_access).await, 401);
    // A refresh token is opaque: no key signed it, so it outlives the key
    // and brings an access token signed with the current one.
    assert_eq!(refresh_status(&removed, &old_refresh).await, 200);
}

#[tokio::test]
async fn refresh_tokens_outlive_a_rotation_and_bring_access_tokens_of_the_new_key() {
    let both = [("k1", KEY_1), ("k2", KEY_2)];
    let before = Stack::with_env(&keys_env(&key_set("k1", &both))).await;
    let (_, refresh_token) = before.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
    let after = before
        .restarted_with(&keys_env(&key_set("k2", &both)))
        .await;
    let event = with_refresh_token(
        &event("http-api/refresh-header-token.json"),
        &refresh_token.expect("remembered"),
    );
    let reply = after.invoke(refresh::handle, &event).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let body = reply.json();
    assert_eq!(kid_of(body["access_token"].as_str().unwrap()), "k2");
    assert!(
        jsonwebtoken::decode_header(body["refresh_token"].as_str().unwrap()).is_err(),
        "the refresh token names no key: it is no JWT"
    );
}

#[tokio::test]
async fn a_kid_must_name_the_key_that_signed() {
    let set = key_set("k1", &[("k1", KEY_1), ("k2", KEY_2)]);
    let stack = Stack::with_env(&keys_env(&set)).await;
    let sign = |kid: &str, key: &str| {
        let header = with(access_header(), "kid", json!(kid)).to_string();
        sign_text(
            &header,
            &access_claims().to_string(),
            key.as_bytes(),
            hmac::HMAC_SHA256,
        )
    };
    assert_eq!(me_status(&stack, &sign("k1", KEY_1)).await, 200);
    assert_eq!(me_status(&stack, &sign("k2", KEY_2)).await, 200);
    assert_eq!(me_status(&stack, &sign("k1", KEY_2)).await, 401);
    assert_eq!(me_status(&stack, &sign("k2", KEY_1)).await, 401);
    assert_eq!(me_status(&stack, &sign("k3", KEY_1)).await, 401);
}

/// A secret on the local server, named for this test.
async fn create_secret(value: &str) -> String {
    let name = format!("signing-keys-{}", uuid::Uuid::new_v4().simple());
    sessionless_tests::secrets_client()
        .await
        .create_secret()
        .name(&name)
        .secret_string(value)
        .send()
        .await
        .expect("create secret; is the local server running? Run the tests with scripts/test");
    name
}

/// The current value of `secret` on the local server.
async fn current_value(secret: &str) -> String {
    sessionless_tests::secrets_client()
        .await
        .get_secret_value()
        .secret_id(secret)
        // moto follows a moved label only when the read names it.
        .version_stage("AWSCURRENT")
        .send()
        .await
        .expect("GetSecretValue")
        .secret_string
        .expect("a string secret")
}

#[tokio::test]
async fn keys_come_from_secrets_manager_once_per_cold_start() {
    let secret = create_secret(&key_set("initial", &[("initial", KEY_1)])).await;
    let env = secret_env(&secret);
    let warm = Stack::with_env(&env).await;
    let (old_access, _) = warm.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    assert_eq!(kid_of(&old_access), "initial");

    sessionless_tests::secrets_client()
        .await
        .put_secret_value()
        .secret_id(&secret)
        .secret_string(key_set("next", &[("initial", KEY_1), ("next", KEY_2)]))
        .send()
        .await
        .expect("put secret value");
    // A warm environment keeps the keys it started with...
    let (access, _) = warm.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    assert_eq!(kid_of(&access), "initial");
    // ...and the next cold start reads the new ones.
    let cold = warm.restarted_with(&env).await;
    let (new_access, _) = cold.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    assert_eq!(kid_of(&new_access), "next");
    assert_eq!(me_status(&cold, &old_access).await, 200);
}

#[tokio::test]
async fn an_unusable_key_secret_fails_the_cold_start_without_quoting_it() {
    let config_for = |secret: &str| {
        let secret = secret.to_owned();
        Config::from_lookup(move |name| match name {
            "USERS_TABLE" => Some("users".into()),
            "JWT_SIGNING_KEYS_SECRET" => Some(secret.clone()),
            _ => None,
        })
        .expect("config")
    };
    let missing = load_keys_from(&config_for("no-such-secret"))
        .await
        .unwrap_err();
    let message = missing.to_string();
    assert!(
        message.contains("no-such-secret") && message.contains("reading the secret failed"),
        "{message}"
    );

    // A typo in the JSON: the error says so, and does not repeat the key.
    let garbled = create_secret(&format!(r#"{{"current": "a", "a": "{KEY_1}""#)).await;
    let message = load_keys_from(&config_for(&garbled))
        .await
        .unwrap_err()
        .to_string();
    assert!(message.contains("truncated JSON"), "{message}");
    assert!(!message.contains(KEY_1), "{message}");

    let short = create_secret(r#"{"current": "a", "a": "too-short"}"#).await;
    let message = load_keys_from(&config_for(&short))
        .await
        .unwrap_err()
        .to_string();
    assert!(message.contains("at least 32"), "{message}");
    assert!(!message.contains("too-short"), "{message}");
}

#[test]
fn a_single_jwt_secret_is_the_key_named_default() {
    let keys = SigningKeys::single(KEY_1).unwrap();
    assert_eq!(keys.current().kid(), "default");
}

/// Runs `scripts/signing-keys` against the local server: (success, stdout
/// and stderr).
fn signing_keys(args: &[&str]) -> (bool, String) {
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
    let output = std::process::Command::new(repo_root().join("scripts/signing-keys"))
        .args(args)
        .env("AWS_DEFAULT_REGION", region)
        .output()
        .expect("scripts/signing-keys runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[tokio::test]
async fn the_runbook_rotates_with_scripts_signing_keys() {
    let secret = create_secret(&key_set("initial", &[("initial", KEY_1)])).await;
    let env = secret_env(&secret);
    let before = Stack::with_env(&env).await;
    let (old_access, _) = before.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;

    let (ok, out) = signing_keys(&[&secret, "add", "next"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("signing with 'initial'; verifying initial, next"),
        "{out}"
    );
    let listed = before.restarted_with(&env).await;
    let (access, _) = listed.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    assert_eq!(kid_of(&access), "initial");

    let (ok, out) = signing_keys(&[&secret, "promote", "next"]);
    assert!(ok, "{out}");
    let current = before.restarted_with(&env).await;
    let (new_access, _) = current.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    assert_eq!(kid_of(&new_access), "next");
    assert_eq!(me_status(&current, &old_access).await, 200);
    assert_eq!(me_status(&listed, &new_access).await, 200);

    // The signing key cannot be retired, and a refused step changes nothing.
    let (ok, out) = signing_keys(&[&secret, "retire", "next"]);
    assert!(
        !ok && out.contains("signs new tokens") && out.contains("unchanged"),
        "{out}"
    );
    let (ok, out) = signing_keys(&[&secret, "add", "next"]);
    assert!(!ok && out.contains("already listed"), "{out}");

    let (ok, out) = signing_keys(&[&secret, "retire", "initial"]);
    assert!(ok, "{out}");
    let removed = before.restarted_with(&env).await;
    assert_eq!(me_status(&removed, &old_access).await, 401);
    assert_eq!(me_status(&removed, &new_access).await, 200);

    let (ok, out) = signing_keys(&[&secret, "show"]);
    assert!(
        ok && out.contains("signing with 'next'; verifying next"),
        "{out}"
    );
    let keys: serde_json::Value = serde_json::from_str(&current_value(&secret).await).unwrap();
    let next_key = keys["next"].as_str().unwrap();
    assert_eq!(next_key.len(), 64);
    assert!(!out.contains(next_key), "keys are never printed");
}

/// `scripts/signing-keys kms ...`: its output, which must succeed.
fn kms_step(args: &[&str]) -> String {
    let mut all = vec!["kms"];
    all.extend_from_slice(args);
    let (ok, out) = signing_keys(&all);
    assert!(ok, "scripts/signing-keys {all:?}: {out}");
    out.trim().to_owned()
}

#[tokio::test]
async fn the_runbook_rotates_the_kms_key_with_scripts_signing_keys() {
    // The template's key, and a stack signing with it.
    let old = kms_step(&["new"]);
    let signing_with = |key: &str, jwks: &str| {
        [
            ("JWT_SECRET", String::new()),
            ("JWT_SIGNING_KMS_KEY_ID", key.to_owned()),
            ("JWT_PUBLIC_KEYS", jwks.to_owned()),
        ]
    };
    let env = signing_with(&old, &kms_step(&["jwks", &old]));
    let env = env_refs(&env);
    let before = Stack::with_env(&env).await;
    let (old_access, _) = before.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;

    // The script's JWK is the one the template's custom resource publishes.
    let published = sessionless::tokens::KmsSigner::new(
        aws_sdk_kms::Client::new(
            &sessionless::aws::sdk_config(&sessionless_tests::TEST_AWS_SETTINGS).await,
        ),
        &old,
        jsonwebtoken::Algorithm::RS256,
    )
    .unwrap()
    .public_jwk()
    .await
    .unwrap();
    let script: serde_json::Value = serde_json::from_str(&kms_step(&["jwks", &old])).unwrap();
    assert_eq!(script["keys"][0], serde_json::to_value(&published).unwrap());

    // Steps 1 and 2: the next key signs; the old one stays published.
    let next = kms_step(&["new"]);
    let env = signing_with(&next, &kms_step(&["jwks", &next, &old]));
    let env = env_refs(&env);
    let rotated = before.restarted_with(&env).await;
    let (new_access, _) = rotated.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    assert_eq!(kid_of(&new_access), next.rsplit('/').next().unwrap());
    assert_eq!(me_status(&rotated, &old_access).await, 200, "signed before");
    assert_eq!(me_status(&rotated, &new_access).await, 200);

    // Step 3: the old key is no longer published; its tokens are refused.
    let env = signing_with(&next, &kms_step(&["jwks", &next]));
    let env = env_refs(&env);
    let retired = before.restarted_with(&env).await;
    assert_eq!(me_status(&retired, &old_access).await, 401);
    assert_eq!(me_status(&retired, &new_access).await, 200);

    let (ok, out) = signing_keys(&["kms", "jwks"]);
    assert!(!ok && out.contains("usage"), "{out}");
}

#[tokio::test]
async fn the_secrets_manager_runbook_rotates_rs256_keys_and_publishes_their_jwks() {
    let pem = sessionless::tokens::generate_private_pem(jsonwebtoken::Algorithm::RS256).unwrap();
    let secret = create_secret(&json!({"current": "initial", "initial": pem}).to_string()).await;
    let jwks = |secret: &str| {
        let (ok, out) = signing_keys(&[secret, "jwks"]);
        assert!(ok, "{out}");
        out.trim().to_owned()
    };
    // Signers read the set; verifiers get the script's JWKS alone.
    let signer_env = [
        ("JWT_SECRET", ""),
        ("JWT_SIGNING_KEYS_SECRET", secret.as_str()),
    ];
    let signer = Stack::with_env(&signer_env).await;
    let (old_access, _) = signer.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    let verifier_env = |jwks: &str| {
        [
            ("JWT_SECRET", String::new()),
            ("JWT_SIGNING_KEYS_SECRET", String::new()),
            ("JWT_PUBLIC_KEYS", jwks.to_owned()),
        ]
    };
    let env = verifier_env(&jwks(&secret));
    let env = env_refs(&env);
    assert_eq!(
        me_status(&signer.restarted_with(&env).await, &old_access).await,
        200
    );

    // `add` follows the current key's algorithm; the new key is published
    // before it signs, and the old one stays until it is retired.
    let (ok, out) = signing_keys(&[&secret, "add", "next"]);
    assert!(ok, "{out}");
    let (ok, out) = signing_keys(&[&secret, "add", "spare", "--algorithm", "ES256"]);
    assert!(ok, "{out}");
    let published: serde_json::Value = serde_json::from_str(&jwks(&secret)).unwrap();
    let algorithms: Vec<(&str, &str)> = published["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| (key["kid"].as_str().unwrap(), key["alg"].as_str().unwrap()))
        .collect();
    assert_eq!(
        algorithms,
        [("initial", "RS256"), ("next", "RS256"), ("spare", "ES256")]
    );
    for key in published["keys"].as_array().unwrap() {
        assert!(key.get("d").is_none(), "no private part: {key}");
    }
    let (ok, out) = signing_keys(&[&secret, "promote", "next"]);
    assert!(ok, "{out}");
    let rotated = signer.restarted_with(&signer_env).await;
    let (new_access, _) = rotated.login(DEMO_EMAIL, DEMO_PASSWORD, false).await;
    assert_eq!(kid_of(&new_access), "next");
    let env = verifier_env(&jwks(&secret));
    let env = env_refs(&env);
    let verifier = signer.restarted_with(&env).await;
    assert_eq!(
        me_status(&verifier, &old_access).await,
        200,
        "signed before"
    );
    assert_eq!(me_status(&verifier, &new_access).await, 200);

    let (ok, out) = signing_keys(&[&secret, "add", "bad", "--algorithm", "PS256"]);
    assert!(!ok && out.contains("RS256, ES256 or HS256"), "{out}");
}

/// Review 2 (informational): a rotation step whose secret changed between
/// its read and its write (another step, run at the same time) is refused
/// and loses neither change: the other step's version stays current.
#[tokio::test]
async fn a_rotation_step_never_overwrites_a_change_made_meanwhile() {
    let secret = create_secret(&key_set("initial", &[("initial", KEY_1)])).await;
    let other = key_set("other", &[("initial", KEY_1), ("other", KEY_2)]);
    // The step of scripts/signing-keys, with the other step landing
    // between its read and its write.
    let script = format!(
        r#"
import sys
sys.path.insert(0, "scripts")
import boto3
import signing_keys
client = boto3.client("secretsmanager")
keys, version = signing_keys.read(client, {secret:?})
client.put_secret_value(SecretId={secret:?}, SecretString={other:?})
signing_keys.add(keys, "next")
try:
    signing_keys.write(client, {secret:?}, keys, version)
    print("written")
except signing_keys.RefusedStep as refused:
    print("refused:", refused)
"#
    );
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
    let output = std::process::Command::new(repo_root().join(".venv/bin/python"))
        .arg("-c")
        .arg(script)
        .current_dir(repo_root())
        .env("AWS_DEFAULT_REGION", region)
        .output()
        .expect("the venv's python runs (scripts/bootstrap makes it)");
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        out.contains("refused: the key set changed while this step ran"),
        "{out}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        current_value(&secret).await,
        other,
        "the other step's change stands"
    );
    // And a step run alone goes through.
    let (ok, out) = signing_keys(&[&secret, "add", "next"]);
    assert!(ok, "{out}");
}
