//! The custom resource that publishes the KMS key's JWKS to the template:
//! it answers CloudFormation at the presigned URL, SUCCESS with the JWKS
//! of the key (read from the local KMS) or FAILED with the reason, and a
//! deletion deletes nothing.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;

use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use serde_json::{Value, json};
use sessionless::tokens::VerifyingKeys;
use sessionless::{AwsSettings, aws};
use signing_key_jwks::{KeyReader, ResponseUrls, handle};

/// A one-request HTTP server standing in for CloudFormation's presigned
/// S3 URL: its URL, and what it will have received (headers and body).
fn presigned_url() -> (String, mpsc::Receiver<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/cloudformation-response?X-Amz-Signature=abc",
        listener.local_addr().unwrap()
    );
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = String::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let mut stream = stream;
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .unwrap();
        sender
            .send((head, String::from_utf8(body).unwrap()))
            .unwrap();
    });
    (url, receiver)
}

/// A reader that delivers to the local stand-in for CloudFormation's URL.
async fn reader() -> &'static KeyReader {
    let sdk_config = aws::sdk_config(&AwsSettings::DEFAULT).await;
    Box::leak(Box::new(KeyReader::with_response_urls(
        aws_sdk_kms::Client::new(&sdk_config),
        ResponseUrls::Any,
    )))
}

async fn create_key(spec: KeySpec) -> String {
    let sdk_config = aws::sdk_config(&AwsSettings::DEFAULT).await;
    aws_sdk_kms::Client::new(&sdk_config)
        .create_key()
        .key_spec(spec)
        .key_usage(KeyUsageType::SignVerify)
        .send()
        .await
        .expect("CreateKey on the local KMS; run the tests with scripts/test")
        .key_metadata
        .and_then(|metadata| metadata.arn)
        .expect("ARN")
}

/// A CloudFormation request of `request_type` with `properties`, whose
/// response goes to `url`.
fn request(request_type: &str, properties: Value, url: &str) -> signing_key_jwks::Request {
    let mut request = json!({
        "RequestType": request_type,
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:jwks",
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/sessionless/1",
        "RequestId": "f8d4a6b2-1111-2222-3333-444455556666",
        "ResourceType": "Custom::SigningKeyJwks",
        "LogicalResourceId": "SigningKeyJwks",
        "ResourceProperties": properties,
    });
    if request_type != "Create" {
        request["PhysicalResourceId"] = json!("the-key-id");
        request["OldResourceProperties"] = properties_placeholder();
    }
    serde_json::from_value(request).expect("a CloudFormation request")
}

/// Sends `request_type` with `properties` through the handler; returns
/// what CloudFormation would have received.
async fn send(request_type: &str, properties: Value) -> (String, Value) {
    let (url, received) = presigned_url();
    let request = request(request_type, properties, &url);
    handle(reader().await, request).await.expect("answered");
    let (head, body) = received.recv().unwrap();
    (head, serde_json::from_str(&body).unwrap())
}

fn properties_placeholder() -> Value {
    json!({"KeyId": "old"})
}

#[tokio::test]
async fn create_answers_with_the_jwks_of_the_kms_key() {
    for (spec, algorithm) in [(KeySpec::Rsa2048, "RS256"), (KeySpec::EccNistP256, "ES256")] {
        let arn = create_key(spec).await;
        let key_id = arn.rsplit('/').next().unwrap();
        let (head, response) = send("Create", json!({"KeyId": arn, "Algorithm": algorithm})).await;
        assert!(
            head.starts_with("PUT /cloudformation-response?X-Amz-Signature=abc "),
            "{head}"
        );
        assert!(
            head.to_ascii_lowercase().contains("content-type: \r\n"),
            "no content type: {head}"
        );
        assert_eq!(response["Status"], "SUCCESS", "{response}");
        assert_eq!(response["PhysicalResourceId"], key_id);
        assert_eq!(
            response["RequestId"],
            "f8d4a6b2-1111-2222-3333-444455556666"
        );
        assert_eq!(response["LogicalResourceId"], "SigningKeyJwks");
        let jwks = response["Data"]["Jwks"].as_str().expect("Jwks");
        let keys = VerifyingKeys::from_jwks(jwks, "Jwks").expect("a JWKS verifiers take");
        assert_eq!(
            format!("{:?}", keys.find(key_id).unwrap().algorithm),
            algorithm
        );
    }
}

#[tokio::test]
async fn an_update_keeps_the_previous_keys_listed_during_a_rotation() {
    let old = create_key(KeySpec::Rsa2048).await;
    let (_, first) = send("Create", json!({"KeyId": old})).await;
    let old_jwks = first["Data"]["Jwks"].as_str().unwrap().to_owned();
    let new = create_key(KeySpec::Rsa2048).await;
    let (_, second) = send("Update", json!({"KeyId": new, "ExtraJwks": old_jwks})).await;
    assert_eq!(second["Status"], "SUCCESS", "{second}");
    let keys = VerifyingKeys::from_jwks(second["Data"]["Jwks"].as_str().unwrap(), "Jwks").unwrap();
    let kids: Vec<&str> = keys.all().map(|key| key.kid.as_str()).collect();
    assert_eq!(
        kids,
        [
            new.rsplit('/').next().unwrap(),
            old.rsplit('/').next().unwrap()
        ],
        "the new key first, the old one still listed"
    );
}

#[tokio::test]
async fn a_missing_key_fails_the_resource_with_the_reason_and_delete_deletes_nothing() {
    let missing = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000";
    let (_, response) = send("Create", json!({"KeyId": missing})).await;
    assert_eq!(response["Status"], "FAILED", "{response}");
    let reason = response["Reason"].as_str().unwrap();
    assert!(reason.contains("GetPublicKey"), "{reason}");
    let (_, response) = send("Create", json!({"KeyId": "alias/tokens"})).await;
    assert_eq!(response["Status"], "FAILED");
    assert!(
        response["Reason"]
            .as_str()
            .unwrap()
            .contains("not an alias")
    );

    let (_, response) = send("Delete", json!({"KeyId": missing})).await;
    assert_eq!(response["Status"], "SUCCESS", "{response}");
    assert_eq!(response["PhysicalResourceId"], "the-key-id");
}

/// Review 2 (informational): as deployed (`KeyReader::new`), the function
/// PUTs only to CloudFormation's S3 URLs; a request naming any other
/// fails the invocation and sends nothing there.
#[tokio::test]
async fn a_response_url_that_is_not_cloudformations_gets_nothing() {
    let (url, received) = presigned_url();
    let arn = create_key(KeySpec::Rsa2048).await;
    let request = request("Create", json!({"KeyId": arn}), &url);
    let sdk_config = aws::sdk_config(&AwsSettings::DEFAULT).await;
    let deployed = KeyReader::new(aws_sdk_kms::Client::new(&sdk_config));
    let error = handle(&deployed, request).await.unwrap_err();
    assert!(error.to_string().contains("not https"), "{error}");
    assert!(
        received
            .recv_timeout(std::time::Duration::from_millis(300))
            .is_err(),
        "nothing was sent"
    );
}
