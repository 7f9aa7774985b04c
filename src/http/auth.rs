//! Credentials as each dialect carries them, checked against the accounts.

use crate::accounts::Accounts;
use axum::http::HeaderMap;
use base64::Engine;

/// `Authorization: Basic base64(login:key)` (scheme name case-insensitive, RFC 7617).
pub fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (login, key) = text.split_once(':')?;
    Some((login.to_string(), key.to_string()))
}

/// Octopush's `api-login` and `api-key` headers.
pub fn octopush(headers: &HeaderMap) -> Option<(String, String)> {
    let login = headers.get("api-login")?.to_str().ok()?.trim().to_string();
    let key = headers.get("api-key")?.to_str().ok()?.trim().to_string();
    Some((login, key))
}

/// Any of the header forms (the gateway's own endpoints accept both).
pub fn any(accounts: &Accounts, headers: &HeaderMap) -> Option<String> {
    let (login, key) = basic(headers).or_else(|| octopush(headers))?;
    accounts.authenticate(&login, &key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_header() {
        let mut h = HeaderMap::new();
        let enc = base64::engine::general_purpose::STANDARD.encode("demo:k:ey");
        h.insert("authorization", format!("basic {enc}").parse().unwrap());
        assert_eq!(basic(&h), Some(("demo".into(), "k:ey".into())));
        h.insert("authorization", "Bearer x".parse().unwrap());
        assert_eq!(basic(&h), None);
        h.insert("authorization", "Basic !!!".parse().unwrap());
        assert_eq!(basic(&h), None);
    }
}
