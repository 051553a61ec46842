//! What a verifier that checks only the signature, `iss`, `aud`, `exp` and
//! `nbf` accepts, and never reads `typ`: exactly API Gateway's JWT
//! authorizer. Every kind of token Sessionless hands out is put to it, and
//! only an access token may pass (security review 2, finding H1: refresh,
//! device and link tokens used to pass as access tokens there).

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use sessionless::tokens::OpaqueKind;
use sessionless_tests::forge::Forger;
use sessionless_tests::{DEMO_EMAIL, DEMO_PASSWORD, Stack};

/// Whether API Gateway's JWT authorizer, configured with the stack's issuer
/// and audience, lets `token` through: the signature against the published
/// keys, `iss`, `aud`, `exp` and `nbf`, and nothing else.
fn passes_the_gateway(stack: &Stack, token: &str) -> bool {
    let Ok(header) = jsonwebtoken::decode_header(token) else {
        return false;
    };
    let jwks = stack.auth.tokens().verifying_keys().public_jwks();
    let Some(jwk) = header.kid.as_deref().and_then(|kid| jwks.find(kid)) else {
        return false;
    };
    let key = DecodingKey::from_jwk(jwk).expect("a published key");
    let settings = stack.auth.tokens().settings();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[&settings.issuer]);
    validation.set_audience(&[&settings.audience]);
    validation.validate_nbf = true;
    jsonwebtoken::decode::<Value>(token, &key, &validation).is_ok()
}

#[tokio::test]
async fn only_an_access_token_passes_a_verifier_that_ignores_typ() {
    let forger = Forger::new(Algorithm::RS256);
    let stack = Stack::signing_with(&forger).await;
    let body = json!({"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "remember": true});
    let reply = stack.login_request(&body).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let login = reply.json();
    let token = |field: &str| login[field].as_str().expect(field).to_owned();

    let reset = stack.mailed_link(OpaqueKind::ResetLink, DEMO_EMAIL).await;
    let verify = stack.mailed_link(OpaqueKind::VerifyLink, DEMO_EMAIL).await;

    assert!(
        passes_the_gateway(&stack, &token("access_token")),
        "the check itself works"
    );
    for (kind, token) in [
        ("refresh", token("refresh_token")),
        ("device", token("device_token")),
        ("reset link", reset),
        ("verification link", verify),
    ] {
        assert!(
            !passes_the_gateway(&stack, &token),
            "a {kind} token passes as an access token"
        );
    }
}
