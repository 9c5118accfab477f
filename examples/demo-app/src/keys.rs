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
    min_refetch: Duration,
}

impl Keys {
    pub fn new(issuer: &str, tenant: &str, http: reqwest::Client) -> Self {
        Self {
            issuer: issuer.to_owned(),
            tenant: tenant.to_owned(),
            http,
            cached: RwLock::new(None),
            min_refetch: MIN_REFETCH,
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
            Err(VerifyError::Invalid) if fetched.elapsed() >= self.min_refetch => {
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

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{App, HttpResponse, HttpServer, web};
    use biscuit_auth::{Biscuit, KeyPair};
    use std::sync::Mutex;

    fn token(root: &KeyPair, id: u32) -> String {
        Biscuit::builder()
            .code(
                r#"tenant("demo"); client("web"); sub("alice"); right("notes:read");
                   check if time($t), $t < 2099-01-01T00:00:00Z;"#,
            )
            .unwrap()
            .root_key_id(id)
            .build(root)
            .unwrap()
            .to_base64()
            .unwrap()
    }

    fn doc(keys: &[(u32, &KeyPair)]) -> serde_json::Value {
        let keys: Vec<_> = keys
            .iter()
            .map(|(id, k)| serde_json::json!({"root_key_id": id, "public_key": k.public().to_bytes_hex()}))
            .collect();
        serde_json::json!({ "keys": keys })
    }

    /// The issuer publishes key 1, then rotates to key 2: a token signed with
    /// key 2 verifies at once (one refetch), and after key 1 is retired the
    /// next fetch stops tokens signed with it.
    #[actix_web::test]
    async fn a_rotated_key_is_honoured_and_a_retired_one_stops() {
        let (one, two) = (KeyPair::new(), KeyPair::new());
        let published = web::Data::new(Mutex::new(doc(&[(1, &one)])));
        let served = published.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(served.clone())
                .route(
                    "/t/demo/biscuit-keys",
                    web::get().to(|d: web::Data<Mutex<serde_json::Value>>| async move {
                        HttpResponse::Ok().json(d.lock().unwrap().clone())
                    }),
                )
                .route(
                    "/t/demo/revocations",
                    web::get().to(|| async {
                        HttpResponse::Ok().json(serde_json::json!({"revoked": []}))
                    }),
                )
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let addr = server.addrs()[0];
        let handle = server.run();
        let stop = handle.handle();
        actix_web::rt::spawn(handle);

        let mut keys = Keys::new(
            &format!("http://{addr}/t/demo"),
            "demo",
            reqwest::Client::new(),
        );
        keys.min_refetch = Duration::ZERO;
        let read = Request::right("notes:read");
        let v = keys.verify(&token(&one, 1), &read).await.unwrap();
        assert_eq!(v.subject.as_deref(), Some("alice"));

        *published.lock().unwrap() = doc(&[(1, &one), (2, &two)]);
        assert!(
            keys.verify(&token(&two, 2), &read).await.is_ok(),
            "rotated in"
        );

        *published.lock().unwrap() = doc(&[(2, &two)]);
        *keys.cached.write().await = None; // the cache's age passed
        assert_eq!(
            keys.verify(&token(&one, 1), &read).await.unwrap_err(),
            VerifyError::Invalid,
            "retired"
        );
        stop.stop(true).await;
    }
}
