//! Time-based one-time passwords, RFC 6238: HOTP (RFC 4226 §5) over the
//! number of 30-second steps since the Unix epoch, HMAC-SHA-1, 6 digits —
//! what every authenticator app computes by default.
//!
//! A code is accepted for the current step and one step either side (RFC
//! 6238 §5.2, clock drift), and once only: the caller stores the step of the
//! last accepted code, and a code of that step or an earlier one is a replay
//! (§5.2: "the verifier MUST NOT accept the second attempt of the same
//! OTP"). Codes are compared in constant time.

use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer;
use subtle::ConstantTimeEq;

/// Seconds per step (RFC 6238 §5.2's recommended 30).
pub const STEP_SECS: u64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Steps accepted either side of the current one.
pub const WINDOW: u64 = 1;
/// Secret length: 160 bits, the HMAC-SHA-1 output size (RFC 4226 §4 R6).
pub const SECRET_BYTES: usize = 20;

/// A TOTP shared secret. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(REDACTED)")
    }
}

impl TotpSecret {
    /// 160 random bits from the operating system's generator.
    pub fn generate() -> Self {
        use rand::RngCore;
        let mut bytes = vec![0u8; SECRET_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The secret as the person types it into an app (base32, unpadded).
    pub fn base32(&self) -> String {
        super::base32::encode(&self.0)
    }

    /// The Key URI an app scans (Google Authenticator's "Key Uri Format"):
    /// `otpauth://totp/{issuer}:{account}?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`.
    pub fn uri(&self, issuer: &str, account: &str) -> String {
        let enc = |s: &str| -> String {
            url::form_urlencoded::byte_serialize(s.as_bytes())
                .collect::<String>()
                .replace('+', "%20")
        };
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
            enc(issuer),
            enc(account),
            self.base32(),
            enc(issuer)
        )
    }
}

/// HOTP (RFC 4226 §5.3): HMAC-SHA-1 of the big-endian counter, dynamically
/// truncated to `digits` decimal digits.
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    let mac = hmac_sha1(key, &counter.to_be_bytes());
    let offset = usize::from(mac[19] & 0x0f);
    let binary = (u32::from(mac[offset]) & 0x7f) << 24
        | u32::from(mac[offset + 1]) << 16
        | u32::from(mac[offset + 2]) << 8
        | u32::from(mac[offset + 3]);
    binary % 10u32.pow(digits)
}

fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; 20] {
    let mut out = [0u8; 20];
    // HMAC over OpenSSL cannot fail for SHA-1 and any key length; if it
    // ever did, the all-zero MAC below matches no code a person has.
    let computed = PKey::hmac(key)
        .and_then(|k| {
            let mut s = Signer::new(MessageDigest::sha1(), &k)?;
            s.update(message)?;
            s.sign_to_vec()
        })
        .ok();
    if let Some(mac) = computed.filter(|m| m.len() == 20) {
        out.copy_from_slice(&mac);
    }
    out
}

/// The step a Unix time falls in.
pub fn step_at(unix_secs: u64) -> u64 {
    unix_secs / STEP_SECS
}

/// The code of `secret` at `unix_secs`, zero-padded.
pub fn code_at(secret: &TotpSecret, unix_secs: u64) -> String {
    format!(
        "{:0width$}",
        hotp(&secret.0, step_at(unix_secs), DIGITS),
        width = DIGITS as usize
    )
}

/// What a submitted code is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Right, for `step`: store it as the last used step.
    Accepted { step: u64 },
    /// Right, but for a step already used (or before it): refuse.
    Replayed,
    /// Not a code of the window (or not six digits).
    Wrong,
}

/// Checks `submitted` (spaces allowed, as apps show `123 456`) against the
/// steps around `unix_secs`. Every step of the window is computed and
/// compared in constant time, whichever matches.
pub fn check(
    secret: &TotpSecret,
    submitted: &str,
    unix_secs: u64,
    last_used_step: Option<u64>,
) -> Check {
    let code: String = submitted.chars().filter(|c| *c != ' ').collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Check::Wrong;
    }
    let now = step_at(unix_secs);
    let mut matched: Option<u64> = None;
    for step in now.saturating_sub(WINDOW)..=now + WINDOW {
        let expected = format!(
            "{:0width$}",
            hotp(&secret.0, step, DIGITS),
            width = DIGITS as usize
        );
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            matched = Some(step);
        }
    }
    match (matched, last_used_step) {
        (None, _) => Check::Wrong,
        (Some(step), Some(last)) if step <= last => Check::Replayed,
        (Some(step), _) => Check::Accepted { step },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_KEY: &[u8] = b"12345678901234567890";

    /// RFC 4226 Appendix D.
    #[test]
    fn hotp_matches_rfc_4226() {
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, code) in expected.into_iter().enumerate() {
            assert_eq!(hotp(RFC_KEY, counter as u64, 6), code, "counter {counter}");
        }
    }

    /// RFC 6238 Appendix B, SHA-1 (8 digits there).
    #[test]
    fn totp_matches_rfc_6238() {
        for (time, code) in [
            (59u64, 94287082u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(hotp(RFC_KEY, step_at(time), 8), code, "T = {time}");
        }
        let secret = TotpSecret::from_bytes(RFC_KEY.to_vec());
        assert_eq!(code_at(&secret, 1111111109), "081804");
    }

    #[test]
    fn one_step_either_side_is_accepted_two_are_not() {
        let secret = TotpSecret::generate();
        let now: u64 = 1_800_000_015;
        for (offset, accepted) in [
            (-60i64, false),
            (-30, true),
            (0, true),
            (30, true),
            (60, false),
        ] {
            let code = code_at(&secret, now.saturating_add_signed(offset));
            let got = check(&secret, &code, now, None);
            assert_eq!(
                matches!(got, Check::Accepted { .. }),
                accepted,
                "offset {offset}: {got:?}"
            );
        }
        let code = code_at(&secret, now);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(
            check(&secret, &spaced, now, None),
            Check::Accepted { step: step_at(now) }
        );
    }

    #[test]
    fn a_code_is_accepted_once() {
        let secret = TotpSecret::generate();
        let now = 1_800_000_000;
        let code = code_at(&secret, now);
        let Check::Accepted { step } = check(&secret, &code, now, None) else {
            panic!("first use");
        };
        assert_eq!(check(&secret, &code, now + 10, Some(step)), Check::Replayed);
        // The previous step's code, after the current one was used: also refused.
        let earlier = code_at(&secret, now - 30);
        assert_eq!(check(&secret, &earlier, now, Some(step)), Check::Replayed);
        // The next step's code is new.
        let next = code_at(&secret, now + 30);
        assert_eq!(
            check(&secret, &next, now + 30, Some(step)),
            Check::Accepted { step: step + 1 }
        );
    }

    #[test]
    fn anything_but_six_digits_is_wrong() {
        let secret = TotpSecret::generate();
        for bad in ["", "12345", "1234567", "12345a", "١٢٣٤٥٦"] {
            assert_eq!(
                check(&secret, bad, 1_800_000_000, None),
                Check::Wrong,
                "{bad}"
            );
        }
    }

    #[test]
    fn the_key_uri_is_what_apps_scan() {
        let secret = TotpSecret::from_bytes(b"foobar".to_vec());
        assert_eq!(
            secret.uri("ACME Cloud", "alice@acme.example"),
            "otpauth://totp/ACME%20Cloud:alice%40acme.example?secret=MZXW6YTBOI&issuer=ACME%20Cloud&algorithm=SHA1&digits=6&period=30"
        );
        assert!(!format!("{secret:?}").contains("MZXW"));
        assert_eq!(TotpSecret::generate().expose().len(), 20);
    }
}
