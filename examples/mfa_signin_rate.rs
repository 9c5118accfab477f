//! Sign-ins per second with a password and an authenticator app's code,
//! and with a password alone, against a running Gatehouse (bench/mfa.sh
//! runs it and compares the two).
//!
//! `mfa_signin_rate seed BASE FIRST COUNT FILE`: signs users `uFIRST..` in on
//! the account page of tenant `bench` and sets up an authenticator app for
//! each; writes `username base32-key last-used-step` lines to FILE, which a
//! `totp` run reads and writes back (a code is accepted once).
//! `mfa_signin_rate run BASE totp|password SECONDS CONNECTIONS [FILE|COUNT]`:
//! signs in again and again for SECONDS over CONNECTIONS connections, each a
//! browser of its own (its CSRF cookie, one sealed authorization request of
//! the first-party client `app`), and prints the sign-ins per second. `totp`
//! takes the users of FILE (each code used once: a user signs in at most once
//! per 30-second step and the next), `password` the first COUNT users, who have
//! no second factor.

use gatehouse::mfa::base32;
use gatehouse::mfa::totp::{STEP_SECS, TotpSecret, hotp};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const PASSWORD: &str = "bench-user-password";
const CB: &str = "http://127.0.0.1:3000/cb";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = actix_web::rt::System::new().block_on(async move {
        match args.first().map(String::as_str) {
            Some("seed") if args.len() == 5 => seed(&args[1], parse(&args[2]), parse(&args[3]), &args[4]).await,
            Some("run") if args.len() == 6 => run(&args[1], &args[2], parse(&args[3]), parse(&args[4]), &args[5]).await,
            _ => Err("usage: mfa_signin_rate seed BASE FIRST COUNT FILE | run BASE totp|password SECONDS CONNECTIONS FILE|COUNT".into()),
        }
    });
    if let Err(e) = result {
        eprintln!("mfa_signin_rate: {e}");
        std::process::exit(1);
    }
}

fn parse(s: &str) -> u64 {
    s.parse().unwrap_or_else(|_| {
        eprintln!("mfa_signin_rate: {s:?} is not a number");
        std::process::exit(2)
    })
}

type Error = Box<dyn std::error::Error>;

fn browser() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

fn field(html: &str, name: &str) -> Result<String, Error> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .ok_or_else(|| format!("no field {name} in the page"))?
        + marker.len();
    let end = html[start..].find('"').ok_or("an unterminated field")? + start;
    Ok(html[start..end].to_owned())
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn code(secret: &TotpSecret, step: u64) -> String {
    format!("{:06}", hotp(secret.expose(), step, 6))
}

/// Seeds `count` users over four connections at a time.
async fn seed(base: &str, first: u64, count: u64, file: &str) -> Result<(), Error> {
    const AT_ONCE: u64 = 4;
    let per = count.div_ceil(AT_ONCE);
    let tasks: Vec<_> = (0..AT_ONCE)
        .map(|k| {
            let base = base.to_owned();
            let (from, to) = (first + k * per, (first + (k + 1) * per).min(first + count));
            actix_web::rt::spawn(async move {
                seed_range(&base, from, to).await.map_err(|e| e.to_string())
            })
        })
        .collect();
    let mut lines = String::new();
    for t in tasks {
        lines.push_str(&t.await.map_err(|e| e.to_string())??);
    }
    std::fs::write(file, lines)?;
    Ok(())
}

/// Users `from..to`, each with an authenticator app: their lines.
async fn seed_range(base: &str, from: u64, to: u64) -> Result<String, Error> {
    let mut lines = String::new();
    for i in from..to {
        let user = format!("u{i}");
        let b = browser()?;
        let login = b
            .get(format!("{base}/t/bench/account"))
            .send()
            .await?
            .text()
            .await?;
        let form = [
            ("csrf", field(&login, "csrf")?),
            ("request", field(&login, "request")?),
            ("username", user.clone()),
            ("password", PASSWORD.to_owned()),
        ];
        let res = b
            .post(format!("{base}/t/bench/login"))
            .form(&form)
            .send()
            .await?;
        if res.status() != 302 {
            return Err(format!("{user}: the login answered {}", res.status()).into());
        }
        let account = b
            .get(format!("{base}/t/bench/account"))
            .send()
            .await?
            .text()
            .await?;
        let csrf = field(&account, "csrf")?;
        let setup = b
            .post(format!("{base}/t/bench/account/totp"))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await?
            .text()
            .await?;
        let at = setup
            .find("<code id=\"totp-key\">")
            .ok_or("no key on the set-up page")?
            + 20;
        let key: String = setup[at..at + setup[at..].find('<').ok_or("no key end")?]
            .split_whitespace()
            .collect();
        let secret = TotpSecret::from_bytes(base32::decode(&key).ok_or("a key that is no base32")?);
        let step = now_secs() / STEP_SECS;
        let form = [
            ("csrf", csrf),
            ("factor", field(&setup, "factor")?),
            ("code", code(&secret, step)),
        ];
        let res = b
            .post(format!("{base}/t/bench/account/totp/confirm"))
            .form(&form)
            .send()
            .await?;
        if res.status() != 302 {
            return Err(format!("{user}: the first code answered {}", res.status()).into());
        }
        lines.push_str(&format!("{user} {key} {step}\n"));
    }
    Ok(lines)
}

/// A user and the last step whose code they used.
struct Seeded {
    name: String,
    secret: Option<TotpSecret>,
    last_step: u64,
}

/// The users a run draws from, the least recently used first.
struct Pool(Mutex<VecDeque<Seeded>>);

impl Pool {
    /// A user and the step of the code to send (`None` for a password
    /// run): the current step or the next (the server accepts one either
    /// side), after the last used. `None` when every user has used both.
    fn take(&self) -> Option<(Seeded, Option<u64>)> {
        let mut q = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let now = now_secs() / STEP_SECS;
        for _ in 0..q.len() {
            let u = q.pop_front()?;
            if u.secret.is_none() {
                return Some((u, None));
            }
            let step = (u.last_step + 1).max(now);
            if step <= now + 1 {
                return Some((u, Some(step)));
            }
            q.push_back(u);
        }
        None
    }

    fn give_back(&self, u: Seeded) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(u);
    }
}

fn pool(mode: &str, users: &str) -> Result<Pool, Error> {
    let seeded: Vec<Seeded> = match mode {
        "totp" => std::fs::read_to_string(users)?
            .lines()
            .filter_map(|l| {
                let mut parts = l.split(' ');
                let (name, key, last) = (parts.next()?, parts.next()?, parts.next()?);
                Some(Seeded {
                    name: name.to_owned(),
                    secret: Some(TotpSecret::from_bytes(base32::decode(key)?)),
                    last_step: last.parse().ok()?,
                })
            })
            .collect(),
        "password" => (0..parse(users))
            .map(|i| Seeded {
                name: format!("p{i}"),
                secret: None,
                last_step: 0,
            })
            .collect(),
        other => return Err(format!("mode {other:?}: totp or password").into()),
    };
    Ok(Pool(Mutex::new(seeded.into())))
}

async fn run(
    base: &str,
    mode: &str,
    seconds: u64,
    connections: u64,
    users: &str,
) -> Result<(), Error> {
    let pool = Arc::new(pool(mode, users)?);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let (pool, base) = (pool.clone(), base.to_owned());
            actix_web::rt::spawn(async move { connection(&base, &pool, deadline).await })
        })
        .collect();
    let mut done = 0u64;
    for t in tasks {
        done += t.await.map_err(|e| e.to_string())??;
    }
    let secs = started.elapsed().as_secs_f64();
    if mode == "totp" {
        // The steps used, for the next run.
        let q = pool.0.lock().unwrap_or_else(|p| p.into_inner());
        let lines: String = q
            .iter()
            .filter_map(|u| {
                let key = base32::encode(u.secret.as_ref()?.expose());
                Some(format!("{} {key} {}\n", u.name, u.last_step))
            })
            .collect();
        std::fs::write(users, lines)?;
    }
    println!(
        "{mode} sign-ins: {done} in {secs:.1} s: {:.1}/s",
        done as f64 / secs
    );
    Ok(())
}

/// One browser signing in until the deadline; how many sign-ins.
async fn connection(base: &str, pool: &Pool, deadline: Instant) -> Result<u64, String> {
    let b = browser().map_err(|e| e.to_string())?;
    let url = format!(
        "{base}/t/bench/authorize?response_type=code&client_id=app&redirect_uri={}&scope=openid&state=s&code_challenge={CHALLENGE}&code_challenge_method=S256",
        urlencode(CB)
    );
    let e = |e: reqwest::Error| e.to_string();
    let page = b
        .get(&url)
        .send()
        .await
        .map_err(e)?
        .text()
        .await
        .map_err(e)?;
    let csrf = field(&page, "csrf").map_err(|e| e.to_string())?;
    let request = field(&page, "request").map_err(|e| e.to_string())?;
    let mut done = 0;
    while Instant::now() < deadline {
        let Some((mut user, step)) = pool.take() else {
            return Err("every user used the codes of this step and the next: seed more".into());
        };
        let form = [
            ("csrf", csrf.as_str()),
            ("request", request.as_str()),
            ("username", user.name.as_str()),
            ("password", PASSWORD),
        ];
        let res = b
            .post(format!("{base}/t/bench/login"))
            .form(&form)
            .send()
            .await
            .map_err(e)?;
        let status = match (&user.secret, step) {
            (Some(secret), Some(step)) => {
                let html = res.text().await.map_err(e)?;
                let pending = field(&html, "pending").map_err(|e| e.to_string())?;
                let code = code(secret, step);
                let form = [
                    ("csrf", csrf.as_str()),
                    ("request", request.as_str()),
                    ("pending", pending.as_str()),
                    ("kind", "totp"),
                    ("code", code.as_str()),
                ];
                let before = user.last_step;
                user.last_step = step;
                let res = b
                    .post(format!("{base}/t/bench/login/mfa"))
                    .form(&form)
                    .send()
                    .await
                    .map_err(e)?;
                let status = res.status();
                if status != 302 {
                    let body = res.text().await.unwrap_or_default();
                    let said = body
                        .split("role=\"alert\">")
                        .nth(1)
                        .and_then(|r| r.split('<').next())
                        .unwrap_or("");
                    let now = now_secs() / STEP_SECS;
                    return Err(format!(
                        "{}: the code of step {step} (now {now}, last used {before}) answered {status}: {said}",
                        user.name
                    ));
                }
                status
            }
            _ => res.status(),
        };
        if status != 302 {
            return Err(format!("{}: the sign-in answered {status}", user.name));
        }
        pool.give_back(user);
        done += 1;
    }
    Ok(done)
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
