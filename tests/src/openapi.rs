//! openapi.yaml, read as the test suites' oracle. Every reply that
//! [`crate::Stack::invoke`] receives through an API Gateway event is
//! checked against the description's schema for its route and status
//! ([`Description::check`]), and, when `scripts/test` sets
//! `SESSIONLESS_RESPONSES_DIR`, recorded, so that `tests/tests/openapi.rs`
//! can tell, once every suite has run, that each documented status was
//! seen.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Reply, repo_root};

/// Where `scripts/test` collects the statuses the suites saw.
pub const RESPONSES_DIR_VARIABLE: &str = "SESSIONLESS_RESPONSES_DIR";

/// A response that API Gateway answers itself, before any function runs
/// (`x-answered-by: api-gateway`): no test of ours can see it.
const ANSWERED_BY: &str = "x-answered-by";

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation: an HTTP method on a path, as the description names them
/// (method upper-case).
pub type Operation = (String, String);

/// The parsed openapi.yaml.
pub struct Description {
    document: Value,
}

/// What a recorded response was documented as: its own operation's
/// response, or one shared by every function (`components/responses`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Documented {
    /// A response written for this operation alone.
    Own(Operation, u16),
    /// A shared response (`#/components/responses/<name>`) under `status`.
    Shared(String, u16),
}

impl Description {
    /// The repository's openapi.yaml, read once per test binary.
    pub fn get() -> &'static Description {
        static DESCRIPTION: OnceLock<Description> = OnceLock::new();
        DESCRIPTION.get_or_init(|| {
            let path = repo_root().join("openapi.yaml");
            let text = std::fs::read_to_string(&path).expect("openapi.yaml");
            Description::parse(&text)
        })
    }

    /// A description from YAML text.
    pub fn parse(text: &str) -> Description {
        let document: Value = serde_yaml_ng::from_str(text).expect("openapi.yaml is YAML");
        Description { document }
    }

    /// Every operation, as `(METHOD, /path)`.
    pub fn operations(&self) -> BTreeSet<Operation> {
        self.paths()
            .iter()
            .flat_map(|(path, item)| {
                METHODS
                    .iter()
                    .filter(|method| item.get(**method).is_some())
                    .map(|method| (method.to_uppercase(), path.clone()))
            })
            .collect()
    }

    fn paths(&self) -> BTreeMap<String, Value> {
        self.document["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .map(|(path, item)| (path.clone(), item.clone()))
            .collect()
    }

    /// Every documented response a function can answer, each once: own
    /// responses per operation, shared ones per name and status. Responses
    /// API Gateway answers itself are left out.
    pub fn documented(&self) -> BTreeSet<Documented> {
        let mut documented = BTreeSet::new();
        for (method, path) in self.operations() {
            let operation = &self.document["paths"][&path][method.to_lowercase()];
            let responses = operation["responses"].as_object().expect("responses");
            for (status, response) in responses {
                let status: u16 = status.parse().expect("a numeric status");
                if self.resolve(response).get(ANSWERED_BY).is_some() {
                    continue;
                }
                documented.insert(self.classify(&method, &path, status, response));
            }
        }
        documented
    }

    fn classify(&self, method: &str, path: &str, status: u16, response: &Value) -> Documented {
        match response.get("$ref").and_then(Value::as_str) {
            Some(reference) => Documented::Shared(
                reference.rsplit('/').next().unwrap_or(reference).to_owned(),
                status,
            ),
            None => Documented::Own((method.to_owned(), path.to_owned()), status),
        }
    }

    /// Checks `reply` to `method` on the route `path` against the
    /// description: the status is documented for the operation (a method
    /// the path does not serve must be its documented 405), the body
    /// validates against the status's schema, and every header the
    /// response requires is there with a valid value. On success, what the
    /// reply was documented as.
    pub fn check(&self, method: &str, path: &str, reply: &Reply) -> Result<Documented, String> {
        let item = self.document["paths"]
            .get(path)
            .ok_or_else(|| format!("{path} is not in openapi.yaml"))?;
        let served = item.get(method.to_lowercase());
        let (operation_method, operation) = match served {
            Some(operation) => (method.to_owned(), operation),
            // Another method: the function refuses it with the 405 that
            // every operation of the path documents.
            None => METHODS
                .iter()
                .find_map(|other| item.get(*other).map(|op| (other.to_uppercase(), op)))
                .ok_or_else(|| format!("{path} has no operation"))?,
        };
        if served.is_none() && reply.status != 405 {
            return Err(format!(
                "{method} {path} answered {}, but the path has no {method} operation",
                reply.status
            ));
        }
        let raw = operation["responses"]
            .get(reply.status.to_string())
            .ok_or_else(|| {
                format!(
                    "{method} {path} answered {}, which openapi.yaml does not document",
                    reply.status
                )
            })?;
        let response = self.resolve(raw);
        self.check_headers(&response, reply)?;
        self.check_body(&response, reply)?;
        Ok(self.classify(&operation_method, path, reply.status, raw))
    }

    fn check_headers(&self, response: &Value, reply: &Reply) -> Result<(), String> {
        let empty = serde_json::Map::new();
        let headers = response["headers"].as_object().unwrap_or(&empty);
        for (name, header) in headers {
            let header = self.resolve(header);
            let value = reply.header(&name.to_lowercase());
            match value {
                None if header["required"] == true => {
                    return Err(format!("{} lacks the header {name}", reply.status));
                }
                None => {}
                Some(value) => {
                    let schema = self.resolve(&header["schema"]);
                    validate(&schema, &Value::String(value.to_owned()))
                        .map_err(|error| format!("header {name}: {error}"))?;
                }
            }
        }
        Ok(())
    }

    fn check_body(&self, response: &Value, reply: &Reply) -> Result<(), String> {
        let Some(content) = response.get("content") else {
            return Ok(());
        };
        let media = reply.header("content-type").unwrap_or_default();
        let schema = content
            .get(media)
            .ok_or_else(|| {
                format!(
                    "{} has Content-Type {media:?}, not documented",
                    reply.status
                )
            })?
            .get("schema")
            .map(|schema| self.resolve(schema))
            .unwrap_or(Value::Bool(true));
        let body: Value = serde_json::from_str(&reply.body)
            .map_err(|error| format!("body is not JSON ({error}): {}", reply.body))?;
        validate(&schema, &body).map_err(|error| format!("body {}: {error}", reply.body))
    }

    /// `value` with every local `$ref` replaced by what it points at. The
    /// description's schemas are not recursive, so this ends.
    fn resolve(&self, value: &Value) -> Value {
        match value {
            Value::Object(fields) => {
                if let Some(reference) = fields.get("$ref").and_then(Value::as_str) {
                    let target = reference
                        .strip_prefix('#')
                        .and_then(|pointer| self.document.pointer(pointer))
                        .unwrap_or_else(|| panic!("openapi.yaml: {reference} points nowhere"));
                    return self.resolve(target);
                }
                Value::Object(
                    fields
                        .iter()
                        .map(|(name, field)| (name.clone(), self.resolve(field)))
                        .collect(),
                )
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|item| self.resolve(item)).collect())
            }
            other => other.clone(),
        }
    }
}

/// Validates `instance` against a JSON Schema (2020-12, OpenAPI 3.1's
/// dialect), formats included.
fn validate(schema: &Value, instance: &Value) -> Result<(), String> {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .map_err(|error| format!("openapi.yaml holds an invalid schema: {error}"))?;
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// The method and route of an API Gateway event (v1: `httpMethod` and
/// `resource`; v2: its request context's method and `routeKey`), or `None`
/// for an event that names no route.
pub fn route_of(event: &Value) -> Option<(String, String)> {
    if let Some(route_key) = event["routeKey"].as_str() {
        let path = route_key.split_once(' ').map(|(_, path)| path)?;
        let method = event["requestContext"]["http"]["method"].as_str()?;
        return Some((method.to_uppercase(), path.to_owned()));
    }
    let method = event["httpMethod"].as_str()?;
    let path = event["resource"].as_str()?;
    Some((method.to_uppercase(), path.to_owned()))
}

/// Checks `reply` against openapi.yaml (panicking with the reason, so the
/// test that saw it fails), and records what it was documented as.
#[track_caller]
pub fn check_and_record(event: &Value, reply: &Reply) {
    let Some((method, path)) = route_of(event) else {
        return;
    };
    // A direct invocation may name a route but carry another path (REST
    // APIs prefix the stage, which the suffix allows for): no route of the
    // description, which the function refuses as such, or as a path that
    // forms no URL.
    let raw_path = event["rawPath"].as_str().or(event["path"].as_str());
    if raw_path.is_some_and(|raw| !raw.ends_with(&path)) {
        assert!(
            [400, 404].contains(&reply.status),
            "a path outside openapi.yaml: {reply:?}"
        );
        return;
    }
    let documented = Description::get()
        .check(&method, &path, reply)
        .unwrap_or_else(|error| panic!("openapi.yaml: {method} {path}: {error}\n{reply:?}"));
    record(&documented);
}

fn record(documented: &Documented) {
    let Some(dir) = std::env::var_os(RESPONSES_DIR_VARIABLE) else {
        return;
    };
    let file = PathBuf::from(dir).join(format!("{}.jsonl", std::process::id()));
    let line = serde_json::to_string(documented).expect("a record serialises");
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
        .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
    // One write per record: tests run on many threads, and O_APPEND keeps
    // a single write whole, where `writeln!` may split it.
    out.write_all(format!("{line}\n").as_bytes())
        .expect("record a response");
}

/// Every response recorded in `dir` by the suites.
pub fn recorded(dir: &std::path::Path) -> BTreeSet<Documented> {
    let mut seen = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
    {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("a record file");
        for line in text.lines() {
            seen.insert(serde_json::from_str(line).expect("a record"));
        }
    }
    seen
}
