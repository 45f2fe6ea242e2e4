//! Portal DTOs: what a sign-in page needs to know about a portal.

use serde::{Deserialize, Serialize};

use crate::permission::PortalKind;

/// A portal's branding, applied live in the SPA and in emails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Branding {
    /// Logo shown in the header and on the sign-in page (URL or `data:` URI).
    pub logo_url: Option<String>,
    /// Buttons, links and accents, as `#rrggbb`.
    #[cfg_attr(feature = "server", schema(example = "#1d4ed8"))]
    pub primary_color: String,
    /// Page background, as `#rrggbb`.
    #[cfg_attr(feature = "server", schema(example = "#f8fafc"))]
    pub background_color: String,
    /// Browser tab icon (URL or `data:` URI).
    pub favicon_url: Option<String>,
    /// Hero image on the sign-in screen (URL or `data:` URI).
    pub login_image_url: Option<String>,
    /// Header image of invitation and notification emails (URL or `data:` URI).
    pub email_header_url: Option<String>,
}

/// What the public sign-in page of a published portal shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PortalPublic {
    /// The portal's URL name, as in `/p/{slug}`.
    #[cfg_attr(feature = "server", schema(example = "acme"))]
    pub slug: String,
    /// Display name.
    #[cfg_attr(feature = "server", schema(example = "Acme Customer Hub"))]
    pub name: String,
    /// Customer or partner portal.
    #[serde(rename = "type")]
    pub kind: PortalKind,
    /// Colours and images.
    pub branding: Branding,
    /// Whether people may ask to join (an administrator approves each request).
    #[serde(default)]
    pub self_registration: bool,
}
