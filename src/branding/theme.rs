//! A tenant's stylesheet: the few custom properties its primary colour sets
//! over the pages' one stylesheet (`console/style.css`). It is a file of its
//! own, named by its hash, because the pages' CSP allows no inline style.

use super::BrandColor;
use sha2::{Digest, Sha256};

/// The CSS: the main buttons take the colour in both schemes (white text
/// on it meets AA, [`BrandColor::parse`]); links and secondary buttons take
/// it in the light scheme only, where it meets AA on the page; the dark
/// scheme keeps its own light link colour.
pub fn css(color: &BrandColor) -> String {
    let hex = color.hex();
    format!(
        ":root {{ --action: {hex}; --on-action: #ffffff; }}\n\
         @media not all and (prefers-color-scheme: dark) {{ :root {{ --primary: {hex}; }} }}\n"
    )
}

/// `theme-{16 hex digits of the CSS's SHA-256}.css`.
pub fn file_name(css: &str) -> String {
    let digest = Sha256::digest(css.as_bytes());
    format!("theme-{}.css", &hex::encode(digest)[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_theme_sets_the_buttons_always_and_the_links_in_light_only() {
        let css = css(&BrandColor::parse("#7A1F5C").unwrap());
        assert_eq!(
            css,
            ":root { --action: #7a1f5c; --on-action: #ffffff; }\n\
             @media not all and (prefers-color-scheme: dark) { :root { --primary: #7a1f5c; } }\n"
        );
        let name = file_name(&css);
        assert!(
            name.starts_with("theme-") && name.ends_with(".css"),
            "{name}"
        );
        assert_eq!(name.len(), "theme-".len() + 16 + ".css".len());
        assert_ne!(name, file_name(":root {}"));
    }
}
