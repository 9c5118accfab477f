//! The shape of a tenant file as written: every value keeps its position
//! (`Spanned`) so a refusal can name the line. Unknown keys are refused.

use marked_yaml::Spanned;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTenant {
    pub(super) slug: Spanned<String>,
    pub(super) name: Spanned<String>,
    pub(super) signing_algorithm: Option<Spanned<String>>,
    /// The default algorithm of the clients' ID tokens (RS256 if unset).
    pub(super) id_token_signing_alg: Option<Spanned<String>>,
    /// `active` or `suspended`; when set, the file owns the tenant's status.
    pub(super) status: Option<Spanned<String>>,
    /// The pages' language when a request names none we have (`en`).
    pub(super) default_locale: Option<Spanned<String>>,
    /// The tenant's look on its pages (docs/branding.md).
    pub(super) branding: Option<RawBranding>,
    /// The tenant's MFA policy (docs/mfa.md).
    pub(super) mfa: Option<RawMfa>,
    #[serde(default)]
    pub(super) scopes: Vec<RawScope>,
    #[serde(default)]
    pub(super) roles: Vec<RawRole>,
    #[serde(default)]
    pub(super) clients: Vec<RawClient>,
    #[serde(default)]
    pub(super) users: Vec<RawUser>,
    /// Authorization policies in Biscuit Datalog, in evaluation order.
    #[serde(default)]
    pub(super) policies: Vec<RawPolicy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBranding {
    pub(super) display_name: Option<Spanned<String>>,
    /// A file next to the tenant file (PNG, SVG or WebP).
    pub(super) logo: Option<Spanned<String>>,
    /// A file next to the tenant file (PNG, SVG, WebP or ICO).
    pub(super) favicon: Option<Spanned<String>>,
    pub(super) primary_color: Option<Spanned<String>>,
    pub(super) support_url: Option<Spanned<String>>,
    pub(super) terms_url: Option<Spanned<String>>,
    pub(super) privacy_url: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMfa {
    /// `off`, `optional` (the default) or `required`.
    pub(super) policy: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) required_for_roles: Vec<Spanned<String>>,
    /// The kinds of factor accepted (every kind this version has by default).
    pub(super) methods: Option<Vec<Spanned<String>>>,
    /// Sign-in with a passkey alone; needs passkeys (not in this version).
    pub(super) passwordless: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPolicy {
    pub(super) name: Spanned<String>,
    pub(super) code: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScope {
    pub(super) name: Spanned<String>,
    /// A string, or a map from language (`en`, `ru`) to text.
    #[serde(default)]
    pub(super) description: RawText,
    /// The permissions the scope carries into tokens.
    #[serde(default)]
    pub(super) permissions: Vec<Spanned<String>>,
}

/// Text in one language or in several (`{ en: ..., ru: ... }`).
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawText {
    Plain(String),
    ByLocale(std::collections::BTreeMap<String, String>),
}

impl Default for RawText {
    fn default() -> Self {
        RawText::Plain(String::new())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRole {
    pub(super) name: Spanned<String>,
    #[serde(default)]
    pub(super) description: String,
    #[serde(default)]
    pub(super) permissions: Vec<Spanned<String>>,
    /// Roles whose permissions this one also carries.
    #[serde(default)]
    pub(super) includes: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawClient {
    pub(super) client_id: Spanned<String>,
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) public: bool,
    pub(super) secret: Option<Spanned<String>>,
    pub(super) secret_sha256: Option<Spanned<String>>,
    pub(super) secret_env: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) redirect_uris: Vec<Spanned<String>>,
    pub(super) grant_types: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) scopes: Vec<Spanned<String>>,
    pub(super) token_endpoint_auth_method: Option<Spanned<String>>,
    pub(super) jwks: Option<serde_json::Value>,
    pub(super) default_scopes: Option<Vec<Spanned<String>>>,
    pub(super) access_token_format: Option<Spanned<String>>,
    pub(super) access_token_ttl: Option<Spanned<String>>,
    pub(super) refresh_token_ttl: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) first_party: bool,
    #[serde(default)]
    pub(super) allow_plain_pkce: bool,
    pub(super) refresh_grace_period: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) post_logout_redirect_uris: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) allow_implicit: bool,
    /// Roles the client holds for its own (client_credentials) tokens.
    #[serde(default)]
    pub(super) service_roles: Vec<Spanned<String>>,
    /// RFC 8693: audiences (or resources) the client may exchange tokens for.
    #[serde(default)]
    pub(super) token_exchange_audiences: Vec<Spanned<String>>,
    /// OpenID Connect Dynamic Registration §2: the algorithm of this
    /// client's ID tokens (the tenant's default if unset).
    pub(super) id_token_signed_response_alg: Option<Spanned<String>>,
    /// Web origins its browser code calls the token endpoint from (CORS).
    pub(super) allowed_origins: Option<Vec<Spanned<String>>>,
    /// RFC 7591 §2: the client's home page, logo, privacy policy, terms.
    pub(super) client_uri: Option<Spanned<String>>,
    pub(super) logo_uri: Option<Spanned<String>>,
    pub(super) policy_uri: Option<Spanned<String>>,
    pub(super) tos_uri: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUser {
    pub(super) username: Spanned<String>,
    pub(super) email: Option<Spanned<String>>,
    pub(super) display_name: Option<String>,
    pub(super) password: Option<Spanned<String>>,
    pub(super) password_hash: Option<Spanned<String>>,
    pub(super) password_env: Option<Spanned<String>>,
    pub(super) roles: Option<Vec<Spanned<String>>>,
    /// `active` or `disabled`; when set, the file owns the user's status.
    pub(super) status: Option<Spanned<String>>,
}
