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

#[cfg(test)]
mod tests {
    use super::*;

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
