//! QR codes as inline SVG (the `qrcode` crate): no JavaScript, no image
//! request, nothing the pages' CSP must allow (the SVG's colours are
//! presentation attributes, not styles).

use maud::{Markup, PreEscaped};
use qrcode::{EcLevel, QrCode};

/// `text` as an SVG QR code labelled for screen readers; `None` when it is
/// too long for a QR code.
pub fn svg(text: &str, label: &str) -> Option<Markup> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let rendered = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    // Without the XML declaration: the SVG is inside an HTML page.
    let start = rendered.find("<svg")?;
    let label = maud::html! { (label) }.into_string();
    let body = rendered[start + 4..].to_owned();
    Some(PreEscaped(format!(
        r#"<svg class="qr" role="img" aria-label="{label}"{body}"#
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_otpauth_uri_becomes_a_labelled_svg() {
        let uri = "otpauth://totp/Acme:alice?secret=JBSWY3DPEHPK3PXP&issuer=Acme";
        let svg = svg(uri, "QR code \"for\" <you>").unwrap().into_string();
        assert!(
            svg.starts_with(
                r#"<svg class="qr" role="img" aria-label="QR code &quot;for&quot; &lt;you&gt;" "#
            ),
            "{svg}"
        );
        assert!(svg.ends_with("</svg>"), "{svg}");
        assert!(!svg.contains("<?xml"));
        assert!(!svg.contains("style"));
        assert!(svg.contains("<path"));
        assert_eq!(svg.matches("<svg").count(), 1);
    }
}
