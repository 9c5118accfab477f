//! A tenant's primary colour: the background of its pages' main buttons
//! (under white text) and, in the light scheme, the colour of links and
//! secondary buttons on the page. A colour is accepted only when both meet
//! WCAG 2.1 AA for normal text (success criterion 1.4.3, 4.5:1).

use super::contrast::{AA_TEXT, parse_hex, ratio};
use serde::{Deserialize, Deserializer, Serialize};

/// The text drawn on the primary colour (the main buttons' labels).
pub const ON_PRIMARY: [u8; 3] = [0xff, 0xff, 0xff];

/// The light scheme's page background (`--bg` of `console/style.css`):
/// links in the primary colour are drawn on it and on white cards.
pub const LIGHT_BACKGROUND: [u8; 3] = [0xf5, 0xf6, 0xf8];

/// A validated `#rrggbb` colour (lower case) that meets the rule above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrandColor([u8; 3]);

impl BrandColor {
    /// `#rrggbb` or `#rgb`; refused when white text on it, or it on the
    /// light page background, is under 4.5:1.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let rgb = parse_hex(raw).ok_or_else(|| {
            format!("primary_color {raw:?} is not a hex colour such as \"#1f5fbf\"")
        })?;
        let on_it = ratio(ON_PRIMARY, rgb);
        let on_page = ratio(rgb, LIGHT_BACKGROUND);
        if on_it < AA_TEXT || on_page < AA_TEXT {
            return Err(format!(
                "primary_color {raw:?} is too light: white text on it has a contrast of \
                 {on_it:.2}:1 and it has {on_page:.2}:1 on the light page background; \
                 WCAG 2.1 AA needs {AA_TEXT}:1 for both, so choose a darker colour"
            ));
        }
        Ok(Self(rgb))
    }

    /// `#rrggbb`, lower case.
    pub fn hex(&self) -> String {
        let [r, g, b] = self.0;
        format!("#{r:02x}{g:02x}{b:02x}")
    }
}

impl Serialize for BrandColor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.hex())
    }
}

impl<'de> Deserialize<'de> for BrandColor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dark_enough_colours_are_kept_in_lower_case_six_digits() {
        assert_eq!(BrandColor::parse("#1F5FBF").unwrap().hex(), "#1f5fbf");
        assert_eq!(BrandColor::parse("#000").unwrap().hex(), "#000000");
        assert_eq!(BrandColor::parse("#7a1f5c").unwrap().hex(), "#7a1f5c");
    }

    #[test]
    fn colours_that_fail_aa_are_refused_with_the_ratio() {
        let e = BrandColor::parse("#ffcc00").unwrap_err();
        assert_eq!(
            e,
            "primary_color \"#ffcc00\" is too light: white text on it has a contrast of \
             1.51:1 and it has 1.40:1 on the light page background; WCAG 2.1 AA needs \
             4.5:1 for both, so choose a darker colour"
        );
        // #767676 passes on white (4.54:1) but not on the grey page (4.20:1).
        let e = BrandColor::parse("#767676").unwrap_err();
        assert!(e.contains("4.54:1 and it has 4.20:1"), "{e}");
        assert!(BrandColor::parse("#6b6b6b").is_ok());
    }

    #[test]
    fn only_hex_colours_parse() {
        for bad in ["red", "1f5fbf", "#1f5fb", "rgb(0,0,0)", "#1f5fbf80"] {
            let e = BrandColor::parse(bad).unwrap_err();
            assert!(e.contains("not a hex colour"), "{bad}: {e}");
        }
    }

    #[test]
    fn stored_colours_round_trip() {
        let c = BrandColor::parse("#123456").unwrap();
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, r##""#123456""##);
        assert_eq!(serde_json::from_str::<BrandColor>(&json).unwrap(), c);
        assert!(serde_json::from_str::<BrandColor>(r##""#ffff00""##).is_err());
    }
}
