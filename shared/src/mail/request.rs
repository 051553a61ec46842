//! What a request asks the mailer to send: the message on the queue.

use serde::{Deserialize, Serialize};

/// One queued mail request. It names the email as the request gave it
/// (normalised), whether or not it has an account: only the mailer looks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailRequest {
    /// What to send.
    pub kind: MailKind,
    /// To whom: a normalised email, the key of the users table.
    pub email: String,
}

/// What a [`MailRequest`] asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    /// `POST /password/forgot`: a password-reset link, to an active account.
    PasswordReset,
    /// A signup that created an account, or `POST /verify/resend`: a
    /// verification link, to an active account whose address is not
    /// verified yet.
    Verification,
    /// A signup with an email that already has an account: a notice that
    /// someone tried, with a password-reset link.
    SignupNotice,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_travel_as_small_json() {
        let request = MailRequest {
            kind: MailKind::PasswordReset,
            email: "a@example.com".into(),
        };
        let text = serde_json::to_string(&request).unwrap();
        assert_eq!(text, r#"{"kind":"password_reset","email":"a@example.com"}"#);
        assert_eq!(serde_json::from_str::<MailRequest>(&text).unwrap(), request);
        for garbage in [
            r#"{"kind":"launch_missiles","email":"a@example.com"}"#,
            r#"{"kind":"verification"}"#,
            r#"{"kind":"verification","email":"a@example.com","extra":1}"#,
            "[]",
        ] {
            assert!(
                serde_json::from_str::<MailRequest>(garbage).is_err(),
                "{garbage}"
            );
        }
    }
}
