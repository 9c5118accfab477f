//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): what an
//! `id_token_hint` says, which client asks, where the browser may be sent,
//! and whether the user is signed out without being asked.
//!
//! An ID token is not a secret a browser can be trusted to carry on its own
//! behalf: any valid ID token of the tenant — an attacker's own — can be put in
//! a link. So the hint signs the user out at once only when it names the
//! browser's current session (its `sub` is the session's user and its `sid`,
//! when present, the session itself); otherwise the user is asked (§2: "the OP
//! SHOULD ask the End-User whether to log out"), and the confirmation form is
//! CSRF-protected.

use crate::tenancy::TenantSnapshot;

/// What a valid `id_token_hint` states. Its expiry does not matter (§2: the
/// OP SHOULD accept expired ID tokens it issued).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub subject: String,
    pub session_id: Option<String>,
    pub audiences: Vec<String>,
}

impl Hint {
    /// An ID token this tenant issued and signed; `None` otherwise.
    pub fn read(s: &TenantSnapshot, raw: &str) -> Option<Self> {
        let header = josekit::jwt::decode_header(raw).ok()?;
        // An ID token, not a JWT access token (RFC 9068 `at+jwt`) that a
        // resource server might hold for the user.
        if header.claim("typ").and_then(|t| t.as_str()) == Some("at+jwt") {
            return None;
        }
        let kid = header.claim("kid")?.as_str()?;
        let verifier = s.keys.jws_verifier(kid)?;
        let (payload, _) = josekit::jwt::decode_with_verifier(raw, verifier).ok()?;
        if payload.issuer()? != s.issuer {
            return None;
        }
        Some(Self {
            subject: payload.subject()?.to_owned(),
            session_id: payload
                .claim("sid")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            audiences: payload.audience()?.into_iter().map(str::to_owned).collect(),
        })
    }
}

/// Why a logout request is refused (a page, never a redirect).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LogoutError {
    #[error("client_id does not match the id_token_hint")]
    ClientMismatch,
    #[error("post_logout_redirect_uri needs client_id or id_token_hint")]
    NoClient,
    #[error("post_logout_redirect_uri is not registered for this client")]
    Unregistered,
    #[error("invalid post_logout_redirect_uri")]
    InvalidUri,
}

/// Where the browser goes once signed out: `None` is Gatehouse's own
/// "signed out" page. `get` reads the request's parameters (the query of a
/// GET, the confirmation form of a POST).
pub fn destination(
    s: &TenantSnapshot,
    get: impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, LogoutError> {
    let hint = get("id_token_hint").and_then(|h| Hint::read(s, &h));
    let client = client(get("client_id").as_deref(), hint.as_ref())?;
    let target = redirect_target(
        s,
        client.as_deref(),
        get("post_logout_redirect_uri").as_deref(),
    )?;
    target
        .map(|uri| with_state(&uri, get("state").as_deref()))
        .transpose()
}

/// The registered URI exactly, unless `state` must be added (§3: "the OP
/// MUST include it in the redirect as the state query parameter").
fn with_state(uri: &str, state: Option<&str>) -> Result<String, LogoutError> {
    let Some(state) = state else {
        return Ok(uri.to_owned());
    };
    let mut url = url::Url::parse(uri).map_err(|_| LogoutError::InvalidUri)?;
    url.query_pairs_mut().append_pair("state", state);
    Ok(url.into())
}

/// The client asking: `client_id`, or the hint's audience. When both are
/// given, the client must be one the ID token was issued to (§2: "the OP
/// MUST verify that it matches").
pub fn client(client_id: Option<&str>, hint: Option<&Hint>) -> Result<Option<String>, LogoutError> {
    match (client_id, hint) {
        (Some(id), Some(h)) if !h.audiences.iter().any(|a| a == id) => {
            Err(LogoutError::ClientMismatch)
        }
        (Some(id), _) => Ok(Some(id.to_owned())),
        (None, Some(h)) => Ok(h.audiences.first().cloned()),
        (None, None) => Ok(None),
    }
}

/// Where the browser goes afterwards: `uri` only if it is registered for the
/// client exactly (§3).
pub fn redirect_target(
    s: &TenantSnapshot,
    client: Option<&str>,
    uri: Option<&str>,
) -> Result<Option<String>, LogoutError> {
    let Some(uri) = uri else {
        return Ok(None);
    };
    let client = client
        .and_then(|id| s.client(id))
        .ok_or(LogoutError::NoClient)?;
    if !client
        .post_logout_redirect_uris
        .iter()
        .any(|u| u.as_str() == uri)
    {
        return Err(LogoutError::Unregistered);
    }
    Ok(Some(uri.to_owned()))
}

/// The browser's current session, as far as the decision needs it.
#[derive(Debug, Clone, Copy)]
pub struct Current<'a> {
    pub user_id: &'a str,
    pub session_id: &'a str,
}

/// Whether to sign out without asking: only when a valid hint names the
/// current session's user (and the session itself when it carries `sid`),
/// or when there is no session to end.
pub fn without_asking(hint: Option<&Hint>, current: Option<Current<'_>>) -> bool {
    let Some(hint) = hint else {
        return false;
    };
    let Some(current) = current else {
        return true;
    };
    hint.subject == current.user_id
        && hint
            .session_id
            .as_deref()
            .is_none_or(|sid| sid == current.session_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(sub: &str, sid: Option<&str>, aud: &[&str]) -> Hint {
        Hint {
            subject: sub.into(),
            session_id: sid.map(Into::into),
            audiences: aud.iter().map(|a| a.to_string()).collect(),
        }
    }

    #[test]
    fn state_is_added_to_the_registered_uri_and_nothing_else_changes() {
        assert_eq!(
            with_state("https://app.example/bye?x=1", None),
            Ok("https://app.example/bye?x=1".to_owned())
        );
        assert_eq!(
            with_state("https://app.example/bye?x=1", Some("a b&c")),
            Ok("https://app.example/bye?x=1&state=a+b%26c".to_owned())
        );
        assert_eq!(
            with_state("not a uri", Some("s")),
            Err(LogoutError::InvalidUri)
        );
    }

    const ALICE: Current<'static> = Current {
        user_id: "alice",
        session_id: "s1",
    };

    #[test]
    fn only_a_hint_for_the_current_session_signs_out_at_once() {
        assert!(without_asking(
            Some(&hint("alice", Some("s1"), &["web"])),
            Some(ALICE)
        ));
        assert!(without_asking(
            Some(&hint("alice", None, &["web"])),
            Some(ALICE)
        ));
        // Someone else's ID token (an attacker's own), or another session.
        assert!(!without_asking(
            Some(&hint("mallory", Some("s9"), &["web"])),
            Some(ALICE)
        ));
        assert!(!without_asking(
            Some(&hint("mallory", None, &["web"])),
            Some(ALICE)
        ));
        assert!(!without_asking(
            Some(&hint("alice", Some("s2"), &["web"])),
            Some(ALICE)
        ));
        // No hint: ask. No session: nothing to end.
        assert!(!without_asking(None, Some(ALICE)));
        assert!(!without_asking(None, None));
        assert!(without_asking(Some(&hint("alice", None, &["web"])), None));
    }

    #[test]
    fn client_id_must_be_an_audience_of_the_hint() {
        let h = hint("alice", None, &["web", "other"]);
        assert_eq!(client(Some("web"), Some(&h)), Ok(Some("web".into())));
        assert_eq!(client(Some("other"), Some(&h)), Ok(Some("other".into())));
        assert_eq!(
            client(Some("evil"), Some(&h)),
            Err(LogoutError::ClientMismatch)
        );
        assert_eq!(client(None, Some(&h)), Ok(Some("web".into())));
        assert_eq!(client(Some("web"), None), Ok(Some("web".into())));
        assert_eq!(client(None, None), Ok(None));
    }
}
