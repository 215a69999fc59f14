//! Where each provider's API is: defaults, settings, and the environment override.
//!
//! Precedence, highest first: the environment variable `SWITCHBOARD_<PROVIDER>_API_URL`
//! (e.g. `SWITCHBOARD_TWILIO_API_URL=http://127.0.0.1:4010`, used to aim the CLI and the app at
//! the local fakes), then the base URL in settings (e.g. a Twilio regional edge), then the
//! provider's public default. The override replaces the *origin*: a provider with two hosts
//! (Vonage's `rest` and `api` hosts, Bandwidth's dashboard and OAuth hosts) is served entirely
//! from the overriding origin, as the fakes do.
//!
//! Release builds send credentials only over TLS: a base URL other than the default must be
//! `https://`, or `http://` to this computer (a loopback address or `localhost`, for the
//! local fakes); anything else is refused before a request is made. Debug builds (tests)
//! accept any http(s) origin. [`check_transport`] holds the rule.

use crate::error::{Api, ProviderError, Result};

/// The environment variable that overrides `api`'s base URL.
pub fn env_var(api: Api) -> String {
    format!("SWITCHBOARD_{}_API_URL", api.env_name())
}

/// The public default origin of a provider API.
pub fn default_base_url(api: Api) -> &'static str {
    match api {
        Api::Twilio => "https://api.twilio.com",
        // SignalWire has no default: each customer has a space (see `signalwire_space_url`).
        Api::SignalWire => "https://example.signalwire.com",
        Api::Vonage => "https://rest.nexmo.com",
        Api::Telnyx => "https://api.telnyx.com",
        Api::Bandwidth => "https://dashboard.bandwidth.com",
        Api::Plivo => "https://api.plivo.com",
    }
}

/// Twilio's regional edge origin, e.g. `("dublin", "ie1")` → `https://api.dublin.ie1.twilio.com`.
pub fn twilio_edge_url(edge: &str, region: &str) -> Result<String> {
    let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !ok(edge) || !ok(region) {
        return Err(ProviderError::InvalidInput {
            api: Api::Twilio,
            field: "edge",
            reason: format!("{edge:?}/{region:?} is not a Twilio edge and region"),
        });
    }
    Ok(format!("https://api.{edge}.{region}.twilio.com"))
}

/// A SignalWire space's origin: `acme` → `https://acme.signalwire.com`.
/// The space is not repeated in errors: what fails here may be an API token pasted into the
/// wrong field (SignalWire tokens are `PT` + hex digits).
pub fn signalwire_space_url(space: &str) -> Result<String> {
    let host = space.trim().trim_end_matches(".signalwire.com");
    let refuse = |reason: String| ProviderError::InvalidInput {
        api: Api::SignalWire,
        field: "space",
        reason,
    };
    if host.is_empty()
        || host.len() > 63
        || !host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(refuse(format!(
            "not a SignalWire space name ({} characters; a space is up to 63 letters, digits or \
             hyphens, `acme` of acme.signalwire.com)",
            host.chars().count()
        )));
    }
    let token_like = host.len() >= 34
        && host.starts_with("PT")
        && host[2..].chars().all(|c| c.is_ascii_hexdigit());
    if token_like {
        return Err(refuse(
            "looks like a SignalWire API token (PT…), which is a secret: give the space name \
             here and the token as the secret"
                .into(),
        ));
    }
    Ok(format!("https://{host}.signalwire.com"))
}

/// The origin to use for `api`: the environment override, else `configured`, else the
/// default. Checked to be an http(s) URL; a trailing `/` is removed. In release builds an
/// origin that is neither `https://` nor loopback `http://` is refused ([`check_transport`]).
pub fn resolve_base_url(api: Api, configured: Option<&str>) -> Result<String> {
    let from_env = std::env::var(env_var(api))
        .ok()
        .filter(|v| !v.trim().is_empty());
    let (chosen, source) = match (from_env.as_deref(), configured) {
        (Some(url), _) => (url, env_var(api)),
        (None, Some(url)) => (url, "the account's settings".to_owned()),
        (None, None) => (default_base_url(api), "the default".to_owned()),
    };
    let url = check_base_url(api, chosen)?;
    check_transport(api, &url, &source, !cfg!(debug_assertions))?;
    Ok(url)
}

/// Whether credentials may be sent to `url` (checked by [`check_base_url`]): always in a
/// debug build; in a release build (`release`) only over `https://`, or over `http://` to a
/// loopback address or `localhost`. `source` names where the URL came from, for the error.
pub fn check_transport(api: Api, url: &str, source: &str, release: bool) -> Result<()> {
    let parsed = reqwest::Url::parse(url).map_err(|_| ProviderError::InvalidInput {
        api,
        field: "base url",
        reason: format!("{:?} is not an http(s) URL", shown(url)),
    })?;
    let host = parsed.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !release || parsed.scheme() == "https" || (parsed.scheme() == "http" && loopback) {
        return Ok(());
    }
    Err(ProviderError::InvalidInput {
        api,
        field: "base url",
        reason: format!(
            "{:?} (from {source}) is refused: this build sends credentials only over \
             https://, or over http:// to this computer (127.0.0.1, ::1, localhost)",
            shown(url)
        ),
    })
}

/// Checks and normalizes a base URL. One that holds a user name or password is refused
/// (the account's credentials are the only ones sent), and no error repeats those.
pub fn check_base_url(api: Api, url: &str) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let valid = reqwest::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    match valid {
        Some(u) if !u.username().is_empty() || u.password().is_some() => {
            Err(ProviderError::InvalidInput {
                api,
                field: "base url",
                reason: format!(
                    "{:?} holds a user name or password; give the origin alone (the \
                     account's credentials are sent with each request)",
                    shown(url)
                ),
            })
        }
        Some(_) => Ok(url.to_owned()),
        None => Err(ProviderError::InvalidInput {
            api,
            field: "base url",
            reason: format!("{:?} is not an http(s) URL", shown(url)),
        }),
    }
}

/// `url` as an error may quote it: without what precedes an `@` in its authority (a user
/// name or password), whether or not it parses.
fn shown(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let hidden = if host.len() == authority.len() {
        ""
    } else {
        "…@"
    };
    if scheme.is_empty() && url.find("://").is_none() {
        format!("{hidden}{host}{path}")
    } else {
        format!("{scheme}://{hidden}{host}{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_and_spaces() {
        assert_eq!(
            twilio_edge_url("dublin", "ie1").unwrap(),
            "https://api.dublin.ie1.twilio.com"
        );
        assert!(twilio_edge_url("dub/lin", "ie1").is_err());
        assert_eq!(
            signalwire_space_url("acme.signalwire.com").unwrap(),
            "https://acme.signalwire.com"
        );
        assert!(signalwire_space_url("a b").is_err());
        let token = format!("PT{}", "0a1b2c3d".repeat(6));
        let e = signalwire_space_url(&token).unwrap_err().to_string();
        assert!(e.contains("SignalWire API token"), "{e}");
        assert!(!e.contains(&token), "the token is not repeated: {e}");
        let e = signalwire_space_url("secret token")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("secret token"), "{e}");
    }

    #[test]
    fn a_base_url_with_a_user_or_password_is_refused_without_repeating_them() {
        for url in [
            "https://user:s3cret@api.example.com",
            "http://s3cret@10.0.0.1:8080/x",
            "not a url s3cret@x",
        ] {
            let e = check_base_url(Api::Twilio, url).unwrap_err().to_string();
            assert!(!e.contains("s3cret"), "{e}");
        }
        let e = check_transport(Api::Twilio, "http://user:s3cret@10.0.0.1", "the test", true)
            .unwrap_err()
            .to_string();
        assert!(!e.contains("s3cret") && e.contains("…@10.0.0.1"), "{e}");
        assert_eq!(
            shown("https://api.example.com/v1"),
            "https://api.example.com/v1"
        );
    }

    #[test]
    fn base_urls_are_checked() {
        assert_eq!(
            check_base_url(Api::Plivo, "http://127.0.0.1:4010/").unwrap(),
            "http://127.0.0.1:4010"
        );
        assert!(check_base_url(Api::Plivo, "ftp://x").is_err());
        assert!(check_base_url(Api::Plivo, "nonsense").is_err());
        assert_eq!(env_var(Api::Twilio), "SWITCHBOARD_TWILIO_API_URL");
    }

    #[test]
    fn release_builds_send_credentials_only_over_tls_or_loopback() {
        let env = "SWITCHBOARD_TWILIO_API_URL";
        for ok in [
            "https://api.twilio.com",
            "https://10.0.0.5:8443",
            "http://127.0.0.1:4010",
            "http://127.8.9.10",
            "http://[::1]:4010",
            "http://localhost:4010",
            "http://LOCALHOST",
        ] {
            assert!(check_transport(Api::Twilio, ok, env, true).is_ok(), "{ok}");
        }
        for refused in [
            "http://10.0.0.5:4010",
            "http://api.twilio.com",
            "http://localhost.evil.example",
            "http://[::2]",
            "http://0.0.0.0:4010",
        ] {
            let e = check_transport(Api::Twilio, refused, env, true).unwrap_err();
            let text = e.to_string();
            assert!(
                matches!(
                    e,
                    ProviderError::InvalidInput {
                        field: "base url",
                        ..
                    }
                ),
                "{e:?}"
            );
            assert!(text.contains(refused) && text.contains(env), "{text}");
            // Debug builds (tests, the fakes) take any http(s) origin.
            assert!(
                check_transport(Api::Twilio, refused, env, false).is_ok(),
                "{refused}"
            );
        }
        // Every default origin passes the release rule.
        for api in [
            Api::Twilio,
            Api::Vonage,
            Api::Telnyx,
            Api::Bandwidth,
            Api::Plivo,
        ] {
            assert!(check_transport(api, default_base_url(api), "the default", true).is_ok());
        }
    }
}
