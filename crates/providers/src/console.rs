//! The providers' web consoles: the page where a manager sees a number at its provider, built
//! here once from the record (never from a URL the UI sends), and the only addresses the desktop
//! app opens ([`checked_console_url`]).
//!
//! Deep links are used only where the provider's console address for one number is known from
//! public material (Twilio's `…/phone-numbers/manage/incoming/PN…/configure`, Bandwidth's
//! `portal/r/a/{accountId}`); elsewhere the link is the console's list of the account's numbers,
//! where the manager finds the number by searching. Consoles pick the account from the signed-in
//! session: none of them takes the account in its address except Bandwidth's.

use switchboard_core::domain::{E164, PhoneNumber, Provider};

/// Every provider's console origin (scheme and host, no trailing slash): a URL the app opens
/// must start with one of these followed by `/` ([`checked_console_url`]).
pub const CONSOLE_ORIGINS: [(Provider, &str); 5] = [
    (Provider::Twilio, "https://console.twilio.com"),
    (Provider::Telnyx, "https://portal.telnyx.com"),
    (Provider::Vonage, "https://dashboard.nexmo.com"),
    (Provider::Bandwidth, "https://dashboard.bandwidth.com"),
    (Provider::Plivo, "https://console.plivo.com"),
];

/// The console origin of `provider`.
pub fn console_origin(provider: Provider) -> &'static str {
    CONSOLE_ORIGINS
        .iter()
        .find(|(p, _)| *p == provider)
        .map(|(_, origin)| *origin)
        .unwrap_or_else(|| unreachable!("every provider has a console origin"))
}

/// True for an identifier that may be placed in a URL path as it is (letters and digits only:
/// Twilio sids, Bandwidth account ids); anything else is left out and the list page is used.
fn path_safe(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The console page of a number: `provider`, the account it uses (`account_id`), the provider's
/// own id of the number (`provider_sid`, e.g. Twilio's `PN…`) and the number itself.
pub fn console_url(
    provider: Provider,
    account_id: Option<&str>,
    provider_sid: Option<&str>,
    _number: &E164,
) -> String {
    let origin = console_origin(provider);
    match provider {
        Provider::Twilio => {
            let list = format!("{origin}/us1/develop/phone-numbers/manage/incoming");
            match provider_sid {
                Some(sid) if sid.starts_with("PN") && path_safe(sid) => {
                    format!("{list}/{sid}/configure")
                }
                _ => list,
            }
        }
        Provider::Telnyx => format!("{origin}/#/app/numbers/my-numbers"),
        Provider::Vonage => format!("{origin}/your-numbers"),
        Provider::Bandwidth => match account_id {
            Some(account) if path_safe(account) => format!("{origin}/portal/r/a/{account}"),
            _ => format!("{origin}/portal/"),
        },
        Provider::Plivo => format!("{origin}/active-phone-numbers/"),
    }
}

/// [`console_url`] of a record: its provider, the account in its credentials, the provider's
/// id in its metadata.
pub fn number_console_url(n: &PhoneNumber) -> String {
    console_url(
        n.provider,
        n.credentials.account_id(n.provider),
        n.metadata.as_ref().and_then(|m| m.provider_sid()),
        &n.phone_number,
    )
}

/// `url` when it is a page of one of the providers' consoles ([`CONSOLE_ORIGINS`]: the origin
/// exactly, then `/`, and nothing that could change where it leads: no whitespace, control
/// characters or backslashes); else why not. What the app checks before opening anything.
pub fn checked_console_url(url: &str) -> switchboard_core::Result<&str> {
    let known = CONSOLE_ORIGINS.iter().any(|(_, origin)| {
        url.strip_prefix(origin)
            .is_some_and(|rest| rest.starts_with('/'))
    });
    let clean = !url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\');
    if known && clean {
        Ok(url)
    } else {
        Err(switchboard_core::Error::NotAllowed(format!(
            "{url} is not a provider console page; the app opens only {}",
            CONSOLE_ORIGINS.map(|(_, o)| o).join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number() -> E164 {
        E164::parse("+14155550100", None).expect("a valid number")
    }

    #[test]
    fn twilio_links_the_number_by_its_sid() {
        let sid = "PN0984bc05b5998176684aa8f8dd8df7b6";
        assert_eq!(
            console_url(Provider::Twilio, Some("AC123"), Some(sid), &number()),
            format!(
                "https://console.twilio.com/us1/develop/phone-numbers/manage/incoming/{sid}/configure"
            )
        );
        // Without a sid, or with one that is not a number's: the account's numbers.
        for sid in [
            None,
            Some("PN../../x"),
            Some("AC0984bc05b5998176684aa8f8dd8df7b6"),
        ] {
            assert_eq!(
                console_url(Provider::Twilio, Some("AC123"), sid, &number()),
                "https://console.twilio.com/us1/develop/phone-numbers/manage/incoming"
            );
        }
    }

    #[test]
    fn telnyx_vonage_and_plivo_link_their_number_lists() {
        let url = |p| console_url(p, Some("acct"), Some("abc123"), &number());
        assert_eq!(
            url(Provider::Telnyx),
            "https://portal.telnyx.com/#/app/numbers/my-numbers"
        );
        assert_eq!(
            url(Provider::Vonage),
            "https://dashboard.nexmo.com/your-numbers"
        );
        assert_eq!(
            url(Provider::Plivo),
            "https://console.plivo.com/active-phone-numbers/"
        );
    }

    #[test]
    fn bandwidth_links_the_account() {
        assert_eq!(
            console_url(Provider::Bandwidth, Some("9900001"), None, &number()),
            "https://dashboard.bandwidth.com/portal/r/a/9900001"
        );
        for account in [None, Some("99/../evil"), Some("")] {
            assert_eq!(
                console_url(Provider::Bandwidth, account, None, &number()),
                "https://dashboard.bandwidth.com/portal/"
            );
        }
    }

    #[test]
    fn every_url_built_is_one_the_app_opens() {
        for (provider, _) in CONSOLE_ORIGINS {
            for sid in [
                None,
                Some("PN0984bc05b5998176684aa8f8dd8df7b6"),
                Some("x y"),
            ] {
                let url = console_url(provider, Some("9900001"), sid, &number());
                assert_eq!(checked_console_url(&url).ok(), Some(url.as_str()), "{url}");
            }
        }
    }

    #[test]
    fn a_url_outside_the_consoles_is_refused() {
        for url in [
            "https://evil.example/",
            "https://console.twilio.com.evil.example/",
            "https://console.twilio.com@evil.example/",
            "http://console.twilio.com/us1",
            "https://console.twilio.com",
            "file:///etc/passwd",
            "https://console.twilio.com/ us1",
            "https://console.twilio.com/\\evil.example",
            "javascript:alert(1)",
            "",
        ] {
            let refused = checked_console_url(url).expect_err(url);
            assert!(
                matches!(refused, switchboard_core::Error::NotAllowed(ref m) if m.contains("not a provider console page")),
                "{url}: {refused}"
            );
        }
    }
}
