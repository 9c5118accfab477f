//! Rows of a `LEFT JOIN` of a parent with its children, folded back into one
//! parent per row with the set of its children: one query instead of two.

use std::collections::BTreeSet;

/// Folds `(parent, Some(child) | None)` rows into `(parent, children)`,
/// keeping the rows' order. The rows of one parent must be adjacent (the
/// query orders by a unique column of the parent); `key` names the parent.
pub(super) fn group_joined<P, K: PartialEq + ?Sized>(
    rows: Vec<(P, Option<String>)>,
    key: impl Fn(&P) -> &K,
) -> Vec<(P, BTreeSet<String>)> {
    let mut out: Vec<(P, BTreeSet<String>)> = Vec::new();
    for (parent, child) in rows {
        let same = out.last().is_some_and(|(p, _)| key(p) == key(&parent));
        if !same {
            out.push((parent, BTreeSet::new()));
        }
        if let (Some(child), Some((_, children))) = (child, out.last_mut()) {
            children.insert(child);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::group_joined;

    fn row(p: &str, c: Option<&str>) -> (String, Option<String>) {
        (p.to_owned(), c.map(str::to_owned))
    }

    #[test]
    fn parents_keep_their_order_and_collect_their_children() {
        let rows = vec![
            row("a", Some("x")),
            row("a", Some("y")),
            row("b", None),
            row("c", Some("z")),
        ];
        let grouped = group_joined(rows, |p: &String| p.as_str());
        let names: Vec<(&str, Vec<&str>)> = grouped
            .iter()
            .map(|(p, c)| (p.as_str(), c.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            names,
            vec![("a", vec!["x", "y"]), ("b", vec![]), ("c", vec!["z"])]
        );
    }

    #[test]
    fn no_rows_no_parents() {
        let grouped = group_joined(Vec::<(String, Option<String>)>::new(), |p| p.as_str());
        assert!(grouped.is_empty());
    }
}
