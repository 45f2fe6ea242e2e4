//! Validation rules shared by the API (authoritative) and the SPA (early feedback).

use crate::auth::ProfilePatch;
use crate::{FieldCode, FieldError, LoginRequest};

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

/// A display name (people, organisations, portals): 1-100 characters after trimming.
pub fn check_name(field: &str, name: &str, errors: &mut Vec<FieldError>) {
    let n = name.trim().chars().count();
    if n == 0 {
        errors.push(FieldError::new(field, FieldCode::Required, "is required"));
    } else if n > 100 {
        errors.push(FieldError::new(
            field,
            FieldCode::TooLong,
            "must be at most 100 characters",
        ));
    }
}

/// A host name such as `portal.acme.example`: lowercase labels of letters, digits and
/// hyphens, at least two of them.
pub fn is_valid_hostname(s: &str) -> bool {
    s.len() <= 253
        && s.contains('.')
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// `frame-ancestors` sources: space-separated `https://host[:port]` origins, nothing that
/// could add another CSP directive.
pub fn is_valid_frame_ancestors(s: &str) -> bool {
    let origins: Vec<&str> = s.split_whitespace().collect();
    !origins.is_empty()
        && origins.len() <= 10
        && origins.iter().all(|o| {
            o.strip_prefix("https://").is_some_and(|rest| {
                let host = rest.split_once(':').map_or(rest, |(h, port)| {
                    if port.parse::<u16>().is_ok() { h } else { "" }
                });
                is_valid_hostname(host)
            })
        })
}

/// Profile fields: name 1-100 characters; title up to 100; phone up to 30 of digits, spaces
/// and `+-().`. Every bad field is reported.
pub fn check_profile(p: &ProfilePatch) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Some(name) = &p.name {
        check_name("name", name, &mut errors);
    }
    if p.title.as_deref().is_some_and(|t| t.chars().count() > 100) {
        errors.push(FieldError::new(
            "title",
            FieldCode::TooLong,
            "must be at most 100 characters",
        ));
    }
    if p.phone.as_deref().is_some_and(|ph| {
        ph.chars().count() > 30
            || !ph
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
    }) {
        errors.push(FieldError::new(
            "phone",
            FieldCode::InvalidFormat,
            "must be up to 30 digits, spaces and + - ( ) .",
        ));
    }
    errors
}

/// A sign-in request's fields (the password's strength is not judged here: only its size).
pub fn check_login(body: &LoginRequest) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if body.email.trim().is_empty() {
        errors.push(FieldError::new("email", FieldCode::Required, "is required"));
    } else if !is_plausible_email(body.email.trim()) {
        errors.push(FieldError::new(
            "email",
            FieldCode::InvalidFormat,
            "must be an email address",
        ));
    }
    if body.password.is_empty() {
        errors.push(FieldError::new(
            "password",
            FieldCode::Required,
            "is required",
        ));
    } else if body.password.len() > MAX_PASSWORD_BYTES {
        errors.push(FieldError::new(
            "password",
            FieldCode::TooLong,
            "must be at most 1024 bytes",
        ));
    }
    if let Some(p) = &body.portal
        && !is_valid_slug(p)
    {
        errors.push(FieldError::new(
            "portal",
            FieldCode::InvalidFormat,
            "must be a portal slug",
        ));
    }
    errors
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
    fn names_profiles_and_sign_ins_name_every_bad_field() {
        let mut errors = Vec::new();
        check_name("name", "  ", &mut errors);
        check_name("company", &"x".repeat(101), &mut errors);
        assert_eq!(errors[0].code, FieldCode::Required);
        assert_eq!(errors[1].code, FieldCode::TooLong);
        let profile = ProfilePatch {
            name: Some("Ann".into()),
            title: Some("t".repeat(101)),
            phone: Some("call me".into()),
        };
        let fields: Vec<_> = check_profile(&profile)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["title", "phone"]);
        let login = LoginRequest {
            email: "ann".into(),
            password: String::new(),
            portal: Some("Not A Slug".into()),
        };
        let fields: Vec<_> = check_login(&login).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["email", "password", "portal"]);
        assert!(is_valid_hostname("portal.acme.example"));
        assert!(!is_valid_hostname("Portal.acme.example"));
        assert!(is_valid_frame_ancestors(
            "https://crm.acme.example https://x.example:8443"
        ));
        assert!(!is_valid_frame_ancestors(
            "https://crm.acme.example; script-src *"
        ));
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
