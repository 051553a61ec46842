//! openapi.yaml held to the code from both sides. Routes: the description's
//! operations are exactly template.yaml's HTTP API routes, and its paths
//! exactly the local router's (Cargo.toml), each served by the same
//! function. Responses: every reply the suites see is checked against the
//! description as it arrives (`sessionless_tests::openapi`), and
//! `every_documented_response_was_seen`, which `scripts/test` runs after
//! every suite, fails on a documented status that no test saw.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;
use serde_yaml_ng::Value;
use sessionless_tests::openapi::{Description, Documented, RESPONSES_DIR_VARIABLE, recorded};
use sessionless_tests::{Reply, repo_root};

/// template.yaml's HTTP API routes, `(METHOD, /path)`, with the crate that
/// serves each.
fn template_routes() -> BTreeMap<(String, String), String> {
    let text = std::fs::read_to_string(repo_root().join("template.yaml")).expect("template.yaml");
    let template: Value = serde_yaml_ng::from_str(&text).expect("template.yaml is YAML");
    let mut routes = BTreeMap::new();
    for (_, resource) in template["Resources"].as_mapping().expect("Resources") {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let binary = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .expect("Binary");
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for (_, event) in events {
            if event["Type"] != "HttpApi" {
                continue;
            }
            let properties = &event["Properties"];
            let method = properties["Method"]
                .as_str()
                .expect("Method")
                .to_uppercase();
            let path = properties["Path"].as_str().expect("Path").to_owned();
            routes.insert((method, path), binary.to_owned());
        }
    }
    routes
}

/// Cargo.toml's `[workspace.metadata.lambda.watch.router]`: path to function.
fn local_router() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(repo_root().join("Cargo.toml")).expect("Cargo.toml");
    let manifest: toml::Table = text.parse().expect("Cargo.toml is TOML");
    manifest["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_table()
        .expect("the local router")
        .iter()
        .map(|(path, function)| {
            let function = function
                .as_str()
                .expect("each route names one function, for every method");
            (path.clone(), function.to_owned())
        })
        .collect()
}

#[test]
fn the_description_names_exactly_the_templates_routes() {
    let template: BTreeSet<_> = template_routes().into_keys().collect();
    let described = Description::get().operations();
    assert_eq!(
        described.difference(&template).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "described, but not routed by template.yaml"
    );
    assert_eq!(
        template.difference(&described).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routed by template.yaml, but not in openapi.yaml"
    );
}

#[test]
fn the_local_router_serves_the_described_paths_with_the_templates_functions() {
    let router = local_router();
    let template = template_routes();
    // The local stack serves what needs no API Gateway authorizer.
    let behind_authorizers: BTreeSet<String> = template
        .iter()
        .filter(|(_, function)| *function == "hello")
        .map(|((_, path), _)| path.clone())
        .collect();
    let described: BTreeSet<String> = Description::get()
        .operations()
        .into_iter()
        .map(|(_, path)| path)
        .filter(|path| !behind_authorizers.contains(path))
        .collect();
    let routed: BTreeSet<String> = router.keys().cloned().collect();
    assert_eq!(routed, described, "the local router's paths");
    for ((_, path), function) in &template {
        if let Some(local) = router.get(path) {
            assert_eq!(
                local, function,
                "{path}: the local router and template.yaml"
            );
        }
    }
}

fn reply(status: u16, headers: &[(&str, &str)], body: serde_json::Value) -> Reply {
    Reply {
        status,
        headers: headers
            .iter()
            .map(|(name, value)| (name.to_string(), vec![value.to_string()]))
            .chain([("content-type".into(), vec!["application/json".into()])])
            .collect(),
        body: body.to_string(),
    }
}

/// The checker refuses what the description does not allow, so a reply
/// that drifts from it fails the test that saw it.
#[test]
fn replies_that_drift_from_the_description_are_refused() {
    let description = Description::get();
    let no_store = [("cache-control", "no-store")];
    let ok = reply(200, &no_store, json!({"msg": "Logged out everywhere"}));
    assert_eq!(
        description.check("POST", "/logout", &ok),
        Ok(Documented::Own(("POST".into(), "/logout".into()), 200))
    );

    let cases = [
        // A status the operation does not document.
        (
            "POST",
            "/logout",
            reply(418, &no_store, json!({"msg": "teapot"})),
        ),
        // A body the status's schema refuses.
        (
            "POST",
            "/logout",
            reply(200, &no_store, json!({"message": "x"})),
        ),
        ("GET", "/me", reply(200, &no_store, json!({"email": "a@b"}))),
        // A required header missing, or with a value its schema refuses.
        ("POST", "/logout", reply(200, &[], json!({"msg": "x"}))),
        (
            "POST",
            "/login",
            reply(
                429,
                &[("cache-control", "no-store"), ("retry-after", "soon")],
                json!({"msg": "x"}),
            ),
        ),
        // A route the description lacks; a method the path refuses with
        // anything but its 405.
        ("POST", "/nowhere", reply(200, &no_store, json!({}))),
        ("GET", "/login", reply(200, &no_store, json!({"msg": "x"}))),
    ];
    for (method, path, reply) in cases {
        assert!(
            description.check(method, path, &reply).is_err(),
            "{method} {path} {reply:?}"
        );
    }
}

/// Run by `scripts/test` after every other suite, with the responses they
/// recorded: each response the description documents for a function was
/// seen, its own per operation, a shared one on some operation.
#[test]
#[ignore = "needs the responses every suite recorded: scripts/test runs it last"]
fn every_documented_response_was_seen() {
    let dir = std::env::var_os(RESPONSES_DIR_VARIABLE)
        .expect("SESSIONLESS_RESPONSES_DIR: run it through scripts/test");
    let seen = recorded(std::path::Path::new(&dir));
    let unseen: Vec<_> = Description::get()
        .documented()
        .into_iter()
        .filter(|documented| !seen.contains(documented))
        .collect();
    assert!(
        unseen.is_empty(),
        "documented in openapi.yaml, but no test saw the code answer it: {unseen:#?}"
    );
}
