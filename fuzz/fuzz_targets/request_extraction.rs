//! Any bytes as a Lambda event: the path from event to credentials (the
//! event guard, lambda_http's conversion, the JSON body, the token lookup)
//! must answer or refuse, never panic.
#![no_main]

use sessionless::http::{ACCESS_TOKEN_FIELD, find_token};
use sessionless::TokenLocations;
use sessionless::http::guard;
use sessionless::http::json_body;
use lambda_http::Request;
use lambda_http::request::LambdaRequest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut event) = serde_json::from_slice::<LambdaRequest>(data) else {
        return;
    };
    let _ = guard(&mut event);
    let request: Request = event.into();
    let body = json_body(&request).ok().flatten();
    let _ = find_token(&request, body.as_ref(), ACCESS_TOKEN_FIELD, TokenLocations::BOTH);
    if let Some(body) = &body {
        let _ = body.required_str("email");
        let _ = body.optional_bool("remember");
    }
});
