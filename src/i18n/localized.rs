//! A text given in one language or in several: a scope's description in a
//! tenant file is a plain string or a map from language to text. Stored in
//! one text column: a plain string as it is, several languages as their JSON
//! object (keys sorted). A plain text that would read back as such an object
//! is refused when the file is read ([`Localized::plain`]).

use super::Locale;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Localized {
    Plain(String),
    /// Language tag (`en`, `ru`) → text; never empty.
    ByLocale(BTreeMap<String, String>),
}

impl Localized {
    /// A plain text, unless stored it would read back as several languages.
    pub fn plain(text: &str) -> Result<Self, String> {
        match Self::from_stored(text) {
            Localized::Plain(_) => Ok(Localized::Plain(text.to_owned())),
            Localized::ByLocale(_) => {
                Err("a description may not be a JSON object; give its languages as a map".into())
            }
        }
    }

    /// Texts by language; every key must be a language the pages speak.
    pub fn by_locale(texts: BTreeMap<String, String>) -> Result<Self, String> {
        if texts.is_empty() {
            return Err("a description by language needs at least one language".into());
        }
        if let Some(bad) = texts.keys().find(|k| Locale::exact(k).is_none()) {
            return Err(format!(
                "{bad:?} is not a language the pages speak ({})",
                Locale::known()
            ));
        }
        Ok(Localized::ByLocale(texts))
    }

    pub fn to_stored(&self) -> String {
        match self {
            Localized::Plain(s) => s.clone(),
            Localized::ByLocale(m) => serde_json::to_string(m).unwrap_or_default(),
        }
    }

    pub fn from_stored(stored: &str) -> Self {
        if stored.trim_start().starts_with('{')
            && let Ok(m) = serde_json::from_str::<BTreeMap<String, String>>(stored)
            && !m.is_empty()
        {
            return Localized::ByLocale(m);
        }
        Localized::Plain(stored.to_owned())
    }

    /// The text in `locale`, else in `fallback`, else English, else any.
    pub fn get(&self, locale: Locale, fallback: Locale) -> &str {
        match self {
            Localized::Plain(s) => s,
            Localized::ByLocale(m) => [locale, fallback, Locale::En]
                .iter()
                .find_map(|l| m.get(l.tag()))
                .or_else(|| m.values().next())
                .map_or("", String::as_str),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn several_languages_store_and_read_back() {
        let l =
            Localized::by_locale(map(&[("ru", "Читать заметки"), ("en", "Read notes")])).unwrap();
        let stored = l.to_stored();
        assert_eq!(stored, r#"{"en":"Read notes","ru":"Читать заметки"}"#);
        let back = Localized::from_stored(&stored);
        assert_eq!(back, l);
        assert_eq!(back.get(Locale::Ru, Locale::En), "Читать заметки");
        assert_eq!(back.get(Locale::En, Locale::Ru), "Read notes");
    }

    #[test]
    fn a_missing_language_falls_back_to_the_default_then_english() {
        let only_ru = Localized::by_locale(map(&[("ru", "Читать")])).unwrap();
        assert_eq!(only_ru.get(Locale::En, Locale::En), "Читать");
        let plain = Localized::from_stored("Read your notes");
        assert_eq!(plain.get(Locale::Ru, Locale::Ru), "Read your notes");
        assert_eq!(
            Localized::from_stored("{not json"),
            Localized::Plain("{not json".into())
        );
    }

    #[test]
    fn unknown_languages_and_ambiguous_plain_texts_are_refused() {
        assert_eq!(
            Localized::by_locale(map(&[("de", "Notizen")])).unwrap_err(),
            "\"de\" is not a language the pages speak (en, ru)"
        );
        assert!(Localized::by_locale(BTreeMap::new()).is_err());
        assert!(Localized::plain(r#"{"en": "x"}"#).is_err());
        assert_eq!(
            Localized::plain("{ braces }"),
            Ok(Localized::Plain("{ braces }".into()))
        );
    }
}
