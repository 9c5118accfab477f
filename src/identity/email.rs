//! Email addresses as accounts use them: a plausible shape, checked the same
//! way in tenant files and on the self-service API. Whether an address is
//! really the user's is for verification mail (later), not for this check.

/// `local@domain.tld`: one `@`, a dotted domain, no white space, at most 254
/// characters (RFC 5321 §4.5.3.1.3 caps a path at 256 with its brackets).
pub fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && s.len() <= 254
                && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// An address as a page may show it to someone who has only just typed a
/// password: the first and last character of the local part, the domain
/// (`a•••e@example.com`).
pub fn masked(address: &str) -> String {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return "•••".into();
    };
    let mut chars = local.chars();
    match (chars.next(), chars.next_back()) {
        (Some(first), Some(last)) => format!("{first}•••{last}@{domain}"),
        (Some(first), None) => format!("{first}•••@{domain}"),
        _ => format!("•••@{domain}"),
    }
}

#[cfg(test)]
mod tests {
    use super::{is_email, masked};

    #[test]
    fn a_masked_address_keeps_the_ends_of_the_local_part_and_the_domain() {
        assert_eq!(masked("alice@example.com"), "a•••e@example.com");
        assert_eq!(masked("a@example.com"), "a•••@example.com");
        assert_eq!(masked("bad"), "•••");
    }

    #[test]
    fn plausible_addresses_pass_and_the_rest_do_not() {
        for ok in ["alice@example.com", "a.b+tag@mail.example.org", "x@y.z"] {
            assert!(is_email(ok), "{ok}");
        }
        let long = format!("{}@example.com", "a".repeat(243));
        for bad in [
            "",
            "alice",
            "@example.com",
            "alice@example",
            "alice@.example.com",
            "alice@example.com.",
            "alice@a@example.com",
            "alice @example.com",
            long.as_str(),
        ] {
            assert!(!is_email(bad), "{bad}");
        }
        assert!(is_email(&format!("{}@example.com", "a".repeat(242))));
    }
}
