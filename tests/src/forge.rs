//! Hand-made tokens, for the tests of what verification refuses: any
//! header, any claims, any HMAC key, down to the raw JSON text.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::{DEMO_ACCOUNT_ID, DEMO_EMAIL, TEST_SECRET};

/// The access-token lifetime the test configurations use (the default).
pub const ACCESS_TTL: u64 = 900;

pub fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The `kid` of the test stacks' one key (`JWT_SECRET`).
pub const TEST_KID: &str = "default";

/// The header of a genuine access token.
pub fn access_header() -> Value {
    json!({"alg": "HS256", "typ": "at+jwt", "kid": TEST_KID})
}

/// The claims of a genuine, current access token of the demo user.
pub fn access_claims() -> Value {
    let now = now();
    json!({
        "sub": DEMO_EMAIL,
        "iss": "sessionless",
        "aud": "sessionless",
        "iat": now,
        "nbf": now,
        "exp": now + ACCESS_TTL,
        "jti": "0123456789abcdef",
        "ver": 0,
        "aid": DEMO_ACCOUNT_ID,
        "fresh": true,
    })
}

/// `value` with `name` set to `field`.
pub fn with(mut value: Value, name: &str, field: Value) -> Value {
    value[name] = field;
    value
}

/// `value` without `name`.
pub fn without(mut value: Value, name: &str) -> Value {
    value.as_object_mut().expect("an object").remove(name);
    value
}

/// Header and payload as raw JSON text, signed with HMAC `algorithm`.
pub fn sign_text(header: &str, payload: &str, secret: &[u8], algorithm: hmac::Algorithm) -> String {
    let message = format!("{}.{}", b64(header), b64(payload));
    let tag = hmac::sign(&hmac::Key::new(algorithm, secret), message.as_bytes());
    format!("{message}.{}", b64(tag.as_ref()))
}

/// Signed with the test stacks' real key: only the content is wrong.
pub fn signed(header: Value, claims: Value) -> String {
    sign_text(
        &header.to_string(),
        &claims.to_string(),
        TEST_SECRET.as_bytes(),
        hmac::HMAC_SHA256,
    )
}
