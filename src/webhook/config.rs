//! The `[webhook]` section: as written ([`WebhookSection`]) and validated ([`WebhookConfig`]).
//!
//! Plain `http://` only. The receiver is expected on the appliance's LAN; for TLS, put a
//! reverse proxy that terminates it in front of the receiver (or a local TLS tunnel such as
//! stunnel beside the gateway) and point `url` at its plain-HTTP side.

use super::event::Signer;
use super::WebhookError;
use hyper::Uri;
use serde::Deserialize;
use std::time::Duration;

/// Default time for one delivery (connect, request, answer).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default ceiling of the retry backoff.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(60);

/// `[webhook]` as the file has it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSection {
    /// Where events are POSTed: `http://host[:port][/path]`.
    pub url: String,
    /// Signs each body (HMAC-SHA256 in `X-Otpgate-Signature`) when set.
    pub secret: Option<String>,
    /// Time for one delivery: connect, send, answer. Default 5000.
    pub timeout_ms: Option<u64>,
    /// Ceiling of the retry backoff. Default 60000.
    pub max_backoff_ms: Option<u64>,
}

/// Where events go, split for the HTTP/1 client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name or address (an IPv6 literal without its brackets), for connecting.
    pub host: String,
    pub port: u16,
    /// The `Host` header: the URL's authority as written.
    pub authority: String,
    /// Path and query, at least `/`.
    pub path: String,
}

/// The validated webhook configuration.
#[derive(Clone)]
pub struct WebhookConfig {
    /// The URL as written, for messages.
    pub url: String,
    pub target: Target,
    pub signer: Option<Signer>,
    pub timeout: Duration,
    pub max_backoff: Duration,
}

impl std::fmt::Debug for WebhookConfig {
    // The secret stays out of logs and error output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("signed", &self.signer.is_some())
            .field("timeout", &self.timeout)
            .field("max_backoff", &self.max_backoff)
            .finish()
    }
}

impl WebhookConfig {
    /// Checks a section: the URL, the secret, the times.
    pub fn from_section(s: &WebhookSection) -> Result<Self, WebhookError> {
        let target = parse_url(&s.url)?;
        let signer = match &s.secret {
            None => None,
            Some(secret) => Some(Signer::new(secret).ok_or(WebhookError::EmptySecret)?),
        };
        let positive = |key: &'static str, v: Option<u64>, default: Duration| match v {
            Some(0) => Err(WebhookError::Zero(key)),
            Some(ms) => Ok(Duration::from_millis(ms)),
            None => Ok(default),
        };
        Ok(Self {
            url: s.url.clone(),
            target,
            signer,
            timeout: positive("timeout_ms", s.timeout_ms, DEFAULT_TIMEOUT)?,
            max_backoff: positive("max_backoff_ms", s.max_backoff_ms, DEFAULT_MAX_BACKOFF)?,
        })
    }
}

/// Splits an `http://` URL; refuses `https://`, other schemes, credentials and a missing host.
pub fn parse_url(url: &str) -> Result<Target, WebhookError> {
    let bad = |reason: &str| WebhookError::Url {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let uri: Uri = url
        .trim()
        .parse()
        .map_err(|e: hyper::http::uri::InvalidUri| {
            bad(&format!("{e}; expected http://host[:port][/path]"))
        })?;
    match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
        Some("http") => {}
        Some("https") => return Err(WebhookError::Https(url.to_string())),
        Some(_) | None => return Err(bad("must start with http://")),
    }
    let authority = uri.authority().ok_or_else(|| bad("no host"))?;
    if authority.as_str().contains('@') {
        return Err(bad(
            "user and password in the URL are not supported (use `secret` to sign events)",
        ));
    }
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    if host.is_empty() {
        return Err(bad("no host"));
    }
    // The URI parser accepts any digits after the colon; a port must fit in 16 bits.
    let after_host = authority
        .as_str()
        .rsplit_once(']')
        .map_or(authority.as_str(), |(_, rest)| rest);
    let port = match uri.port_u16() {
        Some(0) => return Err(bad("the port must be 1 to 65535")),
        Some(port) => port,
        None if after_host.contains(':') => return Err(bad("the port must be 1 to 65535")),
        None => 80,
    };
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
    Ok(Target {
        host: host.to_string(),
        port,
        authority: authority.as_str().to_string(),
        path: if path.is_empty() { "/".into() } else { path },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let ok: &[(&str, &str, u16, &str, &str)] = &[
            (
                "http://10.0.0.5:8080/otpgate/events",
                "10.0.0.5",
                8080,
                "10.0.0.5:8080",
                "/otpgate/events",
            ),
            ("http://hooks.lan", "hooks.lan", 80, "hooks.lan", "/"),
            ("HTTP://h/x?a=1", "h", 80, "h", "/x?a=1"),
            ("http://[::1]:9000/e", "::1", 9000, "[::1]:9000", "/e"),
        ];
        for (url, host, port, authority, path) in ok {
            let t = parse_url(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(
                (
                    t.host.as_str(),
                    t.port,
                    t.authority.as_str(),
                    t.path.as_str()
                ),
                (*host, *port, *authority, *path),
                "{url}"
            );
        }
        let bad: &[(&str, &str)] = &[
            ("https://hooks.example/e", "reverse proxy"),
            ("ftp://h/e", "http://"),
            ("hooks.lan/e", "http://"),
            ("", "http"),
            ("http://", "http://"),
            ("http://user:pw@h/e", "secret"),
            ("http://h:99999/e", "port"),
            ("http://h:0/e", "port"),
            ("http://h e/", "http://h e/"),
        ];
        for (url, needle) in bad {
            let e = parse_url(url).expect_err(url).to_string();
            assert!(e.contains(needle), "{url}: {e}");
        }
    }

    #[test]
    fn sections() {
        let section = |secret: Option<&str>, timeout_ms, max_backoff_ms| WebhookSection {
            url: "http://h/e".into(),
            secret: secret.map(String::from),
            timeout_ms,
            max_backoff_ms,
        };
        let c = WebhookConfig::from_section(&section(None, None, None)).unwrap();
        assert_eq!(
            (c.timeout, c.max_backoff),
            (DEFAULT_TIMEOUT, DEFAULT_MAX_BACKOFF)
        );
        assert!(c.signer.is_none());
        let c = WebhookConfig::from_section(&section(Some("k3y"), Some(250), Some(1000))).unwrap();
        assert_eq!(c.timeout, Duration::from_millis(250));
        assert!(!format!("{c:?}").contains("k3y"), "{c:?}");
        for (s, needle) in [
            (section(Some(""), None, None), "secret"),
            (section(None, Some(0), None), "timeout_ms"),
            (section(None, None, Some(0)), "max_backoff_ms"),
        ] {
            let e = WebhookConfig::from_section(&s).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
    }
}
