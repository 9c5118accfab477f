//! Lists of strings kept as JSON arrays in TEXT columns: portable across both
//! backends (no PostgreSQL arrays, no SQLite JSON1 needed). Diesel reads and
//! writes them through `deserialize_as = String` / `serialize_as = String`,
//! so a row struct holds the decoded list and no caller encodes by hand.

use std::ops::Deref;

/// A JSON array of strings in a `TEXT NOT NULL` column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextList(Vec<String>);

/// A JSON array of strings in a nullable `TEXT` column (`None` = NULL).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaybeTextList(Option<Vec<String>>);

/// A stored value that is not a JSON array of strings: the row is corrupt.
#[derive(Debug, thiserror::Error)]
#[error("a list column does not hold a JSON array of strings: {0}")]
pub struct NotAList(#[from] serde_json::Error);

fn encode(items: &[String]) -> String {
    serde_json::Value::from(items.to_vec()).to_string()
}

impl TryFrom<String> for TextList {
    type Error = NotAList;
    fn try_from(raw: String) -> Result<Self, NotAList> {
        Ok(Self(serde_json::from_str(&raw)?))
    }
}

impl From<TextList> for String {
    fn from(list: TextList) -> String {
        encode(&list.0)
    }
}

impl TryFrom<Option<String>> for MaybeTextList {
    type Error = NotAList;
    fn try_from(raw: Option<String>) -> Result<Self, NotAList> {
        Ok(Self(raw.map(|r| serde_json::from_str(&r)).transpose()?))
    }
}

impl From<MaybeTextList> for Option<String> {
    fn from(list: MaybeTextList) -> Option<String> {
        list.0.as_deref().map(encode)
    }
}

impl Deref for TextList {
    type Target = Vec<String>;
    fn deref(&self) -> &Vec<String> {
        &self.0
    }
}

impl Deref for MaybeTextList {
    type Target = Option<Vec<String>>;
    fn deref(&self) -> &Option<Vec<String>> {
        &self.0
    }
}

impl From<Vec<String>> for TextList {
    fn from(items: Vec<String>) -> Self {
        Self(items)
    }
}

impl<S: Into<String>> FromIterator<S> for TextList {
    fn from_iter<I: IntoIterator<Item = S>>(items: I) -> Self {
        Self(items.into_iter().map(Into::into).collect())
    }
}

impl From<Option<Vec<String>>> for MaybeTextList {
    fn from(items: Option<Vec<String>>) -> Self {
        Self(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_round_trips_through_its_column_text() {
        let list: TextList = ["a", "b \"quoted\""].into_iter().collect();
        let raw = String::from(list.clone());
        assert_eq!(raw, r#"["a","b \"quoted\""]"#);
        assert_eq!(TextList::try_from(raw).unwrap(), list);
        assert_eq!(String::from(TextList::default()), "[]");
    }

    #[test]
    fn null_and_present_lists_are_told_apart() {
        assert_eq!(Option::<String>::from(MaybeTextList::default()), None);
        let empty = MaybeTextList::from(Some(vec![]));
        assert_eq!(Option::<String>::from(empty.clone()).as_deref(), Some("[]"));
        assert_eq!(
            MaybeTextList::try_from(Some("[]".to_owned())).unwrap(),
            empty
        );
        assert_eq!(*MaybeTextList::try_from(None::<String>).unwrap(), None);
    }

    #[test]
    fn a_column_that_is_not_a_list_of_strings_is_refused() {
        for raw in ["", "{}", "[1]", "\"a\"", "[\"a\""] {
            assert!(TextList::try_from(raw.to_owned()).is_err(), "{raw}");
            assert!(
                MaybeTextList::try_from(Some(raw.to_owned())).is_err(),
                "{raw}"
            );
        }
    }
}
