//! A tenant's logo and favicon: the image types pages may show, recognised
//! by their content (never trusted from a name), a size limit, and the
//! content hash that names the file in its URL.
//!
//! SVG is accepted as an image only: the pages show it with `<img>`, where
//! a browser runs no script and loads nothing else (HTML Living Standard,
//! "images"), and its own URL answers with `Content-Security-Policy:
//! sandbox` so opening it directly runs nothing either. It is not rewritten.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The largest logo a tenant may declare.
pub const MAX_LOGO_BYTES: usize = 256 * 1024;
/// The largest favicon.
pub const MAX_FAVICON_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageKind {
    Png,
    Svg,
    Webp,
    /// Favicons only.
    Ico,
}

impl ImageKind {
    pub const LOGO: [ImageKind; 3] = [ImageKind::Png, ImageKind::Svg, ImageKind::Webp];
    pub const FAVICON: [ImageKind; 4] = [
        ImageKind::Png,
        ImageKind::Svg,
        ImageKind::Webp,
        ImageKind::Ico,
    ];

    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Svg => "image/svg+xml",
            ImageKind::Webp => "image/webp",
            ImageKind::Ico => "image/x-icon",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Png => "png",
            ImageKind::Svg => "svg",
            ImageKind::Webp => "webp",
            ImageKind::Ico => "ico",
        }
    }

    fn name(self) -> &'static str {
        match self {
            ImageKind::Png => "PNG",
            ImageKind::Svg => "SVG",
            ImageKind::Webp => "WebP",
            ImageKind::Ico => "ICO",
        }
    }

    /// What the bytes are, by their signature: PNG's eight bytes (PNG §5.2),
    /// WebP's RIFF header, an ICO header, or an SVG document (UTF-8 text
    /// whose first element is `<svg`, with no DTD).
    pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(ImageKind::Webp)
        } else if bytes.len() >= 6 && bytes.starts_with(&[0, 0, 1, 0]) && bytes[4..6] != [0, 0] {
            Some(ImageKind::Ico)
        } else if is_svg(bytes) {
            Some(ImageKind::Svg)
        } else {
            None
        }
    }
}

/// An SVG document: its first element `<svg`, after an optional BOM, XML
/// declaration and comments. A DTD is refused: entities are not needed to
/// draw a logo.
fn is_svg(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("<?") {
            let Some(end) = after.find("?>") else {
                return false;
            };
            rest = after[end + 2..].trim_start();
        } else if let Some(after) = rest.strip_prefix("<!--") {
            let Some(end) = after.find("-->") else {
                return false;
            };
            rest = after[end + 3..].trim_start();
        } else {
            break;
        }
    }
    let Some(after) = rest.strip_prefix("<svg") else {
        return false;
    };
    after.starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/')
        && !text.contains("<!DOCTYPE")
        && !text.contains("<!ENTITY")
}

/// An image a tenant declared: its kind, its content, and the SHA-256 that
/// names it.
#[derive(Clone, PartialEq, Eq)]
pub struct Image {
    pub kind: ImageKind,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Image")
            .field("kind", &self.kind)
            .field("sha256", &self.sha256)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl Image {
    /// Checks `bytes`, read from a file named `file`: a kind among
    /// `allowed`, the kind its extension names, at most `max` bytes.
    pub fn check(
        file: &str,
        bytes: Vec<u8>,
        allowed: &[ImageKind],
        max: usize,
    ) -> Result<Image, String> {
        let names: Vec<&str> = allowed.iter().map(|k| k.name()).collect();
        let names = match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => names.concat(),
        };
        if bytes.len() > max {
            return Err(format!(
                "{file} is larger than the limit of {} KiB",
                max / 1024
            ));
        }
        let kind = ImageKind::sniff(&bytes)
            .filter(|k| allowed.contains(k))
            .ok_or_else(|| format!("{file} is not a {names} image"))?;
        let extension = std::path::Path::new(file)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if extension.as_deref() != Some(kind.extension()) {
            return Err(format!(
                "{file} holds an image of type {}; name it *.{}",
                kind.name(),
                kind.extension()
            ));
        }
        Ok(Image {
            kind,
            sha256: hex::encode(Sha256::digest(&bytes)),
            bytes,
        })
    }

    pub fn reference(&self) -> ImageRef {
        ImageRef {
            kind: self.kind,
            sha256: self.sha256.clone(),
        }
    }
}

/// What the tenant's settings keep of an image: its kind and hash (the
/// bytes are stored once, by hash, and read only when served).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRef {
    pub kind: ImageKind,
    pub sha256: String,
}

impl ImageRef {
    /// `{role}-{16 hex digits}.{ext}`: the file's name in its URL; a new
    /// image is a new name, so the old one may be cached for ever.
    pub fn file_name(&self, role: &str) -> String {
        let short = self.sha256.get(..16).unwrap_or(&self.sha256);
        format!("{role}-{short}.{}", self.kind.extension())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const WEBP: &[u8] = b"RIFF\x10\0\0\0WEBPVP8 ";
    const ICO: &[u8] = &[0, 0, 1, 0, 1, 0, 16, 16];
    const SVG: &[u8] =
        br#"<?xml version="1.0"?><!-- logo --><svg xmlns="http://www.w3.org/2000/svg"/>"#;

    #[test]
    fn images_are_known_by_their_content() {
        assert_eq!(ImageKind::sniff(PNG), Some(ImageKind::Png));
        assert_eq!(ImageKind::sniff(WEBP), Some(ImageKind::Webp));
        assert_eq!(ImageKind::sniff(ICO), Some(ImageKind::Ico));
        assert_eq!(ImageKind::sniff(SVG), Some(ImageKind::Svg));
        assert_eq!(
            ImageKind::sniff(b"\xef\xbb\xbf <svg>"),
            Some(ImageKind::Svg)
        );
        for not in [
            &b"GIF89a"[..],
            b"<html><svg></svg></html>",
            b"<svgfoo/>",
            b"<!DOCTYPE svg [<!ENTITY x \"y\">]><svg/>",
            b"<svg><!DOCTYPE x></svg>",
            b"<?xml version=\"1.0\"",
            b"\xff\xfe<\0s\0v\0g\0",
            b"",
        ] {
            assert_eq!(
                ImageKind::sniff(not),
                None,
                "{:?}",
                String::from_utf8_lossy(not)
            );
        }
    }

    #[test]
    fn a_checked_image_is_named_by_its_hash() {
        let img = Image::check("brand/logo.svg", SVG.to_vec(), &ImageKind::LOGO, 1024).unwrap();
        assert_eq!(img.kind, ImageKind::Svg);
        assert_eq!(img.sha256, hex::encode(Sha256::digest(SVG)));
        let name = img.reference().file_name("logo");
        assert_eq!(name, format!("logo-{}.svg", &img.sha256[..16]));
        assert!(!format!("{img:?}").contains("svg xmlns"), "{img:?}");
    }

    #[test]
    fn wrong_kinds_names_and_sizes_are_refused() {
        assert_eq!(
            Image::check("logo.png", SVG.to_vec(), &ImageKind::LOGO, 1024).unwrap_err(),
            "logo.png holds an image of type SVG; name it *.svg"
        );
        assert_eq!(
            Image::check("logo.ico", ICO.to_vec(), &ImageKind::LOGO, 1024).unwrap_err(),
            "logo.ico is not a PNG, SVG or WebP image"
        );
        assert!(Image::check("favicon.ico", ICO.to_vec(), &ImageKind::FAVICON, 1024).is_ok());
        assert_eq!(
            Image::check("logo.png", vec![0; 2049], &ImageKind::LOGO, 2048).unwrap_err(),
            "logo.png is larger than the limit of 2 KiB"
        );
        assert!(Image::check("LOGO.PNG", PNG.to_vec(), &ImageKind::LOGO, 1024).is_ok());
    }
}
