//! The links mailed to users: `RESET_URL` and `VERIFY_URL`, templates of
//! the front-end pages that finish each flow.

use std::fmt;

use crate::error::Error;

/// Where the token goes in a link template.
const PLACEHOLDER: &str = "{token}";

/// A link template such as `https://app.example/reset#token={token}`.
///
/// The token must sit in the fragment: browsers never send a fragment to a
/// server, so the token reaches no access log, proxy or `Referer` header.
/// The page reads it from `location.hash` and POSTs it; opening the link
/// spends nothing, which matters because mail scanners open links too.
#[derive(Clone, PartialEq, Eq)]
pub struct LinkTemplate(String);

impl LinkTemplate {
    /// Checks `template`, read from `variable`: an absolute `https` (or,
    /// for a local stack, `http`) URL with `{token}` exactly once, in its
    /// fragment.
    pub fn parse(template: &str, variable: &str) -> Result<Self, Error> {
        let invalid = |why: &str| {
            Error::Config(format!(
                "{variable} must be an http(s) URL with {PLACEHOLDER} in its fragment, such as \
                 https://app.example/reset#token={PLACEHOLDER}: {why}"
            ))
        };
        if template.matches(PLACEHOLDER).count() != 1 {
            return Err(invalid("it must hold {token} exactly once"));
        }
        let in_fragment = template
            .split_once('#')
            .is_some_and(|(_, fragment)| fragment.contains(PLACEHOLDER));
        if !in_fragment {
            return Err(invalid("{token} is not after the `#`"));
        }
        let example = template.replace(PLACEHOLDER, "TOKEN");
        let url = url::Url::parse(&example).map_err(|error| invalid(&error.to_string()))?;
        if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
            return Err(invalid("it is not an absolute http(s) URL"));
        }
        Ok(Self(template.to_owned()))
    }

    /// The link for `token`. Tokens are base64url and dots, which need no
    /// escaping in a fragment.
    pub fn link(&self, token: &str) -> String {
        self.0.replace(PLACEHOLDER, token)
    }
}

impl fmt::Debug for LinkTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LinkTemplate").field(&self.0).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_goes_into_the_fragment() {
        let template =
            LinkTemplate::parse("https://app.example/reset#token={token}", "RESET_URL").unwrap();
        assert_eq!(
            template.link("a.b.c"),
            "https://app.example/reset#token=a.b.c"
        );
        LinkTemplate::parse(
            "http://127.0.0.1:9000/verify?x=1#t={token}&y=2",
            "VERIFY_URL",
        )
        .unwrap();
    }

    #[test]
    fn templates_that_would_leak_or_break_the_token_are_refused() {
        for bad in [
            "https://app.example/reset?token={token}",
            "https://app.example/reset#token=",
            "https://app.example/{token}#token={token}",
            "/reset#token={token}",
            "javascript:alert(1)#{token}",
            "ftp://app.example/#{token}",
            "",
        ] {
            let error = LinkTemplate::parse(bad, "RESET_URL").unwrap_err();
            assert!(error.to_string().contains("RESET_URL"), "{bad}: {error}");
        }
    }
}
