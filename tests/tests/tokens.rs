//! Access-token verification, one refusal per way a token can be wrong.
//! No DynamoDB: these exercise `AccessTokens` alone.

use aws_lc_rs::hmac::{HMAC_SHA256, HMAC_SHA384, HMAC_SHA512};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde_json::{Value, json};
use sessionless::tokens::SigningKeys;
use sessionless::tokens::{MAX_TOKEN_BYTES, OpaqueKind, OpaqueToken, Subject, TokenKind, Tokens};
use sessionless::{Config, Error};
use sessionless_tests::TEST_SECRET;
use sessionless_tests::forge::{
    ACCESS_TTL as TTL, TEST_KID, access_claims, access_header, b64, now, sign_text, signed, with,
    without,
};
const REFRESH_TTL: u64 = 86_400;
const LEEWAY: u64 = 5;

fn tokens() -> Tokens {
    tokens_with(TEST_SECRET)
}

fn tokens_with(secret: &str) -> Tokens {
    let config = Config::from_lookup(|name| match name {
        "USERS_TABLE" => Some("users".into()),
        "JWT_SECRET" => Some(secret.into()),
        "ACCESS_TOKEN_TTL" => Some(TTL.to_string()),
        "JWT_LEEWAY" => Some(LEEWAY.to_string()),
        "REFRESH_TOKEN_TTL" => Some(REFRESH_TTL.to_string()),
        _ => None,
    })
    .expect("config");
    Tokens::new(
        &config.tokens,
        Some(&SigningKeys::single(secret).expect("key")),
    )
    .expect("tokens")
}

fn good_header() -> Value {
    access_header()
}

fn good_claims() -> Value {
    access_claims()
}

fn with_claim(name: &str, value: Value) -> Value {
    with(access_claims(), name, value)
}

fn without_claim(name: &str) -> Value {
    without(access_claims(), name)
}

/// Signs with another HMAC than HS256.
fn sign(
    header: &Value,
    claims: &Value,
    secret: &[u8],
    algorithm: aws_lc_rs::hmac::Algorithm,
) -> String {
    sign_text(&header.to_string(), &claims.to_string(), secret, algorithm)
}

#[track_caller]
fn assert_refused(token: &str) {
    match tokens().verify(TokenKind::Access, token) {
        Err(Error::InvalidToken(_)) => {}
        other => panic!("expected InvalidToken for {token:?}, got {other:?}"),
    }
}

#[test]
fn the_test_helpers_make_tokens_that_verify() {
    // Every refusal below changes one thing of this token.
    let claims = tokens()
        .verify(TokenKind::Access, &signed(good_header(), good_claims()))
        .expect("valid");
    assert_eq!(claims.email, "demo@example.com");
}

#[tokio::test]
async fn issued_tokens_carry_every_claim_and_verify() {
    let tokens = tokens();
    let issued = tokens
        .issue_access(subject(7), true, &[], None)
        .await
        .expect("issue");
    assert_eq!(issued.expires_in, TTL);
    let claims = tokens
        .verify(TokenKind::Access, &issued.token)
        .expect("verify");
    assert_eq!(claims.email, "demo@example.com");
    assert_eq!((claims.token_version, claims.is_fresh()), (7, true));
    assert_eq!(claims.id.len(), 22, "128 bits, base64url");
    let header = jsonwebtoken::decode_header(&issued.token).expect("header");
    assert_eq!(header.alg, Algorithm::HS256);
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let raw = payload(&issued.token);
    assert_eq!(
        raw["exp"].as_u64().unwrap() - raw["iat"].as_u64().unwrap(),
        TTL
    );
    assert_eq!(raw["nbf"], raw["iat"]);
    assert_eq!(
        (raw["iss"].as_str(), raw["aud"].as_str()),
        (Some("sessionless"), Some("sessionless"))
    );
    let not_fresh = tokens
        .issue_access(subject(7), false, &[], None)
        .await
        .expect("issue");
    assert_eq!(
        tokens
            .verify(TokenKind::Access, &not_fresh.token)
            .expect("verify")
            .fresh,
        Some(false)
    );
}

fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64")).expect("JSON")
}

#[test]
fn refresh_tokens_are_opaque_and_keep_their_family() {
    let tokens = tokens();
    let first = tokens
        .issue_refresh("demo@example.com", None, u64::MAX)
        .expect("issue");
    let text = first.token.encode();
    assert!(text.starts_with("srt1."), "{text}");
    assert!(
        jsonwebtoken::decode_header(&text).is_err(),
        "no JWT: nothing that reads JWTs can take it for an access token"
    );
    let parsed = OpaqueToken::parse(OpaqueKind::Refresh, &text).expect("parses");
    assert_eq!(parsed.email(), "demo@example.com");
    assert_eq!(parsed.id(), first.family());
    assert_eq!(first.expires_at - first.issued_at, REFRESH_TTL);

    let next = tokens
        .issue_refresh("demo@example.com", Some(first.family()), u64::MAX)
        .expect("issue");
    assert_eq!(next.family(), first.family());
    assert_ne!(next.token.hash(), first.token.hash());
    let other_login = tokens
        .issue_refresh("demo@example.com", None, u64::MAX)
        .expect("issue");
    assert_ne!(other_login.family(), first.family());
    // The family's maximum age caps a token's life.
    let capped = tokens
        .issue_refresh("demo@example.com", None, first.issued_at + 10)
        .expect("issue");
    assert_eq!(capped.expires_at, first.issued_at + 10);
}

#[tokio::test]
async fn one_kind_is_never_accepted_as_another() {
    let tokens = tokens();
    let access = tokens
        .issue_access(subject(0), true, &[], None)
        .await
        .expect("issue");
    let refresh = tokens
        .issue_refresh("demo@example.com", None, u64::MAX)
        .expect("issue")
        .token
        .encode();
    let device = tokens
        .issue_device("demo@example.com")
        .expect("issue")
        .token
        .encode();
    assert!(OpaqueToken::parse(OpaqueKind::Refresh, &access.token).is_err());
    assert!(OpaqueToken::parse(OpaqueKind::Device, &access.token).is_err());
    assert!(OpaqueToken::parse(OpaqueKind::Refresh, &device).is_err());
    assert!(OpaqueToken::parse(OpaqueKind::Device, &refresh).is_err());
    for opaque in [&refresh, &device] {
        for kind in TokenKind::ALL {
            assert!(matches!(
                tokens.verify(kind, opaque),
                Err(Error::InvalidToken(_))
            ));
        }
    }
    // A JWT with the old refresh token's typ and an access token's claims
    // is no access token.
    let old_refresh_header = json!({"alg": "HS256", "typ": "rt+jwt", "kid": TEST_KID});
    assert_refused(&signed(old_refresh_header, good_claims()));
}

#[test]
fn expired() {
    let past = now() - TTL - 60;
    let mut claims = with_claim("iat", past.into());
    claims["nbf"] = past.into();
    claims["exp"] = (past + TTL).into();
    assert_refused(&signed(good_header(), claims));
}

#[test]
fn expiry_within_the_leeway_is_accepted_beyond_it_refused() {
    let iat = now() - TTL;
    let mut claims = with_claim("iat", iat.into());
    claims["nbf"] = iat.into();
    claims["exp"] = (now() - LEEWAY + 2).into();
    assert!(
        tokens()
            .verify(TokenKind::Access, &signed(good_header(), claims.clone()))
            .is_ok()
    );
    claims["exp"] = (now() - LEEWAY - 2).into();
    assert_refused(&signed(good_header(), claims));
}

#[test]
fn not_yet_valid() {
    let claims = with_claim("nbf", (now() + 120).into());
    assert_refused(&signed(good_header(), claims));
}

#[test]
fn issued_in_the_future() {
    let later = now() + 120;
    let mut claims = with_claim("iat", later.into());
    claims["exp"] = (later + 60).into();
    assert_refused(&signed(good_header(), claims));
}

#[test]
fn lifetime_longer_than_the_configured_ttl() {
    let claims = with_claim("exp", (now() + TTL * 10).into());
    assert_refused(&signed(good_header(), claims));
}

#[tokio::test]
async fn wrong_key() {
    let token = sign(
        &good_header(),
        &good_claims(),
        b"another-secret-of-at-least-32-bytes-long",
        HMAC_SHA256,
    );
    assert_refused(&token);
    // And the other way round: our token, someone else's verifier.
    let issued = tokens()
        .issue_access(subject(0), true, &[], None)
        .await
        .expect("issue");
    assert!(
        tokens_with("another-secret-of-at-least-32-bytes-long")
            .verify(TokenKind::Access, &issued.token)
            .is_err()
    );
}

#[test]
fn wrong_algorithm_with_the_same_secret() {
    for (algorithm, name) in [(HMAC_SHA384, "HS384"), (HMAC_SHA512, "HS512")] {
        let header = json!({"alg": name, "typ": "at+jwt", "kid": TEST_KID});
        assert_refused(&sign(
            &header,
            &good_claims(),
            TEST_SECRET.as_bytes(),
            algorithm,
        ));
    }
}

#[test]
fn alg_none_in_any_spelling() {
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = json!({"alg": alg, "typ": "at+jwt", "kid": TEST_KID});
        let unsigned = format!(
            "{}.{}.",
            b64(header.to_string()),
            b64(good_claims().to_string())
        );
        assert_refused(&unsigned);
        // With our real signature attached, too.
        let real = signed(good_header(), good_claims());
        let signature = real.rsplit('.').next().unwrap();
        assert_refused(&format!(
            "{}.{}.{signature}",
            b64(header.to_string()),
            b64(good_claims().to_string())
        ));
    }
}

#[test]
fn wrong_issuer_or_audience() {
    for (name, value) in [
        ("iss", json!("someone-else")),
        ("aud", json!("another-api")),
        ("iss", json!("")),
        ("aud", json!("")),
    ] {
        assert_refused(&signed(good_header(), with_claim(name, value)));
    }
}

#[test]
fn tampered_payload() {
    let token = signed(good_header(), good_claims());
    let parts: Vec<&str> = token.split('.').collect();
    let forged = b64(with_claim("sub", json!("admin@example.com")).to_string());
    assert_refused(&format!("{}.{forged}.{}", parts[0], parts[2]));
    // Flipping one character of the payload.
    let mut payload = parts[1].to_owned();
    let last = payload.pop().unwrap();
    payload.push(if last == 'A' { 'B' } else { 'A' });
    assert_refused(&format!("{}.{payload}.{}", parts[0], parts[2]));
}

#[test]
fn wrong_or_missing_token_type() {
    for header in [
        json!({"alg": "HS256", "kid": TEST_KID}),
        json!({"alg": "HS256", "typ": "JWT", "kid": TEST_KID}),
        json!({"alg": "HS256", "typ": "rt+jwt", "kid": TEST_KID}),
        json!({"alg": "HS256", "typ": "AT+JWT ", "kid": TEST_KID}),
    ] {
        assert_refused(&signed(header, good_claims()));
    }
}

#[test]
fn claims_of_the_wrong_json_type() {
    let now = now();
    for (name, value) in [
        ("exp", json!((now + TTL).to_string())),
        ("nbf", json!(now.to_string())),
        ("iat", json!(now.to_string())),
        ("exp", json!(null)),
        ("exp", json!(true)),
        ("exp", json!(-1)),
        ("exp", json!(1.5e9)),
        ("aud", json!(123)),
        ("aud", json!([])),
        ("aud", json!(["sessionless"])),
        ("iss", json!(7)),
        ("sub", json!(42)),
        ("sub", json!(null)),
        ("jti", json!(false)),
        ("ver", json!("0")),
        ("ver", json!(-1)),
        ("fresh", json!("true")),
        ("fresh", json!(1)),
    ] {
        let token = signed(good_header(), with_claim(name, value.clone()));
        match tokens().verify(TokenKind::Access, &token) {
            Err(Error::InvalidToken(_)) => {}
            other => panic!("{name} = {value}: expected InvalidToken, got {other:?}"),
        }
    }
}

#[test]
fn required_claims_missing() {
    for name in [
        "exp", "nbf", "iss", "aud", "sub", "iat", "jti", "ver", "fresh",
    ] {
        assert_refused(&signed(good_header(), without_claim(name)));
    }
}

#[test]
fn crit_header() {
    assert_refused(&signed(
        json!({"alg": "HS256", "typ": "at+jwt", "crit": ["exp"], "kid": TEST_KID}),
        good_claims(),
    ));
    assert_refused(&signed(
        json!({"alg": "HS256", "typ": "at+jwt", "crit": [], "kid": TEST_KID}),
        good_claims(),
    ));
    // The one extension jsonwebtoken itself accepts (RFC 7797 with
    // `b64: true`): no token of ours carries `crit`, so it is refused too.
    assert_refused(&signed(
        json!({"alg": "HS256", "typ": "at+jwt", "crit": ["b64"], "b64": true, "kid": TEST_KID}),
        good_claims(),
    ));
}

#[test]
fn headers_that_name_other_keys() {
    for (name, value) in [
        ("kid", json!("../../../../dev/null")),
        ("jku", json!("https://attacker.example/jwks.json")),
        ("x5u", json!("https://attacker.example/cert.pem")),
        ("x5c", json!(["MIIB"])),
        ("jwk", json!({"kty": "oct", "k": "c2VjcmV0"})),
    ] {
        let mut header = good_header();
        header[name] = value;
        assert_refused(&signed(header, good_claims()));
    }
}

#[test]
fn malformed_tokens() {
    let good = signed(good_header(), good_claims());
    let parts: Vec<&str> = good.split('.').collect();
    for token in [
        String::new(),
        "a.b".to_owned(),
        format!("{}.{}", parts[0], parts[1]),
        format!("{good}.extra"),
        format!("{}.{}.", parts[0], parts[1]),
        format!("{}=.{}.{}", parts[0], parts[1], parts[2]),
        good.replace('-', "+").replace('_', "/") + "+/",
        "not a token at all".to_owned(),
    ] {
        assert_refused(&token);
    }
}

#[test]
fn oversized_tokens_are_refused_before_decoding() {
    let claims = with_claim("pad", json!("x".repeat(MAX_TOKEN_BYTES)));
    assert_refused(&signed(good_header(), claims));
}

/// Whom the tokens of these tests speak for: no table is involved.
fn subject(version: u64) -> Subject<'static> {
    Subject {
        email: "demo@example.com",
        account_id: None,
        version,
        email_verified: true,
    }
}
