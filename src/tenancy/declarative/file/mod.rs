//! Reading and validating tenant files. Every error names the file, the line and
//! the reason; a file with any error is rejected whole.

//!
//! `raw` is the file's shape; `validator` checks the tenant's own fields and
//! records errors; `rights` (scopes, roles, policies), `clients` and `users`
//! check one kind of element each.

mod branding;
mod clients;
mod mfa;
mod raw;
mod rights;
mod users;
mod validator;

use super::error::ApplyError;
use super::spec::TenantSpec;
use marked_yaml::LoaderOptions;
use raw::RawTenant;
use std::path::{Path, PathBuf};
use validator::Validator;

/// Environment and policy that parsing depends on.
pub struct ParseOptions<'a> {
    /// Plain `secret:`/`password:` values are for local development: they are
    /// accepted only when the server's public URL is a loopback address.
    pub allow_plain_secrets: bool,
    /// Looks up `secret_env`/`password_env` variables.
    pub env: &'a dyn Fn(&str) -> Option<String>,
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

#[cfg(test)]
mod branding_tests;
#[cfg(test)]
mod tests;
