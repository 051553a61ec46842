//! What every mail says: subjects, plain-text bodies and HTML bodies, all
//! here, so that a team changes the wording in one place.
//!
//! Every mail goes out as plain text and HTML. In the HTML, the user's name
//! is escaped (a name is whatever was typed at signup) and so is the link.

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
pub fn password_reset(name: &str, link: &str, valid_for: Duration) -> Mail {
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

/// A signup, or `POST /verify/resend`: the verification link.
pub fn verification(name: &str, link: &str, valid_for: Duration) -> Mail {
    let hours = whole_minutes(valid_for).div_ceil(60);
    compose(
        "Confirm your email address",
        name,
        &[
            "Thanks for signing up.",
            &format!("To confirm this is your address, open this link within {hours} hours:"),
        ],
        link,
        "If you did not sign up, ignore this mail: no account is used without this address \
         being confirmed.",
    )
}

/// A signup with an email that already has an account: nothing changed,
/// and the owner gets a way back in if they forgot their password.
pub fn signup_notice(name: &str, reset_link: &str, valid_for: Duration) -> Mail {
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
fn compose(subject: &str, name: &str, lead: &[&str], link: &str, closing: &str) -> Mail {
    let text = format!(
        "Hello {name},\n\n{}\n\n{link}\n\n{closing}\n",
        lead.join("\n\n")
    );
    let paragraphs: String = lead
        .iter()
        .map(|line| format!("<p>{}</p>\n", encode_text(line)))
        .collect();
    let html = format!(
        "<!DOCTYPE html>\n<html><body>\n<p>Hello {},</p>\n{paragraphs}<p><a href=\"{}\">{}</a></p>\n<p>{}</p>\n</body></html>\n",
        encode_text(name),
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
            password_reset(name, LINK, Duration::from_secs(1_800)),
            verification(name, LINK, Duration::from_secs(86_400)),
            signup_notice(name, LINK, Duration::from_secs(1_800)),
        ] {
            assert!(!mail.html.contains("<script>"), "{}", mail.html);
            assert!(mail.html.contains("&lt;script&gt;"), "{}", mail.html);
            assert!(mail.text.contains(name));
            assert!(mail.text.contains(LINK) && mail.html.contains(LINK));
        }
    }

    #[test]
    fn lifetimes_are_stated_in_the_mail() {
        let reset = password_reset("A", LINK, Duration::from_secs(1_800));
        assert!(reset.text.contains("within 30 minutes"), "{}", reset.text);
        let verify = verification("A", LINK, Duration::from_secs(86_400));
        assert!(verify.text.contains("within 24 hours"), "{}", verify.text);
    }
}
