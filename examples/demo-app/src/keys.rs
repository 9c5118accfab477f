//! Offline verification of Gatehouse access tokens: the tenant's published
//! Biscuit root keys (`{issuer}/biscuit-keys`) and revocation list
//! (`{issuer}/revocations`), fetched and cached. A token that fails with the
//! cached keys is tried once more with freshly fetched ones (at most every few
//! seconds), so a key the tenant rotated in is honoured at once, and a key it
//! retired stops working at the next fetch.

use gatehouse::verify::{Request, Verified, Verifier, VerifyError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// Keys and revocations older than this are fetched again.
const MAX_AGE: Duration = Duration::from_secs(30);
/// A failed token triggers a fetch only when the cache is older than this.
const MIN_REFETCH: Duration = Duration::from_secs(5);

pub struct Keys {
    issuer: String,
    tenant: String,
    http: reqwest::Client,
    cached: RwLock<Option<(Arc<Verifier>, Instant)>>,
}

impl Keys {
    pub fn new(issuer: &str, tenant: &str, http: reqwest::Client) -> Self {
        Self {
            issuer: issuer.to_owned(),
            tenant: tenant.to_owned(),
            http,
            cached: RwLock::new(None),
        }
    }

    /// Checks `token` for `request`, offline (no call to Gatehouse unless the
    /// cache is stale).
    pub async fn verify(
        &self,
        token: &str,
        request: &Request<'_>,
    ) -> Result<Verified, VerifyError> {
        let (verifier, fetched) = self.current().await.map_err(|_| VerifyError::Invalid)?;
        match verifier.verify(token, request) {
            Err(VerifyError::Invalid) if fetched.elapsed() >= MIN_REFETCH => {
                let fresh = self.fetch().await.map_err(|_| VerifyError::Invalid)?;
                fresh.verify(token, request)
            }
            other => other,
        }
    }

    /// The current verifier, for parsing a token (attenuation).
    pub async fn verifier(&self) -> anyhow::Result<Arc<Verifier>> {
        Ok(self.current().await?.0)
    }

    async fn current(&self) -> anyhow::Result<(Arc<Verifier>, Instant)> {
        if let Some((v, at)) = self.cached.read().await.as_ref()
            && at.elapsed() < MAX_AGE
        {
            return Ok((v.clone(), *at));
        }
        let v = self.fetch().await?;
        Ok((v, Instant::now()))
    }

    async fn fetch(&self) -> anyhow::Result<Arc<Verifier>> {
        let keys: serde_json::Value = self
            .http
            .get(format!("{}/biscuit-keys", self.issuer))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let revoked: serde_json::Value = self
            .http
            .get(format!("{}/revocations", self.issuer))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let ids = revoked["revoked"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned));
        let verifier =
            Arc::new(Verifier::from_keys_document(&self.tenant, &keys)?.with_revoked(ids));
        *self.cached.write().await = Some((verifier.clone(), Instant::now()));
        Ok(verifier)
    }
}
