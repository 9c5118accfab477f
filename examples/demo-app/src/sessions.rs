//! The backend-for-frontend's session store: the browser holds only a random
//! session id in an `HttpOnly` cookie; the tokens stay here, in memory (a real
//! app would keep them in its database, encrypted).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;

pub const COOKIE: &str = "demo_session";

/// A sign-in under way: what the callback checks and needs.
#[derive(Clone)]
pub struct Pending {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// The tokens of a signed-in user. Never leaves the server.
#[derive(Clone)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub id_token: String,
    pub expires_at: DateTime<Utc>,
    pub scopes: Vec<String>,
    pub subject: String,
    pub name: String,
    /// How many times the tokens were refreshed (shown on the page).
    pub refreshes: u32,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("subject", &self.subject)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Default)]
pub struct Session {
    pub pending: Option<Pending>,
    pub tokens: Option<Tokens>,
    /// A one-time message for the next page.
    pub flash: Option<String>,
    /// A share link just made, shown once.
    pub shared: Option<String>,
}

#[derive(Default)]
pub struct Sessions {
    by_id: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// A new, empty session and its id (256 random bits).
    pub fn create(&self) -> String {
        let id = random_token();
        self.lock().insert(id.clone(), Session::default());
        id
    }

    pub fn get(&self, id: &str) -> Option<Session> {
        self.lock().get(id).cloned()
    }

    /// Changes the session `id`, if it exists.
    pub fn update(&self, id: &str, f: impl FnOnce(&mut Session)) -> bool {
        match self.lock().get_mut(id) {
            Some(s) => {
                f(s);
                true
            }
            None => false,
        }
    }

    pub fn remove(&self, id: &str) -> Option<Session> {
        self.lock().remove(id)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.by_id
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// 32 random bytes, base64url.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_separate_and_go_when_removed() {
        let s = Sessions::default();
        let (a, b) = (s.create(), s.create());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(s.update(&a, |x| x.flash = Some("hi".into())));
        assert_eq!(s.get(&a).unwrap().flash.as_deref(), Some("hi"));
        assert_eq!(s.get(&b).unwrap().flash, None);
        s.remove(&a);
        assert!(s.get(&a).is_none());
        assert!(!s.update(&a, |_| {}));
    }
}
