//! Where a protected endpoint accepts the access token from:
//! `TOKEN_LOCATIONS`, named as Flask-JWT-Extended names them.

use crate::error::Error;

/// Where a protected endpoint accepts the access token from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenLocations {
    /// `Authorization: Bearer <token>`.
    pub headers: bool,
    /// The JSON body field `access_token`.
    pub json: bool,
}

impl TokenLocations {
    /// The header and the body, the default.
    pub const BOTH: Self = Self {
        headers: true,
        json: true,
    };

    /// Parses a comma-separated list of `headers` and `json`, the names
    /// Flask-JWT-Extended uses for `JWT_TOKEN_LOCATION`.
    pub fn parse(value: &str) -> Result<Self, Error> {
        let mut locations = Self {
            headers: false,
            json: false,
        };
        for name in value
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
        {
            match name.to_ascii_lowercase().as_str() {
                "headers" => locations.headers = true,
                "json" => locations.json = true,
                "cookies" => {
                    return Err(Error::Config(
                        "TOKEN_LOCATIONS: `cookies` is not supported; Sessionless never uses cookies"
                            .into(),
                    ));
                }
                _ => {
                    return Err(Error::Config(format!(
                        "TOKEN_LOCATIONS: unknown location {name:?}; use `headers`, `json` or `headers,json`"
                    )));
                }
            }
        }
        if !locations.headers && !locations.json {
            return Err(Error::Config(
                "TOKEN_LOCATIONS names no location; use `headers`, `json` or `headers,json`".into(),
            ));
        }
        Ok(locations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_locations_parse() {
        let headers = TokenLocations::parse("headers").unwrap();
        assert!(headers.headers && !headers.json);
        let json = TokenLocations::parse(" JSON ").unwrap();
        assert!(!json.headers && json.json);
        assert_eq!(
            TokenLocations::parse("json, headers").unwrap(),
            TokenLocations::BOTH
        );
        assert!(
            TokenLocations::parse("cookies")
                .unwrap_err()
                .to_string()
                .contains("never uses cookies")
        );
        assert!(TokenLocations::parse("query_string").is_err());
        assert!(TokenLocations::parse(" , ").is_err());
    }
}
