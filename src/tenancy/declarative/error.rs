use crate::store::StoreError;
use std::path::PathBuf;

/// Why a tenant file could not be applied. Nothing is written when any file fails.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The file is invalid: where and why.
    #[error("{}{}: {message}", file.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        file: PathBuf,
        line: Option<usize>,
        message: String,
    },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {message}", file.display())]
    Conflict { file: PathBuf, message: String },
    /// Several errors in one file, each with its line, one per line.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Many(Vec<ApplyError>),
    #[error("tenant keys: {0}")]
    Keys(String),
    #[error("password hashing failed: {0}")]
    Password(#[from] crate::identity::password::PasswordError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for ApplyError {
    fn from(e: diesel::result::Error) -> Self {
        ApplyError::Store(StoreError::Query(e))
    }
}
