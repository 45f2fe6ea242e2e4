//! Portal values: a slug that is safe in a URL, colours that are safe in CSS.

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
                code: "invalid_format".into(),
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
                code: "invalid_format".into(),
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
