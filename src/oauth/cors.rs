//! Which web origins may call a tenant's token, revocation and userinfo
//! endpoints from browser code (Fetch Standard, CORS). OAuth 2.0 for Browser-
//! Based Applications (draft-ietf-oauth-browser-based-apps §6.3) needs the
//! token endpoint reachable cross-origin; the authorization, login and consent
//! pages never are (they are navigated to, not fetched).

use super::RedirectUri;
use std::collections::BTreeSet;

/// `scheme://host[:port]` of an http(s) URL, lower-case, without a default
/// port — the serialisation browsers send in `Origin` (RFC 6454 §6.2).
pub fn parse_origin(raw: &str) -> Result<String, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("{raw:?} is not an origin: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{raw:?} is not an http(s) origin"));
    }
    let path_ok = url.path() == "/" || url.path().is_empty();
    if !path_ok || url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(format!(
            "{raw:?} is not an origin: write scheme://host[:port] only"
        ));
    }
    let origin = url.origin().ascii_serialization();
    if origin == "null" {
        return Err(format!("{raw:?} is not an origin"));
    }
    Ok(origin)
}

/// A client's allowed origins: the configured ones, or — for a public client
/// that configured none — the origins of its http(s) redirect URIs (a
/// single-page app calls the token endpoint from the page it is redirected
/// to). Confidential clients talk to the token endpoint from their server and
/// get none unless configured.
pub fn allowed_origins(
    configured: Option<&[String]>,
    public: bool,
    redirect_uris: &[RedirectUri],
) -> BTreeSet<String> {
    match configured {
        Some(list) => list.iter().cloned().collect(),
        None if public => redirect_uris
            .iter()
            .filter_map(|u| url::Url::parse(u.as_str()).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(|u| u.origin().ascii_serialization())
            .collect(),
        None => BTreeSet::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_port_only() {
        assert_eq!(
            parse_origin("https://App.Example").unwrap(),
            "https://app.example"
        );
        assert_eq!(
            parse_origin("https://app.example/").unwrap(),
            "https://app.example"
        );
        assert_eq!(
            parse_origin("https://app.example:443").unwrap(),
            "https://app.example"
        );
        assert_eq!(
            parse_origin("http://127.0.0.1:3000").unwrap(),
            "http://127.0.0.1:3000"
        );
        for bad in [
            "https://app.example/cb",
            "https://app.example?x=1",
            "ftp://app.example",
            "com.example.app:/cb",
            "*",
            "https://user@app.example",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn public_clients_default_to_their_redirect_origins_confidential_to_none() {
        let uris = [
            RedirectUri::parse("http://127.0.0.1:3000/spa/callback").unwrap(),
            RedirectUri::parse("https://app.example/cb").unwrap(),
            RedirectUri::parse("com.example.app:/oauth").unwrap(),
        ];
        assert_eq!(
            allowed_origins(None, true, &uris),
            ["http://127.0.0.1:3000", "https://app.example"]
                .map(String::from)
                .into()
        );
        assert!(allowed_origins(None, false, &uris).is_empty());
        let configured = vec!["https://web.example".to_owned()];
        assert_eq!(
            allowed_origins(Some(&configured), false, &uris),
            ["https://web.example".to_owned()].into()
        );
    }
}
