//! Authorization server metadata (RFC 8414 §2), which is also the OpenID
//! Provider metadata document (OpenID Connect Discovery §3). Only what works is
//! advertised.

use super::GrantType;
use super::client::AuthMethod;
use crate::tokens::JwsAlgorithm;
use serde::Serialize;

/// The ID token algorithms a client may choose, RS256 first.
pub const ID_TOKEN_ALGORITHMS: [JwsAlgorithm; 3] = [
    JwsAlgorithm::RS256,
    JwsAlgorithm::ES256,
    JwsAlgorithm::EdDSA,
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Metadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub userinfo_endpoint: String,
    pub end_session_endpoint: String,
    pub jwks_uri: String,
    pub introspection_endpoint: String,
    pub revocation_endpoint: String,
    pub scopes_supported: Vec<String>,
    pub response_types_supported: Vec<String>,
    pub response_modes_supported: Vec<String>,
    pub code_challenge_methods_supported: Vec<String>,
    pub subject_types_supported: Vec<String>,
    pub id_token_signing_alg_values_supported: Vec<String>,
    pub claims_supported: Vec<String>,
    /// The `acr` values ID tokens carry (`tokens::id_token::acr_of`).
    pub acr_values_supported: Vec<String>,
    pub prompt_values_supported: Vec<String>,
    /// RFC 9207: authorization responses carry `iss`.
    pub authorization_response_iss_parameter_supported: bool,
    pub grant_types_supported: Vec<String>,
    pub token_endpoint_auth_methods_supported: Vec<String>,
    pub token_endpoint_auth_signing_alg_values_supported: Vec<String>,
    pub introspection_endpoint_auth_methods_supported: Vec<String>,
    pub introspection_endpoint_auth_signing_alg_values_supported: Vec<String>,
    pub revocation_endpoint_auth_methods_supported: Vec<String>,
    pub revocation_endpoint_auth_signing_alg_values_supported: Vec<String>,
    pub service_documentation: String,
    pub ui_locales_supported: Vec<String>,
    /// Gatehouse extension: where the tenant's Biscuit root public keys are.
    pub biscuit_public_keys_uri: String,
    /// Gatehouse extension: revocation ids of revoked, unexpired access tokens.
    pub revocation_list_uri: String,
    /// Gatehouse extension: access token formats clients can be configured for.
    pub access_token_formats_supported: Vec<String>,
}

impl Metadata {
    pub fn new(
        issuer: &str,
        scopes: impl IntoIterator<Item = String>,
        grant_types: &[GrantType],
    ) -> Self {
        let methods: Vec<String> = AuthMethod::CONFIDENTIAL
            .iter()
            .map(|m| m.as_str().to_owned())
            .collect();
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut token_methods = methods.clone();
        token_methods.push(AuthMethod::None.as_str().to_owned());
        let algs: Vec<String> = JwsAlgorithm::ALL
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect();
        Self {
            issuer: issuer.to_owned(),
            authorization_endpoint: format!("{issuer}/authorize"),
            token_endpoint: format!("{issuer}/token"),
            userinfo_endpoint: format!("{issuer}/userinfo"),
            end_session_endpoint: format!("{issuer}/logout"),
            jwks_uri: format!("{issuer}/jwks"),
            introspection_endpoint: format!("{issuer}/introspect"),
            revocation_endpoint: format!("{issuer}/revoke"),
            scopes_supported: scopes.into_iter().collect(),
            response_types_supported: strings(&["code"]),
            response_modes_supported: strings(&["query"]),
            code_challenge_methods_supported: strings(&["S256"]),
            subject_types_supported: strings(&["public"]),
            // Discovery §3: MUST include RS256. Each client signs with its
            // own choice (id_token_signed_response_alg), RS256 by default.
            id_token_signing_alg_values_supported: ID_TOKEN_ALGORITHMS
                .iter()
                .map(|a| a.as_str().to_owned())
                .collect(),
            acr_values_supported: strings(&[
                crate::tokens::id_token::ACR_PASSWORD,
                crate::tokens::id_token::ACR_MFA,
            ]),
            claims_supported: strings(&[
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "at_hash",
                "sid",
                "amr",
                "acr",
                "name",
                "preferred_username",
                "updated_at",
                "email",
                "email_verified",
            ]),
            // `select_account` is accepted (it shows the login form, like
            // `login`) but not advertised: there is no account chooser.
            prompt_values_supported: strings(&["none", "login", "consent"]),
            authorization_response_iss_parameter_supported: true,
            grant_types_supported: grant_types.iter().map(|g| g.as_str().to_owned()).collect(),
            token_endpoint_auth_methods_supported: token_methods.clone(),
            token_endpoint_auth_signing_alg_values_supported: algs.clone(),
            introspection_endpoint_auth_methods_supported: methods.clone(),
            introspection_endpoint_auth_signing_alg_values_supported: algs.clone(),
            // RFC 7009 §2.1 and RFC 8414 §2: public clients revoke their own
            // tokens with only their client_id.
            revocation_endpoint_auth_methods_supported: token_methods.clone(),
            revocation_endpoint_auth_signing_alg_values_supported: algs,
            service_documentation: format!("{issuer}/docs"),
            // Exactly the languages with a complete catalogue (i18n).
            ui_locales_supported: crate::i18n::Locale::ALL
                .iter()
                .map(|l| l.tag().to_owned())
                .collect(),
            biscuit_public_keys_uri: format!("{issuer}/biscuit-keys"),
            revocation_list_uri: format!("{issuer}/revocations"),
            access_token_formats_supported: vec!["biscuit".into(), "jwt".into()],
        }
    }
}
