//! Signing with a KMS key (`JWT_SIGNING_KMS_KEY_ID`), on the local KMS
//! (moto, which signs with real RSA and EC keys): login and refresh sign
//! through `kms:Sign`, and their tokens verify with the public key
//! `GetPublicKey` gives, published as `JWT_PUBLIC_KEYS`. And TOTP secrets
//! sealed under a data key from `kms:GenerateDataKey`, opened with
//! `kms:Decrypt`.

use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use sessionless::aws;
use sessionless::mfa::SecretKeeper;
use sessionless::tokens::KmsSigner;
use sessionless_tests::{DEMO_EMAIL, DEMO_PASSWORD, Stack, TEST_AWS_SETTINGS};

async fn kms_client() -> aws_sdk_kms::Client {
    aws_sdk_kms::Client::new(&aws::sdk_config(&TEST_AWS_SETTINGS).await)
}

/// A new KMS key of `spec` for `usage` on the local KMS; its ARN.
async fn create_key(spec: KeySpec, usage: KeyUsageType) -> String {
    let key = kms_client()
        .await
        .create_key()
        .key_spec(spec)
        .key_usage(usage)
        .description("sessionless test key")
        .send()
        .await
        .expect("CreateKey on the local KMS; run the tests with scripts/test");
    key.key_metadata
        .and_then(|metadata| metadata.arn)
        .expect("the key's ARN")
}

/// A stack whose signers sign with the KMS key `arn`, and whose verifiers
/// know its public key from `GetPublicKey`.
async fn kms_stack(arn: &str, algorithm: Algorithm) -> (Stack, Value) {
    let signer = KmsSigner::new(kms_client().await, arn, algorithm).unwrap();
    let jwk = signer.public_jwk().await.expect("GetPublicKey");
    let jwks = serde_json::json!({"keys": [jwk]});
    let name = format!("{algorithm:?}");
    let stack = Stack::with_env(&[
        ("JWT_SECRET", ""),
        ("JWT_SIGNING_KMS_KEY_ID", arn),
        ("JWT_ALGORITHM", &name),
        ("JWT_PUBLIC_KEYS", &jwks.to_string()),
    ])
    .await;
    (stack, jwks)
}

#[tokio::test]
async fn login_and_refresh_sign_through_kms_and_verify_with_its_public_key() {
    for (spec, algorithm) in [
        (KeySpec::Rsa2048, Algorithm::RS256),
        (KeySpec::EccNistP256, Algorithm::ES256),
    ] {
        let arn = create_key(spec.clone(), KeyUsageType::SignVerify).await;
        let key_id = arn.rsplit('/').next().unwrap().to_owned();
        let (stack, jwks) = kms_stack(&arn, algorithm).await;

        let (access, refresh) = stack.login(DEMO_EMAIL, DEMO_PASSWORD, true).await;
        let header = jsonwebtoken::decode_header(&access).unwrap();
        assert_eq!(header.alg, algorithm, "{spec:?}");
        assert_eq!(header.kid.as_deref(), Some(key_id.as_str()));
        assert_eq!(stack.me(&access).await.status, 200, "{spec:?}");

        // The signature is KMS's, checked here without our verifier: with
        // the public key GetPublicKey gave, as any JWT library would.
        let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwks["keys"][0].clone()).unwrap();
        let mut validation = Validation::new(algorithm);
        validation.set_audience(&["sessionless"]);
        validation.set_issuer(&["sessionless"]);
        let claims = jsonwebtoken::decode::<Value>(
            &access,
            &DecodingKey::from_jwk(&jwk).unwrap(),
            &validation,
        )
        .expect("KMS's signature verifies with its public key");
        assert_eq!(claims.claims["sub"], DEMO_EMAIL);

        let reply = stack.refresh(&refresh.unwrap()).await;
        assert_eq!(reply.status, 200, "{spec:?}: {reply:?}");
        let rotated = reply.json()["access_token"].as_str().unwrap().to_owned();
        assert_eq!(stack.me(&rotated).await.status, 200);
    }
}

#[tokio::test]
async fn a_kms_signer_needs_its_public_key_published_and_a_key_id_not_an_alias() {
    let arn = create_key(KeySpec::Rsa2048, KeyUsageType::SignVerify).await;
    let config = |env: &[(&str, &str)]| {
        sessionless::Config::from_lookup(|name| {
            if name == "USERS_TABLE" {
                return Some("users".to_owned());
            }
            env.iter()
                .find(|(listed, _)| *listed == name)
                .map(|(_, value)| (*value).to_owned())
        })
    };
    let sdk_config = aws::sdk_config(&TEST_AWS_SETTINGS).await;
    let error = |env: &[(&str, &str)]| {
        let config = config(env);
        let sdk_config = sdk_config.clone();
        async move {
            let config = config.map_err(|error| error.to_string())?;
            match sessionless::tokens::Tokens::from_source(
                &config.tokens,
                &config.signing_keys,
                &sdk_config,
            )
            .await
            {
                Ok(_) => Ok(()),
                Err(error) => Err(error.to_string()),
            }
        }
    };
    let message = error(&[("JWT_SIGNING_KMS_KEY_ID", &arn)])
        .await
        .unwrap_err();
    assert!(message.contains("needs JWT_PUBLIC_KEYS"), "{message}");
    let message = error(&[
        ("JWT_SIGNING_KMS_KEY_ID", "alias/sessionless"),
        (
            "JWT_PUBLIC_KEYS",
            r#"{"keys": [{"kty": "RSA", "kid": "k", "alg": "RS256", "n": "AQAB", "e": "AQAB"}]}"#,
        ),
    ])
    .await
    .unwrap_err();
    assert!(message.contains("not an alias"), "{message}");
    let message = error(&[
        ("JWT_SIGNING_KMS_KEY_ID", &arn),
        ("JWT_SECRET", "a-signing-key-of-at-least-thirty-two-bytes"),
    ])
    .await
    .unwrap_err();
    assert!(message.contains("set only one of"), "{message}");
}

/// Envelope encryption through KMS: the wrapped data key opens only with
/// the encryption context it was made for, so a secret moved to another
/// account's item, or spliced from two seals, stays shut.
#[tokio::test]
async fn secrets_seal_under_a_kms_data_key_and_open_for_their_context_alone() {
    let keeper = SecretKeeper::Kms {
        client: kms_client().await,
        key_id: create_key(KeySpec::SymmetricDefault, KeyUsageType::EncryptDecrypt).await,
    };
    let ada = [("purpose", "totp"), ("sub", "ada@example.com")];
    let sealed = keeper.seal(b"twenty bytes secret!", &ada).await.unwrap();
    let opened = keeper.open(&sealed, &ada).await.unwrap().expect("opens");
    assert_eq!(opened.as_slice(), b"twenty bytes secret!");

    let bob = [("purpose", "totp"), ("sub", "bob@example.com")];
    assert!(keeper.open(&sealed, &bob).await.unwrap().is_none());
    let (head, _) = sealed.rsplit_once('.').unwrap();
    let other = keeper.seal(b"another secret", &ada).await.unwrap();
    let spliced = format!("{head}.{}", other.rsplit_once('.').unwrap().1);
    assert!(keeper.open(&spliced, &ada).await.unwrap().is_none());
}
