//! The language of the pages: one Fluent catalogue per language (`en.ftl`,
//! `ru.ftl` beside this file), the choice between them, and the text a page
//! needs in the chosen one. Every user-facing string of the sign-in pages
//! goes through here; a key missing from a catalogue fails a test.

mod localized;
mod negotiate;

pub use localized::Localized;
pub use negotiate::negotiate;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::LazyLock;

/// The languages with a complete catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    En,
    Ru,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Ru];

    /// The BCP 47 tag, for `<html lang>` and `ui_locales_supported`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ru => "ru",
        }
    }

    /// The locale whose tag is exactly `tag` (settings and tenant files).
    pub fn exact(tag: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.tag() == tag)
    }

    /// The supported tags, for messages: `en, ru`.
    pub fn known() -> String {
        Self::ALL.map(Self::tag).join(", ")
    }

    /// The locale whose primary language subtag is `tag`'s (`ru-RU` → ru).
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.tag() == primary)
    }

    fn source(self) -> &'static str {
        match self {
            Locale::En => include_str!("en.ftl"),
            Locale::Ru => include_str!("ru.ftl"),
        }
    }
}

struct Catalogue {
    locale: Locale,
    bundle: FluentBundle<FluentResource>,
}

static CATALOGUES: LazyLock<Vec<Catalogue>> = LazyLock::new(|| {
    Locale::ALL
        .into_iter()
        .map(|locale| {
            let resource =
                FluentResource::try_new(locale.source().to_owned()).unwrap_or_else(|(r, _)| r);
            let lang = locale.tag().parse().unwrap_or_default();
            let mut bundle = FluentBundle::new_concurrent(vec![lang]);
            // No Unicode isolation marks around arguments: the pages are
            // HTML, escaped by maud, and the marks would show in titles.
            bundle.set_use_isolating(false);
            let _ = bundle.add_resource(resource);
            Catalogue { locale, bundle }
        })
        .collect()
});

fn bundle(locale: Locale) -> &'static FluentBundle<FluentResource> {
    let found = CATALOGUES.iter().find(|c| c.locale == locale);
    match found.or_else(|| CATALOGUES.first()) {
        Some(c) => &c.bundle,
        None => unreachable!("Locale::ALL is not empty"),
    }
}

/// A message of the catalogues and its arguments: what code outside the
/// pages (a request's parser, the sign-in flow) hands them to show. Its
/// `Display` is the English text, for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Message {
    pub fn new(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, value.into()));
        self
    }
}

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&Text::default().message(self))
    }
}

/// The text of one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Text {
    pub locale: Locale,
}

impl Text {
    pub fn new(locale: Locale) -> Self {
        Self { locale }
    }

    /// The message `key`; the key itself if the catalogue lacks it (a test
    /// keeps the catalogues complete).
    pub fn get(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// The message `key` with its `{ $name }` arguments.
    pub fn with(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            fa.set(*k, FluentValue::from(*v));
        }
        self.format(key, Some(&fa))
    }

    /// A [`Message`] in this language.
    pub fn message(&self, m: &Message) -> String {
        let args: Vec<(&str, &str)> = m.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.with(m.key, &args)
    }

    fn format(&self, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let b = bundle(self.locale);
        let Some(pattern) = b.get_message(key).and_then(|m| m.value()) else {
            return key.to_owned();
        };
        let mut errors = Vec::new();
        b.format_pattern(pattern, args, &mut errors).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fluent_syntax::ast;
    use std::collections::BTreeSet;

    fn keys(locale: Locale) -> BTreeSet<String> {
        let resource = match FluentResource::try_new(locale.source().to_owned()) {
            Ok(r) => r,
            Err((_, errors)) => panic!("{}.ftl does not parse: {errors:?}", locale.tag()),
        };
        resource
            .entries()
            .filter_map(|e| match e {
                ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect()
    }

    /// Every catalogue has exactly the keys of the English one, and each
    /// message formats without error in each language.
    #[test]
    fn the_catalogues_are_complete() {
        let english = keys(Locale::En);
        assert!(english.len() > 20, "{english:?}");
        for locale in Locale::ALL {
            let these = keys(locale);
            let missing: Vec<_> = english.difference(&these).collect();
            let extra: Vec<_> = these.difference(&english).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", locale.tag());
            assert!(extra.is_empty(), "{} has unknown {extra:?}", locale.tag());
            let b = bundle(locale);
            for key in &english {
                let pattern = b.get_message(key).and_then(|m| m.value());
                let pattern =
                    pattern.unwrap_or_else(|| panic!("{}: {key} has no value", locale.tag()));
                let mut args = FluentArgs::new();
                for name in [
                    "tenant", "client", "user", "status", "detail", "path", "date", "count",
                    "code", "address",
                ] {
                    args.set(name, FluentValue::from("x"));
                }
                let mut errors = Vec::new();
                let text = b.format_pattern(pattern, Some(&args), &mut errors);
                assert!(errors.is_empty(), "{}: {key}: {errors:?}", locale.tag());
                assert!(!text.trim().is_empty(), "{}: {key} is empty", locale.tag());
            }
        }
    }

    #[test]
    fn messages_take_their_arguments_and_unknown_keys_show_as_themselves() {
        let ru = Text::new(Locale::Ru);
        assert_eq!(
            ru.with("login-heading", &[("tenant", "Acme")]),
            "Вход в Acme"
        );
        let en = Text::new(Locale::En);
        assert_eq!(
            en.with("login-heading", &[("tenant", "Acme")]),
            "Sign in to Acme"
        );
        assert_eq!(en.get("no-such-key"), "no-such-key");
    }

    #[test]
    fn tags_name_the_catalogues() {
        assert_eq!(Locale::from_tag("ru-RU"), Some(Locale::Ru));
        assert_eq!(Locale::from_tag("EN_gb"), Some(Locale::En));
        assert_eq!(Locale::from_tag("de"), None);
        assert_eq!(Locale::ALL.map(Locale::tag), ["en", "ru"]);
        assert_eq!(Locale::exact("ru"), Some(Locale::Ru));
        assert_eq!(
            Locale::exact("ru-RU"),
            None,
            "settings name the language exactly"
        );
        assert_eq!(Locale::known(), "en, ru");
    }
}
