//! Access-token verification, one refusal per way a token can be wrong.
//! No DynamoDB: these exercise `AccessTokens` alone.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use lambda_auth::token::{AccessTokens, MAX_TOKEN_BYTES};
use lambda_auth::{Config, Error};
use serde_json::{Value, json};
use sessionless_tests::TEST_SECRET;

const TTL: u64 = 900;
const LEEWAY: u64 = 5;

fn tokens() -> AccessTokens {
    tokens_with(TEST_SECRET)
}

fn tokens_with(secret: &str) -> AccessTokens {
    let config = Config::from_lookup(|name| match name {
        "USERS_TABLE" => Some("users".into()),
        "JWT_SECRET" => Some(secret.into()),
        "ACCESS_TOKEN_TTL" => Some(TTL.to_string()),
        "JWT_LEEWAY" => Some(LEEWAY.to_string()),
        _ => None,
    })
    .expect("config");
    AccessTokens::new(&config).expect("tokens")
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

fn good_header() -> Value {
    json!({"alg": "HS256", "typ": "at+jwt"})
}

fn good_claims() -> Value {
    let now = now();
    json!({
        "sub": "demo@example.com",
        "iss": "sessionless",
        "aud": "sessionless",
        "iat": now,
        "nbf": now,
        "exp": now + TTL,
        "jti": "0123456789abcdef",
    })
}

fn b64(json: &Value) -> String {
    URL_SAFE_NO_PAD.encode(json.to_string())
}

/// Signs any header and claims, so tests can build tokens `issue` never would.
fn sign(header: &Value, claims: &Value, secret: &[u8], algorithm: Algorithm) -> String {
    let message = format!("{}.{}", b64(header), b64(claims));
    let key = EncodingKey::from_secret(secret).expect("key");
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, algorithm).expect("sign");
    format!("{message}.{signature}")
}

fn signed(header: Value, claims: Value) -> String {
    sign(&header, &claims, TEST_SECRET.as_bytes(), Algorithm::HS256)
}

fn with_claim(name: &str, value: Value) -> Value {
    let mut claims = good_claims();
    claims[name] = value;
    claims
}

fn without_claim(name: &str) -> Value {
    let mut claims = good_claims();
    claims.as_object_mut().expect("object").remove(name);
    claims
}

#[track_caller]
fn assert_refused(token: &str) {
    match tokens().verify(token) {
        Err(Error::InvalidToken(_)) => {}
        other => panic!("expected InvalidToken for {token:?}, got {other:?}"),
    }
}

#[test]
fn the_test_helpers_make_tokens_that_verify() {
    // Every refusal below changes one thing of this token.
    let claims = tokens()
        .verify(&signed(good_header(), good_claims()))
        .expect("valid");
    assert_eq!(claims.sub, "demo@example.com");
}

#[test]
fn issued_tokens_carry_every_claim_and_verify() {
    let tokens = tokens();
    let issued = tokens.issue("demo@example.com").expect("issue");
    assert_eq!(issued.expires_in, TTL);
    let claims = tokens.verify(&issued.token).expect("verify");
    assert_eq!(claims.sub, "demo@example.com");
    assert_eq!(
        (claims.iss.as_str(), claims.aud.as_str()),
        ("sessionless", "sessionless")
    );
    assert_eq!(claims.exp - claims.iat, TTL);
    assert_eq!(claims.nbf, claims.iat);
    assert_eq!(claims.jti.len(), 22, "128 bits, base64url");
    let header = jsonwebtoken::decode_header(&issued.token).expect("header");
    assert_eq!(header.alg, Algorithm::HS256);
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
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
            .verify(&signed(good_header(), claims.clone()))
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

#[test]
fn wrong_key() {
    let token = sign(
        &good_header(),
        &good_claims(),
        b"another-secret-of-at-least-32-bytes-long",
        Algorithm::HS256,
    );
    assert_refused(&token);
    // And the other way round: our token, someone else's verifier.
    let issued = tokens().issue("demo@example.com").expect("issue");
    assert!(
        tokens_with("another-secret-of-at-least-32-bytes-long")
            .verify(&issued.token)
            .is_err()
    );
}

#[test]
fn wrong_algorithm_with_the_same_secret() {
    for (algorithm, name) in [(Algorithm::HS384, "HS384"), (Algorithm::HS512, "HS512")] {
        let header = json!({"alg": name, "typ": "at+jwt"});
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
        let header = json!({"alg": alg, "typ": "at+jwt"});
        let unsigned = format!("{}.{}.", b64(&header), b64(&good_claims()));
        assert_refused(&unsigned);
        // With our real signature attached, too.
        let real = signed(good_header(), good_claims());
        let signature = real.rsplit('.').next().unwrap();
        assert_refused(&format!(
            "{}.{}.{signature}",
            b64(&header),
            b64(&good_claims())
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
    let forged = b64(&with_claim("sub", json!("admin@example.com")));
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
        json!({"alg": "HS256"}),
        json!({"alg": "HS256", "typ": "JWT"}),
        json!({"alg": "HS256", "typ": "rt+jwt"}),
        json!({"alg": "HS256", "typ": "AT+JWT "}),
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
    ] {
        let token = signed(good_header(), with_claim(name, value.clone()));
        match tokens().verify(&token) {
            Err(Error::InvalidToken(_)) => {}
            other => panic!("{name} = {value}: expected InvalidToken, got {other:?}"),
        }
    }
}

#[test]
fn required_claims_missing() {
    for name in ["exp", "nbf", "iss", "aud", "sub", "iat", "jti"] {
        assert_refused(&signed(good_header(), without_claim(name)));
    }
}

#[test]
fn crit_header() {
    assert_refused(&signed(
        json!({"alg": "HS256", "typ": "at+jwt", "crit": ["exp"]}),
        good_claims(),
    ));
    assert_refused(&signed(
        json!({"alg": "HS256", "typ": "at+jwt", "crit": []}),
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
