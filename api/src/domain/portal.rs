//! Portal values: a slug that is safe in a URL, colours that are safe in CSS.

use portcullis_shared::FieldCode;
use portcullis_shared::validate::{is_valid_hex_color, is_valid_slug};
use portcullis_shared::{Branding, FieldError, PortalKind};

/// A portal's URL name, as in `/p/{slug}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    /// Accepts 1-63 lowercase letters, digits and inner hyphens.
    pub fn parse(s: &str) -> Result<Slug, FieldError> {
        if is_valid_slug(s) {
            Ok(Slug(s.to_owned()))
        } else {
            Err(FieldError {
                field: "slug".into(),
                code: FieldCode::InvalidFormat,
                message: "must be 1-63 lowercase letters, digits or inner hyphens".into(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A portal to create.
#[derive(Debug, Clone)]
pub struct NewPortal {
    pub slug: Slug,
    pub idle_timeout_secs: i64,
    pub absolute_lifetime_secs: i64,
    pub name: String,
    pub kind: PortalKind,
    pub branding: Branding,
    pub custom_domain: Option<String>,
    pub frame_ancestors: Option<String>,
    pub published: bool,
}

/// Checks branding colours; every bad field is reported.
pub fn validate_branding(b: &Branding) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (field, value) in [
        ("branding.primary_color", &b.primary_color),
        ("branding.background_color", &b.background_color),
    ] {
        if !is_valid_hex_color(value) {
            errors.push(FieldError {
                field: field.into(),
                code: FieldCode::InvalidFormat,
                message: "must be a colour as #rrggbb".into(),
            });
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_with_a_slash_is_refused_with_its_field_named() {
        let err = Slug::parse("a/b").unwrap_err();
        assert_eq!(err.field, "slug");
    }

    #[test]
    fn both_bad_colours_are_reported() {
        let b = Branding {
            logo_url: None,
            primary_color: "red".into(),
            background_color: "#12345".into(),
            favicon_url: None,
            login_image_url: None,
            email_header_url: None,
        };
        assert_eq!(validate_branding(&b).len(), 2);
    }
}

/// Session timeouts a portal may set.
pub const IDLE_MINUTES: std::ops::RangeInclusive<i64> = 5..=1440;
pub const LIFETIME_HOURS: std::ops::RangeInclusive<i64> = 1..=720;
/// Largest inline (`data:`) image accepted in branding.
pub const MAX_IMAGE_URL_BYTES: usize = 512 * 1024;

fn field_error(field: &str, code: FieldCode, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        code,
        message: message.into(),
    }
}

pub use portcullis_shared::validate::{check_name, is_valid_frame_ancestors, is_valid_hostname};

fn check_image(field: &str, url: &Option<String>, errors: &mut Vec<FieldError>) {
    let Some(url) = url else { return };
    let ok =
        (url.starts_with("https://") && url.len() <= 2048 && !url.contains(char::is_whitespace))
            || (url.starts_with("data:image/") && url.len() <= MAX_IMAGE_URL_BYTES);
    if !ok {
        errors.push(field_error(
            field,
            FieldCode::InvalidFormat,
            "must be an https:// URL or a data:image/ URI of at most 512 KiB",
        ));
    }
}

/// Colours and images of a portal's branding; every bad field is reported.
pub fn check_branding(b: &Branding, errors: &mut Vec<FieldError>) {
    errors.extend(validate_branding(b));
    check_image("branding.logo_url", &b.logo_url, errors);
    check_image("branding.favicon_url", &b.favicon_url, errors);
    check_image("branding.login_image_url", &b.login_image_url, errors);
    check_image("branding.email_header_url", &b.email_header_url, errors);
}

/// Checks the optional portal settings shared by create and update.
pub fn check_settings(
    custom_domain: Option<&str>,
    frame_ancestors: Option<&str>,
    idle_minutes: Option<i64>,
    lifetime_hours: Option<i64>,
    errors: &mut Vec<FieldError>,
) {
    if custom_domain.is_some_and(|d| !is_valid_hostname(d)) {
        errors.push(field_error(
            "custom_domain",
            FieldCode::InvalidFormat,
            "must be a lowercase host name such as portal.acme.example",
        ));
    }
    if frame_ancestors.is_some_and(|f| !is_valid_frame_ancestors(f)) {
        errors.push(field_error(
            "frame_ancestors",
            FieldCode::InvalidFormat,
            "must be up to 10 space-separated https:// origins",
        ));
    }
    if idle_minutes.is_some_and(|m| !IDLE_MINUTES.contains(&m)) {
        errors.push(field_error(
            "idle_timeout_minutes",
            FieldCode::OutOfRange,
            "must be from 5 to 1440",
        ));
    }
    if lifetime_hours.is_some_and(|h| !LIFETIME_HOURS.contains(&h)) {
        errors.push(field_error(
            "session_lifetime_hours",
            FieldCode::OutOfRange,
            "must be from 1 to 720",
        ));
    }
}

#[cfg(test)]
mod settings_tests {
    use super::*;

    #[test]
    fn frame_ancestors_cannot_smuggle_another_directive() {
        assert!(is_valid_frame_ancestors(
            "https://crm.acme.example https://intranet.acme.example:8443"
        ));
        assert!(!is_valid_frame_ancestors("https://a.example; script-src *"));
        assert!(!is_valid_frame_ancestors("http://a.example"));
        assert!(!is_valid_frame_ancestors("*"));
        assert!(!is_valid_frame_ancestors(""));
    }

    #[test]
    fn hostnames_are_lowercase_dotted_labels() {
        assert!(is_valid_hostname("portal.acme.example"));
        assert!(!is_valid_hostname("Portal.acme.example"));
        assert!(!is_valid_hostname("localhost"));
        assert!(!is_valid_hostname("a..example"));
    }
}
