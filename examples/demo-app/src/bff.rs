//! The backend-for-frontend: everything the pages do with tokens, on the
//! server. The browser holds a session cookie; the session holds the tokens;
//! a token about to expire is refreshed before it is used.

use crate::config::Config;
use crate::keys::Keys;
use crate::notes::{self, Note, Notes};
use crate::oidc::{self, Oidc};
use crate::sessions::{Sessions, Tokens};
use crate::{authzen, share};
use anyhow::{Context, bail};
use chrono::Utc;
use gatehouse::verify::Verified;

pub struct Bff {
    pub config: Config,
    pub oidc: Oidc,
    pub keys: Keys,
    pub notes: Notes,
    pub sessions: Sessions,
    pub http: reqwest::Client,
}

/// What the home page shows a signed-in user.
pub struct Home {
    pub tokens: Tokens,
    pub verified: Result<Verified, notes::Refused>,
    pub notes: Vec<Note>,
}

impl Bff {
    pub fn new(config: Config) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            // OpenID discovery and the token endpoint never redirect here.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()?;
        Ok(Self {
            oidc: Oidc::new(config.clone(), http.clone()),
            keys: Keys::new(&config.issuer, &config.tenant, http.clone()),
            notes: Notes::default(),
            sessions: Sessions::default(),
            http,
            config,
        })
    }

    /// The session's tokens, refreshed first when they are about to expire.
    /// `None` when not signed in, or when the refresh failed (the session is
    /// then signed out: the tokens are of no use any more).
    pub async fn tokens(&self, sid: &str) -> Option<Tokens> {
        let current = self.sessions.get(sid)?.tokens?;
        if !oidc::needs_refresh(&current, Utc::now(), self.config.refresh_before_secs) {
            return Some(current);
        }
        match self.refresh(sid).await {
            Ok(t) => Some(t),
            Err(e) => {
                tracing::info!(error = %e, "refresh failed; the session is signed out");
                self.sessions.update(sid, |s| {
                    s.tokens = None;
                    s.flash = Some("Your sign-in expired; sign in again.".into());
                });
                None
            }
        }
    }

    pub async fn home(&self, sid: &str) -> Option<Home> {
        let tokens = self.tokens(sid).await?;
        let (verified, notes) =
            match notes::list(&self.keys, &self.notes, &tokens.access_token).await {
                Ok((v, n)) => (Ok(v), n),
                Err(e) => (Err(e), Vec::new()),
            };
        Some(Home {
            tokens,
            verified,
            notes,
        })
    }

    /// Starts a sign-in: the authorization URL to redirect to.
    pub async fn begin_login(&self, sid: &str) -> anyhow::Result<String> {
        let (url, pending) = self.oidc.start().await?;
        if !self.sessions.update(sid, |s| s.pending = Some(pending)) {
            bail!("no session");
        }
        Ok(url)
    }

    /// The callback: the state must be the session's (RFC 6749 §10.12), the
    /// code is redeemed once, the pending sign-in is used up either way.
    pub async fn complete_login(&self, sid: &str, code: &str, state: &str) -> anyhow::Result<()> {
        let mut pending = None;
        self.sessions.update(sid, |s| pending = s.pending.take());
        let pending = pending.context("no sign-in was started in this browser session")?;
        if pending.state != state {
            bail!("the state does not match the sign-in this session started");
        }
        let tokens = self.oidc.finish(code, &pending).await?;
        self.sessions.update(sid, |s| s.tokens = Some(tokens));
        Ok(())
    }

    pub async fn refresh(&self, sid: &str) -> anyhow::Result<Tokens> {
        let current = self
            .sessions
            .get(sid)
            .and_then(|s| s.tokens)
            .context("not signed in")?;
        let next = self.oidc.refresh(&current).await?;
        self.sessions.update(sid, |s| s.tokens = Some(next.clone()));
        Ok(next)
    }

    /// Ends the app's session; returns where to send the browser: the
    /// tenant's logout (which ends the Gatehouse session and revokes its
    /// refresh tokens), or home when the session was not signed in.
    pub async fn logout(&self, sid: &str) -> anyhow::Result<Option<String>> {
        let Some(tokens) = self.sessions.remove(sid).and_then(|s| s.tokens) else {
            return Ok(None);
        };
        Ok(Some(self.oidc.logout_url(&tokens.id_token).await?))
    }

    /// A new note, if the tenant's decision point allows it (the remote path).
    pub async fn create_note(
        &self,
        sid: &str,
        title: &str,
    ) -> anyhow::Result<Result<Note, String>> {
        let tokens = self.tokens(sid).await.context("not signed in")?;
        let allowed = authzen::decide(
            &self.http,
            &self.config,
            &tokens.access_token,
            "notes:write",
            "new",
        )
        .await?;
        if !allowed {
            return Ok(Err(
                "AuthZEN said no: this token may not notes:write (was the scope unticked?)".into(),
            ));
        }
        let title = if title.trim().is_empty() {
            "Untitled"
        } else {
            title.trim()
        };
        Ok(Ok(self.notes.add(
            &tokens.subject,
            title,
            "Written after AuthZEN allowed notes:write.",
        )))
    }

    /// A link that reads note `id` for ten minutes, and nothing else.
    pub async fn share(&self, sid: &str, id: &str) -> anyhow::Result<String> {
        let tokens = self.tokens(sid).await.context("not signed in")?;
        // Only the owner shares: reading it with the full token first.
        notes::read(&self.keys, &self.notes, &tokens.access_token, id)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let narrowed = share::narrow(&self.keys, &tokens.access_token, id, Utc::now()).await?;
        let mut link = url::Url::parse(&format!("{}/shared/{id}", self.config.public_url))?;
        link.query_pairs_mut().append_pair("token", &narrowed);
        Ok(link.to_string())
    }
}
