//! The delegation chain of a token (RFC 8693 §4.1): who acts for the
//! subject, as the JWT `act` claim nests it.

/// RFC 8693 §4.1 `act`: the current actor outermost, each earlier actor
/// nested in the `act` of the one after it.
pub fn act_claim(actors: &[String]) -> Option<serde_json::Value> {
    actors.iter().rev().fold(None, |inner, actor| {
        let mut act = serde_json::json!({ "sub": actor });
        if let Some(inner) = inner {
            act["act"] = inner;
        }
        Some(act)
    })
}

/// The chain an `act` claim names, current actor first (at most
/// [`MAX_ACTORS`] deep; deeper nesting is ignored).
pub(super) fn actors_of(mut act: Option<&serde_json::Value>) -> Vec<String> {
    let mut actors = Vec::new();
    while let Some(sub) = act.and_then(|a| a.get("sub")).and_then(|s| s.as_str()) {
        if actors.len() == MAX_ACTORS {
            break;
        }
        actors.push(sub.to_owned());
        act = act.and_then(|a| a.get("act"));
    }
    actors
}

/// The longest delegation chain a token carries (token exchange refuses to
/// make a longer one).
pub const MAX_ACTORS: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn act_nests_earlier_actors_and_reads_back_in_order() {
        let chain: Vec<String> = ["c", "b", "a"].map(String::from).into();
        let act = act_claim(&chain).unwrap();
        assert_eq!(
            act,
            serde_json::json!({"sub": "c", "act": {"sub": "b", "act": {"sub": "a"}}})
        );
        assert_eq!(actors_of(Some(&act)), chain);
        assert_eq!(act_claim(&[]), None);
        assert!(actors_of(None).is_empty());
        let deep: Vec<String> = (0..20).map(|i| i.to_string()).collect();
        assert_eq!(actors_of(act_claim(&deep).as_ref()).len(), MAX_ACTORS);
    }
}
