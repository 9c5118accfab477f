//! Which catalogue a page is shown in: the request's `ui_locales` first
//! (OpenID Connect Core §3.1.2.1: "End-User's preferred languages and scripts
//! for the user interface, represented as a space-separated list of BCP47
//! language tag values, ordered by preference"), then the browser's
//! `Accept-Language` (RFC 9110 §12.5.4, by quality value), then the tenant's
//! default. An unsupported tag is skipped, never an error (Core: "An error
//! SHOULD NOT result if some or all of the requested locales are not
//! supported").

use super::Locale;

pub fn negotiate(
    ui_locales: Option<&str>,
    accept_language: Option<&str>,
    default: Locale,
) -> Locale {
    ui_locales
        .and_then(|tags| tags.split_whitespace().find_map(Locale::from_tag))
        .or_else(|| accept_language.and_then(from_accept_language))
        .unwrap_or(default)
}

/// The supported locale the header prefers most; ties keep header order.
fn from_accept_language(header: &str) -> Option<Locale> {
    let mut best: Option<(u16, Locale)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        // No q: 1. A q that is not a qvalue: the item is malformed, skipped.
        let quality = match parts.find_map(|p| p.trim().strip_prefix("q=")) {
            None => 1000,
            Some(q) => match parse_quality(q) {
                Some(q) => q,
                None => continue,
            },
        };
        if quality == 0 {
            continue;
        }
        let Some(locale) = Locale::from_tag(tag) else {
            continue;
        };
        if best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, locale));
        }
    }
    best.map(|(_, l)| l)
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in
/// thousandths; `None` for anything else.
fn parse_quality(q: &str) -> Option<u16> {
    let (int, frac) = q.split_once('.').unwrap_or((q, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac: u16 = format!("{frac:0<3}").parse().ok()?;
    match int {
        "0" => Some(frac),
        "1" if frac == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Locale::{En, Ru};

    #[test]
    fn ui_locales_come_first_in_their_order_skipping_unsupported_tags() {
        assert_eq!(negotiate(Some("ru"), Some("en"), En), Ru);
        assert_eq!(negotiate(Some("de fr-CA ru-RU en"), None, En), Ru);
        assert_eq!(
            negotiate(Some("de"), Some("ru;q=0.5"), En),
            Ru,
            "then Accept-Language"
        );
        assert_eq!(negotiate(Some("  "), None, Ru), Ru, "then the default");
    }

    #[test]
    fn accept_language_goes_by_quality() {
        assert_eq!(negotiate(None, Some("en;q=0.4, ru;q=0.9"), En), Ru);
        assert_eq!(
            negotiate(None, Some("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7"), En),
            Ru
        );
        assert_eq!(negotiate(None, Some("de-DE, en;q=0.5"), Ru), En);
        assert_eq!(
            negotiate(None, Some("ru;q=0, de"), En),
            En,
            "q=0 means not this one"
        );
        assert_eq!(
            negotiate(None, Some("ru, en"), En),
            Ru,
            "ties keep header order"
        );
        assert_eq!(
            negotiate(None, Some("ru;q=2, en;q=0.1"), Ru),
            En,
            "q=2 is no quality"
        );
        assert_eq!(negotiate(None, Some("*"), Ru), Ru);
    }

    #[test]
    fn qualities_follow_the_grammar() {
        assert_eq!(parse_quality("1"), Some(1000));
        assert_eq!(parse_quality("1.000"), Some(1000));
        assert_eq!(parse_quality("0.5"), Some(500));
        assert_eq!(parse_quality("0.123"), Some(123));
        for bad in ["1.5", "0.1234", "2", "-0.5", "0.x", ""] {
            assert_eq!(parse_quality(bad), None, "{bad}");
        }
    }
}
