//! The user's own pages: the account page, setting up an authenticator app,
//! and the second-factor step of a sign-in.

use super::components::{Alert, actions, alert, field, submit};
use super::layout;
use crate::branding::PageBrand;
use crate::i18n::Text;
use maud::{Markup, html};

/// What the second-factor form asks for.
pub struct Asked<'a> {
    /// The sealed pending sign-in (`authn::pending`).
    pub pending: &'a str,
    /// The kind of factor asked for.
    pub kind: &'a str,
    /// The other kinds the user may use instead.
    pub others: Vec<&'a str>,
    /// Where a code was just mailed (masked).
    pub sent_to: Option<&'a str>,
}

/// The second-factor form of a sign-in: the code of the kind asked for,
/// and a button for each other kind the user has. `error` is a catalogue
/// key.
pub fn second_factor(
    t: &Text,
    brand: &PageBrand,
    f: &super::signin::FormState<'_>,
    asked: &Asked<'_>,
    error: Option<&str>,
) -> Markup {
    let recovery = asked.kind == "recovery";
    let sent = matches!(asked.kind, "email" | "sms");
    let (prompt, label, help) = match (asked.kind, asked.sent_to) {
        ("recovery", _) => (
            t.get("mfa-heading-recovery"),
            "mfa-recovery-code",
            "mfa-recovery-code-help",
        ),
        ("email", Some(a)) => (
            t.with("mfa-heading-email-sent", &[("address", a)]),
            "mfa-email-code",
            "mfa-email-code-help",
        ),
        ("email", None) => (
            t.get("mfa-heading-email"),
            "mfa-email-code",
            "mfa-email-code-help",
        ),
        ("sms", Some(a)) => (
            t.with("mfa-heading-sms-sent", &[("address", a)]),
            "mfa-sms-code",
            "mfa-email-code-help",
        ),
        ("sms", None) => (
            t.get("mfa-heading-sms"),
            "mfa-sms-code",
            "mfa-email-code-help",
        ),
        _ => (t.get("mfa-heading"), "mfa-code", "mfa-code-help"),
    };
    layout(
        t,
        brand,
        &t.get("mfa-title"),
        html! {
            h1 { (t.get("mfa-title")) }
            p #mfa-prompt { (prompt) }
            @if let Some(e) = error { (alert(Alert::Error, Some("mfa-error"), &t.get(e))) }
            form method="post" action=(f.action) {
                input type="hidden" name="csrf" value=(f.csrf);
                input type="hidden" name="request" value=(f.request);
                input type="hidden" name="pending" value=(asked.pending);
                input type="hidden" name="kind" value=(asked.kind);
                @if recovery {
                    (recovery_field(t, label, help, error.map(|_| "mfa-error")))
                } @else {
                    (code_field(t, label, help, error.map(|_| "mfa-error")))
                }
                (actions(submit(&t.get("mfa-submit"), true, None)))
                @if sent {
                    p { button.link type="submit" name="switch" value=(asked.kind) formnovalidate { (t.get(&format!("mfa-resend-{}", asked.kind))) } }
                }
                @for other in &asked.others {
                    p {
                        // Switching asks for nothing: the code field may stay empty.
                        button.link type="submit" name="switch" value=(other) formnovalidate {
                            (t.get(&format!("mfa-use-{other}")))
                        }
                    }
                }
            }
        },
    )
}

fn recovery_field(t: &Text, label: &str, help: &str, error_id: Option<&str>) -> Markup {
    let described = match error_id {
        Some(e) => format!("code-help {e}"),
        None => "code-help".to_owned(),
    };
    field(
        "code",
        &t.get(label),
        html! {
            input #code type="text" name="code" autocomplete="off" autocapitalize="characters"
                spellcheck="false" maxlength="32" required autofocus
                aria-invalid=[error_id.map(|_| "true")] aria-describedby=(described);
        },
        Some(&t.get(help)),
        None,
    )
}

/// A one-time code input (WCAG 1.3.5: `autocomplete="one-time-code"`).
fn code_field(t: &Text, label: &str, help: &str, error_id: Option<&str>) -> Markup {
    let described = match error_id {
        Some(e) => format!("code-help {e}"),
        None => "code-help".to_owned(),
    };
    field(
        "code",
        &t.get(label),
        html! {
            input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code"
                pattern="[0-9 ]*" maxlength="8" required autofocus
                aria-invalid=[error_id.map(|_| "true")] aria-describedby=(described);
        },
        Some(&t.get(help)),
        None,
    )
}

/// A factor as the account page lists it.
pub struct FactorItem {
    pub id: String,
    /// A catalogue key naming the kind (`account-factor-totp`).
    pub kind_key: &'static str,
    pub added: String,
    pub last_used: Option<String>,
    /// Which one (the masked phone number).
    pub detail: Option<String>,
}

/// Who the user is, as the account page shows it.
pub struct Profile<'a> {
    pub username: &'a str,
    pub email: Option<&'a str>,
    pub display_name: Option<&'a str>,
}

pub struct AccountPage<'a> {
    pub profile: Profile<'a>,
    pub factors: &'a [FactorItem],
    /// Whether the tenant has second factors at all (`mfa.policy` not off).
    pub mfa: bool,
    /// Whether an authenticator app can be added (the user has none).
    pub can_add_totp: bool,
    /// Whether codes by email can be turned on (the user has an address).
    pub can_add_email: bool,
    /// Whether codes by text message can be turned on.
    pub can_add_sms: bool,
    /// Recovery codes: `None` when the user has no other factor, else how
    /// many of a set are left (`Some(None)`: no set yet).
    pub recovery: Option<Option<i64>>,
    pub csrf: &'a str,
    /// `/t/{slug}/account`.
    pub base: &'a str,
    /// A catalogue key of something just done (`account-notice-…`).
    pub notice: Option<&'a str>,
    pub sessions: &'a [super::account_sections::SessionItem],
    pub apps: &'a [super::account_sections::AppItem],
    /// What the password form says after a refusal.
    pub password_error: Option<&'a str>,
}

pub fn account(t: &Text, brand: &PageBrand, p: &AccountPage<'_>) -> Markup {
    layout(
        t,
        brand,
        &t.get("account-title"),
        html! {
            h1 { (t.with("account-heading", &[("tenant", brand.name.as_str())])) }
            @if let Some(n) = p.notice { (alert(Alert::Success, Some("notice"), &t.get(n))) }
            h2 { (t.get("account-profile")) }
            dl.profile #profile {
                dt { (t.get("account-username")) } dd #profile-username { (p.profile.username) }
                @if let Some(name) = p.profile.display_name { dt { (t.get("account-name")) } dd { (name) } }
                @if let Some(email) = p.profile.email { dt { (t.get("account-email")) } dd { (email) } }
            }
            @if p.mfa { (factors_section(t, p)) }
            (super::account_sections::sessions(t, p.sessions, p.csrf, p.base))
            (super::account_sections::apps(t, p.apps, p.csrf, p.base))
            (super::account_sections::password(t, p.csrf, p.base, p.password_error))
        },
    )
}

/// The user's second factors, the authenticator app to add, the recovery
/// codes.
fn factors_section(t: &Text, p: &AccountPage<'_>) -> Markup {
    html! {
        h2 { (t.get("account-factors")) }
        @if p.factors.is_empty() {
            p #factors-none { (t.get("account-factors-none")) }
        } @else {
            ul.factor-list #factors {
                @for f in p.factors {
                    li {
                        span.factor-text {
                            strong { (t.get(f.kind_key)) }
                            @if let Some(d) = &f.detail { span { (d) } }
                            span.muted { (t.with("account-factor-added", &[("date", f.added.as_str())])) }
                            @if let Some(used) = &f.last_used {
                                span.muted { (t.with("account-factor-used", &[("date", used.as_str())])) }
                            }
                        }
                        form method="post" action=(format!("{}/factors/remove", p.base)) {
                            input type="hidden" name="csrf" value=(p.csrf);
                            input type="hidden" name="factor" value=(f.id);
                            (submit(&t.get("account-factor-remove"), false, None))
                        }
                    }
                }
            }
        }
        @if p.can_add_totp {
            form method="post" action=(format!("{}/totp", p.base)) {
                input type="hidden" name="csrf" value=(p.csrf);
                (actions(submit(&t.get("account-totp-add"), true, None)))
            }
        }
        @if p.can_add_email {
            form method="post" action=(format!("{}/email", p.base)) {
                input type="hidden" name="csrf" value=(p.csrf);
                (actions(submit(&t.get("account-email-add"), false, None)))
            }
        }
        @if p.can_add_sms { (phone_fields(t, p.csrf, &format!("{}/sms", p.base), "", false)) }
        @if let Some(left) = p.recovery {
            h2 { (t.get("account-recovery")) }
            p #recovery-left {
                @match left {
                    Some(n) => (t.with("account-recovery-left", &[("count", n.to_string().as_str())])),
                    None => (t.get("account-recovery-none")),
                }
            }
            form method="post" action=(format!("{}/recovery", p.base)) {
                input type="hidden" name="csrf" value=(p.csrf);
                @let key = if left.is_some() { "account-recovery-renew" } else { "account-recovery-create" };
                (actions(submit(&t.get(key), false, None)))
            }
        }
    }
}

/// Turning codes by email or text message on: where the first code went,
/// and the form for it.
pub struct CodeSetup<'a> {
    /// `email` or `sms`.
    pub kind: &'a str,
    pub sent_to: Option<&'a str>,
    pub hidden: &'a [(&'a str, &'a str)],
    pub action: &'a str,
    /// A catalogue key.
    pub error: Option<&'a str>,
}

pub fn code_setup(t: &Text, brand: &PageBrand, e: &CodeSetup<'_>) -> Markup {
    let title = t.get(&format!("{}-title", e.kind));
    layout(
        t,
        brand,
        &title,
        html! {
            h1 { (title) }
            @if let Some(err) = e.error { (alert(Alert::Error, Some("code-error"), &t.get(err))) }
            @if let Some(a) = e.sent_to { p #code-sent { (t.with(&format!("{}-sent", e.kind), &[("address", a)])) } }
            form method="post" action=(e.action) {
                @for (name, value) in e.hidden { input type="hidden" name=(name) value=(value); }
                (code_field(t, &format!("mfa-{}-code", e.kind), "mfa-email-code-help", e.error.map(|_| "code-error")))
                (actions(submit(&t.get("code-submit"), true, None)))
            }
        },
    )
}

/// The mobile number to text codes to; `invalid` after one that was not.
pub fn phone_form(
    t: &Text,
    brand: &PageBrand,
    csrf: &str,
    action: &str,
    typed: &str,
    invalid: bool,
) -> Markup {
    layout(
        t,
        brand,
        &t.get("sms-title"),
        html! {
            h1 { (t.get("sms-title")) }
            @if invalid { (alert(Alert::Error, Some("phone-error"), &t.get("account-sms-phone-invalid"))) }
            (phone_fields(t, csrf, action, typed, invalid))
        },
    )
}

/// The number field and its button (on the account page, and again after a
/// number that was not one).
fn phone_fields(t: &Text, csrf: &str, action: &str, typed: &str, invalid: bool) -> Markup {
    let described = if invalid {
        "phone-help phone-error"
    } else {
        "phone-help"
    };
    html! {
        form method="post" action=(action) {
            input type="hidden" name="csrf" value=(csrf);
            (field("phone", &t.get("account-sms-phone"), html! {
                input #phone type="tel" name="phone" autocomplete="tel" inputmode="tel" required
                    value=(typed) aria-invalid=[invalid.then_some("true")] aria-describedby=(described);
            }, Some(&t.get("account-sms-phone-help")), None))
            (actions(submit(&t.get("account-sms-add"), false, None)))
        }
    }
}

/// A new set of recovery codes, shown this once.
pub fn recovery_codes(t: &Text, brand: &PageBrand, codes: &[String], back: &str) -> Markup {
    layout(
        t,
        brand,
        &t.get("recovery-title"),
        html! {
            h1 { (t.get("recovery-title")) }
            (alert(Alert::Info, None, &t.get("recovery-once")))
            ol.recovery-codes #recovery-codes {
                @for c in codes { li { code { (c) } } }
            }
            p { (t.get("recovery-use")) }
            p { a.button.primary href=(back) { (t.get("recovery-done")) } }
        },
    )
}

/// Setting up an authenticator app: the QR code, the key as text, and the
/// first code that turns it on.
pub struct TotpSetup<'a> {
    pub qr: Option<Markup>,
    /// The key in groups of four, as apps take it typed.
    pub key: String,
    pub uri: &'a str,
    /// What the form carries besides the code (the CSRF token, …).
    pub hidden: &'a [(&'a str, &'a str)],
    pub action: &'a str,
    /// A catalogue key (`totp-error-…`).
    pub error: Option<&'a str>,
}

pub fn totp_setup(t: &Text, brand: &PageBrand, s: &TotpSetup<'_>) -> Markup {
    layout(
        t,
        brand,
        &t.get("totp-title"),
        html! {
            h1 { (t.get("totp-title")) }
            @if let Some(e) = s.error { (alert(Alert::Error, Some("totp-error"), &t.get(e))) }
            p { (t.get("totp-scan")) }
            @if let Some(qr) = &s.qr { div.qr-box #totp-qr { (qr) } }
            p { (t.get("totp-manual")) }
            p { code #totp-key { (s.key) } }
            details {
                summary { (t.get("totp-uri")) }
                p { code #totp-uri { (s.uri) } }
            }
            form method="post" action=(s.action) {
                @for (name, value) in s.hidden { input type="hidden" name=(name) value=(value); }
                (code_field(t, "totp-code", "totp-code-help", s.error.map(|_| "totp-error")))
                (actions(submit(&t.get("totp-submit"), true, None)))
            }
        },
    )
}

/// Setting up an authenticator app, from the account page or inside a
/// sign-in: the QR code and key of `setup`; the form posts `hidden` and the
/// code to `action`.
pub fn totp_setup_for(
    t: &Text,
    brand: &PageBrand,
    setup: &crate::authn::account::Setup,
    action: &str,
    hidden: &[(&str, &str)],
    error: Option<&str>,
) -> Markup {
    let view = TotpSetup {
        qr: super::qr::svg(&setup.uri, &t.get("totp-qr-label")),
        key: grouped(&setup.secret.base32()),
        uri: &setup.uri,
        hidden,
        action,
        error,
    };
    totp_setup(t, brand, &view)
}

/// A base32 key in groups of four characters.
pub fn grouped(key: &str) -> String {
    key.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_key_is_shown_in_groups_of_four() {
        assert_eq!(super::grouped("JBSWY3DPEHPK3PXP"), "JBSW Y3DP EHPK 3PXP");
        assert_eq!(super::grouped("ABCDEF"), "ABCD EF");
    }
}
