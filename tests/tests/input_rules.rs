//! openapi.yaml's `Email` and `Name` schemas state exactly the rules the
//! code applies (review 2, L5 and L6): every string of a corpus of the
//! tricky cases is valid by the schema exactly when the code accepts it.

use serde_json::Value;
use sessionless::accounts::{normalize_email, normalize_name};
use sessionless_tests::repo_root;

/// The component schema `name` of openapi.yaml, as JSON Schema.
fn schema(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo_root().join("openapi.yaml")).unwrap();
    let description: Value = serde_yaml_ng::from_str(&text).unwrap();
    let schema = &description["components"]["schemas"][name];
    assert!(schema.is_object(), "no schema {name}");
    jsonschema::validator_for(schema).unwrap()
}

const LOCALS: [&str; 14] = [
    "ada",
    "A.b",
    "ada+tag",
    "josé",
    "jose\u{301}",
    "(x)ada",
    "a,b",
    "\"ada\"",
    "a\u{200b}",
    "a\u{200d}b",
    "a\\b",
    "a<b",
    "a;b",
    "a\u{202e}b",
];
const DOMAINS: [&str; 11] = [
    "example.com",
    "Example.COM",
    "bücher.de",
    "xn--bcher-kva.de",
    "x.com(x)",
    "[127.0.0.1]",
    "x\u{202e}.com",
    "x.com\u{200b}",
    "x.com\u{feff}",
    "x:80",
    "x@y",
];

#[test]
fn the_email_schema_accepts_exactly_what_the_code_accepts() {
    let email = schema("Email");
    let mut checked = 0;
    for local in LOCALS {
        for domain in DOMAINS {
            for padding in ["", " ", "\u{3000}"] {
                let raw = format!("{padding}{local}@{domain}{padding}");
                let code = normalize_email(&raw).is_ok();
                let described = email.is_valid(&Value::String(raw.clone()));
                assert_eq!(described, code, "{raw:?}: schema {described}, code {code}");
                checked += 1;
            }
        }
    }
    for raw in ["", "@", "ada", "@x.com", "ada@", "a@b@c", "\u{85}a@b"] {
        assert_eq!(
            email.is_valid(&Value::from(raw)),
            normalize_email(raw).is_ok(),
            "{raw:?}"
        );
    }
    assert_eq!(checked, LOCALS.len() * DOMAINS.len() * 3);
    // What no pattern can state: UTS 46 refusing a domain. The
    // description says it in words.
    let invalid_punycode = "ada@xn--zz.de";
    assert!(email.is_valid(&Value::from(invalid_punycode)));
    assert!(normalize_email(invalid_punycode).is_err());
}

#[test]
fn the_name_schema_accepts_exactly_what_the_code_accepts() {
    let name = schema("Name");
    for raw in [
        "Ada",
        " Ada ",
        "Ada Lovelace",
        "",
        "   ",
        "\tAda",
        "Ada\n",
        "A\u{7f}da",
        "\u{85}Ada",
        "\u{202e}adA",
        "Ada\u{2066}",
        "A\u{200b}da",
        "\u{feff}Ada",
        "\u{ad}",
        "می\u{200c}خواهم",
        "👩\u{200d}💻",
        "\u{3000}Ada",
        "\u{200d}",
    ] {
        let code = normalize_name(raw).is_ok();
        let described = name.is_valid(&Value::from(raw));
        assert_eq!(described, code, "{raw:?}: schema {described}, code {code}");
    }
}
