//! Any bytes as a token: verification must refuse or accept, never panic,
//! and never accept what it did not sign; an opaque token reads back as
//! what it encodes, or not at all.
#![no_main]

use std::sync::LazyLock;

use sessionless::Config;
use sessionless::tokens::SigningKeys;
use sessionless::tokens::{OpaqueKind, OpaqueToken, TokenKind, Tokens};
use libfuzzer_sys::fuzz_target;

static TOKENS: LazyLock<Tokens> = LazyLock::new(|| {
    const SECRET: &str = "fuzzing-secret-of-at-least-32-bytes!!";
    let config = Config::from_lookup(|name| match name {
        "USERS_TABLE" => Some("users".into()),
        "JWT_SECRET" => Some(SECRET.into()),
        _ => None,
    })
    .expect("config");
    Tokens::new(&config.tokens, Some(&SigningKeys::single(SECRET).expect("key"))).expect("tokens")
});

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    // Nothing the fuzzer makes up is signed with the secret.
    for kind in TokenKind::ALL {
        assert!(TOKENS.verify(kind, token).is_err());
    }
    for kind in [
        OpaqueKind::Refresh,
        OpaqueKind::Device,
        OpaqueKind::ResetLink,
        OpaqueKind::VerifyLink,
    ] {
        if let Ok(parsed) = OpaqueToken::parse(kind, token) {
            assert_eq!(parsed.encode(), token, "an opaque token has one spelling");
        }
    }
});
