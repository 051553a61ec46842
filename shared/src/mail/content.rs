//! What every mail says: subjects, plain-text bodies and HTML bodies, all
//! here, so that a team changes the wording in one place.
//!
//! Every mail goes out as plain text and HTML. In the HTML, the user's name
//! is escaped (a name is whatever was typed at signup) and so is the link.
//! A mail to an address not yet verified greets nobody by name: whoever
//! signed the address up typed that name, and it could be a lure
//! (review 2, M2).

use std::time::Duration;

use html_escape::{encode_double_quoted_attribute, encode_text};

/// One mail, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
}

/// `POST /password/forgot`: the reset link.
pub fn password_reset(name: Option<&str>, link: &str, valid_for: Duration) -> Mail {
    let minutes = whole_minutes(valid_for);
    compose(
        "Reset your password",
        name,
        &[
            "Someone, hopefully you, asked to reset the password of your account.",
            &format!("To choose a new password, open this link within {minutes} minutes:"),
        ],
        link,
        "If you did not ask for this, ignore this mail: your password stays as it is.",
    )
}

/// A signup, or `POST /verify/resend`: the verification link, whose page
/// asks for the password chosen at signup.
pub fn verification(name: Option<&str>, link: &str, valid_for: Duration) -> Mail {
    let hours = whole_minutes(valid_for).div_ceil(60);
    compose(
        "Confirm your email address",
        name,
        &[
            "Thanks for signing up.",
            &format!(
                "To confirm this is your address, open this link within {hours} hours and enter \
                 the password you chose when you signed up:"
            ),
        ],
        link,
        "If you did not sign up, someone else typed your address: do not open the link, and \
         ignore this mail. Nobody can sign in with this address until it is confirmed with \
         the password chosen at signup. To have an account on it yourself, ask for a \
         password reset: that sets a password of yours, and the other one stops working.",
    )
}

/// A signup with an email that already has an account: nothing changed,
/// and the owner gets a way back in if they forgot their password.
pub fn signup_notice(name: Option<&str>, reset_link: &str, valid_for: Duration) -> Mail {
    let minutes = whole_minutes(valid_for);
    compose(
        "Someone tried to sign up with your email address",
        name,
        &[
            "Someone tried to sign up with this email address, which already has an account. \
             Your account was not changed.",
            &format!(
                "If it was you and you forgot your password, open this link within {minutes} \
                 minutes to choose a new one:"
            ),
        ],
        reset_link,
        "If it was not you, ignore this mail.",
    )
}

/// The one layout every mail shares: a greeting, the lines that lead to
/// the link, the link, and a closing line.
fn compose(subject: &str, name: Option<&str>, lead: &[&str], link: &str, closing: &str) -> Mail {
    let greeting = match name {
        Some(name) => format!("Hello {name},"),
        None => "Hello,".to_owned(),
    };
    let text = format!(
        "{greeting}\n\n{}\n\n{link}\n\n{closing}\n",
        lead.join("\n\n")
    );
    let paragraphs: String = lead
        .iter()
        .map(|line| format!("<p>{}</p>\n", encode_text(line)))
        .collect();
    let html = format!(
        "<!DOCTYPE html>\n<html><body>\n<p>{}</p>\n{paragraphs}<p><a href=\"{}\">{}</a></p>\n<p>{}</p>\n</body></html>\n",
        encode_text(&greeting),
        encode_double_quoted_attribute(link),
        encode_text(link),
        encode_text(closing),
    );
    Mail {
        subject: subject.to_owned(),
        text,
        html,
    }
}

fn whole_minutes(duration: Duration) -> u64 {
    duration.as_secs().div_ceil(60)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str = "https://app.example/reset#token=a.b.c";

    #[test]
    fn names_are_escaped_in_html_and_kept_in_text() {
        let name = r#"<script>alert("x")</script> & Co"#;
        for mail in [
            password_reset(Some(name), LINK, Duration::from_secs(1_800)),
            verification(Some(name), LINK, Duration::from_secs(86_400)),
            signup_notice(Some(name), LINK, Duration::from_secs(1_800)),
        ] {
            assert!(!mail.html.contains("<script>"), "{}", mail.html);
            assert!(mail.html.contains("&lt;script&gt;"), "{}", mail.html);
            assert!(mail.text.contains(name));
            assert!(mail.text.contains(LINK) && mail.html.contains(LINK));
        }
    }

    #[test]
    fn lifetimes_are_stated_in_the_mail() {
        let reset = password_reset(Some("A"), LINK, Duration::from_secs(1_800));
        assert!(reset.text.contains("within 30 minutes"), "{}", reset.text);
        let verify = verification(Some("A"), LINK, Duration::from_secs(86_400));
        assert!(verify.text.contains("within 24 hours"), "{}", verify.text);
    }

    #[test]
    fn a_mail_without_a_name_greets_nobody() {
        let mail = verification(None, LINK, Duration::from_secs(86_400));
        assert!(mail.text.starts_with("Hello,\n"), "{}", mail.text);
        assert!(mail.html.contains("<p>Hello,</p>"), "{}", mail.html);
    }

    #[test]
    fn the_verification_mail_says_what_to_do_if_you_did_not_sign_up() {
        let mail = verification(None, LINK, Duration::from_secs(86_400));
        for said in [
            "If you did not sign up",
            "do not open the link",
            "password reset",
        ] {
            assert!(mail.text.contains(said), "{said}: {}", mail.text);
        }
    }
}
