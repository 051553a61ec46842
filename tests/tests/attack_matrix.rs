//! The attack matrix: every forged, mangled or misused token a client can
//! send, each a named case, each sent through the real `me` handler with a
//! real event twice (in the `Authorization` header and in the JSON body),
//! and each refused with the same generic 401.

use std::time::{Duration, Instant};

use aws_lc_rs::hmac;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair};
use jsonwebtoken::Algorithm;
use serde_json::{Value, json};
use sessionless_tests::forge::{Forger, access_claims, b64, now, sign_text, with, without};
use sessionless_tests::{
    DEMO_EMAIL, Reply, Stack, TEST_SECRET, demo_subject, event, with_body, with_token,
};

const GENERIC_401: &str = r#"{"msg":"Invalid or expired token"}"#;

fn claims() -> Value {
    access_claims()
}

fn sign_raw(header: &str, payload: &str, secret: &[u8]) -> String {
    sign_text(header, payload, secret, hmac::HMAC_SHA256)
}

/// Signed for real with `alg` and a key of its own, under the stack's
/// `kid`: for the stack's own algorithm, a key that is not in its JWKS.
fn signed_with(alg: &str, kid: &str) -> String {
    let header = json!({"alg": alg, "typ": "at+jwt", "kid": kid}).to_string();
    let message = format!("{}.{}", b64(header), b64(claims().to_string()));
    let rng = SystemRandom::new();
    let signature = match alg {
        "HS256" | "HS384" | "HS512" => {
            let algorithm = match alg {
                "HS256" => hmac::HMAC_SHA256,
                "HS384" => hmac::HMAC_SHA384,
                _ => hmac::HMAC_SHA512,
            };
            // HS256 with a secret of its own; the others with the test
            // stacks' default secret under the wrong algorithm.
            let secret = if alg == "HS256" {
                "a-secret-this-deployment-never-had-0123456789"
            } else {
                TEST_SECRET
            };
            let key = hmac::Key::new(algorithm, secret.as_bytes());
            hmac::sign(&key, message.as_bytes()).as_ref().to_vec()
        }
        "RS256" | "PS256" => {
            let key = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
            let padding: &dyn aws_lc_rs::signature::RsaEncoding = if alg == "RS256" {
                &signature::RSA_PKCS1_SHA256
            } else {
                &signature::RSA_PSS_SHA256
            };
            let mut out = vec![0u8; key.public_modulus_len()];
            key.sign(padding, &rng, message.as_bytes(), &mut out)
                .unwrap();
            out
        }
        "ES256" => {
            let key = EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
            key.sign(&rng, message.as_bytes())
                .unwrap()
                .as_ref()
                .to_vec()
        }
        "EdDSA" => {
            let key = Ed25519KeyPair::generate().unwrap();
            assert!(!key.public_key().as_ref().is_empty());
            key.sign(message.as_bytes()).as_ref().to_vec()
        }
        other => panic!("no signer for {other}"),
    };
    format!("{message}.{}", b64(signature))
}

/// Every token case, by name. Each is refused in both locations.
fn token_cases(forger: &Forger, valid: &str) -> Vec<(String, String)> {
    let header = || forger.header();
    let signed = |header: Value, claims: Value| forger.signed(header, claims);
    let parts: Vec<&str> = valid.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    let mut cases: Vec<(String, String)> = Vec::new();
    let mut case = |name: &str, token: String| cases.push((name.to_owned(), token));

    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = b64(json!({"alg": alg, "typ": "at+jwt", "kid": forger.kid}).to_string());
        case(
            &format!("alg {alg}, empty signature"),
            format!("{header}.{p}."),
        );
    }
    case("null signature", format!("{h}.{p}."));
    case("signature stripped", format!("{h}.{p}"));
    case(
        "signature truncated",
        format!("{h}.{p}.{}", &s[..s.len() - 6]),
    );
    for alg in [
        "HS256", "HS384", "HS512", "RS256", "ES256", "PS256", "EdDSA",
    ] {
        if alg != "HS256" || forger.algorithm != Algorithm::HS256 {
            case(
                &format!("signed with {alg} by a key of its own"),
                signed_with(alg, &forger.kid),
            );
        }
    }
    let hmac_header = with(header(), "alg", json!("HS256")).to_string();
    for (form, secret) in forger.public_forms() {
        case(
            &format!("key confusion: HS256 with the {form} as the secret"),
            sign_raw(&hmac_header, &claims().to_string(), &secret),
        );
    }
    for secret in [
        "",
        "secret",
        "password",
        "123456",
        "changeme",
        "sessionless",
        "your-256-bit-secret",
    ] {
        case(
            &format!("HS256 with weak secret {secret:?}"),
            sign_raw(&hmac_header, &claims().to_string(), secret.as_bytes()),
        );
    }
    for (name, value) in [
        ("jwk", json!({"kty": "oct", "k": b64(TEST_SECRET)})),
        ("jku", json!("http://127.0.0.1:1/jwks.json")),
        ("x5u", json!("http://127.0.0.1:1/cert.pem")),
        ("x5c", json!(["MIIBszCCAVmgAwIBAgIU"])),
    ] {
        case(
            &format!("{name} header"),
            signed(with(header(), name, value), claims()),
        );
    }
    case("kid missing", signed(without(header(), "kid"), claims()));
    for kid in [
        "",
        "Default",
        "default ",
        "../../../../dev/null",
        "/dev/null",
        "|sleep 10",
        "x' UNION SELECT '1';--",
    ] {
        case(
            &format!("kid {kid:?}"),
            signed(with(header(), "kid", json!(kid)), claims()),
        );
    }
    case(
        "crit header",
        signed(with(header(), "crit", json!(["exp"])), claims()),
    );
    case("missing typ", signed(without(header(), "typ"), claims()));
    case(
        "typ JWT",
        signed(with(header(), "typ", json!("JWT")), claims()),
    );
    let refresh_claims = with(without(claims(), "fresh"), "fam", json!("family"));
    case(
        "refresh token as access token",
        signed(with(header(), "typ", json!("rt+jwt")), refresh_claims),
    );
    for (name, value) in [
        ("iss wrong", json!("someone-else")),
        ("aud wrong", json!("another-api")),
        ("aud 123", json!(123)),
        ("aud []", json!([])),
        ("iss 7", json!(7)),
        ("exp as string", json!((now() + 900).to_string())),
        ("nbf as string", json!(now().to_string())),
        ("exp far beyond the lifetime", json!(now() + 365 * 86_400)),
    ] {
        let claim = name.split(' ').next().unwrap();
        case(name, signed(header(), with(claims(), claim, value)));
    }
    for claim in ["iss", "aud", "exp", "nbf"] {
        case(
            &format!("{claim} missing"),
            signed(header(), without(claims(), claim)),
        );
    }
    let claims_text = claims().to_string();
    case(
        "duplicate key in the header",
        forger.sign_text(
            &format!(
                r#"{{"alg":"{:?}","typ":"at+jwt","kid":"{}","typ":"at+jwt"}}"#,
                forger.algorithm, forger.kid
            ),
            &claims_text,
        ),
    );
    let duplicated = claims_text.replacen('{', r#"{"sub":"admin@example.com","#, 1);
    case(
        "duplicate key in the payload",
        forger.sign_text(&header().to_string(), &duplicated),
    );
    for claim in ["sub", "exp", "iss", "aud", "ver", "fresh"] {
        for value in [json!(null), json!(true), json!(false), json!(0)] {
            if claims()[claim] == value {
                continue; // not tampered at all
            }
            let tampered = b64(with(claims(), claim, value.clone()).to_string());
            case(
                &format!("{claim} set to {value}, original signature"),
                format!("{h}.{tampered}.{s}"),
            );
        }
    }
    case("2 segments", format!("{h}.{p}"));
    case("4 segments", format!("{valid}.{s}"));
    case("empty string", String::new());
    case("base64 padding", format!("{h}==.{p}.{s}"));
    case(
        "+ and / characters",
        valid.replace('-', "+").replace('_', "/") + "+/",
    );
    case(
        "header not UTF-8",
        format!("{}.{p}.{s}", b64([0xff, 0xfe, 0x7b])),
    );
    case("header a JSON array", format!("{}.{p}.{s}", b64("[]")));
    case(
        "oversized (over 8 KiB)",
        signed(header(), with(claims(), "pad", json!("x".repeat(9 * 1024)))),
    );
    let nested = format!("{}1{}", "[".repeat(5_000), "]".repeat(5_000));
    case(
        "deeply nested JSON",
        forger.sign_text(&header().to_string(), &format!(r#"{{"sub":{nested}}}"#)),
    );
    cases
}

async fn send(stack: &Stack, token: &str, in_header: bool) -> Reply {
    let request = if in_header {
        let mut raw: Value = serde_json::from_str(&event("http-api/me-header-token.json")).unwrap();
        raw["headers"]["authorization"] = json!(format!("Bearer {token}"));
        raw.to_string()
    } else {
        with_body(
            &event("http-api/me-body-token.json"),
            &json!({"access_token": token}).to_string(),
        )
    };
    stack.invoke(me::handle, &request).await
}

#[track_caller]
fn assert_generic_401(reply: &Reply, elapsed: Duration, name: &str) {
    assert_eq!(reply.status, 401, "{name}: {reply:?}");
    assert_eq!(reply.body, GENERIC_401, "{name}");
    assert_eq!(
        reply.header("www-authenticate"),
        Some(r#"Bearer error="invalid_token""#),
        "{name}"
    );
    // Refusals are decided in memory, before any lookup: no case stalls.
    assert!(
        elapsed < Duration::from_millis(500),
        "{name}: took {elapsed:?}"
    );
}

/// Every case against a stack that signs with `algorithm`.
async fn every_case_is_refused(algorithm: Algorithm) {
    let forger = Forger::new(algorithm);
    let stack = Stack::signing_with(&forger).await;
    // The forger signs with the stack's real key: a genuine header and
    // genuine claims make a token that works, so in every case below only
    // what the case names is wrong.
    let valid = forger.signed(forger.header(), claims());
    assert_eq!(
        send(&stack, &valid, true).await.status,
        200,
        "the baseline token works"
    );
    assert_eq!(send(&stack, &valid, false).await.status, 200);
    let cases = token_cases(&forger, &valid);
    for (name, token) in &cases {
        for in_header in [true, false] {
            let start = Instant::now();
            let reply = send(&stack, token, in_header).await;
            let location = if in_header { "header" } else { "body" };
            assert_generic_401(&reply, start.elapsed(), &format!("{name} ({location})"));
        }
    }
    assert!(
        stack.operations.take().len() <= 4,
        "refused tokens cost no DynamoDB call"
    );
}

#[tokio::test]
async fn every_forged_or_mangled_token_gets_the_same_401_in_both_locations_hs256() {
    every_case_is_refused(Algorithm::HS256).await;
}

#[tokio::test]
async fn every_forged_or_mangled_token_gets_the_same_401_in_both_locations_rs256() {
    every_case_is_refused(Algorithm::RS256).await;
}

#[tokio::test]
async fn every_forged_or_mangled_token_gets_the_same_401_in_both_locations_es256() {
    every_case_is_refused(Algorithm::ES256).await;
}

#[tokio::test]
async fn malformed_authorization_headers_get_the_same_401() {
    let stack = Stack::new().await;
    let valid = stack.demo_token().await;
    for (name, value) in [
        ("Bearer alone", "Bearer".to_owned()),
        ("Bearer and a space", "Bearer ".to_owned()),
        ("Bearer with a double space", format!("Bearer  {valid}")),
        (
            "Basic scheme",
            format!("Basic {}", b64(format!("{DEMO_EMAIL}:pw"))),
        ),
        ("token without a scheme", valid.clone()),
        (
            "two tokens, comma-joined",
            format!("Bearer {valid}, Bearer {valid}"),
        ),
    ] {
        let mut raw: Value = serde_json::from_str(&event("http-api/me-header-token.json")).unwrap();
        raw["headers"]["authorization"] = json!(value);
        let start = Instant::now();
        let reply = stack.invoke(me::handle, &raw.to_string()).await;
        assert_generic_401(&reply, start.elapsed(), name);
    }
}

#[tokio::test]
async fn tokens_of_retired_users_get_the_same_401() {
    let stack = Stack::new().await;
    let token = stack.demo_token().await;
    stack.auth.users().retire_tokens(DEMO_EMAIL).await.unwrap();
    for in_header in [true, false] {
        let start = Instant::now();
        assert_generic_401(
            &send(&stack, &token, in_header).await,
            start.elapsed(),
            "before a logout",
        );
    }
    let current = stack
        .auth
        .tokens()
        .issue_access(demo_subject(1), true, &[], None)
        .await
        .unwrap()
        .token;
    assert_eq!(send(&stack, &current, true).await.status, 200);
    stack.deactivate(DEMO_EMAIL).await;
    for in_header in [true, false] {
        let start = Instant::now();
        assert_generic_401(
            &send(&stack, &current, in_header).await,
            start.elapsed(),
            "inactive user",
        );
    }
    stack.delete(DEMO_EMAIL).await;
    for in_header in [true, false] {
        let start = Instant::now();
        assert_generic_401(
            &send(&stack, &current, in_header).await,
            start.elapsed(),
            "deleted user",
        );
    }
}

#[tokio::test]
async fn malformed_events_get_clean_errors() {
    let stack = Stack::new().await;
    let token = stack.demo_token().await;

    // Header names in any case.
    let mut raw: Value = serde_json::from_str(&event("http-api/me-header-token.json")).unwrap();
    let value = raw["headers"]
        .as_object_mut()
        .unwrap()
        .remove("authorization")
        .unwrap();
    raw["headers"]["AUTHORIZATION"] = value;
    assert_eq!(
        stack
            .invoke(me::handle, &with_token(&raw.to_string(), &token))
            .await
            .status,
        200
    );

    // Two Authorization headers in REST v1 multiValueHeaders.
    let mut raw: Value =
        serde_json::from_str(&with_token(&event("rest-api/me-header-token.json"), &token)).unwrap();
    raw["multiValueHeaders"]["Authorization"] =
        json!([format!("Bearer {token}"), format!("Bearer {token}")]);
    let reply = stack.invoke(me::handle, &raw.to_string()).await;
    assert_eq!((reply.status, reply.body.as_str()), (401, GENERIC_401));

    // A token only in the v2 cookies array is ignored: Sessionless never reads cookies.
    let mut raw: Value = serde_json::from_str(&event("http-api/me-header-token.json")).unwrap();
    raw["headers"]
        .as_object_mut()
        .unwrap()
        .remove("authorization");
    raw["cookies"] = json!([format!("access_token={token}")]);
    let reply = stack.invoke(me::handle, &raw.to_string()).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (401, r#"{"msg":"Missing access token"}"#)
    );

    // Bodies: a UTF-8 BOM, JSON null, invalid JSON, trailing garbage.
    for body in ["\u{feff}{\"access_token\": \"x\"}", "null", "{", "{} {}"] {
        let reply = stack
            .invoke(
                me::handle,
                &with_body(&event("http-api/me-body-token.json"), body),
            )
            .await;
        assert_eq!(reply.status, 400, "{body:?}: {reply:?}");
        reply.assert_well_formed();
    }

    // Events that are not from API Gateway never reach a handler: the
    // runtime's deserialisation refuses them with an error, not a panic.
    for raw in [
        "{}",
        r#"{"Records": []}"#,
        "[]",
        "null",
        r#"{"httpMethod": 7}"#,
    ] {
        assert!(
            serde_json::from_str::<lambda_http::request::LambdaRequest>(raw).is_err(),
            "{raw} was taken for an API Gateway event"
        );
    }
}
