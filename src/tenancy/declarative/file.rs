//! Reading and validating tenant files. Every error names the file, the line and
//! the reason; a file with any error is rejected whole.

use super::error::ApplyError;
use super::spec::{
    ClientDecl, ClientSecret, PasswordSource, RoleSpec, ScopeSpec, Slug, TenantSpec, UserSpec,
};
use crate::config::SecretString;
use crate::identity::password::PasswordHasher;
use crate::oauth::{AuthMethod, ClientId, GrantType, RedirectUri, ScopeName};
use crate::tokens::{AccessTokenFormat, JwsAlgorithm};
use marked_yaml::{LoaderOptions, Spanned};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Environment and policy that parsing depends on.
pub struct ParseOptions<'a> {
    /// Plain `secret:`/`password:` values are for local development: they are
    /// accepted only when the server's public URL is a loopback address.
    pub allow_plain_secrets: bool,
    /// Looks up `secret_env`/`password_env` variables.
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTenant {
    slug: Spanned<String>,
    name: Spanned<String>,
    signing_algorithm: Option<Spanned<String>>,
    /// The default algorithm of the clients' ID tokens (RS256 if unset).
    id_token_signing_alg: Option<Spanned<String>>,
    /// `active` or `suspended`; when set, the file owns the tenant's status.
    status: Option<Spanned<String>>,
    #[serde(default)]
    scopes: Vec<RawScope>,
    #[serde(default)]
    roles: Vec<RawRole>,
    #[serde(default)]
    clients: Vec<RawClient>,
    #[serde(default)]
    users: Vec<RawUser>,
    /// Authorization policies in Biscuit Datalog, in evaluation order.
    #[serde(default)]
    policies: Vec<RawPolicy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    name: Spanned<String>,
    code: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScope {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    /// The permissions the scope carries into tokens.
    #[serde(default)]
    permissions: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRole {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    permissions: Vec<Spanned<String>>,
    /// Roles whose permissions this one also carries.
    #[serde(default)]
    includes: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClient {
    client_id: Spanned<String>,
    name: Option<String>,
    #[serde(default)]
    public: bool,
    secret: Option<Spanned<String>>,
    secret_sha256: Option<Spanned<String>>,
    secret_env: Option<Spanned<String>>,
    #[serde(default)]
    redirect_uris: Vec<Spanned<String>>,
    grant_types: Vec<Spanned<String>>,
    #[serde(default)]
    scopes: Vec<Spanned<String>>,
    token_endpoint_auth_method: Option<Spanned<String>>,
    jwks: Option<serde_json::Value>,
    default_scopes: Option<Vec<Spanned<String>>>,
    access_token_format: Option<Spanned<String>>,
    access_token_ttl: Option<Spanned<String>>,
    refresh_token_ttl: Option<Spanned<String>>,
    #[serde(default)]
    first_party: bool,
    #[serde(default)]
    allow_plain_pkce: bool,
    refresh_grace_period: Option<Spanned<String>>,
    #[serde(default)]
    post_logout_redirect_uris: Vec<Spanned<String>>,
    #[serde(default)]
    allow_implicit: bool,
    /// Roles the client holds for its own (client_credentials) tokens.
    #[serde(default)]
    service_roles: Vec<Spanned<String>>,
    /// RFC 8693: audiences (or resources) the client may exchange tokens for.
    #[serde(default)]
    token_exchange_audiences: Vec<Spanned<String>>,
    /// OpenID Connect Dynamic Registration §2: the algorithm of this
    /// client's ID tokens (the tenant's default if unset).
    id_token_signed_response_alg: Option<Spanned<String>>,
    /// Web origins its browser code calls the token endpoint from (CORS).
    allowed_origins: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    username: Spanned<String>,
    email: Option<Spanned<String>>,
    display_name: Option<String>,
    password: Option<Spanned<String>>,
    password_hash: Option<Spanned<String>>,
    password_env: Option<Spanned<String>>,
    roles: Option<Vec<Spanned<String>>>,
    /// `active` or `disabled`; when set, the file owns the user's status.
    status: Option<Spanned<String>>,
}

/// Reads one file, or every `*.yaml`/`*.yml` file of a directory (sorted by
/// name); any invalid file fails the whole load.
pub fn load_path(path: &Path, opts: &ParseOptions<'_>) -> Result<Vec<TenantSpec>, ApplyError> {
    let files = tenant_files(path)?;
    let mut specs: Vec<TenantSpec> = Vec::with_capacity(files.len());
    for file in files {
        let spec = load_file(&file, opts)?;
        if let Some(other) = specs.iter().find(|s| s.slug == spec.slug) {
            return Err(ApplyError::Invalid {
                file,
                line: None,
                message: format!(
                    "tenant {} is already defined in {}",
                    spec.slug,
                    other.source.display()
                ),
            });
        }
        specs.push(spec);
    }
    Ok(specs)
}

/// Reads and validates one tenant file.
pub fn load_file(file: &Path, opts: &ParseOptions<'_>) -> Result<TenantSpec, ApplyError> {
    let text = std::fs::read_to_string(file).map_err(|source| ApplyError::Read {
        path: file.to_path_buf(),
        source,
    })?;
    parse_str(file, &text, opts)
}

/// `path` itself, or the `*.yaml`/`*.yml` files of the directory `path`,
/// sorted by name.
pub fn tenant_files(path: &Path) -> Result<Vec<PathBuf>, ApplyError> {
    Ok(if path.is_dir() {
        let entries = std::fs::read_dir(path).map_err(|source| ApplyError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_file()
                    && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
            })
            .collect();
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    })
}

/// Parses and validates one tenant file's text.
pub fn parse_str(
    file: &Path,
    text: &str,
    opts: &ParseOptions<'_>,
) -> Result<TenantSpec, ApplyError> {
    let options = LoaderOptions::default().error_on_duplicate_keys(true);
    let raw: RawTenant = marked_yaml::from_yaml_with_options(0, text, options)
        .map_err(|e| yaml_error(file, text, &e))?;
    let v = Validator {
        file,
        opts,
        errors: Default::default(),
    };
    let spec = v.tenant(raw);
    let mut errors = v.errors.into_inner();
    match (spec, errors.len()) {
        (Some(spec), 0) => Ok(spec),
        (_, 1) => Err(errors.remove(0)),
        _ => Err(ApplyError::Many(errors)),
    }
}

fn yaml_error(file: &Path, text: &str, e: &marked_yaml::FromYamlError) -> ApplyError {
    use marked_yaml::LoadError as L;
    let (line, message) = match e {
        marked_yaml::FromYamlError::ParseYaml(load) => {
            let line = match load {
                L::TopLevelMustBeMapping(m)
                | L::TopLevelMustBeSequence(m)
                | L::UnexpectedAnchor(m)
                | L::MappingKeyMustBeScalar(m)
                | L::UnexpectedTag(m)
                | L::ScanError(m, _) => Some(m.line()),
                L::DuplicateKey(inner) => inner.key.span().start().map(|m| m.line()),
            };
            let message = match load {
                L::TopLevelMustBeMapping(_) => {
                    "the file must be a mapping (slug:, name:, ...)".into()
                }
                L::DuplicateKey(inner) => format!("duplicate key `{}`", inner.key.as_str()),
                L::UnexpectedAnchor(_) => "YAML anchors and aliases are not supported".into(),
                L::ScanError(_, scan) => format!("not valid YAML: {scan}"),
                other => format!("not valid YAML: {other:?}"),
            };
            (line, message)
        }
        marked_yaml::FromYamlError::FromNode(node) => {
            let line = node
                .start_mark()
                .map(|m| m.line())
                .or_else(|| match &**node {
                    // marked-yaml leaves unknown fields without a position; find the key.
                    marked_yaml::Error::UnknownFieldError(field, _, _) => key_line(text, field),
                    _ => None,
                });
            (line, node.to_string())
        }
    };
    ApplyError::Invalid {
        file: file.to_path_buf(),
        line,
        message,
    }
}

/// The first line whose key (after any list dash) is `field`.
fn key_line(text: &str, field: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start().trim_start_matches("- ").trim_start();
            l.strip_prefix(field)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
}

/// Checks a parsed file. Every element (the tenant's own fields, each scope,
/// role, client, user, policy) is checked on its own and its first error
/// recorded, so one run reports every invalid element of the file.
struct Validator<'a> {
    file: &'a Path,
    opts: &'a ParseOptions<'a>,
    errors: std::cell::RefCell<Vec<ApplyError>>,
}

fn line_of<T>(s: &Spanned<T>) -> Option<usize> {
    s.span().start().map(|m| m.line())
}

impl Validator<'_> {
    /// The value, or `None` with its error recorded.
    fn keep<T>(&self, r: Result<T, ApplyError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.borrow_mut().push(e);
                None
            }
        }
    }

    /// Records that `name` (a `kind`) appears again at `at` after `first`.
    fn duplicate<T>(&self, kind: &str, name: &str, first: Option<usize>, at: &Spanned<T>) {
        let lines = match (first, line_of(at)) {
            (Some(a), Some(b)) => format!(" (lines {a} and {b})"),
            _ => String::new(),
        };
        let e = self.err(at, format!("{kind} {name} is declared twice{lines}"));
        self.errors.borrow_mut().push(e);
    }

    fn err<T>(&self, at: &Spanned<T>, message: impl Into<String>) -> ApplyError {
        ApplyError::Invalid {
            file: self.file.to_path_buf(),
            line: line_of(at),
            message: message.into(),
        }
    }

    /// The spec, when nothing was wrong with the tenant's own fields (the
    /// elements' errors are recorded and make the whole file fail).
    fn tenant(&self, raw: RawTenant) -> Option<TenantSpec> {
        let slug = self.keep(Slug::parse(&raw.slug).map_err(|m| self.err(&raw.slug, m)));
        let name = raw.name.trim().to_owned();
        let name = self.keep(if name.is_empty() || name.len() > 200 {
            Err(self.err(&raw.name, "name must be 1-200 characters"))
        } else {
            Ok(name)
        });
        let signing_algorithm = self
            .keep(self.algorithm("signing_algorithm", raw.signing_algorithm.as_ref()))
            .map(|a| a.unwrap_or(JwsAlgorithm::ES256));
        let id_token_alg =
            self.keep(self.algorithm("id_token_signing_alg", raw.id_token_signing_alg.as_ref()));
        let status = self.keep(self.status(raw.status.as_ref(), &["active", "suspended"]));
        // References are checked against what the file declares, valid or
        // not: an invalid role is one error, not one more per holder.
        let scope_names: BTreeSet<String> = raw.scopes.iter().map(|s| s.name.to_string()).collect();
        let role_names: BTreeSet<String> = raw.roles.iter().map(|r| r.name.to_string()).collect();
        let scopes = self.scopes(raw.scopes);
        let roles = self.roles(raw.roles);
        let clients = self.clients(raw.clients, &scope_names, &role_names);
        let users = self.users(raw.users, &role_names);
        let policies = self.policies(raw.policies);
        Some(TenantSpec {
            source: self.file.to_path_buf(),
            slug: slug?,
            name: name?,
            signing_algorithm: signing_algorithm?,
            id_token_alg: id_token_alg?,
            status: status?,
            scopes,
            roles,
            clients,
            users,
            policies,
        })
    }

    fn status(
        &self,
        raw: Option<&Spanned<String>>,
        allowed: &[&str],
    ) -> Result<Option<String>, ApplyError> {
        raw.map(|s| {
            if allowed.contains(&s.as_str()) {
                Ok(s.as_str().to_owned())
            } else {
                Err(self.err(
                    s,
                    format!(
                        "status must be {}, not {:?}",
                        allowed.join(" or "),
                        s.as_str()
                    ),
                ))
            }
        })
        .transpose()
    }

    fn algorithm(
        &self,
        key: &str,
        raw: Option<&Spanned<String>>,
    ) -> Result<Option<JwsAlgorithm>, ApplyError> {
        raw.map(|a| {
            JwsAlgorithm::parse(a).ok_or_else(|| {
                self.err(
                    a,
                    format!("{key} must be ES256, RS256 or EdDSA, not {:?}", a.as_str()),
                )
            })
        })
        .transpose()
    }

    /// Policies must parse: a Datalog error names the policy's line and
    /// column as well as the file's line.
    fn policies(&self, raw: Vec<RawPolicy>) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut seen: BTreeMap<String, Option<usize>> = BTreeMap::new();
        for p in raw {
            if let Some(first) = seen.get(p.name.as_str()) {
                self.duplicate("policy", &p.name, *first, &p.name);
                continue;
            }
            seen.insert(p.name.to_string(), line_of(&p.name));
            let checked = (|| {
                if !is_identifier(&p.name) {
                    return Err(self.err(
                        &p.name,
                        format!("invalid policy name {:?}: use 1-64 characters from a-z, A-Z, 0-9, '_', '-', '.', ':'", p.name.as_str()),
                    ));
                }
                if crate::authz::policy::BUILTIN
                    .iter()
                    .any(|(n, _)| *n == p.name.as_str())
                {
                    return Err(self.err(
                        &p.name,
                        format!("policy {} is a built-in policy's name", p.name.as_str()),
                    ));
                }
                crate::authz::policy::validate(&p.name, &p.code)
                    .map_err(|e| self.err(&p.name, e.to_string()))
            })();
            if self.keep(checked).is_some() {
                out.push((p.name.to_string(), p.code.to_string()));
            }
        }
        out
    }

    fn scopes(&self, raw: Vec<RawScope>) -> BTreeMap<ScopeName, ScopeSpec> {
        let mut out = BTreeMap::new();
        let mut seen: BTreeMap<String, Option<usize>> = BTreeMap::new();
        for s in raw {
            if let Some(first) = seen.get(s.name.as_str()) {
                self.duplicate("scope", &s.name, *first, &s.name);
                continue;
            }
            seen.insert(s.name.to_string(), line_of(&s.name));
            let checked = (|| {
                let name = ScopeName::parse(&s.name).map_err(|m| self.err(&s.name, m))?;
                if name.is_standard() {
                    return Err(self.err(
                        &s.name,
                        format!("scope {name} is a built-in scope; do not declare it"),
                    ));
                }
                let spec = ScopeSpec {
                    description: s.description.trim().to_owned(),
                    permissions: self.permissions(&s.permissions)?,
                };
                Ok((name, spec))
            })();
            if let Some((name, spec)) = self.keep(checked) {
                out.insert(name, spec);
            }
        }
        out
    }

    fn permissions(&self, raw: &[Spanned<String>]) -> Result<BTreeSet<String>, ApplyError> {
        let mut out = BTreeSet::new();
        for p in raw {
            if !crate::authz::rbac::is_permission(p) {
                return Err(self.err(
                    p,
                    format!(
                        "invalid permission {:?}: write resource:action, e.g. users:manage",
                        p.as_str()
                    ),
                ));
            }
            out.insert(p.to_string());
        }
        Ok(out)
    }

    fn roles(&self, raw: Vec<RawRole>) -> BTreeMap<String, RoleSpec> {
        let mut out = BTreeMap::new();
        let mut lines: BTreeMap<String, &Spanned<String>> = BTreeMap::new();
        for r in &raw {
            if let Some(first) = lines.get(r.name.as_str()) {
                self.duplicate("role", &r.name, line_of(first), &r.name);
                continue;
            }
            lines.insert(r.name.to_string(), &r.name);
            let checked = (|| {
                if !is_identifier(&r.name) {
                    return Err(self.err(
                        &r.name,
                        format!("invalid role name {:?}: use 1-64 characters from a-z, A-Z, 0-9, '_', '-', '.', ':'", r.name.as_str()),
                    ));
                }
                for inc in &r.includes {
                    if !raw.iter().any(|other| other.name.as_str() == inc.as_str()) {
                        return Err(self.err(
                            inc,
                            format!(
                                "role {} includes {}, which is not declared under roles",
                                r.name.as_str(),
                                inc.as_str()
                            ),
                        ));
                    }
                }
                Ok(RoleSpec {
                    description: r.description.trim().to_owned(),
                    permissions: self.permissions(&r.permissions)?,
                    includes: r.includes.iter().map(|i| i.to_string()).collect(),
                })
            })();
            if let Some(spec) = self.keep(checked) {
                out.insert(r.name.to_string(), spec);
            }
        }
        let graph = crate::authz::rbac::Roles(
            out.iter()
                .map(|(n, r): (&String, &RoleSpec)| {
                    (
                        n.clone(),
                        crate::authz::rbac::RoleDef {
                            permissions: r.permissions.clone(),
                            includes: r.includes.clone(),
                        },
                    )
                })
                .collect(),
        );
        if let Err(e) = graph.validate() {
            let at = match &e {
                crate::authz::rbac::RbacError::Cycle(path) => path.first(),
                crate::authz::rbac::RbacError::UnknownRole { role, .. } => Some(role),
            }
            .and_then(|name| lines.get(name).copied());
            let e = match at {
                Some(at) => self.err(at, e.to_string()),
                None => ApplyError::Invalid {
                    file: self.file.to_path_buf(),
                    line: None,
                    message: e.to_string(),
                },
            };
            self.errors.borrow_mut().push(e);
        }
        out
    }

    fn clients(
        &self,
        raw: Vec<RawClient>,
        scopes: &BTreeSet<String>,
        roles: &BTreeSet<String>,
    ) -> BTreeMap<ClientId, ClientDecl> {
        let mut out = BTreeMap::new();
        let mut seen: BTreeMap<String, Option<usize>> = BTreeMap::new();
        for c in raw {
            if let Some(first) = seen.get(c.client_id.as_str()) {
                self.duplicate("client", &c.client_id, *first, &c.client_id);
                continue;
            }
            seen.insert(c.client_id.to_string(), line_of(&c.client_id));
            let Some(id) =
                self.keep(ClientId::parse(&c.client_id).map_err(|m| self.err(&c.client_id, m)))
            else {
                continue;
            };
            if let Some(decl) = self.keep(self.client(&id, c, scopes, roles)) {
                out.insert(id, decl);
            }
        }
        out
    }

    fn client(
        &self,
        id: &ClientId,
        c: RawClient,
        scopes: &BTreeSet<String>,
        roles: &BTreeSet<String>,
    ) -> Result<ClientDecl, ApplyError> {
        let at = &c.client_id;
        let service_roles = self.service_roles(id, &c, roles)?;
        let exchange_audiences = self.exchange_audiences(id, &c)?;
        let auth_method = self.auth_method(id, &c)?;
        let secret = match auth_method {
            AuthMethod::ClientSecretBasic | AuthMethod::ClientSecretPost => {
                Some(self.client_secret(id, &c)?)
            }
            AuthMethod::None | AuthMethod::PrivateKeyJwt => {
                if c.secret.is_some() || c.secret_sha256.is_some() || c.secret_env.is_some() {
                    return Err(self.err(
                        at,
                        format!(
                            "client {id} uses {} and must not have a secret",
                            auth_method.as_str()
                        ),
                    ));
                }
                None
            }
        };
        let jwks = self.jwks(id, &c, auth_method)?;
        // OAuth 2.1 drops the implicit grant; Gatehouse keeps it only as an
        // opt-in for public clients (RFC 9700 §2.1.2 explains the risks).
        if c.allow_implicit && !c.public {
            return Err(self.err(
                at,
                format!("only public clients may set allow_implicit (client {id})"),
            ));
        }
        let mut grant_types = Vec::new();
        for g in &c.grant_types {
            let grant = GrantType::parse(g)
                .ok_or_else(|| self.err(g, format!("unknown grant type {:?}", g.as_str())))?;
            if grant == GrantType::ClientCredentials && c.public {
                return Err(self.err(
                    g,
                    format!("public client {id} cannot use client_credentials (RFC 6749 §4.4 needs a confidential client)"),
                ));
            }
            if !grant_types.contains(&grant) {
                grant_types.push(grant);
            }
        }
        if grant_types.is_empty() {
            return Err(self.err(at, format!("client {id} needs at least one grant type")));
        }
        let mut redirect_uris = Vec::new();
        for u in &c.redirect_uris {
            let uri = RedirectUri::parse(u).map_err(|m| self.err(u, m))?;
            if !redirect_uris.contains(&uri) {
                redirect_uris.push(uri);
            }
        }
        if grant_types.contains(&GrantType::AuthorizationCode) && redirect_uris.is_empty() {
            return Err(self.err(
                at,
                format!("client {id} uses authorization_code and needs at least one redirect URI"),
            ));
        }
        let mut client_scopes = Vec::new();
        for s in &c.scopes {
            let scope = ScopeName::parse(s).map_err(|m| self.err(s, m))?;
            if !scope.is_standard() && !scopes.contains(scope.as_str()) {
                return Err(self.err(
                    s,
                    format!("client {id} names scope {scope}, which is neither built in nor declared under scopes"),
                ));
            }
            if !client_scopes.contains(&scope) {
                client_scopes.push(scope);
            }
        }
        let default_scopes = match &c.default_scopes {
            Some(list) => {
                let mut out = Vec::new();
                for s in list {
                    let scope = ScopeName::parse(s).map_err(|m| self.err(s, m))?;
                    if !client_scopes.contains(&scope) {
                        return Err(self.err(
                            s,
                            format!("default scope {scope} is not among client {id}'s scopes"),
                        ));
                    }
                    out.push(scope);
                }
                Some(out)
            }
            None => None,
        };
        let access_token_format = match &c.access_token_format {
            Some(f) => AccessTokenFormat::parse(f)
                .ok_or_else(|| self.err(f, "access_token_format must be biscuit or jwt"))?,
            None => AccessTokenFormat::Biscuit,
        };
        let access_token_ttl = self.duration(c.access_token_ttl.as_ref(), 3600, (60, 86_400))?;
        let refresh_token_ttl = self.duration(
            c.refresh_token_ttl.as_ref(),
            30 * 86_400,
            (3600, 365 * 86_400),
        )?;
        // RFC 9700 §4.14.2: reuse detection is the point; a grace period only
        // for clients that refresh concurrently, and short.
        let refresh_grace = self.duration(c.refresh_grace_period.as_ref(), 0, (0, 60))?;
        let mut post_logout_redirect_uris = Vec::new();
        for u in &c.post_logout_redirect_uris {
            post_logout_redirect_uris.push(RedirectUri::parse(u).map_err(|m| self.err(u, m))?);
        }
        Ok(ClientDecl {
            name: c
                .name
                .map(|n| n.trim().to_owned())
                .unwrap_or_else(|| id.to_string()),
            public: c.public,
            secret,
            redirect_uris,
            grant_types,
            scopes: client_scopes,
            auth_method,
            jwks,
            default_scopes,
            access_token_format,
            access_token_ttl,
            refresh_token_ttl,
            first_party: c.first_party,
            allow_plain_pkce: c.allow_plain_pkce,
            refresh_grace,
            post_logout_redirect_uris,
            allow_implicit: c.allow_implicit,
            service_roles,
            exchange_audiences,
            id_token_alg: self.algorithm(
                "id_token_signed_response_alg",
                c.id_token_signed_response_alg.as_ref(),
            )?,
            allowed_origins: c
                .allowed_origins
                .as_ref()
                .map(|list| {
                    list.iter()
                        .map(|o| crate::oauth::cors::parse_origin(o).map_err(|m| self.err(o, m)))
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?,
        })
    }

    /// Roles a client holds itself: declared in the file, and only for
    /// confidential clients (a public client cannot act on its own behalf).
    fn service_roles(
        &self,
        id: &ClientId,
        c: &RawClient,
        roles: &BTreeSet<String>,
    ) -> Result<BTreeSet<String>, ApplyError> {
        let mut out = BTreeSet::new();
        for r in &c.service_roles {
            if c.public {
                return Err(self.err(r, format!("public client {id} cannot hold service roles")));
            }
            if !roles.contains(r.as_str()) {
                return Err(self.err(
                    r,
                    format!(
                        "client {id} names service role {}, which is not declared under roles",
                        r.as_str()
                    ),
                ));
            }
            out.insert(r.to_string());
        }
        Ok(out)
    }

    /// Token exchange targets: confidential clients with the grant only.
    fn exchange_audiences(
        &self,
        id: &ClientId,
        c: &RawClient,
    ) -> Result<BTreeSet<String>, ApplyError> {
        let has_grant = c
            .grant_types
            .iter()
            .any(|g| GrantType::parse(g) == Some(GrantType::TokenExchange));
        let mut out = BTreeSet::new();
        for a in &c.token_exchange_audiences {
            if c.public || !has_grant {
                return Err(self.err(
                    a,
                    format!("client {id} lists token_exchange_audiences but is not a confidential client with the token-exchange grant"),
                ));
            }
            if a.trim().is_empty() || a.len() > 512 || a.chars().any(char::is_whitespace) {
                return Err(self.err(a, format!("invalid audience {:?}", a.as_str())));
            }
            out.insert(a.to_string());
        }
        Ok(out)
    }

    fn auth_method(&self, id: &ClientId, c: &RawClient) -> Result<AuthMethod, ApplyError> {
        let at = &c.client_id;
        let method = match &c.token_endpoint_auth_method {
            Some(m) => AuthMethod::parse(m).ok_or_else(|| {
                self.err(
                    m,
                    format!("unknown token_endpoint_auth_method {:?}", m.as_str()),
                )
            })?,
            None if c.public => AuthMethod::None,
            None => AuthMethod::ClientSecretBasic,
        };
        match (c.public, method) {
            (true, AuthMethod::None) => Ok(method),
            (true, _) => Err(self.err(
                at,
                format!("public client {id} must use token_endpoint_auth_method none"),
            )),
            (false, AuthMethod::None) => Err(self.err(
                at,
                format!("confidential client {id} cannot use token_endpoint_auth_method none"),
            )),
            (false, _) => Ok(method),
        }
    }

    /// The client's public keys for `private_key_jwt`: a JWK Set of public keys.
    fn jwks(
        &self,
        id: &ClientId,
        c: &RawClient,
        method: AuthMethod,
    ) -> Result<Option<String>, ApplyError> {
        let at = &c.client_id;
        let Some(value) = &c.jwks else {
            if method == AuthMethod::PrivateKeyJwt {
                return Err(self.err(
                    at,
                    format!("client {id} uses private_key_jwt and needs jwks"),
                ));
            }
            return Ok(None);
        };
        let text = value.to_string();
        let set = josekit::jwk::JwkSet::from_bytes(text.as_bytes())
            .map_err(|e| self.err(at, format!("client {id}: jwks is not a JWK Set: {e}")))?;
        if set.keys().is_empty() {
            return Err(self.err(at, format!("client {id}: jwks has no keys")));
        }
        if set.keys().iter().any(|k| k.parameter("d").is_some()) {
            return Err(self.err(at, format!("client {id}: jwks must hold public keys only")));
        }
        Ok(Some(text))
    }

    fn duration(
        &self,
        raw: Option<&Spanned<String>>,
        default_secs: u64,
        (min, max): (u64, u64),
    ) -> Result<Duration, ApplyError> {
        let Some(raw) = raw else {
            return Ok(Duration::from_secs(default_secs));
        };
        let d = humantime::parse_duration(raw.trim())
            .map_err(|e| self.err(raw, format!("invalid duration {:?}: {e}", raw.as_str())))?;
        if d.as_secs() < min || d.as_secs() > max {
            return Err(self.err(
                raw,
                format!(
                    "duration {:?} must be between {min}s and {max}s",
                    raw.as_str()
                ),
            ));
        }
        Ok(d)
    }

    fn client_secret(&self, id: &ClientId, c: &RawClient) -> Result<ClientSecret, ApplyError> {
        let sources = [&c.secret, &c.secret_sha256, &c.secret_env]
            .iter()
            .filter(|s| s.is_some())
            .count();
        if sources != 1 {
            return Err(self.err(
                &c.client_id,
                format!("client {id} needs exactly one of secret, secret_sha256, secret_env"),
            ));
        }
        if let Some(plain) = &c.secret {
            self.plain_allowed(plain, "secret", "secret_sha256 or secret_env")?;
            if plain.len() < 16 && !self.opts.allow_plain_secrets {
                return Err(self.err(plain, format!("client {id}: secret is too short")));
            }
            return Ok(ClientSecret::Plain(SecretString::new(plain.as_str())));
        }
        if let Some(h) = &c.secret_sha256 {
            let lower = h.to_ascii_lowercase();
            if lower.len() != 64 || !lower.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(self.err(
                    h,
                    format!("client {id}: secret_sha256 must be 64 hex digits"),
                ));
            }
            return Ok(ClientSecret::Sha256(lower));
        }
        if let Some(var) = &c.secret_env {
            let value = self.env_var(var)?;
            return Ok(ClientSecret::Plain(value));
        }
        Err(self.err(&c.client_id, format!("client {id} has no secret")))
    }

    fn plain_allowed(
        &self,
        at: &Spanned<String>,
        field: &str,
        instead: &str,
    ) -> Result<(), ApplyError> {
        if self.opts.allow_plain_secrets {
            Ok(())
        } else {
            Err(self.err(
                at,
                format!(
                    "plain `{field}` values are refused because server.public_url is not a loopback address; use {instead}"
                ),
            ))
        }
    }

    fn env_var(&self, var: &Spanned<String>) -> Result<SecretString, ApplyError> {
        match (self.opts.env)(var) {
            Some(v) if !v.is_empty() => Ok(SecretString::new(v)),
            _ => Err(self.err(
                var,
                format!("environment variable {} is not set", var.as_str()),
            )),
        }
    }

    fn users(&self, raw: Vec<RawUser>, roles: &BTreeSet<String>) -> Vec<UserSpec> {
        let mut out: Vec<UserSpec> = Vec::new();
        let mut seen: BTreeMap<String, Option<usize>> = BTreeMap::new();
        let mut emails: BTreeMap<String, Option<usize>> = BTreeMap::new();
        for u in raw {
            let username = u.username.trim().to_lowercase();
            if let Some(first) = seen.get(&username) {
                self.duplicate("user", &username, *first, &u.username);
                continue;
            }
            seen.insert(username.clone(), line_of(&u.username));
            if let Some(user) = self.keep(self.user(&u, username, roles, &mut emails)) {
                out.push(user);
            }
        }
        out
    }

    fn user(
        &self,
        u: &RawUser,
        username: String,
        roles: &BTreeSet<String>,
        emails: &mut BTreeMap<String, Option<usize>>,
    ) -> Result<UserSpec, ApplyError> {
        if !is_username(&username) {
            return Err(self.err(
                &u.username,
                format!(
                    "invalid username {:?}: use 1-64 characters from a-z, 0-9, '.', '_', '-', '@'",
                    u.username.as_str()
                ),
            ));
        }
        let email = match &u.email {
            Some(e) => {
                let email = e.trim().to_owned();
                if !is_email(&email) {
                    return Err(self.err(e, format!("invalid email address {:?}", e.as_str())));
                }
                let normal = crate::store::users::normalize_email(&email);
                if let Some(first) = emails.get(&normal) {
                    let lines = match (first, line_of(e)) {
                        (Some(a), Some(b)) => format!(" (lines {a} and {b})"),
                        _ => String::new(),
                    };
                    return Err(self.err(e, format!("email {email} is used by two users{lines}")));
                }
                emails.insert(normal, line_of(e));
                Some(email)
            }
            None => None,
        };
        let password = self.password(u)?;
        let user_roles = match &u.roles {
            Some(list) => {
                let mut set = BTreeSet::new();
                for r in list {
                    if !roles.contains(r.as_str()) {
                        return Err(self.err(
                            r,
                            format!(
                                "user {username} has role {}, which is not declared under roles",
                                r.as_str()
                            ),
                        ));
                    }
                    set.insert(r.to_string());
                }
                Some(set)
            }
            None => None,
        };
        Ok(UserSpec {
            line: u
                .password
                .as_ref()
                .or(u.password_env.as_ref())
                .and_then(line_of)
                .or_else(|| line_of(&u.username)),
            username,
            email,
            display_name: u.display_name.as_ref().map(|d| d.trim().to_owned()),
            password,
            roles: user_roles,
            status: self.status(u.status.as_ref(), &["active", "disabled"])?,
        })
    }

    fn password(&self, u: &RawUser) -> Result<Option<PasswordSource>, ApplyError> {
        let sources = [&u.password, &u.password_hash, &u.password_env]
            .iter()
            .filter(|s| s.is_some())
            .count();
        if sources > 1 {
            return Err(self.err(
                &u.username,
                "give at most one of password, password_hash, password_env",
            ));
        }
        if let Some(plain) = &u.password {
            self.plain_allowed(plain, "password", "password_hash or password_env")?;
            return Ok(Some(PasswordSource::Plain(SecretString::new(
                plain.as_str(),
            ))));
        }
        if let Some(phc) = &u.password_hash {
            PasswordHasher::check_phc(phc).map_err(|_| {
                self.err(
                    phc,
                    "password_hash must be an argon2 PHC string ($argon2id$...)",
                )
            })?;
            return Ok(Some(PasswordSource::Hash(phc.to_string())));
        }
        if let Some(var) = &u.password_env {
            return Ok(Some(PasswordSource::Plain(self.env_var(var)?)));
        }
        Ok(None)
    }
}

fn is_identifier(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
}

fn is_username(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-' | b'@')
        })
}

pub(crate) fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && s.len() <= 254
                && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "slug: demo
name: Demo Organisation
scopes:
  - { name: notes:read, description: Read your notes }
roles:
  - { name: admin, permissions: [users:manage] }
clients:
  - client_id: demo-web
    name: Demo web app
    public: false
    secret: change-me
    redirect_uris: [http://127.0.0.1:3000/callback]
    grant_types: [authorization_code, refresh_token, client_credentials]
    scopes: [openid, profile, email, offline_access, notes:read]
users:
  - username: alice
    email: alice@example.com
    password: change-me
    roles: [admin]
";

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn parse(text: &str, allow_plain: bool) -> Result<TenantSpec, ApplyError> {
        let opts = ParseOptions {
            allow_plain_secrets: allow_plain,
            env: &no_env,
        };
        parse_str(Path::new("t.yaml"), text, &opts)
    }

    fn error_of(text: &str) -> String {
        match parse(text, true) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn scopes_carry_permissions_and_clients_hold_service_roles() {
        let ok = GOOD
            .replace(
                "{ name: notes:read, description: Read your notes }",
                "{ name: notes:read, description: Read your notes, permissions: [notes:read] }",
            )
            .replace(
                "    scopes: [openid, profile, email, offline_access, notes:read]\n",
                "    scopes: [openid, profile, email, offline_access, notes:read]\n    service_roles: [admin]\n",
            );
        let spec = parse(&ok, true).unwrap();
        let scope = ScopeName::parse("notes:read").unwrap();
        assert_eq!(
            spec.scopes[&scope].permissions,
            ["notes:read".to_owned()].into()
        );
        let web = ClientId::parse("demo-web").unwrap();
        assert_eq!(
            spec.clients[&web].service_roles,
            ["admin".to_owned()].into()
        );
        assert_eq!(
            error_of(&ok.replace("permissions: [notes:read]", "permissions: [Notes]")),
            "t.yaml:4: invalid permission \"Notes\": write resource:action, e.g. users:manage"
        );
        assert_eq!(
            error_of(&ok.replace("service_roles: [admin]", "service_roles: [ghost]")),
            "t.yaml:15: client demo-web names service role ghost, which is not declared under roles"
        );
        let public = ok
            .replace(
                "    public: false\n    secret: change-me\n",
                "    public: true\n",
            )
            .replace(", client_credentials]", "]");
        assert_eq!(
            error_of(&public),
            "t.yaml:14: public client demo-web cannot hold service roles"
        );
    }

    #[test]
    fn role_includes_must_exist_and_be_acyclic() {
        let with =
            |roles: &str| GOOD.replace("  - { name: admin, permissions: [users:manage] }\n", roles);
        let ok = with(
            "  - { name: admin, permissions: [users:manage], includes: [editor] }\n  - { name: editor, permissions: [notes:write] }\n",
        );
        let spec = parse(&ok, true).unwrap();
        assert_eq!(spec.roles["admin"].includes, ["editor".to_owned()].into());
        assert_eq!(
            error_of(&with(
                "  - { name: admin, permissions: [users:manage], includes: [ghost] }\n"
            )),
            "t.yaml:6: role admin includes ghost, which is not declared under roles"
        );
        assert_eq!(
            error_of(&with(
                "  - { name: admin, includes: [editor] }\n  - { name: editor, includes: [viewer] }\n  - { name: viewer, includes: [admin] }\n"
            )),
            "t.yaml:6: role inclusion forms a cycle: admin → editor → viewer → admin"
        );
    }

    #[test]
    fn parses_the_documented_shape() {
        let spec = parse(GOOD, true).unwrap();
        assert_eq!(spec.slug.as_str(), "demo");
        assert_eq!(spec.scopes.len(), 1);
        assert_eq!(spec.roles["admin"].permissions.len(), 1);
        let client = &spec.clients[&ClientId::parse("demo-web").unwrap()];
        assert_eq!(client.grant_types.len(), 3);
        assert!(!client.public);
        assert_eq!(spec.users[0].roles.as_ref().unwrap().len(), 1);
    }

    #[test]
    fn errors_name_file_and_line() {
        let bad = GOOD.replace(
            "grant_types: [authorization_code,",
            "grant_types: [password,",
        );
        assert_eq!(error_of(&bad), "t.yaml:13: unknown grant type \"password\"");
        let bad = GOOD.replace("roles: [admin]", "roles: [root]");
        assert_eq!(
            error_of(&bad),
            "t.yaml:19: user alice has role root, which is not declared under roles"
        );
        let bad = GOOD.replace("scopes: [openid,", "scopes: [nope,");
        assert_eq!(
            error_of(&bad),
            "t.yaml:14: client demo-web names scope nope, which is neither built in nor declared under scopes"
        );
        let bad = GOOD.replace("slug: demo", "slug: Demo");
        assert!(error_of(&bad).starts_with("t.yaml:1: invalid slug"));
    }

    #[test]
    fn unknown_keys_and_yaml_errors_are_located() {
        let bad = GOOD.replace("    public: false", "    publc: false");
        let msg = error_of(&bad);
        assert!(msg.starts_with("t.yaml:10:"), "{msg}");
        assert!(msg.contains("publc"), "{msg}");
        let msg = error_of("slug: demo\nname: [unclosed\n");
        assert!(msg.starts_with("t.yaml:"), "{msg}");
        let msg = error_of("slug: demo\nslug: again\nname: x\n");
        assert!(msg.starts_with("t.yaml:2: duplicate key `slug`"), "{msg}");
    }

    #[test]
    fn plain_secrets_are_refused_off_loopback() {
        let msg = match parse(GOOD, false) {
            Ok(_) => panic!("expected refusal"),
            Err(e) => e.to_string(),
        };
        // Every error of the file, each with its line.
        assert_eq!(
            msg,
            "t.yaml:11: plain `secret` values are refused because server.public_url is not a loopback address; use secret_sha256 or secret_env\n\
             t.yaml:18: plain `password` values are refused because server.public_url is not a loopback address; use password_hash or password_env"
        );
    }

    #[test]
    fn duplicates_are_refused_with_both_lines_and_every_error_is_reported() {
        let text = format!("{GOOD}  - username: alice\n    password: change-me-too\n").replace(
            "scopes:\n",
            "scopes:\n  - { name: notes:read, description: Again }\n",
        );
        let msg = error_of(&text);
        let lines: Vec<&str> = msg.lines().collect();
        assert_eq!(lines.len(), 2, "{msg}");
        assert!(
            lines[0].starts_with("t.yaml:5: scope notes:read is declared twice (lines 4 and 5)"),
            "{msg}"
        );
        assert!(
            lines[1].contains("user alice is declared twice (lines 17 and 21)"),
            "{msg}"
        );
        let two_clients = GOOD.replace(
            "clients:\n",
            "clients:\n  - { client_id: demo-web, grant_types: [client_credentials] }\n",
        );
        let msg = error_of(&two_clients);
        assert!(
            msg.contains("client demo-web is declared twice (lines 8 and 9)"),
            "{msg}"
        );
    }

    #[test]
    fn env_sources_resolve() {
        let text = GOOD
            .replace("secret: change-me", "secret_env: DEMO_SECRET")
            .replace("password: change-me", "password_env: ALICE_PW");
        let env = |k: &str| match k {
            "DEMO_SECRET" => Some("s3cr3t-value-long-enough".to_owned()),
            "ALICE_PW" => Some("pw".to_owned()),
            _ => None,
        };
        let opts = ParseOptions {
            allow_plain_secrets: false,
            env: &env,
        };
        let spec = parse_str(Path::new("t.yaml"), &text, &opts).unwrap();
        assert!(matches!(
            spec.users[0].password,
            Some(PasswordSource::Plain(_))
        ));
        let missing = ParseOptions {
            allow_plain_secrets: false,
            env: &no_env,
        };
        let msg = parse_str(Path::new("t.yaml"), &text, &missing)
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            "t.yaml:11: environment variable DEMO_SECRET is not set\n\
             t.yaml:18: environment variable ALICE_PW is not set"
        );
    }

    #[test]
    fn client_rules() {
        let public_with_secret = GOOD.replace("public: false", "public: true");
        assert!(
            error_of(&public_with_secret).contains("demo-web uses none and must not have a secret")
        );
        let std_scope = GOOD.replace("{ name: notes:read,", "{ name: openid,");
        assert!(error_of(&std_scope).contains("is a built-in scope; do not declare it"));
        let http = GOOD.replace("http://127.0.0.1:3000", "http://app.example.com");
        assert!(error_of(&http).contains("http is only allowed for loopback hosts"));
    }

    #[test]
    fn token_settings_are_validated() {
        let with = |extra: &str| {
            GOOD.replace(
                "    scopes: [openid,",
                &format!("{extra}\n    scopes: [openid,"),
            )
        };
        let spec = parse(
            &with("    access_token_format: jwt\n    access_token_ttl: 15m"),
            true,
        )
        .unwrap();
        let c = &spec.clients[&ClientId::parse("demo-web").unwrap()];
        assert_eq!(c.access_token_format, AccessTokenFormat::Jwt);
        assert_eq!(c.access_token_ttl, Duration::from_secs(900));
        assert_eq!(c.auth_method, AuthMethod::ClientSecretBasic);
        assert_eq!(
            error_of(&with("    access_token_ttl: 3d")),
            "t.yaml:14: duration \"3d\" must be between 60s and 86400s"
        );
        assert_eq!(
            error_of(&with("    access_token_format: paseto")),
            "t.yaml:14: access_token_format must be biscuit or jwt"
        );
        assert_eq!(
            error_of(&with("    token_endpoint_auth_method: private_key_jwt")),
            "t.yaml:8: client demo-web uses private_key_jwt and must not have a secret"
        );
        assert_eq!(
            error_of(&with("    default_scopes: [phone]")),
            "t.yaml:14: default scope phone is not among client demo-web's scopes"
        );
        assert_eq!(
            error_of(&GOOD.replace(
                "name: Demo Organisation",
                "name: Demo Organisation\nsigning_algorithm: HS256"
            )),
            "t.yaml:3: signing_algorithm must be ES256, RS256 or EdDSA, not \"HS256\""
        );
    }

    #[test]
    fn private_key_jwt_needs_public_keys() {
        let base = GOOD.replace(
            "    secret: change-me\n",
            "    token_endpoint_auth_method: private_key_jwt\n",
        );
        assert_eq!(
            error_of(&base),
            "t.yaml:8: client demo-web uses private_key_jwt and needs jwks"
        );
        let with_keys = |jwk: &str| {
            base.replace(
                "    scopes: [openid,",
                &format!("    jwks: {{\"keys\": [{jwk}]}}\n    scopes: [openid,"),
            )
        };
        let public = r#"{"kty":"EC","crv":"P-256","x":"N-yQovc5Lv5Nw5kPv4_9t0PohfV3TEuBzCDCMpT2SOM","y":"p96SU0_DmgeyitSSlOjn1Q3hk1fdAweODW9BZ-Fzp2Y","kid":"k1"}"#;
        let spec = parse(&with_keys(public), true).unwrap();
        assert!(
            spec.clients[&ClientId::parse("demo-web").unwrap()]
                .jwks
                .is_some()
        );
        let private = public.replace("\"kid\"", "\"d\":\"c2VjcmV0\",\"kid\"");
        assert_eq!(
            error_of(&with_keys(&private)),
            "t.yaml:8: client demo-web: jwks must hold public keys only"
        );
    }
}
