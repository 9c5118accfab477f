//! A tenant's look on its pages: the name shown, a logo, a favicon, a
//! primary colour, and links to its support, terms and privacy pages.
//! Declared in tenant files (`branding:`), stored with the tenant as one
//! JSON value (the images by hash, their bytes apart), and turned here into
//! what the page shell draws ([`PageBrand`]) and what the tenant's asset
//! URL serves ([`Branding::asset`]).

mod color;
pub mod contrast;
mod image;
pub mod theme;

pub use color::{BrandColor, LIGHT_BACKGROUND, ON_PRIMARY};
pub use image::{Image, ImageKind, ImageRef, MAX_FAVICON_BYTES, MAX_LOGO_BYTES};

use crate::oauth::WebUrl;
use serde::{Deserialize, Deserializer, Serialize};

/// A tenant's branding, every value valid. The default is no branding: the
/// tenant's name and Gatehouse's own colours.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Branding {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_color: Option<BrandColor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo: Option<ImageRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub favicon: Option<ImageRef>,
    /// An https page or a `mailto:` address.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "support_url"
    )]
    pub support_url: Option<WebUrl>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terms_url: Option<WebUrl>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy_url: Option<WebUrl>,
}

fn support_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<WebUrl>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|raw| WebUrl::parse_or_mail(&raw).map_err(serde::de::Error::custom))
        .transpose()
}

/// The longest display name.
pub const MAX_DISPLAY_NAME: usize = 100;

/// A display name: trimmed, not empty, at most [`MAX_DISPLAY_NAME`]
/// characters, no control characters.
pub fn display_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("display_name is empty".to_owned());
    }
    if name.chars().count() > MAX_DISPLAY_NAME {
        return Err(format!(
            "display_name is longer than {MAX_DISPLAY_NAME} characters"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("display_name holds a control character".to_owned());
    }
    Ok(name.to_owned())
}

/// What a tenant's branding URL serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asset {
    /// The tenant's stylesheet ([`theme::css`]).
    Theme(String),
    /// A stored image, to be read by its hash.
    Image(ImageRef),
}

impl Branding {
    /// The stored form: compact JSON, fields in a fixed order, absent
    /// values left out (no branding is `{}`).
    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }

    pub fn from_stored(stored: &str) -> Result<Self, String> {
        serde_json::from_str(stored).map_err(|e| format!("stored branding: {e}"))
    }

    /// The tenant's stylesheet and its file name, when it has a colour.
    pub fn theme(&self) -> Option<(String, String)> {
        self.primary_color.as_ref().map(|c| {
            let css = theme::css(c);
            let name = theme::file_name(&css);
            (name, css)
        })
    }

    /// What `{issuer}/branding/{name}` serves, when `name` is one of this
    /// branding's current files; an old or unknown name is nothing.
    pub fn asset(&self, name: &str) -> Option<Asset> {
        let image = |role: &str, r: &Option<ImageRef>| {
            r.as_ref()
                .filter(|r| r.file_name(role) == name)
                .map(|r| Asset::Image(r.clone()))
        };
        image("logo", &self.logo)
            .or_else(|| image("favicon", &self.favicon))
            .or_else(|| {
                self.theme()
                    .filter(|(file, _)| file == name)
                    .map(|(_, css)| Asset::Theme(css))
            })
    }

    /// What the page shell of tenant `slug` (named `tenant_name`) draws.
    pub fn for_pages(&self, slug: &str, tenant_name: &str) -> PageBrand {
        let href = |file: String| format!("/t/{slug}/branding/{file}");
        PageBrand {
            name: self
                .display_name
                .clone()
                .unwrap_or_else(|| tenant_name.to_owned()),
            logo: self.logo.as_ref().map(|r| href(r.file_name("logo"))),
            favicon: self
                .favicon
                .as_ref()
                .map(|r| (href(r.file_name("favicon")), r.kind.content_type())),
            theme: self.theme().map(|(file, _)| href(file)),
            support_url: self.support_url.as_ref().map(|u| u.to_string()),
            terms_url: self.terms_url.as_ref().map(|u| u.to_string()),
            privacy_url: self.privacy_url.as_ref().map(|u| u.to_string()),
        }
    }
}

/// What a page's shell shows of the tenant it belongs to: paths on this
/// server for the logo, favicon and stylesheet, and the tenant's links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageBrand {
    pub name: String,
    pub logo: Option<String>,
    /// The favicon's path and content type.
    pub favicon: Option<(String, &'static str)>,
    pub theme: Option<String>,
    pub support_url: Option<String>,
    pub terms_url: Option<String>,
    pub privacy_url: Option<String>,
}

impl PageBrand {
    /// Pages that belong to no tenant.
    pub fn gatehouse() -> Self {
        Branding::default().for_pages("", "Gatehouse")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(kind: ImageKind, fill: char) -> ImageRef {
        ImageRef {
            kind,
            sha256: fill.to_string().repeat(64),
        }
    }

    fn acme() -> Branding {
        Branding {
            display_name: Some("ACME Cloud".into()),
            primary_color: Some(BrandColor::parse("#7a1f5c").unwrap()),
            logo: Some(image(ImageKind::Svg, 'a')),
            favicon: Some(image(ImageKind::Png, 'b')),
            support_url: Some(WebUrl::parse_or_mail("mailto:help@acme.example").unwrap()),
            terms_url: Some(WebUrl::parse("https://acme.example/terms").unwrap()),
            privacy_url: None,
        }
    }

    #[test]
    fn no_branding_is_stored_as_an_empty_object_and_shows_the_tenant_name() {
        assert_eq!(Branding::default().to_stored(), "{}");
        assert_eq!(Branding::from_stored("{}").unwrap(), Branding::default());
        let page = Branding::default().for_pages("acme", "Acme Inc");
        assert_eq!(
            page,
            PageBrand {
                name: "Acme Inc".into(),
                logo: None,
                favicon: None,
                theme: None,
                support_url: None,
                terms_url: None,
                privacy_url: None,
            }
        );
        assert_eq!(PageBrand::gatehouse().name, "Gatehouse");
    }

    #[test]
    fn branding_round_trips_through_its_stored_form() {
        let b = acme();
        let stored = b.to_stored();
        assert!(stored.starts_with(r##"{"display_name":"ACME Cloud","primary_color":"#7a1f5c","logo":{"kind":"svg","sha256":"aaaa"##), "{stored}");
        assert!(!stored.contains("privacy_url"), "{stored}");
        assert_eq!(Branding::from_stored(&stored).unwrap(), b);
        assert!(Branding::from_stored(r#"{"terms_url":"http://acme.example/"}"#).is_err());
    }

    #[test]
    fn pages_link_the_tenants_own_files_by_hash() {
        let page = acme().for_pages("acme", "Acme Inc");
        let (theme, _) = acme().theme().unwrap();
        assert_eq!(page.name, "ACME Cloud");
        assert_eq!(
            page.logo.as_deref(),
            Some("/t/acme/branding/logo-aaaaaaaaaaaaaaaa.svg")
        );
        assert_eq!(
            page.favicon,
            Some((
                "/t/acme/branding/favicon-bbbbbbbbbbbbbbbb.png".into(),
                "image/png"
            ))
        );
        assert_eq!(page.theme, Some(format!("/t/acme/branding/{theme}")));
        assert_eq!(
            page.support_url.as_deref(),
            Some("mailto:help@acme.example")
        );
    }

    #[test]
    fn only_current_file_names_are_assets() {
        let b = acme();
        let (theme, css) = b.theme().unwrap();
        assert_eq!(b.asset(&theme), Some(Asset::Theme(css)));
        assert_eq!(
            b.asset("logo-aaaaaaaaaaaaaaaa.svg"),
            Some(Asset::Image(image(ImageKind::Svg, 'a')))
        );
        assert_eq!(
            b.asset("favicon-bbbbbbbbbbbbbbbb.png"),
            Some(Asset::Image(image(ImageKind::Png, 'b')))
        );
        for gone in [
            "logo-aaaaaaaaaaaaaaaa.png",
            "logo-bbbbbbbbbbbbbbbb.png",
            "favicon-aaaaaaaaaaaaaaaa.svg",
            "theme-0000000000000000.css",
            "logo.svg",
        ] {
            assert_eq!(b.asset(gone), None, "{gone}");
        }
        assert_eq!(Branding::default().asset(&theme), None);
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(display_name("  ACME  ").unwrap(), "ACME");
        assert!(display_name("   ").is_err());
        assert!(display_name(&"x".repeat(101)).is_err());
        assert!(display_name(&"я".repeat(100)).is_ok());
        assert!(display_name("a\u{7}b").is_err());
    }
}
