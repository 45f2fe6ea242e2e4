//! Validation rules shared by the API (authoritative) and the SPA (early feedback).

/// A portal slug: 1-63 of `a-z`, `0-9` and `-`, not starting or ending with `-`.
pub fn is_valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A CSS colour as `#rrggbb`.
pub fn is_valid_hex_color(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// An email address of plausible shape: one `@`, a non-empty local part, a dotted domain,
/// no spaces, at most 254 characters. Deliverability is proven by the invitation link.
pub fn is_plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password accepted (bounds the cost of hashing it).
pub const MAX_PASSWORD_BYTES: usize = 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(is_plausible_email("ann@acme.example"));
        assert!(!is_plausible_email("ann"));
        assert!(!is_plausible_email("@acme.example"));
        assert!(!is_plausible_email("ann@localhost"));
        assert!(!is_plausible_email("ann @acme.example"));
        assert!(!is_plausible_email("a@b@c.example"));
    }

    #[test]
    fn slugs_are_lowercase_words_joined_by_hyphens() {
        assert!(is_valid_slug("acme"));
        assert!(is_valid_slug("partner-central-2"));
        assert!(!is_valid_slug(""));
        assert!(!is_valid_slug("-acme"));
        assert!(!is_valid_slug("Acme"));
        assert!(!is_valid_slug("a/b"));
        assert!(!is_valid_slug(&"a".repeat(64)));
    }

    #[test]
    fn colours_are_six_hex_digits() {
        assert!(is_valid_hex_color("#1d4ed8"));
        assert!(!is_valid_hex_color("1d4ed8"));
        assert!(!is_valid_hex_color("#1d4ed"));
        assert!(!is_valid_hex_color("#zzzzzz"));
    }
}
