//! The tenant's `branding:`: each value checked by the rule that owns it
//! (`crate::branding`), and the logo and favicon read from files next to
//! the tenant file, so a refusal names the line that declared them.

use super::raw::RawBranding;
use super::validator::Validator;
use crate::branding::{self, BrandColor, Branding, Image, ImageKind};
use crate::oauth::WebUrl;
use crate::tenancy::declarative::error::ApplyError;
use marked_yaml::Spanned;
use std::path::{Component, Path};

impl Validator<'_> {
    /// The branding and the images it names (empty without `branding:`).
    pub(super) fn branding(
        &self,
        raw: Option<RawBranding>,
    ) -> Result<(Branding, Vec<Image>), ApplyError> {
        let Some(raw) = raw else {
            return Ok(Default::default());
        };
        let text = |v: &Option<Spanned<String>>, rule: fn(&str) -> Result<String, String>| {
            v.as_ref().map(|s| rule(s).map_err(self.at(s))).transpose()
        };
        let url =
            |v: &Option<Spanned<String>>, key: &str, rule: fn(&str) -> Result<WebUrl, String>| {
                v.as_ref()
                    .map(|s| rule(s).map_err(|m| self.err(s, format!("{key}: {m}"))))
                    .transpose()
            };
        let logo = self.image(
            raw.logo.as_ref(),
            &ImageKind::LOGO,
            branding::MAX_LOGO_BYTES,
        )?;
        let favicon = self.image(
            raw.favicon.as_ref(),
            &ImageKind::FAVICON,
            branding::MAX_FAVICON_BYTES,
        )?;
        let brand = Branding {
            display_name: text(&raw.display_name, branding::display_name)?,
            primary_color: raw
                .primary_color
                .as_ref()
                .map(|c| BrandColor::parse(c.trim()).map_err(self.at(c)))
                .transpose()?,
            logo: logo.as_ref().map(Image::reference),
            favicon: favicon.as_ref().map(Image::reference),
            support_url: url(&raw.support_url, "support_url", WebUrl::parse_or_mail)?,
            terms_url: url(&raw.terms_url, "terms_url", WebUrl::parse)?,
            privacy_url: url(&raw.privacy_url, "privacy_url", WebUrl::parse)?,
        };
        let mut images: Vec<Image> = logo.into_iter().chain(favicon).collect();
        images.dedup_by(|a, b| a.sha256 == b.sha256);
        Ok((brand, images))
    }

    /// An image file named relative to the tenant file's directory, inside
    /// it (no absolute path, no `..`).
    fn image(
        &self,
        raw: Option<&Spanned<String>>,
        kinds: &[ImageKind],
        max: usize,
    ) -> Result<Option<Image>, ApplyError> {
        let Some(name) = raw else {
            return Ok(None);
        };
        let relative = Path::new(name.as_str());
        let inside = relative
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if name.is_empty() || !inside {
            return Err(self.err(
                name,
                format!(
                    "{:?}: name a file next to the tenant file (a relative path without ..)",
                    name.as_str()
                ),
            ));
        }
        let dir = self.file.parent().unwrap_or(Path::new(""));
        let path = dir.join(relative);
        let bytes = read_inside(dir, &path, max)
            .map_err(|e| self.err(name, format!("cannot read {}: {e}", path.display())))?;
        Image::check(name, bytes, kinds, max)
            .map(Some)
            .map_err(self.at(name))
    }
}

/// The bytes of `path`, a regular file that is inside `dir` once symbolic
/// links are resolved (a link out of the directory is refused, and a FIFO
/// or device is never opened); at most one byte past `max` (enough for the
/// size check to refuse it) so a huge file is never read whole.
fn read_inside(dir: &Path, path: &Path, max: usize) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    let real = path.canonicalize()?;
    let base = if dir.as_os_str().is_empty() {
        std::env::current_dir()?
    } else {
        dir.canonicalize()?
    };
    if !real.starts_with(&base) {
        return Err(Error::new(
            ErrorKind::PermissionDenied,
            "it leads outside the tenant file's directory",
        ));
    }
    if !std::fs::metadata(&real)?.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&real)?
        .take(u64::try_from(max).unwrap_or(u64::MAX) + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}
