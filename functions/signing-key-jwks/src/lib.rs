//! A CloudFormation custom resource (`Custom::SigningKeyJwks`): the JWKS of
//! the stack's KMS signing key, read with `kms:GetPublicKey` when the stack
//! is created or the key changes, and returned as the attribute `Jwks`. The
//! template hands it to every function as `JWT_PUBLIC_KEYS`, so that the
//! verifiers know the key when they are created, with no call at cold start
//! and no permission to the key.
//!
//! Properties: `KeyId` (the key's id or ARN), `Algorithm` (RS256 or ES256;
//! RS256 when absent) and optionally `ExtraJwks`, a JWKS whose keys are
//! published beside the current one during a rotation: the next key before
//! it signs, the retired one until its tokens have expired. Deleting the resource
//! deletes nothing: the key is the stack's own resource.

use std::collections::HashMap;
use std::time::Duration;

use aws_lambda_events::cloudformation::{
    CloudFormationCustomResourceRequest, CloudFormationCustomResourceResponse,
    CloudFormationCustomResourceResponseStatus,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sessionless::http::State;
use sessionless::tokens::{KmsSigner, VerifyingKeys, parse_algorithm};
use sessionless::{AwsSettings, Error, aws};

/// What the resource is given.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Properties {
    /// The KMS key's id or ARN.
    pub key_id: String,
    /// `RS256` (RSA_2048) or `ES256` (ECC_NIST_P256).
    #[serde(default)]
    pub algorithm: Option<String>,
    /// A JWKS of other keys to publish during a rotation.
    #[serde(default)]
    pub extra_jwks: Option<String>,
}

/// The request as CloudFormation sends it.
pub type Request = CloudFormationCustomResourceRequest<Value, Properties>;

/// The KMS client, built once per cold start, and where responses may go.
pub struct KeyReader {
    kms: aws_sdk_kms::Client,
    response_urls: ResponseUrls,
}

/// Where a response may be delivered. The request's `ResponseURL` is
/// whatever its sender wrote: anyone allowed to invoke the function could
/// otherwise have it PUT to a host of their choosing (review 2,
/// informational).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseUrls {
    /// CloudFormation's own: https, on an S3 host of AWS
    /// (`<bucket>.s3.amazonaws.com`, `<bucket>.s3.<region>.amazonaws.com`,
    /// `<bucket>.s3-<region>.amazonaws.com`, or the same under
    /// `amazonaws.com.cn`), on the default port, with no user name.
    CloudFormation,
    /// Any URL: for tests against a local server.
    Any,
}

impl KeyReader {
    /// A reader through `kms`, delivering only to CloudFormation's URLs.
    pub fn new(kms: aws_sdk_kms::Client) -> Self {
        Self::with_response_urls(kms, ResponseUrls::CloudFormation)
    }

    /// A reader through `kms`, delivering where `response_urls` allows.
    pub fn with_response_urls(kms: aws_sdk_kms::Client, response_urls: ResponseUrls) -> Self {
        Self { kms, response_urls }
    }
}

impl ResponseUrls {
    /// Refuses `url` unless this rule allows it.
    ///
    /// # Errors
    ///
    /// [`Error::BadRequest`] naming what is wrong with it.
    pub fn check(self, url: &str) -> Result<(), Error> {
        if self == ResponseUrls::Any {
            return Ok(());
        }
        let refuse = |why: &str| Error::bad_request(format!("ResponseURL refused: {why}"));
        let parsed = url::Url::parse(url).map_err(|_| refuse("not a URL"))?;
        if parsed.scheme() != "https" {
            return Err(refuse("not https"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(refuse("it names a user"));
        }
        if parsed.port().is_some() {
            return Err(refuse("it names a port"));
        }
        let Some(url::Host::Domain(host)) = parsed.host() else {
            return Err(refuse("its host is not a domain name"));
        };
        let host = host.to_ascii_lowercase();
        let Some(rest) = host
            .strip_suffix(".amazonaws.com")
            .or_else(|| host.strip_suffix(".amazonaws.com.cn"))
        else {
            return Err(refuse("not an AWS host"));
        };
        // After the bucket: `s3`, `s3-<region>`, then the region if any.
        let on_s3 = rest
            .split('.')
            .skip(1)
            .any(|label| label == "s3" || label.starts_with("s3-"));
        if !on_s3 {
            return Err(refuse("not an S3 host"));
        }
        Ok(())
    }
}

impl State for KeyReader {
    async fn from_env() -> Result<Self, Error> {
        let sdk_config = aws::sdk_config(&AwsSettings::DEFAULT).await;
        Ok(Self::new(aws_sdk_kms::Client::new(&sdk_config)))
    }
}

/// How long CloudFormation's presigned URL gets to take the answer.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(20);

/// Answers one request: always with a response to CloudFormation, SUCCESS
/// or FAILED with the reason, since a stack waits an hour for a resource
/// that never answers. The invocation fails only when the answer cannot be
/// delivered, or may not be: to a `ResponseURL` that is not
/// CloudFormation's ([`ResponseUrls`]), nothing is sent.
pub async fn handle(reader: &KeyReader, request: Request) -> Result<Value, Error> {
    let (response_url, response) = respond(reader, request).await;
    reader.response_urls.check(&response_url)?;
    let body = serde_json::to_string(&response)
        .map_err(|error| Error::Internal(format!("the response did not serialise: {error}")))?;
    tokio::task::spawn_blocking(move || deliver(&response_url, body))
        .await
        .map_err(|error| Error::Internal(format!("delivering the response: {error}")))??;
    Ok(Value::Null)
}

/// The response to `request`, and where it goes.
pub async fn respond(
    reader: &KeyReader,
    request: Request,
) -> (String, CloudFormationCustomResourceResponse) {
    let mut response = CloudFormationCustomResourceResponse::default();
    let (url, properties, physical_id) = match request {
        CloudFormationCustomResourceRequest::Create(create) => {
            response.stack_id = create.stack_id;
            response.request_id = create.request_id;
            response.logical_resource_id = create.logical_resource_id;
            (create.response_url, Some(create.resource_properties), None)
        }
        CloudFormationCustomResourceRequest::Update(update) => {
            response.stack_id = update.stack_id;
            response.request_id = update.request_id;
            response.logical_resource_id = update.logical_resource_id;
            let physical = update.physical_resource_id;
            (
                update.response_url,
                Some(update.resource_properties),
                Some(physical),
            )
        }
        CloudFormationCustomResourceRequest::Delete(delete) => {
            response.stack_id = delete.stack_id;
            response.request_id = delete.request_id;
            response.logical_resource_id = delete.logical_resource_id;
            (delete.response_url, None, Some(delete.physical_resource_id))
        }
        // A request type this version does not know: refuse it plainly.
        _ => {
            response.status = CloudFormationCustomResourceResponseStatus::Failed;
            response.reason = Some("unknown request type".into());
            return (String::new(), response);
        }
    };
    response.physical_resource_id = physical_id
        .clone()
        .unwrap_or_else(|| response.logical_resource_id.clone());
    let Some(properties) = properties else {
        response.status = CloudFormationCustomResourceResponseStatus::Success;
        return (url, response);
    };
    match jwks(reader, &properties).await {
        Ok((kid, jwks)) => {
            response.status = CloudFormationCustomResourceResponseStatus::Success;
            response.physical_resource_id = kid;
            response.data = HashMap::from([("Jwks".to_owned(), jwks)]);
        }
        Err(error) => {
            tracing::error!(%error, key_id = %properties.key_id, "no JWKS");
            response.status = CloudFormationCustomResourceResponseStatus::Failed;
            response.reason = Some(error.to_string());
        }
    }
    (url, response)
}

/// The key's id, and the JWKS: the key's public half, after the keys of
/// `ExtraJwks` other than it.
async fn jwks(reader: &KeyReader, properties: &Properties) -> Result<(String, String), Error> {
    let algorithm = parse_algorithm(properties.algorithm.as_deref().unwrap_or("RS256"))?;
    let signer = KmsSigner::new(reader.kms.clone(), &properties.key_id, algorithm)?;
    let current = signer.public_jwk().await?;
    let mut keys = vec![current];
    if let Some(previous) = properties
        .extra_jwks
        .as_deref()
        .filter(|text| !text.trim().is_empty())
    {
        let previous = VerifyingKeys::from_jwks(previous, "ExtraJwks")?.public_jwks();
        keys.extend(
            previous
                .keys
                .into_iter()
                .filter(|key| key.common.key_id.as_deref() != Some(signer.kid())),
        );
    }
    let jwks = serde_json::to_string(&serde_json::json!({ "keys": keys }))
        .map_err(|error| Error::Internal(format!("the JWKS did not serialise: {error}")))?;
    Ok((signer.kid().to_owned(), jwks))
}

/// PUTs the response to CloudFormation's presigned URL, with no content
/// type (the URL is signed without one).
fn deliver(url: &str, body: String) -> Result<(), Error> {
    // The crypto provider the AWS SDK links already, rather than a second.
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = ureq::tls::TlsConfig::builder()
        .unversioned_rustls_crypto_provider(provider)
        .build();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(RESPONSE_TIMEOUT))
        .tls_config(tls)
        .build()
        .into();
    agent
        .put(url)
        .header("content-type", "")
        .send(body)
        .map(|_| ())
        .map_err(|error| Error::Internal(format!("PUT of the response failed: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_go_only_to_cloudformations_s3_urls() {
        let rule = ResponseUrls::CloudFormation;
        for allowed in [
            "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws?X-Amz-Signature=a",
            "https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/x",
            "https://cloudformation-custom-resource-response-useast2.s3.us-east-2.amazonaws.com/x",
            "https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/x",
        ] {
            assert!(rule.check(allowed).is_ok(), "{allowed}");
        }
        for (refused, why) in [
            ("http://bucket.s3.amazonaws.com/x", "not https"),
            ("https://attacker.example/x", "not an AWS host"),
            (
                "https://s3.amazonaws.com.attacker.example/x",
                "not an AWS host",
            ),
            ("https://lambda.us-east-1.amazonaws.com/x", "not an S3 host"),
            ("https://s3.amazonaws.com/x", "not an S3 host"),
            ("https://bucket.s3.amazonaws.com:8443/x", "names a port"),
            ("https://user@bucket.s3.amazonaws.com/x", "names a user"),
            ("https://169.254.169.254/latest", "not a domain name"),
            ("", "not a URL"),
        ] {
            let error = rule.check(refused).unwrap_err().to_string();
            assert!(error.contains(why), "{refused}: {error}");
        }
        assert!(ResponseUrls::Any.check("http://127.0.0.1:9/x").is_ok());
    }

    #[test]
    fn an_https_url_gets_a_tls_handshake_with_the_linked_crypto_provider() {
        // A plain TCP listener: the handshake fails, which is the point: it
        // was attempted, so a TLS provider was found, and nothing panicked.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("https://{}/response", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            if let Ok((mut stream, _)) = listener.accept() {
                use std::io::Write;
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\n\r\n");
            }
        });
        let error = deliver(&url, "{}".into()).unwrap_err().to_string();
        assert!(error.contains("PUT of the response failed"), "{error}");
        assert!(!error.to_lowercase().contains("provider"), "{error}");
    }
}
