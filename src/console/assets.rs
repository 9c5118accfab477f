//! The pages' static files: one stylesheet, named by a hash of its content,
//! so it can be cached for a year and a new version is a new URL.

use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// The stylesheet every page links (`style.css` beside this file).
pub const STYLESHEET: &str = include_str!("style.css");

/// Where the pages find static files.
pub const PREFIX: &str = "/assets/";

static STYLESHEET_NAME: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(STYLESHEET.as_bytes());
    let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("gatehouse-{hex}.css")
});

/// The stylesheet's file name, `gatehouse-<12 hex digits of its SHA-256>.css`.
pub fn stylesheet_name() -> &'static str {
    &STYLESHEET_NAME
}

/// The URL path the pages link.
pub fn stylesheet_href() -> String {
    format!("{PREFIX}{}", stylesheet_name())
}

/// A static file by name: its content type and body, when it exists.
pub fn find(name: &str) -> Option<(&'static str, &'static str)> {
    (name == stylesheet_name()).then_some(("text/css; charset=utf-8", STYLESHEET))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::branding::contrast::{AA_TEXT, parse_hex, ratio};

    #[test]
    fn the_stylesheet_is_found_only_under_its_current_name() {
        let name = stylesheet_name();
        assert!(
            name.starts_with("gatehouse-") && name.ends_with(".css"),
            "{name}"
        );
        assert_eq!(name.len(), "gatehouse-".len() + 12 + ".css".len());
        assert_eq!(find(name), Some(("text/css; charset=utf-8", STYLESHEET)));
        assert_eq!(find("gatehouse-000000000000.css"), None);
        assert_eq!(find("style.css"), None);
        assert_eq!(stylesheet_href(), format!("/assets/{name}"));
    }

    /// Every text colour of the stylesheet, in light and in dark, against the
    /// backgrounds it is drawn on.
    #[test]
    fn the_stylesheets_palette_meets_aa_in_both_schemes() {
        let css = STYLESHEET;
        let dark_at = css.find("prefers-color-scheme: dark").unwrap();
        let (light, dark) = css.split_at(dark_at);
        let var = |block: &str, name: &str| -> [u8; 3] {
            let at = block
                .find(&format!("--{name}:"))
                .unwrap_or_else(|| panic!("--{name}"));
            let value = block[at..]
                .split(':')
                .nth(1)
                .unwrap()
                .split(';')
                .next()
                .unwrap();
            parse_hex(value.trim()).unwrap_or_else(|| panic!("--{name}: {value}"))
        };
        // A tenant's colour is checked against this background.
        assert_eq!(var(light, "bg"), crate::branding::LIGHT_BACKGROUND);
        for (scheme, block) in [("light", light), ("dark", dark)] {
            let pairs = [
                ("text", "bg"),
                ("text", "surface"),
                ("muted", "surface"),
                ("muted", "bg"),
                ("primary", "surface"),
                ("on-primary", "primary"),
                ("danger", "surface"),
                ("text", "danger-bg"),
                ("text", "ok-bg"),
                ("text", "info-bg"),
            ];
            for (fg, bg) in pairs {
                let r = ratio(var(block, fg), var(block, bg));
                assert!(r >= AA_TEXT, "{scheme}: --{fg} on --{bg} is {r:.2}:1");
            }
        }
    }
}
