//! WCAG 2.1 contrast (success criterion 1.4.3): the relative luminance of an
//! sRGB colour and the ratio between two. The pages' palette is checked with
//! it (`console::assets`' tests), and so is a tenant's primary colour
//! ([`super::BrandColor`]).

/// `#rrggbb` (or `#rgb`) as its three channels.
pub fn parse_hex(color: &str) -> Option<[u8; 3]> {
    let hex = color.strip_prefix('#')?;
    let channel = |s: &str| u8::from_str_radix(s, 16).ok();
    match hex.len() {
        6 if hex.is_ascii() => Some([
            channel(&hex[0..2])?,
            channel(&hex[2..4])?,
            channel(&hex[4..6])?,
        ]),
        3 if hex.is_ascii() => {
            let d = |i: usize| channel(&hex[i..=i]).map(|v| v * 17);
            Some([d(0)?, d(1)?, d(2)?])
        }
        _ => None,
    }
}

/// Relative luminance (WCAG 2.1, "relative luminance"), 0 for black to 1 for white.
pub fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/// The contrast ratio of two colours, 1 to 21.
pub fn ratio(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la >= lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// WCAG AA for normal text.
pub const AA_TEXT: f64 = 4.5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn black_on_white_is_21_and_equal_colours_are_1() {
        let (black, white) = ([0, 0, 0], [255, 255, 255]);
        assert!((ratio(black, white) - 21.0).abs() < 1e-9);
        assert!((ratio(white, black) - 21.0).abs() < 1e-9);
        assert!((ratio(white, white) - 1.0).abs() < 1e-9);
        // WCAG's own example threshold: #767676 on white is just above 4.5.
        let grey = parse_hex("#767676").unwrap();
        assert!(ratio(grey, white) > 4.5 && ratio(grey, white) < 4.6);
    }

    #[test]
    fn hex_colours_parse_in_both_lengths_and_nothing_else() {
        assert_eq!(parse_hex("#1f5fbf"), Some([0x1f, 0x5f, 0xbf]));
        assert_eq!(parse_hex("#fff"), Some([255, 255, 255]));
        for bad in ["1f5fbf", "#1f5fb", "#gggggg", "#1f5fbf0", "red", "#ééé"] {
            assert_eq!(parse_hex(bad), None, "{bad}");
        }
    }
}
